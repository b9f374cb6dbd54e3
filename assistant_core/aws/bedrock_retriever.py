"""The retriever port over a Bedrock Knowledge Base (``bedrock-agent-runtime`` Retrieve).

Title and URL come from the document's metadata sidecar (``title``, ``url`` attributes, written by
kb_sync) and fall back to the source URI, so a passage is always attributable. Passages under the
score floor are dropped: a weak passage invites the model to answer from it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import unquote, urlparse

from botocore.exceptions import BotoCoreError, ClientError

from assistant_core.retrieval.passages import Passage

from ..errors import RetrievalError
from ..resilience import CircuitBreaker, Retrier, RetryPolicy
from .clients import bedrock_agent_runtime
from .translate import error_code, is_retryable

DEFAULT_RESULTS = 5
MAX_RESULTS = 100  # the API's limit for numberOfResults
MAX_QUERY_CHARS = 20_000
SOURCE_URI_KEY = "x-amz-bedrock-kb-source-uri"
CHUNK_ID_KEY = "x-amz-bedrock-kb-chunk-id"
SEARCH_TYPES = ("HYBRID", "SEMANTIC")


class BedrockKnowledgeBaseRetriever:
    def __init__(
        self,
        client: Any,
        knowledge_base_id: str,
        *,
        search_type: str | None = None,
        metadata_filter: Mapping[str, Any] | None = None,
        min_score: float = 0.0,
        retrier: Retrier | None = None,
    ) -> None:
        if search_type is not None and search_type not in SEARCH_TYPES:
            raise ValueError(f"search_type must be one of {SEARCH_TYPES}, not {search_type!r}")
        self.client = client
        self.knowledge_base_id = knowledge_base_id
        self.search_type = search_type
        self.metadata_filter = metadata_filter
        self.min_score = min_score
        # Retrieval runs before the model: keep its retries short, the visitor is waiting.
        self.retrier = retrier or Retrier(RetryPolicy(attempts=3, base_delay=0.2, max_delay=1.0), CircuitBreaker())

    @classmethod
    def for_region(cls, region: str, knowledge_base_id: str, **options: Any) -> BedrockKnowledgeBaseRetriever:
        return cls(bedrock_agent_runtime(region), knowledge_base_id, **options)

    def retrieve(self, query: str, k: int = DEFAULT_RESULTS) -> list[Passage]:
        vector: dict[str, Any] = {"numberOfResults": max(1, min(k or DEFAULT_RESULTS, MAX_RESULTS))}
        if self.search_type:
            vector["overrideSearchType"] = self.search_type
        if self.metadata_filter:
            vector["filter"] = dict(self.metadata_filter)
        kwargs = {
            "knowledgeBaseId": self.knowledge_base_id,
            "retrievalQuery": {"text": query[:MAX_QUERY_CHARS]},
            "retrievalConfiguration": {"vectorSearchConfiguration": vector},
        }
        try:
            response = self.retrier.run(
                lambda: self.client.retrieve(**kwargs),
                retryable=is_retryable,
                fail_fast=lambda: RetrievalError("knowledge base: circuit open, not searching"),
            )
        except (ClientError, BotoCoreError) as e:
            raise RetrievalError(f"knowledge base {self.knowledge_base_id}: {error_code(e)}: {e}"[:500]) from e
        passages = [to_passage(r, i) for i, r in enumerate(response.get("retrievalResults") or [])]
        return [p for p in passages if p is not None and p.score >= self.min_score]


def to_passage(result: Mapping[str, Any], position: int) -> Passage | None:
    """One retrievalResult → a Passage (None for non-text content such as images or table rows)."""
    text = (result.get("content") or {}).get("text") or ""
    if not text.strip():
        return None
    meta = result.get("metadata") or {}
    source = str(meta.get(SOURCE_URI_KEY) or _location_uri(result.get("location") or {}))
    title = _string(meta.get("title")) or _title_from_uri(source) or "Untitled"
    url = _string(meta.get("url")) or source  # Passage.citation() passes only http(s) URLs on
    chunk_id = _string(meta.get(CHUNK_ID_KEY)) or str(result.get("documentId") or f"{source}#{position}")
    score = min(1.0, max(0.0, float(result.get("score") or 0.0)))
    return Passage(text=text, title=title, url=url, source=source, score=score, chunk_id=chunk_id)


def _location_uri(location: Mapping[str, Any]) -> str:
    # Every data source type names its URI differently: s3Location.uri, webLocation.url, ...
    for value in location.values():
        if isinstance(value, Mapping):
            for key in ("uri", "url"):
                if isinstance(value.get(key), str):
                    return value[key]
    return ""


def _title_from_uri(uri: str) -> str:
    """``s3://bucket/kb/shipping-and-returns.md`` → ``Shipping and returns``."""
    stem = PurePosixPath(unquote(urlparse(uri).path)).stem
    words = stem.replace("_", " ").replace("-", " ").split()
    return " ".join(words).capitalize() if words else ""


def _string(value: Any) -> str:
    # Sidecar STRING_LIST attributes come back as lists; take the first string.
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str)), "")
    return value.strip() if isinstance(value, str) else ""
