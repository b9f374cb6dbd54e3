"""The retrieval capability's ports: searching the knowledge base, and turning text into vectors.

``Retriever`` is what a turn asks for passages; Bedrock Knowledge Bases (``aws/bedrock_retriever.py``) and
the local hybrid index (``retrieval/index.py``) implement it.

``Embedder`` maps text to unit-length dense vectors for the hybrid index. Offline the index uses a static
model shipped inside a wheel (``local/embedder_wordllama.py``); in AWS it can use Bedrock Titan Text
Embeddings. The index records the embedder's ``name`` and ``dimension`` and never mixes vectors of two
embedders.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from assistant_core.retrieval.passages import Passage

if TYPE_CHECKING:
    # Only the annotation needs numpy: the Lambdas import this module for ``Retriever`` without the
    # ``local`` extra that installs numpy.
    import numpy as np


class Retriever(Protocol):
    """Searches the knowledge base. Raises ``RetrievalError`` when it cannot."""

    def retrieve(self, query: str, k: int) -> list[Passage]: ...


class Embedder(Protocol):
    name: str
    dimension: int

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Shape ``(len(texts), dimension)``, float32, rows L2-normalised (all zeros for a text with no tokens)."""
        ...


@dataclass(frozen=True)
class Blob:
    body: bytes
    etag: str  # changes whenever the body does


class BlobStore(Protocol):
    """Objects by key under one root: an S3 bucket prefix (``aws/blob_bucket.py``) or a local folder
    (``local/blob_folder.py``). Where published index versions live, and what kb_sync's documents are read
    from. Raises ``NotFound`` for a missing key and ``StorageError`` when the store cannot be reached."""

    location: str  # for logs: "s3://bucket/prefix/" or a folder path

    def get(self, key: str, *, if_none_match: str = "") -> Blob | None:
        """The object; ``None`` when its ETag still equals ``if_none_match`` (no body is transferred)."""
        ...

    def put(self, key: str, body: bytes, content_type: str = "application/octet-stream") -> None: ...

    def list(self, prefix: str = "") -> dict[str, str]:
        """Key -> ETag of every object under ``prefix``, keys relative to the store's root."""
        ...

    def retire(self, prefix: str) -> None:
        """Marks everything under ``prefix`` for removal (S3: a tag a lifecycle rule expires; a folder: deleted)."""
        ...
