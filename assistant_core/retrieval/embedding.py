"""The ``Embedder`` port: text → unit-length dense vectors, for the hybrid index.

Offline the index uses a static model shipped inside a wheel (``local/embedder_wordllama.py``); in AWS it
can use Bedrock Titan Text Embeddings. The index records the embedder's ``name`` and ``dimension`` and
never mixes vectors of two embedders.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np


class Embedder(Protocol):
    name: str
    dimension: int

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Shape ``(len(texts), dimension)``, float32, rows L2-normalised (all zeros for a text with no tokens)."""
        ...
