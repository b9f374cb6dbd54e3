"""A plain local folder as a ``Source``, and ``sync_folder``: what ``assistant sync --from DIR`` calls.

Keys are the paths relative to the source folder, so ``DEST`` mirrors ``SRC``'s layout. A file's
title and URL come from its own ``<file>.metadata.json`` when it has one, else from its first
heading (or ``<title>``), else from its name.
"""

from __future__ import annotations

import html
import json
import logging
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from assistant_core.errors import BadInput

from .attributes import SIDECAR_SUFFIX
from .engine import EngineOptions, SyncEngine
from .errors import FetchFailed, FileSkipped
from .formats import check_body, target_for_suffix
from .local_sink import LocalIndexPublisher, LocalSink
from .model import ChangePage, Document, RemoteFile, Tree
from .report import SyncReport
from .state import FileStateStore

log = logging.getLogger(__name__)

STATE_PATH = Path(".kb-sync") / "state.json"
_HEADING = re.compile(r"^#{1,3}\s+(.+?)\s*#*\s*$", re.MULTILINE)
_HTML_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


class FolderSource:
    id_attribute = "source"
    has_change_feed = False
    root_id = ""

    def __init__(
        self,
        src: Path,
        *,
        max_file_bytes: int = 50 * 1024 * 1024,
        occupied: Callable[[str], bool] = lambda key: False,
    ) -> None:
        self.src = src.resolve()
        self.source_id = f"folder:{self.src}"
        self.max_file_bytes = max_file_bytes
        self.occupied = occupied  # True for a key the destination holds but this sync never wrote

    def start_token(self) -> str | None:
        return None

    def list_tree(self) -> Tree:
        if not self.src.is_dir():
            raise BadInput(f"{self.src} is not a folder")
        try:
            files = [self._describe(path) for path in self._walk()]
        except OSError as exc:  # a listing that fails must not look like "everything was deleted"
            raise BadInput(f"cannot list {self.src}: {exc}") from exc
        return Tree(files=files, folders={"": ""})

    def changes(self, token: str) -> Iterator[ChangePage]:
        return iter(())

    def describe(self, file_id: str) -> RemoteFile | None:
        path = self.src / file_id
        return self._describe(path) if path.is_file() else None

    def fetch(self, file: RemoteFile) -> Document:
        target = target_for_suffix(file.id)
        if target is None:
            raise FileSkipped(f"unsupported file type {Path(file.id).suffix or '(no suffix)'}")
        try:
            body = (self.src / file.id).read_bytes()
        except FileNotFoundError as exc:
            raise FetchFailed("removed while syncing") from exc
        except OSError as exc:
            raise FileSkipped(f"unreadable: {exc.strerror}") from exc
        if len(body) > self.max_file_bytes:
            raise FileSkipped(f"larger than {self.max_file_bytes // (1024 * 1024)} MB")
        problem = check_body(body, target.ext)
        if problem:
            raise FileSkipped(problem)
        return Document(body=body, ext=target.ext, content_type=target.content_type)

    def key_for(self, file: RemoteFile, ext: str) -> str:
        return _key(file.id, ext)

    def candidate_keys(self, file_id: str) -> list[str]:
        target = target_for_suffix(file_id)
        return [_key(file_id, target.ext)] if target else []

    def _walk(self) -> Iterator[Path]:
        for path in sorted(self.src.rglob("*")):
            rel = path.relative_to(self.src)
            if any(part.startswith(".") for part in rel.parts) or path.name.endswith(SIDECAR_SUFFIX):
                continue  # hidden files, our own state, and sidecars (read with their document)
            if path.is_file():
                yield path

    def _describe(self, path: Path) -> RemoteFile:
        rel = path.relative_to(self.src).as_posix()
        stat = path.stat()
        target = target_for_suffix(path.name)
        skip = ""
        if target is None:
            skip = f"unsupported file type {path.suffix or '(no suffix)'}"
        elif stat.st_size > self.max_file_bytes:
            skip = f"larger than {self.max_file_bytes // (1024 * 1024)} MB"
        elif self.occupied(_key(rel, target.ext)):
            skip = "the destination already has a file of that name that this sync did not write"
        title, url = _sidecar(path)
        if not title and target is not None and not skip:
            title = _heading(path, target.ext)
        return RemoteFile(
            id=rel,
            name=title or path.name,
            mime_type=target.mime if target else "",
            modified=datetime.fromtimestamp(stat.st_mtime, UTC).isoformat(timespec="seconds"),
            fingerprint=f"{stat.st_size}:{stat.st_mtime_ns}",
            url=url,
            size=stat.st_size,
            path=rel,
            skip_reason=skip,
        )


def sync_folder(src: Path, dest: Path, *, full: bool = False, dry_run: bool = False) -> SyncReport:
    """Mirrors the documents of ``src`` into ``dest`` (with sidecars), then rebuilds the local index.

    Only files an earlier ``sync_folder`` into ``dest`` wrote are ever replaced or deleted.
    Raises ``BadInput`` when the folders cannot be used; per-file problems are in the report.
    """
    src_r, dest_r = src.resolve(), dest.resolve()
    if not src_r.is_dir():
        raise BadInput(f"sync source {src} is not a folder")
    if dest_r == src_r or dest_r.is_relative_to(src_r):
        raise BadInput(f"the destination {dest} must not be inside the source {src}")
    store = FileStateStore(dest_r / STATE_PATH)
    state = store.load()
    ours = state.keys() if state is not None and state.source == f"folder:{src_r}" else set()

    def occupied(key: str) -> bool:  # never overwrite a document someone put in DEST by hand
        return key not in ours and (dest_r / key).exists()

    engine = SyncEngine(
        FolderSource(src_r, occupied=occupied),
        LocalSink(dest_r),
        store,
        LocalIndexPublisher(dest_r),
        EngineOptions(workers=1),
    )
    return engine.run(full=full, dry_run=dry_run)


def _key(rel: str, ext: str) -> str:
    return rel if rel.lower().endswith(ext) else rel + ext  # "a.markdown" -> "a.markdown.md"


def _sidecar(path: Path) -> tuple[str, str]:
    sidecar = path.with_name(path.name + SIDECAR_SUFFIX)
    if not sidecar.is_file():
        return "", ""
    try:
        attrs = json.loads(sidecar.read_text(encoding="utf-8")).get("metadataAttributes", {})
        return str(attrs.get("title", "")), str(attrs.get("url", ""))
    except (OSError, ValueError, AttributeError):
        log.warning("kb_sync: ignoring unreadable sidecar %s", sidecar)
        return "", ""


def _heading(path: Path, ext: str) -> str:
    try:
        head = path.read_bytes()[:8192].decode("utf-8", "ignore")
    except OSError:
        return ""
    if ext == ".md":
        match = _HEADING.search(head)
    elif ext == ".html":
        match = _HTML_TITLE.search(head)
    else:
        return ""
    return html.unescape(match.group(1)).strip() if match else ""
