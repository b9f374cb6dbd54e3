"""Pure rules: planning, sidecars, URL mapping, state round trips, configuration."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from assistant_core.errors import ConfigError, StorageError
from assistant_core.settings import Settings
from kb_sync.attributes import UrlMap, attributes_for, join_path, sidecar_bytes, slugify
from kb_sync.config import SyncConfig
from kb_sync.formats import check_body, plan_for, title_from_name
from kb_sync.model import FOLDER_MIME, Change, RemoteFile, Tree
from kb_sync.plan import Action, plan_changes, plan_full, upsert
from kb_sync.state import FileEntry, SkipEntry, SyncState

DOC = "application/vnd.google-apps.document"
ROOT = "root"


def _file(fid: str, name: str = "Doc", parent: str = ROOT, fp: str = "v1", **kw: object) -> RemoteFile:
    return RemoteFile(id=fid, name=name, mime_type=DOC, parent=parent, fingerprint=fp, **kw)  # type: ignore[arg-type]


def _state(*files: RemoteFile, folders: dict[str, str] | None = None) -> SyncState:
    state = SyncState(source="drive:root", page_token="10", folders=folders or {ROOT: "", "sub": "sub"})
    for f in files:
        state.files[f.id] = FileEntry(f"{f.id}.md", f.fingerprint, f.name, f.path or f.name, "", "", f.parent)
    return state


def url(f: RemoteFile) -> str:
    return ""


def _kind(action: Action | None) -> str | None:
    return action.kind if action else None


def test_upsert_new_changed_renamed_unchanged() -> None:
    a = _file("a", path="Doc")
    state = _state(a)
    assert _kind(upsert(state, _file("b", path="B"), "")) == "put"
    assert _kind(upsert(state, replace(a, fingerprint="v2"), "")) == "put"
    assert _kind(upsert(state, replace(a, name="New", path="New"), "")) == "meta"
    assert _kind(upsert(state, a, "")) is None
    assert _kind(upsert(state, a, "https://new.example")) == "meta"


def test_unchanged_skipped_files_are_not_fetched_again_but_edited_ones_are() -> None:
    state = _state()
    state.skipped["x"] = SkipEntry("v1", "too big", "X")
    action = upsert(state, _file("x", fp="v1"), "")
    assert action is not None and (action.kind, action.reason) == ("skip", "too big")
    assert _kind(upsert(state, _file("x", fp="v2"), "")) == "put"


def test_full_plan_deletes_unlisted_unless_listing_is_incomplete() -> None:
    a, b = _file("a", path="A"), _file("b", path="B")
    state = _state(a, b)
    actions, warnings = plan_full(state, Tree([a], {ROOT: ""}), url)
    assert [(x.kind, x.file_id) for x in actions] == [("delete", "b")] and warnings == []
    actions, warnings = plan_full(state, Tree([a], {ROOT: ""}, complete=False), url)
    assert actions == [] and "incomplete" in warnings[0]
    # The source confirmed the root before listing: an empty listing is a folder the writers emptied.
    actions, warnings = plan_full(state, Tree([], {ROOT: ""}), url)
    assert sorted(x.file_id for x in actions) == ["a", "b"] and warnings == []
    actions, warnings = plan_full(state, Tree([], {ROOT: ""}, complete=False), url)
    assert actions == [] and "incomplete" in warnings[0]


def test_change_plan_for_files() -> None:
    a, b, c = _file("a", path="A"), _file("b", path="B"), _file("c", path="C")
    state = _state(a, b, c)
    plan = plan_changes(
        state,
        [
            Change("a", removed=True),
            Change("b", removed=False, file=replace(b, trashed=True)),
            Change("c", removed=False, file=replace(c, parent="elsewhere")),
            Change("n", removed=False, file=_file("n", name="New", parent="sub")),
            Change("o", removed=False, file=_file("o", parent="elsewhere")),  # not ours: ignored
        ],
        ROOT,
        url,
    )
    assert not plan.needs_full
    assert [(x.kind, x.file_id, x.reason or x.path) for x in plan.actions] == [
        ("delete", "a", "deleted"),
        ("delete", "b", "trashed"),
        ("delete", "c", "moved out of the folder"),
        ("put", "n", "sub/New"),
    ]


def test_change_plan_keeps_only_the_last_change_of_a_file() -> None:
    a = _file("a", path="A")
    plan = plan_changes(_state(a), [Change("a", removed=True), Change("a", False, replace(a, fingerprint="v9"))],
                        ROOT, url)
    assert [(x.kind, x.file_id) for x in plan.actions] == [("put", "a")]


@pytest.mark.parametrize(
    ("change", "needs_full"),
    [
        (Change("sub", False, RemoteFile("sub", "sub", FOLDER_MIME, parent=ROOT)), False),  # no real change
        (Change("sub", False, RemoteFile("sub", "renamed", FOLDER_MIME, parent=ROOT)), True),
        (Change("sub", False, RemoteFile("sub", "sub", FOLDER_MIME, parent="elsewhere")), True),
        (Change("sub", True), True),
        (Change("new", False, RemoteFile("new", "new", FOLDER_MIME, parent="sub")), True),
        (Change("far", False, RemoteFile("far", "far", FOLDER_MIME, parent="elsewhere")), False),
        (Change(ROOT, False, RemoteFile(ROOT, "renamed root", FOLDER_MIME, parent="x")), False),
        (Change(ROOT, True), True),  # the relisting will then fail loudly, deleting nothing
    ],
)
def test_folder_changes_ask_for_a_relisting_only_when_the_tree_changed(change: Change, needs_full: bool) -> None:
    assert plan_changes(_state(), [change], ROOT, url).needs_full is needs_full


def test_sidecar_shape_and_title() -> None:
    f = RemoteFile("id1", "Warranty.pdf", "application/pdf", modified="2026-01-01T00:00:00.000Z",
                   path="returns/Warranty.pdf")
    attrs = attributes_for(f, "https://x.example/w", "drive_file_id")
    assert json.loads(sidecar_bytes(attrs)) == {
        "metadataAttributes": {
            "title": "Warranty",
            "url": "https://x.example/w",
            "modified": "2026-01-01T00:00:00.000Z",
            "path": "returns/Warranty.pdf",
            "drive_file_id": "id1",
        }
    }
    assert title_from_name("notes.v2") == "notes.v2" and title_from_name(".md") == ".md"


def test_url_map_order() -> None:
    f = RemoteFile("id1", "Rates & Zones", DOC, path="Shipping/Rates & Zones", url="https://help.example/own")
    assert UrlMap().url_for(f) == "https://help.example/own"  # the writer's url property
    assert UrlMap({"*": "https://help.example/{slug}"}).url_for(f) == "https://help.example/own"
    bare = RemoteFile("id1", "Rates & Zones", DOC, path="Shipping/Rates & Zones")
    assert UrlMap().url_for(bare) == ""  # no public page known: no link, never the Drive one
    assert UrlMap({"*": "https://help.example/{slug}?id={id}"}).url_for(bare) == (
        "https://help.example/shipping/rates-zones?id=id1")
    assert UrlMap({"Shipping/Rates & Zones": "https://p", "*": "https://t"}).url_for(f) == "https://p"
    assert UrlMap({"id1": "https://i", "Shipping/Rates & Zones": "https://p"}).url_for(f) == "https://i"
    assert slugify("Café/Ünïcode  name") == "cafe/unicode-name"
    assert join_path("a/b", "x/y\x00") == "a/b/x-y"


def test_formats() -> None:
    assert plan_for("image/png", "x.png") == "unsupported file type image/png"
    assert isinstance(plan_for("application/octet-stream", "x.MD"), type(plan_for("text/plain", "x")))
    assert check_body(b"\xef\xbb\xbf", ".md") == "empty document"
    assert check_body(b"# ok", ".md") == ""
    assert check_body(b"a\x00b", ".txt") == "corrupt: text contains NUL bytes"


def test_state_round_trip_and_corruption() -> None:
    state = _state(_file("a", path="A"))
    state.skipped["s"] = SkipEntry("v", "why", "S")
    state.intents = ["a"]
    assert SyncState.from_json(state.to_json()) == state
    with pytest.raises(StorageError, match="unreadable"):
        SyncState.from_json(b'{"version": 99}')
    with pytest.raises(StorageError):
        SyncState.from_json(b"not json")


def test_config_from_settings_and_env() -> None:
    env = {"ASSISTANT_KB_PREFIX": "docs", "ASSISTANT_KB_SITE_URLS": '{"*": "https://h/{slug}"}', "OTHER": "x"}
    settings = Settings.from_env({"ASSISTANT_DRIVE_FOLDER_ID": " F1 ", "ASSISTANT_DATA_BUCKET": "b", **env})
    cfg = SyncConfig.from_settings(settings)
    assert (cfg.folder_id, cfg.prefix, cfg.site_urls) == ("F1", "docs/", {"*": "https://h/{slug}"})
    with pytest.raises(ConfigError, match="CREDENTIALS"):
        cfg.check_drive()
    with pytest.raises(ConfigError, match="both ASSISTANT_KB_ID"):
        replace(cfg, kb_id="KB").check_s3()
    with pytest.raises(ConfigError, match="outside"):
        replace(cfg, state_key="docs/state.json").check_s3()
    with pytest.raises(ConfigError, match="positive"):
        SyncConfig.from_settings(settings.with_(kb_workers=0))
