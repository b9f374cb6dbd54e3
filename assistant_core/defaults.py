"""Product defaults shared by the runtime's ``Settings`` and the Pulumi program.

A leaf module with no imports, so ``__main__.py`` (Pulumi) can read these values without importing
the domain, and one edit changes both the deployed stack and the code's fallback.
"""

from __future__ import annotations

DEFAULT_REGION = "ap-southeast-1"
DEFAULT_BEDROCK_MODEL = "global.anthropic.claude-haiku-4-5-20251001-v1:0"
DEFAULT_EMBEDDING_MODEL = "amazon.titan-embed-text-v2:0"
TITAN_DIMENSIONS = (256, 512, 1024)  # what Titan Text Embeddings v2 offers
DEFAULT_EMBEDDER = "titan:512"  # the index's embedder: Titan v2's middle size, near its 1024-d quality at half the size
# How long transcripts and audit events are kept (DynamoDB ttl, the audit archive).
DEFAULT_RETENTION_DAYS = 90
