"""The Drive source against the double: recursive listing, shared drives, export/download rules."""

from __future__ import annotations

import pytest

from kb_sync.compose import drive_source
from kb_sync.drive_source import DriveSource
from kb_sync.errors import FetchFailed, FileSkipped, FolderNotFound
from kb_sync.formats import DOCX, GOOGLE_SHORTCUT
from tests.doubles.kb_sync.drive import DriveDouble

from .world import World

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF"
DOCX_BODY = b"PK\x03\x04" + b"\x00" * 40


def _source(world: World, **kw: int) -> DriveSource:
    source = drive_source(world.config(), sleep=world.sleeps.append)
    for name, value in kw.items():
        setattr(source, name, value)
    return source


def _paths(world: World, source: DriveSource) -> dict[str, str]:
    return {f.id: f.path for f in source.list_tree().files}


def test_lists_recursively_with_paging_and_folder_paths(world: World) -> None:
    d: DriveDouble = world.drive
    d.max_page_size = 2
    shipping = d.add_folder("shipping", world.root)
    intl = d.add_folder("international", shipping)
    returns = d.add_folder("returns", world.root)
    ids = {
        d.add_doc("Rates", shipping, "# Rates\n\n$5"): "shipping/Rates",
        d.add_doc("Customs", intl, "# Customs\n\nDuties"): "shipping/international/Customs",
        d.add_doc("Policy", returns, "# Policy\n\n30 days"): "returns/Policy",
        d.add_doc("About", world.root, "# About\n\nUs"): "About",
        d.add_file("Warranty.pdf", returns, "application/pdf", PDF): "returns/Warranty.pdf",
    }
    trashed = d.add_doc("Old", world.root, "# Old")
    d.trash(trashed)
    outside = d.add_folder("Elsewhere")
    d.add_doc("Private", outside, "# Not ours")

    tree = _source(world).list_tree()
    assert {f.id: f.path for f in tree.files} == ids
    assert tree.folders == {world.root: "", shipping: "shipping", intl: "shipping/international",
                            returns: "returns"}
    lists = [r for r in d.server.log if r.path == "/drive/v3/files"]
    assert any("pageToken" in r.query for r in lists), "paging was exercised"
    assert all("trashed = false" in r.query["q"] and "in parents" in r.query["q"] for r in lists)
    assert all(r.query["fields"].startswith("nextPageToken,incompleteSearch,files(") for r in lists)


def test_many_subfolders_are_listed_in_batched_queries(world: World) -> None:
    for i in range(25):
        sub = world.drive.add_folder(f"topic {i}", world.root)
        world.drive.add_doc(f"Doc {i}", sub, f"# Doc {i}\n\ntext")
    source = _source(world)
    assert len(source.list_tree().files) == 25
    # root level, then 25 folders in batches of 20: three listings (no paging at 1000 per page).
    assert world.drive.calls["files.list"] == 3


def test_shared_drive_folder_scopes_listing_and_changes_to_that_drive(world: World) -> None:
    d = world.drive
    root = d.add_folder("Team help", drive_id="0ASHAREDDRIVE")
    d.add_doc("FAQ", root, "# FAQ\n\nAnswers")
    source = drive_source(world.config(folder_id=root), sleep=world.sleeps.append)
    token = source.start_token()
    assert [f.path for f in source.list_tree().files] == ["FAQ"]
    d.add_doc("New", root, "# New\n\ntext")
    changes = [c.file.name for page in source.changes(token or "") for c in page.changes if c.file]
    assert "New" in changes
    listing = next(r for r in d.server.log if r.path == "/drive/v3/files")
    assert listing.query["corpora"] == "drive" and listing.query["driveId"] == "0ASHAREDDRIVE"
    assert listing.query["includeItemsFromAllDrives"] == "true"
    feed = next(r for r in d.server.log if r.path == "/drive/v3/changes")
    assert feed.query["driveId"] == "0ASHAREDDRIVE"


@pytest.mark.parametrize(
    ("mime", "name", "body", "ext"),
    [
        ("application/pdf", "Guide.pdf", PDF, ".pdf"),
        (DOCX, "Manual.docx", DOCX_BODY, ".docx"),
        ("text/markdown", "notes.md", b"# Notes\n\nhi", ".md"),
        ("text/html", "page.html", b"<h1>Page</h1>", ".html"),
        ("text/plain", "readme.txt", b"plain words", ".txt"),
        ("application/octet-stream", "faq.md", b"# FAQ\n\nmd sent as octet-stream", ".md"),
    ],
)
def test_downloads_plain_formats_as_they_are(world: World, mime: str, name: str, body: bytes, ext: str) -> None:
    fid = world.drive.add_file(name, world.root, mime, body)
    source = _source(world)
    (item,) = source.list_tree().files
    doc = source.fetch(item)
    assert (doc.body, doc.ext) == (body, ext)
    assert source.key_for(item, doc.ext) == f"{fid}{ext}"
    assert world.drive.calls["files.get_media"] == 1


def test_exports_google_files(world: World) -> None:
    d = world.drive
    d.add_doc("Doc", world.root, "# Title\n\nBody")
    d.add_sheet("Prices", world.root, "item,price\nmug,5\n")
    d.add_slides("Deck", world.root, "Slide 1\nIntro")
    source = _source(world)
    docs = {f.name: source.fetch(f) for f in source.list_tree().files}
    assert (docs["Doc"].ext, docs["Doc"].body) == (".md", b"# Title\n\nBody")
    assert (docs["Prices"].ext, docs["Prices"].body) == (".csv", b"item,price\nmug,5\n")
    assert (docs["Deck"].ext, docs["Deck"].body) == (".txt", b"Slide 1\nIntro")
    asked = sorted(r.query["mimeType"] for r in d.server.log if r.path.endswith("/export"))
    assert asked == ["text/csv", "text/markdown", "text/plain"]


def test_doc_falls_back_to_plain_text_when_markdown_export_fails(world: World) -> None:
    fid = world.drive.add_doc("Legacy", world.root, "# Legacy\n\ntext")
    del world.drive.files[fid].exports["text/markdown"]
    source = _source(world)
    (item,) = source.list_tree().files
    doc = source.fetch(item)
    assert (doc.ext, doc.body) == (".txt", b"Legacy\n\ntext")


@pytest.mark.parametrize(
    ("mime", "name", "reason"),
    [
        ("image/png", "logo.png", "unsupported file type image/png"),
        ("application/vnd.google-apps.form", "Survey", "unsupported Google file type form"),
        (GOOGLE_SHORTCUT, "Link to doc", "shortcuts are not followed"),
        ("application/zip", "bundle.zip", "unsupported file type application/zip"),
    ],
)
def test_unsupported_types_are_skipped_at_listing_with_a_reason(
    world: World, mime: str, name: str, reason: str
) -> None:
    world.drive.add_file(name, world.root, mime, b"data")
    source = _source(world)
    (item,) = source.list_tree().files
    assert reason in item.skip_reason
    with pytest.raises(FileSkipped):
        source.fetch(item)
    assert world.drive.calls["files.get_media"] == 0


def test_export_over_ten_megabytes_is_skipped(world: World) -> None:
    world.drive.add_doc("Huge", world.root, "# Huge\n\n" + "x" * (10 * 1024 * 1024 + 1))
    source = _source(world)
    (item,) = source.list_tree().files
    with pytest.raises(FileSkipped, match="10 MB export limit"):
        source.fetch(item)


def test_download_over_the_configured_size_is_skipped_without_downloading(world: World) -> None:
    world.drive.add_file("scan.pdf", world.root, "application/pdf", PDF + b"0" * 2_000_000)
    source = _source(world, max_file_bytes=1024 * 1024)
    (item,) = source.list_tree().files
    assert item.skip_reason == "larger than 1 MB"


@pytest.mark.parametrize(
    ("mime", "name", "body", "reason"),
    [
        ("application/pdf", "fake.pdf", b"<html>not a pdf</html>", "not a PDF"),
        (DOCX, "fake.docx", b"plain text", "not a DOCX"),
        ("text/markdown", "bin.md", b"\xff\xfe\x00\x01binary", "not UTF-8"),
        ("text/plain", "empty.txt", b"  \n", "empty document"),
    ],
)
def test_corrupt_or_empty_files_are_skipped(world: World, mime: str, name: str, body: bytes, reason: str) -> None:
    world.drive.add_file(name, world.root, mime, body)
    source = _source(world)
    (item,) = source.list_tree().files
    with pytest.raises(FileSkipped, match=reason):
        source.fetch(item)


def test_download_disabled_by_owner_is_skipped(world: World) -> None:
    world.drive.add_file("locked.pdf", world.root, "application/pdf", PDF, downloadable=False)
    source = _source(world)
    (item,) = source.list_tree().files
    with pytest.raises(FileSkipped, match="disabled downloading"):
        source.fetch(item)


def test_export_failing_for_good_is_skipped_but_drive_outage_is_retried_later(world: World) -> None:
    fid = world.drive.add_doc("Flaky", world.root, "# Flaky\n\ntext")
    source = _source(world)
    (item,) = source.list_tree().files
    world.drive.files[fid].exports.clear()
    with pytest.raises(FileSkipped, match="could not export"):
        source.fetch(item)
    world.drive.fail("files.export", 500, times=100)
    with pytest.raises(FetchFailed):
        source.fetch(item)


def test_missing_trashed_or_non_folder_root_is_folder_not_found(world: World) -> None:
    with pytest.raises(FolderNotFound, match="does not exist or is not shared"):
        drive_source(world.config(folder_id="NOPE"), sleep=world.sleeps.append).list_tree()
    doc = world.drive.add_doc("Doc", world.root, "# x")
    with pytest.raises(FolderNotFound, match="is not a folder"):
        drive_source(world.config(folder_id=doc), sleep=world.sleeps.append).list_tree()
    world.drive.trash(world.root)
    with pytest.raises(FolderNotFound, match="in the trash"):
        _source(world).list_tree()


def test_names_with_slashes_control_characters_and_non_ascii_make_safe_paths(world: World) -> None:
    sub = world.drive.add_folder("Returns/Refunds", world.root)
    world.drive.add_doc("Café ☕ guide\t", sub, "# Café")
    (item,) = _source(world).list_tree().files
    assert item.path == "Returns-Refunds/Café ☕ guide"
    assert item.name == "Café ☕ guide\t"
