"""TitanEmbedder against an InvokeModel double speaking Titan Text Embeddings V2's wire format."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from assistant_core.aws import clients
from assistant_core.aws.titan_embedder import TitanEmbedder
from assistant_core.errors import RetrievalError
from assistant_core.retrieval.index import LocalIndex
from tests.doubles.bedrock_runtime import Embedding, InvokeModelDouble, aws_error

from .models import REGION, retrier


@pytest.fixture
def titan(aws_env: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[InvokeModelDouble]:
    with InvokeModelDouble() as double:
        monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", double.url)
        yield double


def embedder(sleeps: list[float] | None = None, dimension: int = 256, **kw: object) -> TitanEmbedder:
    return TitanEmbedder(clients.bedrock_runtime(REGION), dimension=dimension,
                         retrier=retrier([] if sleeps is None else sleeps, **kw))  # type: ignore[arg-type]


def test_request_shape_one_call_per_text_and_unit_float32_rows(titan: InvokeModelDouble) -> None:
    out = embedder().embed(["Orders ship within 2 days.", "Returns are free."])

    assert out.shape == (2, 256) and out.dtype == np.float32
    assert np.allclose(np.linalg.norm(out, axis=1), 1.0)
    assert titan.model_ids == ["amazon.titan-embed-text-v2:0"] * 2
    assert titan.bodies()[0] == {"inputText": "Orders ship within 2 days.", "dimensions": 256, "normalize": True,
                                 "embeddingTypes": ["float"]}
    request = titan.requests[0]
    assert request.headers["Content-Type"] == "application/json" and request.headers["Accept"] == "application/json"
    assert "/bedrock/aws4_request" in request.headers["Authorization"]


def test_blank_texts_get_zero_rows_without_a_call(titan: InvokeModelDouble) -> None:
    out = embedder().embed(["", "   ", "tea"])
    assert not out[0].any() and not out[1].any() and out[2].any()
    assert len(titan.requests) == 1


def test_throttling_is_retried_with_the_shared_backoff_then_succeeds(titan: InvokeModelDouble) -> None:
    sleeps: list[float] = []
    titan.script(aws_error(429, "ThrottlingException"), aws_error(503, "ServiceUnavailableException"),
                 Embedding([1.0] + [0.0] * 255))
    out = embedder(sleeps).embed(["tea"])
    assert out[0][0] == pytest.approx(1.0) and len(sleeps) == 2 and len(titan.requests) == 3


def test_persistent_throttling_becomes_a_retrieval_error(titan: InvokeModelDouble) -> None:
    titan.script(*[aws_error(429, "ThrottlingException")] * 3)
    with pytest.raises(RetrievalError, match="ThrottlingException"):
        embedder().embed(["tea"])


def test_a_validation_error_is_not_retried(titan: InvokeModelDouble) -> None:
    sleeps: list[float] = []
    titan.script(aws_error(400, "ValidationException", "Input is too long"))
    with pytest.raises(RetrievalError, match="ValidationException"):
        embedder(sleeps).embed(["tea"])
    assert sleeps == [] and len(titan.requests) == 1


def test_a_vector_of_the_wrong_size_is_refused(titan: InvokeModelDouble) -> None:
    titan.script(Embedding([0.5] * 10))
    with pytest.raises(RetrievalError, match="expected 256 floats, got 10"):
        embedder().embed(["tea"])


def test_an_open_circuit_fails_fast_without_calling(titan: InvokeModelDouble) -> None:
    titan.script(*[aws_error(503, "ServiceUnavailableException")] * 3)
    e = embedder(threshold=3)
    with pytest.raises(RetrievalError):
        e.embed(["tea"])
    calls = len(titan.requests)
    with pytest.raises(RetrievalError, match="circuit open"):
        e.embed(["tea"])
    assert len(titan.requests) == calls


def test_only_titan_v2_dimensions_are_accepted() -> None:
    with pytest.raises(ValueError, match="dimensions"):
        TitanEmbedder(object(), dimension=300)


def test_the_hybrid_index_builds_and_searches_with_titan_vectors(titan: InvokeModelDouble, tmp_path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "shipping.md").write_text("# Shipping\n\nOrders ship within 2 working days from Singapore.\n")
    (docs / "returns.md").write_text("# Returns\n\nUnopened tea can be returned within 30 days.\n")
    index = LocalIndex.load_or_build(docs, tmp_path / "cache", embedder=embedder())
    top = index.search("when do orders ship", 2)
    assert top[0].source == "shipping.md" and top[0].semantic > 0
    # The cache records the embedder: the same folder with another dimension is rebuilt, never mixed.
    calls = len(titan.requests)
    LocalIndex.load_or_build(docs, tmp_path / "cache", embedder=embedder(dimension=512))
    assert len(titan.requests) > calls + 1
