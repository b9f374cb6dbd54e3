"""Pure decisions: given the saved state and what the source shows, what must change.

No I/O here, so every rule (renames are sidecar-only, a partial listing deletes nothing,
folder changes need a relisting) is testable with plain values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Literal

from .attributes import join_path
from .model import Change, RemoteFile, Tree
from .state import SyncState

Kind = Literal["put", "meta", "delete", "skip"]
UrlFor = Callable[[RemoteFile], str]


@dataclass(frozen=True)
class Action:
    kind: Kind
    file_id: str
    path: str
    file: RemoteFile | None = None  # None for deletions
    url: str = ""
    reason: str = ""


@dataclass
class ChangePlan:
    actions: list[Action]
    needs_full: bool = False
    why_full: str = ""


def upsert(state: SyncState, file: RemoteFile, url: str) -> Action | None:
    """The action for a file that is in the tree now (``None``: nothing to do)."""
    entry = state.files.get(file.id)
    if file.skip_reason:
        return Action("skip", file.id, file.path, file, url, file.skip_reason)
    skipped = state.skipped.get(file.id)
    if skipped is not None and skipped.fingerprint == file.fingerprint and file.id not in state.retry:
        return Action("skip", file.id, file.path, file, url, skipped.reason)  # unchanged: no refetch
    if entry is None or entry.fingerprint != file.fingerprint:
        return Action("put", file.id, file.path, file, url)
    if (entry.name, entry.path, entry.url) != (file.name, file.path, url):
        return Action("meta", file.id, file.path, file, url, "renamed or moved")
    return None


def plan_full(state: SyncState, tree: Tree, url_for: UrlFor) -> tuple[list[Action], list[str]]:
    """Actions that make the sink mirror ``tree``, and warnings about deletions held back.

    ``tree`` comes from a root the source has just confirmed exists and is shared with us (a missing
    or unshared folder raises ``FolderNotFound`` before any listing), so an empty listing is what the
    writers did (they emptied the folder) and removes the documents. Only a listing Drive itself
    calls incomplete keeps unlisted documents.
    """
    actions = [a for f in tree.files if (a := upsert(state, f, url_for(f))) is not None]
    listed = {f.id for f in tree.files}
    missing = [fid for fid in state.files if fid not in listed]
    warnings: list[str] = []
    if missing and not tree.complete:
        warnings.append(f"Drive said the listing may be incomplete; kept {len(missing)} unlisted document(s)")
    else:
        actions += [_delete(state, fid, "no longer in the folder") for fid in missing]
    return actions, warnings


def plan_changes(state: SyncState, changes: Iterable[Change], root_id: str, url_for: UrlFor) -> ChangePlan:
    """Actions for one page of the change feed; folder changes ask for a relisting instead."""
    latest: dict[str, Change] = {}
    for change in changes:  # a file may appear more than once: its last state wins
        latest.pop(change.file_id, None)
        latest[change.file_id] = change
    plan = ChangePlan(actions=[])
    for fid, change in latest.items():
        file = change.file
        gone = change.removed or file is None or file.trashed
        if fid == root_id:
            if gone:  # the relisting then fails with a clear FolderNotFound and deletes nothing
                plan.needs_full, plan.why_full = True, "the synced folder itself was removed or trashed"
            continue
        if fid in state.folders:
            if gone or file is None or not _same_place(state, fid, file):
                plan.needs_full = True
                plan.why_full = f"folder {state.folders[fid]!r} was renamed, moved or removed"
            continue
        if gone:
            if fid in state.files:
                plan.actions.append(_delete(state, fid, "trashed" if file and file.trashed else "deleted"))
            continue
        assert file is not None
        in_tree = file.parent in state.folders
        if file.is_folder:
            if in_tree:  # new or moved-in folder: its contents never show up as changes
                plan.needs_full, plan.why_full = True, f"folder {file.name} appeared in the tree"
            continue
        if in_tree:
            placed = replace(file, path=join_path(state.folders[file.parent], file.name))
            action = upsert(state, placed, url_for(placed))
            if action is not None:
                plan.actions.append(action)
        elif fid in state.files:
            plan.actions.append(_delete(state, fid, "moved out of the folder"))
    return plan


def _delete(state: SyncState, fid: str, reason: str) -> Action:
    return Action("delete", fid, state.files[fid].path, reason=reason)


def _same_place(state: SyncState, fid: str, folder: RemoteFile) -> bool:
    """Whether a known folder still has the path we saved (else its subtree must be relisted)."""
    parent_path = state.folders.get(folder.parent)
    return parent_path is not None and join_path(parent_path, folder.name) == state.folders[fid]
