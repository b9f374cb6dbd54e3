"""The local index: reading docs, chunking by headings, normalised scores, the on-disk cache."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant_core.errors import BadInput
from assistant_core.retrieval.chunking import MAX_CHUNK_CHARS, chunk_doc
from assistant_core.retrieval.docs import Doc, Skipped, read_doc
from assistant_core.retrieval.index import LocalIndex


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    return path


def test_title_and_url_from_front_matter_html_and_sidecar(tmp_path: Path) -> None:
    md = write(tmp_path, "a.md", "---\ntitle: Returns\nurl: https://help.example/returns\n---\n## Window\n30 days.\n")
    html = write(
        tmp_path,
        "b.html",
        '<html><head><title>Care</title><link rel="canonical" href="https://help.example/care">'
        "<script>alert(1)</script></head><body><h1>Care</h1><p>Rinse with <b>warm</b> water.</p>"
        "<ul><li>No soap</li></ul></body></html>",
    )
    txt = write(tmp_path, "c.txt", "Privacy summary text.")
    write(tmp_path, "c.txt.metadata.json", json.dumps({"metadataAttributes": {"title": "Privacy", "url": "https://p"}}))
    a, b, c = (read_doc(tmp_path, p) for p in (md, html, txt))
    assert isinstance(a, Doc) and (a.title, a.url) == ("Returns", "https://help.example/returns")
    assert isinstance(b, Doc) and (b.title, b.url) == ("Care", "https://help.example/care")
    assert "alert" not in b.body and "Rinse with warm water." in b.body and "- No soap" in b.body
    assert isinstance(c, Doc) and (c.title, c.url) == ("Privacy", "https://p")


def test_binary_and_non_utf8_files_are_skipped_with_a_reason(tmp_path: Path) -> None:
    (tmp_path / "x.md").write_bytes(b"\x00\xff")
    (tmp_path / "y.txt").write_bytes(b"\xe9t\xe9")
    assert read_doc(tmp_path, tmp_path / "x.md") == Skipped("x.md", "binary file")
    assert read_doc(tmp_path, tmp_path / "y.txt") == Skipped("y.txt", "not UTF-8 text")


def test_chunks_follow_headings_and_long_sections_split_with_overlap() -> None:
    long = " ".join(f"Sentence number {i} about shipping rates." for i in range(120))
    doc = Doc(
        "s.md", "Shipping", "https://help.example/s", f"Intro.\n\n## Rates to Malaysia\n{long}\n\n## PO boxes\nYes."
    )
    chunks = chunk_doc(doc)
    assert chunks[0].title == "Shipping" and chunks[0].url == "https://help.example/s"
    rates = [c for c in chunks if c.heading == "Rates to Malaysia"]
    assert len(rates) > 1 and all(len(c.text) <= MAX_CHUNK_CHARS for c in rates)
    assert rates[0].text[-40:].split()[-1] in rates[1].text  # overlap carries context across the cut
    assert rates[0].url == "https://help.example/s#rates-to-malaysia"
    assert chunks[-1].title == "Shipping › PO boxes"


def test_scores_are_normalised_and_the_cache_is_reused_until_a_file_changes(tmp_path: Path) -> None:
    docs, cache = tmp_path / "docs", tmp_path / "cache"
    write(docs, "ship.md", "# Shipping\n## Delivery to Australia\nParcels to Australia take 7 to 12 business days.")
    write(docs, "pay.md", "# Payments\n## Cards\nWe accept Visa and Mastercard.")
    first = LocalIndex.load_or_build(docs, cache)
    hits = first.search("delivery to Australia", 5)
    assert hits[0].source == "ship.md" and 0.5 < hits[0].score <= 1.0
    assert all(0 <= h.score <= 1 for h in hits)
    assert first.search("weather in Paris", 5) == []
    assert LocalIndex.load_or_build(docs, cache).stats.rebuilt is False
    write(docs, "gift.md", "# Gift cards\nGift cards last 24 months.")
    again = LocalIndex.load_or_build(docs, cache)
    assert again.stats.rebuilt and again.stats.documents == 3
    assert again.search("how long do gift cards last", 1)[0].source == "gift.md"


def test_empty_or_missing_folder_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="no readable"):
        LocalIndex.load_or_build(tmp_path, tmp_path / "cache")
    with pytest.raises(BadInput, match="not found"):
        LocalIndex.load_or_build(tmp_path / "nope")
