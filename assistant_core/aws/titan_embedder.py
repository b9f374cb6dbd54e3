"""The ``Embedder`` port over Bedrock Titan Text Embeddings V2 (``bedrock-runtime`` InvokeModel).

Titan V2 takes one text per call (there is no batch field), so ``embed`` calls it once per text; document
vectors are computed once per changed doc at sync time, query vectors once per question. The model is
multilingual and its ``dimensions`` is one of 256, 512 or 1024; the index records ``name`` (model and
dimension) and refuses to mix vectors of another embedder. Vectors are asked for normalised, and
normalised again here so the port's unit-length promise never depends on the service.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np
from botocore.exceptions import BotoCoreError, ClientError

from ..defaults import DEFAULT_EMBEDDING_MODEL, TITAN_DIMENSIONS
from ..errors import RetrievalError
from ..resilience import CircuitBreaker, Retrier, RetryPolicy
from .clients import bedrock_runtime
from .translate import error_code, is_retryable

DEFAULT_MODEL = DEFAULT_EMBEDDING_MODEL
DIMENSIONS = TITAN_DIMENSIONS
# Titan V2 accepts up to 8,192 tokens or 50,000 characters; a chunk or a question is far shorter, and a
# longer text says nothing more to a single vector.
MAX_CHARS = 50_000


class TitanEmbedder:
    def __init__(self, client: Any, *, model_id: str = DEFAULT_MODEL, dimension: int = 1024,
                 retrier: Retrier | None = None) -> None:
        if dimension not in DIMENSIONS:
            raise ValueError(f"Titan Text Embeddings V2 dimensions are {DIMENSIONS}, not {dimension}")
        self.client = client
        self.model_id = model_id
        self.dimension = dimension
        self.name = f"bedrock-{model_id}-{dimension}"
        # Query embedding runs while the visitor waits: short retries, and a breaker so an outage fails fast.
        self.retrier = retrier or Retrier(RetryPolicy(attempts=3, base_delay=0.2, max_delay=2.0), CircuitBreaker())

    @classmethod
    def for_region(cls, region: str, **options: Any) -> TitanEmbedder:
        return cls(bedrock_runtime(region), **options)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Shape ``(len(texts), dimension)``, float32, unit rows; a blank text gets a zero row without a call."""
        if isinstance(texts, str):
            raise TypeError("embed() takes a sequence of texts, not a single str")
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for i, text in enumerate(texts):
            if text.strip():
                out[i] = self._one(text[:MAX_CHARS])
        return out

    def _one(self, text: str) -> np.ndarray:
        body = json.dumps({"inputText": text, "dimensions": self.dimension, "normalize": True,
                           "embeddingTypes": ["float"]})
        try:
            response = self.retrier.run(
                lambda: self.client.invoke_model(modelId=self.model_id, body=body, contentType="application/json",
                                                 accept="application/json"),
                retryable=is_retryable,
                fail_fast=lambda: RetrievalError("embeddings: circuit open, not calling Titan"),
            )
            payload = json.loads(response["body"].read())
        except (ClientError, BotoCoreError) as e:
            raise RetrievalError(f"embeddings {self.model_id}: {error_code(e)}: {e}"[:500]) from e
        except (ValueError, KeyError) as e:
            raise RetrievalError(f"embeddings {self.model_id}: unreadable response: {e}"[:500]) from e
        vector = (payload.get("embeddingsByType") or {}).get("float") or payload.get("embedding")
        if not isinstance(vector, list) or len(vector) != self.dimension:
            got = len(vector) if isinstance(vector, list) else type(vector).__name__
            raise RetrievalError(f"embeddings {self.model_id}: expected {self.dimension} floats, got {got}")
        v = np.asarray(vector, dtype=np.float32)
        norm = float(np.linalg.norm(v))
        return v / norm if norm else v
