"""WordLlama embedder: loads from the wheel's own files with the network blocked; vectors are sane and stable."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from assistant_core.local import embedder_wordllama as mod
from assistant_core.local.embedder_wordllama import EmbedderUnavailable, WordLlamaEmbedder


def _no_network(*args: object, **kwargs: object) -> None:
    raise OSError("network access attempted during an offline test")


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Any socket connection raises, so a hidden download fails the test instead of passing silently."""
    monkeypatch.setattr(socket.socket, "connect", _no_network)
    monkeypatch.setattr(socket.socket, "connect_ex", _no_network)
    monkeypatch.setattr(socket, "create_connection", _no_network)
    yield


@pytest.fixture
def fresh_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """Forget the process-wide model so the test exercises the real load path (restored afterwards)."""
    monkeypatch.setattr(mod, "_model", None)


def cos(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b)  # rows are unit length


def test_network_block_is_effective(offline: None) -> None:
    with pytest.raises(OSError, match="offline test"):
        socket.create_connection(("127.0.0.1", 9))


def test_loads_from_package_files_offline(offline: None, fresh_model: None) -> None:
    weights, tokenizer = mod.model_files()
    assert weights.parent.parent == tokenizer.parent.parent == mod.package_dir()
    emb = WordLlamaEmbedder()
    emb.load()
    assert mod._model is not None
    out = emb.embed(["hello world"])
    assert out.shape == (1, 256)


def test_port_shape(offline: None) -> None:
    emb = WordLlamaEmbedder()
    assert emb.name == "wordllama-l2-supercat-256"
    assert emb.dimension == 256
    texts = ["Orders placed before noon ship the same day.", "Returns are accepted within 30 days.", "x" * 3000]
    out = emb.embed(texts)
    assert out.shape == (3, emb.dimension)
    assert out.dtype == np.float32
    assert out.flags.c_contiguous
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, rtol=1e-5)


def test_empty_inputs(offline: None) -> None:
    emb = WordLlamaEmbedder()
    assert emb.embed([]).shape == (0, 256)
    out = emb.embed(["", "shipping times", ""])
    assert np.isfinite(out).all()
    assert not out[0].any() and not out[2].any()
    assert np.linalg.norm(out[1]) == pytest.approx(1.0, rel=1e-5)
    only_empty = emb.embed([""])
    assert only_empty.shape == (1, 256) and np.isfinite(only_empty).all() and not only_empty.any()


def test_rejects_bare_string_and_non_str(offline: None) -> None:
    emb = WordLlamaEmbedder()
    with pytest.raises(TypeError):
        emb.embed("a single string")
    with pytest.raises(TypeError):
        emb.embed(["ok", 3])  # type: ignore[list-item]


def test_deterministic_and_independent_of_batching(offline: None) -> None:
    texts = [f"Question {i}: how do I change the delivery address on order {i}?" for i in range(150)]
    a = WordLlamaEmbedder().embed(texts)
    b = WordLlamaEmbedder(batch_size=7).embed(tuple(texts))
    np.testing.assert_array_equal(a, WordLlamaEmbedder().embed(texts))
    np.testing.assert_allclose(a, b, atol=1e-6)
    alone = WordLlamaEmbedder().embed([texts[3]])[0]
    np.testing.assert_allclose(alone, a[3], atol=1e-6)


def test_semantic_sanity(offline: None) -> None:
    q, near, far = WordLlamaEmbedder().embed(["how long does delivery take", "shipping times", "reset your password"])
    assert cos(q, near) > cos(q, far)
    q, near, far = WordLlamaEmbedder().embed(
        ["I forgot my login", "How to reset your password", "Our store opening hours"]
    )
    assert cos(q, near) > cos(q, far)


def test_concurrent_first_use_loads_once(offline: None, fresh_model: None, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real_load = mod._load

    def counting_load() -> object:
        calls.append(1)
        return real_load()

    monkeypatch.setattr(mod, "_load", counting_load)
    emb = WordLlamaEmbedder()
    results: list[np.ndarray] = []
    threads = [threading.Thread(target=lambda: results.append(emb.embed(["parcel tracking"]))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1
    assert len(results) == 8 and all(np.array_equal(r, results[0]) for r in results)


def test_missing_files_raise_clear_error(
    offline: None, fresh_model: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(mod, "package_dir", lambda: tmp_path)
    with pytest.raises(EmbedderUnavailable, match="wordllama"):
        WordLlamaEmbedder().embed(["anything"])


def test_missing_package_raises_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mod, "PACKAGE", "wordllama_not_installed_here")
    with pytest.raises(EmbedderUnavailable, match="not installed"):
        mod.package_dir()
