"""Durable sync progress: change token, file id -> object key, fingerprints, pending work.

Saved only after the writes it describes succeeded. ``intents`` lists file ids whose objects
may have been written without being recorded, so a rerun can remove stray keys (never duplicates).
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from assistant_core.errors import StorageError

STATE_VERSION = 1


@dataclass
class FileEntry:
    key: str
    fingerprint: str
    name: str
    path: str
    url: str
    modified: str
    parent: str = ""


@dataclass
class SkipEntry:
    fingerprint: str
    reason: str
    path: str


@dataclass
class RetryEntry:
    reason: str
    attempts: int


@dataclass
class SyncState:
    source: str = ""
    page_token: str | None = None
    last_full: str = ""  # ISO time of the last complete reconcile
    files: dict[str, FileEntry] = field(default_factory=dict)
    folders: dict[str, str] = field(default_factory=dict)  # folder id -> path
    skipped: dict[str, SkipEntry] = field(default_factory=dict)
    retry: dict[str, RetryEntry] = field(default_factory=dict)  # file id -> last transient failure
    intents: list[str] = field(default_factory=list)
    generation: int = 0  # bumped whenever documents changed; seeds the ingestion client token
    publish_pending: bool = False
    last_job: dict[str, str] = field(default_factory=dict)  # {"id", "status"}
    version: int = STATE_VERSION

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> SyncState:
        try:
            data: dict[str, Any] = json.loads(raw)
            if data.get("version") != STATE_VERSION:
                raise ValueError(f"unknown state version {data.get('version')!r}")
            data["files"] = {k: FileEntry(**v) for k, v in data.get("files", {}).items()}
            data["skipped"] = {k: SkipEntry(**v) for k, v in data.get("skipped", {}).items()}
            data["retry"] = {k: RetryEntry(**v) for k, v in data.get("retry", {}).items()}
            return cls(**data)
        except (ValueError, TypeError) as exc:
            raise StorageError(f"kb_sync state is unreadable: {exc}") from exc

    def keys(self) -> set[str]:
        return {entry.key for entry in self.files.values()}


class FileStateStore:
    """State as one JSON file, replaced atomically (a crash leaves the old or the new one)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> SyncState | None:
        try:
            return SyncState.from_json(self.path.read_bytes())
        except FileNotFoundError:
            return None

    def save(self, state: SyncState) -> None:
        write_atomic(self.path, state.to_json())


def write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
