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
