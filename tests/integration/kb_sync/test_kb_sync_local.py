"""A plain folder -> local docs folder (what ``assistant sync --from DIR`` runs), Drive -> a local
folder, and the local index answering from a document that was just added."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from assistant_core.errors import BadInput, StorageError
from kb_sync.local_folder import sync_folder
from kb_sync.local_sink import LocalSink
from kb_sync.model import Document

from .world import World


def _write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def _sidecar(path: Path) -> dict[str, str]:
    return json.loads(path.with_name(path.name + ".metadata.json").read_text())["metadataAttributes"]


def _bump(path: Path) -> None:
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))


@pytest.fixture
def src(tmp_path: Path) -> Path:
    root = tmp_path / "drafts"
    _write(root / "shipping" / "rates.md", "# Shipping rates\n\nStandard shipping costs $5.")
    _write(root / "returns.html", "<html><head><title>Returns &amp; refunds</title></head><body>30 days</body></html>")
    _write(root / "hours.txt", "We are open 9 to 5.")
    _write(root / "guide.pdf", b"%PDF-1.4\n%%EOF")
    _write(root / "logo.png", b"\x89PNG")
    _write(root / "faq.md", "# FAQ\n\nQuestions.")
    _write(root / "faq.md.metadata.json", json.dumps({"metadataAttributes": {"title": "Frequently asked",
                                                                            "url": "https://shop.example/faq"}}))
    _write(root / ".hidden.md", "# secret")
    return root


def test_sync_folder_mirrors_documents_with_sidecars(src: Path, tmp_path: Path) -> None:
    dest = tmp_path / "docs"
    report = sync_folder(src, dest)
    assert sorted(report.added) == ["faq.md", "guide.pdf", "hours.txt", "returns.html", "shipping/rates.md"]
    assert [str(s) for s in report.skipped] == ["logo.png: unsupported file type .png"]
    assert (dest / "shipping" / "rates.md").read_text() == "# Shipping rates\n\nStandard shipping costs $5."
    rates = _sidecar(dest / "shipping" / "rates.md")
    assert (rates["title"], rates["path"], rates["source"], rates["url"]) == (
        "Shipping rates", "shipping/rates.md", "shipping/rates.md", "")
    assert rates["modified"].endswith("+00:00")
    assert _sidecar(dest / "returns.html")["title"] == "Returns & refunds"
    faq = _sidecar(dest / "faq.md")  # the source's own sidecar gives title and URL
    assert (faq["title"], faq["url"]) == ("Frequently asked", "https://shop.example/faq")
    assert not (dest / ".hidden.md").exists() and not (dest / "logo.png").exists()
    assert (dest / ".kb-sync" / "state.json").is_file()
    summary = report.summary()
    assert summary.startswith("full sync: 5 added, 0 updated, 0 renamed/moved, 0 deleted, 1 skipped")
    assert "  + shipping/rates.md" in summary and "  ! skipped logo.png: unsupported file type .png" in summary


def test_sync_folder_updates_deletes_and_leaves_other_files_alone(src: Path, tmp_path: Path) -> None:
    dest = tmp_path / "docs"
    mine = _write(dest / "handwritten.md", "# Mine\n\nnot from the sync")
    sync_folder(src, dest)

    rates = src / "shipping" / "rates.md"
    rates.write_text("# Shipping rates\n\nStandard shipping costs $6.")
    _bump(rates)
    (src / "hours.txt").unlink()
    (src / "faq.md").rename(src / "questions.md")
    report = sync_folder(src, dest)

    assert report.updated == ["shipping/rates.md"]
    assert sorted(report.deleted) == ["faq.md", "hours.txt"] and report.added == ["questions.md"]
    assert (dest / "shipping" / "rates.md").read_text().endswith("$6.")
    for gone in ("hours.txt", "hours.txt.metadata.json", "faq.md", "faq.md.metadata.json"):
        assert not (dest / gone).exists()
    assert mine.read_text() == "# Mine\n\nnot from the sync"

    assert not sync_folder(src, dest).changed  # nothing changed: nothing rewritten

    (src / "shipping" / "rates.md").unlink()
    report = sync_folder(src, dest)
    assert report.deleted == ["shipping/rates.md"]
    assert not (dest / "shipping").exists()  # emptied folders are pruned


def test_a_document_already_in_dest_is_never_overwritten(src: Path, tmp_path: Path) -> None:
    dest = tmp_path / "docs"
    original = _write(dest / "hours.txt", "Hand-written opening hours.")
    report = sync_folder(src, dest)
    assert "hours.txt" not in report.added
    assert any(s.path == "hours.txt" and "did not write" in s.reason for s in report.skipped)
    assert original.read_text() == "Hand-written opening hours."
    (src / "hours.txt").unlink()
    assert sync_folder(src, dest).deleted == []
    assert original.exists()


def test_emptying_a_local_source_folder_does_delete(src: Path, tmp_path: Path) -> None:
    dest = tmp_path / "docs"
    sync_folder(src, dest)
    for path in src.rglob("*"):
        if path.is_file():
            path.unlink()
    report = sync_folder(src, dest)
    assert len(report.deleted) == 5 and not report.warnings
    assert sorted(p.name for p in dest.iterdir()) == [".kb-sync"]


def test_dry_run_writes_nothing(src: Path, tmp_path: Path) -> None:
    dest = tmp_path / "docs"
    report = sync_folder(src, dest, dry_run=True)
    assert len(report.added) == 5 and "dry run" in report.summary()
    assert not dest.exists()


def test_corrupt_text_is_skipped_and_reported(src: Path, tmp_path: Path) -> None:
    _write(src / "broken.md", b"\xff\xfe\x00garbage")
    report = sync_folder(src, tmp_path / "docs")
    assert "broken.md: corrupt: not UTF-8 text" in [str(s) for s in report.skipped]
    assert not (tmp_path / "docs" / "broken.md").exists()


def test_bad_folders_are_bad_input(src: Path, tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="is not a folder"):
        sync_folder(tmp_path / "missing", tmp_path / "docs")
    with pytest.raises(BadInput, match="must not be inside the source"):
        sync_folder(src, src / "out")


def test_local_sink_refuses_keys_outside_the_destination(tmp_path: Path) -> None:
    sink = LocalSink(tmp_path / "docs")
    with pytest.raises(StorageError, match="outside"):
        sink.put("../escape.md", Document(b"x", ".md", "text/markdown"), {"title": "x"})
    assert not (tmp_path / "escape.md").exists()


def test_drive_folder_synced_into_a_local_docs_folder(world: World, tmp_path: Path) -> None:
    ship = world.drive.add_folder("shipping", world.root)
    fid = world.drive.add_doc("Rates", ship, "# Rates\n\nShipping costs $5.")
    dest = tmp_path / "docs"
    report = world.local(dest).run()
    assert report.added == ["shipping/Rates"]
    assert (dest / f"{fid}.md").read_text() == "# Rates\n\nShipping costs $5."
    attrs = _sidecar(dest / f"{fid}.md")
    assert (attrs["title"], attrs["path"], attrs["drive_file_id"]) == ("Rates", "shipping/Rates", fid)
    world.drive.trash(fid)
    assert world.local(dest).run().deleted == ["shipping/Rates"]
    assert not (dest / f"{fid}.md").exists()


def test_folder_source_to_local_index_answers_from_a_just_added_doc(src: Path, tmp_path: Path) -> None:
    index_module = pytest.importorskip("assistant_core.retrieval.index")
    dest = tmp_path / "docs"
    sync_folder(src, dest)
    _write(src / "shipping" / "mars.md", "# Shipping to Mars\n\nParcels to the Mars colony take 210 days by "
                                        "cargo rocket and cost $900 per kilogram.")
    report = sync_folder(src, dest)
    assert report.added == ["shipping/mars.md"]
    assert report.ingestion.startswith("local index rebuilt")

    index = index_module.LocalIndex.load_or_build(dest)
    passages = index.search("How long does shipping to the Mars colony take?", k=3)
    assert passages, "the index found nothing"
    assert passages[0].title == "Shipping to Mars"
    assert "210 days" in passages[0].text
