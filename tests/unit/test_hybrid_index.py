"""The hybrid index offline: dense vectors from the bundled model, documents ranked, awkward folders defined.

The whole suite refuses sockets beyond loopback (tests/conftest.py); these tests also refuse loopback, so
building and searching provably needs no network at all.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from assistant_core.local.embedder_wordllama import WordLlamaEmbedder
from assistant_core.retrieval.chunking import MAX_CHUNK_CHARS
from assistant_core.retrieval.index import LocalIndex

SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "help-center"


def _refuse(*args: object, **kwargs: object) -> None:
    raise OSError("no network in this test")


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(socket.socket, "connect", _refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", _refuse)
    monkeypatch.setattr(socket, "create_connection", _refuse)
    yield


def write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")


def test_builds_and_searches_the_sample_offline_with_five_distinct_docs(tmp_path: Path) -> None:
    index = LocalIndex.load_or_build(SAMPLE, tmp_path, embedder=WordLlamaEmbedder())
    hits = index.search("How long does delivery to Australia take?", 5)
    assert len(hits) == 5 and len({p.source for p in hits}) == 5
    assert "shipping/delivery-times.md" in [p.source for p in hits]
    assert all(0 <= p.score <= 1 and p.semantic > 0 for p in hits)
    assert [p.score for p in hits] == sorted((p.score for p in hits), reverse=True)


def test_vectors_are_cached_and_never_mixed_with_another_embedder(tmp_path: Path) -> None:
    docs, cache = tmp_path / "docs", tmp_path / "cache"
    write(docs, "a.md", "# Returns\nUnopened items can be returned within 30 days.\n")
    first = LocalIndex.load_or_build(docs, cache, embedder=WordLlamaEmbedder())
    again = LocalIndex.load_or_build(docs, cache, embedder=WordLlamaEmbedder())
    assert first.stats.rebuilt and not again.stats.rebuilt and (cache / "vectors.npy").exists()

    class Other:
        name, dimension = "other-8", 8

        def embed(self, texts: list[str]) -> np.ndarray:
            return np.ones((len(texts), 8), dtype=np.float32) / np.sqrt(8)

    other = LocalIndex.load_or_build(docs, cache, embedder=Other())
    assert other.stats.rebuilt  # another embedder's vectors are rebuilt, never reused
    lexical_only = LocalIndex.load_or_build(docs, cache)
    assert lexical_only.stats.rebuilt and lexical_only.search("return", 1)[0].semantic == 0.0


def test_a_folder_of_one_file_answers_from_it(tmp_path: Path) -> None:
    write(tmp_path / "docs", "only.md", "---\ntitle: Opening hours\n---\nWe open at 9am on weekdays.\n")
    index = LocalIndex.load_or_build(tmp_path / "docs", tmp_path / "cache", embedder=WordLlamaEmbedder())
    [hit] = index.search("when do you open", 5)
    assert hit.source == "only.md" and hit.score > 0.3


def test_duplicate_docs_are_indexed_once(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    body = "---\ntitle: Gift cards\n---\nGift cards are valid for 24 months.\n"
    write(tmp_path / "docs", "a/gift-cards.md", body)
    write(tmp_path / "docs", "b/gift-cards-copy.md", body.replace("24 months.", "24   months.\n"))
    index = LocalIndex.load_or_build(tmp_path / "docs", tmp_path / "cache", embedder=WordLlamaEmbedder())
    assert index.stats.documents == 1
    assert index.stats.skipped_files == (("b/gift-cards-copy.md", "duplicate of a/gift-cards.md"),)
    assert [p.source for p in index.search("do gift cards expire", 5)] == ["a/gift-cards.md"]


def test_a_five_thousand_word_doc_is_chunked_and_its_middle_is_found(tmp_path: Path) -> None:
    filler = " ".join(f"Paragraph {i} talks about general care of the product and nothing else." for i in range(420))
    needle = "The warranty covers the ceramic heating plate for 18 months."
    write(tmp_path / "docs", "long.md", f"# Manual\n{filler}\n\n## Warranty\n{needle}\n\n## More\n{filler}\n")
    assert len((tmp_path / "docs" / "long.md").read_text().split()) > 5000
    index = LocalIndex.load_or_build(tmp_path / "docs", tmp_path / "cache", embedder=WordLlamaEmbedder())
    assert all(len(c.text) <= MAX_CHUNK_CHARS for c in index.chunks) and len(index.chunks) > 20
    [hit] = index.search("how long is the warranty on the heating plate", 1)
    assert needle in hit.text


def test_a_doc_in_another_language_is_found_by_a_question_in_that_language(tmp_path: Path) -> None:
    write(tmp_path / "docs", "en.md", "# Delivery\nOrders arrive within 3 business days in Singapore.\n")
    write(tmp_path / "docs", "fr.md", "# Retours\nVous pouvez retourner un article non ouvert sous 30 jours.\n")
    index = LocalIndex.load_or_build(tmp_path / "docs", tmp_path / "cache", embedder=WordLlamaEmbedder())
    assert index.search("Comment retourner un article ?", 2)[0].source == "fr.md"
    assert index.search("How fast is delivery in Singapore?", 2)[0].source == "en.md"
