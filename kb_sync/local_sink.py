"""A local folder as the sink (same objects and sidecars as S3) and the local index as publisher.

Files are replaced atomically, so the index never reads half a document. Only keys this sync
wrote are ever deleted; other files in the folder are left alone.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import asdict, is_dataclass
from pathlib import Path

from assistant_core.errors import BadInput, ConfigError, StorageError

from .attributes import SIDECAR_SUFFIX, sidecar_bytes
from .model import Document, PublishResult
from .state import write_atomic

log = logging.getLogger(__name__)


class LocalSink:
    def __init__(self, dest: Path) -> None:
        self.dest = dest.resolve()

    def put(self, key: str, doc: Document, attributes: Mapping[str, str]) -> None:
        self._write(self._path(key), doc.body)
        self.put_attributes(key, attributes)

    def put_attributes(self, key: str, attributes: Mapping[str, str]) -> None:
        self._write(self._path(key + SIDECAR_SUFFIX), sidecar_bytes(attributes))

    def delete(self, key: str) -> None:
        for path in (self._path(key), self._path(key + SIDECAR_SUFFIX)):
            try:
                path.unlink(missing_ok=True)
            except OSError as exc:
                raise StorageError(f"cannot delete {path}: {exc.strerror}") from exc
        self._prune(self._path(key).parent)

    def _path(self, key: str) -> Path:
        path = (self.dest / key).resolve()
        if not path.is_relative_to(self.dest) or path == self.dest:
            raise StorageError(f"refusing to write outside {self.dest}: {key!r}")
        return path

    def _write(self, path: Path, data: bytes) -> None:
        try:
            write_atomic(path, data)
        except OSError as exc:
            raise StorageError(f"cannot write {path}: {exc.strerror}") from exc

    def _prune(self, folder: Path) -> None:
        """Removes folders a deletion left empty (never the destination itself)."""
        while folder != self.dest and folder.is_relative_to(self.dest):
            try:
                folder.rmdir()
            except OSError:
                return
            folder = folder.parent


class LocalIndexPublisher:
    """Rebuilds the offline index over ``dest`` (what ``assistant index`` does)."""

    def __init__(self, dest: Path) -> None:
        self.dest = dest

    def publish(self, token: str) -> PublishResult:
        try:
            from assistant_core.retrieval.index import LocalIndex
        except ImportError as exc:
            raise ConfigError("the local index (assistant_core.retrieval.index) is not available") from exc
        try:
            index = LocalIndex.load_or_build(self.dest)
        except BadInput as exc:  # e.g. the last document was deleted: nothing to index is fine
            log.warning("kb_sync: local index not rebuilt: %s", exc)
            return PublishResult(started=True, detail=f"local index not rebuilt: {exc}")
        stats = index.stats
        fields = asdict(stats) if is_dataclass(stats) and not isinstance(stats, type) else {}
        numbers = {k: v for k, v in fields.items() if isinstance(v, int) and not isinstance(v, bool)}
        detail = "local index rebuilt: " + ", ".join(f"{v} {k}" for k, v in numbers.items())
        log.info("kb_sync: %s", detail)
        return PublishResult(started=True, detail=detail, stats=numbers)

    def check(self, job_id: str) -> PublishResult | None:
        return None  # the rebuild is synchronous: nothing to poll
