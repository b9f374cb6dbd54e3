"""The ``BlobStore`` port on a local folder (``--kb index:FOLDER`` and the local stack's published index).

Files are written to a temporary name and renamed into place, so a reader never sees half a file; the
ETag is the body's SHA-256, so a conditional read of an unchanged file returns ``None`` like S3's 304.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from assistant_core.errors import NotFound, StorageError
from assistant_core.retrieval.ports import Blob


class FolderBlobStore:
    def __init__(self, root: Path | str) -> None:
        self.root = Path(root).resolve()
        self.location = str(self.root)

    def get(self, key: str, *, if_none_match: str = "") -> Blob | None:
        path = self._path(key)
        try:
            body = path.read_bytes()
        except FileNotFoundError as e:
            raise NotFound(f"{path} does not exist") from e
        except OSError as e:
            raise StorageError(f"cannot read {path}: {e.strerror}") from e
        etag = _etag(body)
        return None if if_none_match and if_none_match == etag else Blob(body, etag)

    def put(self, key: str, body: bytes, content_type: str = "application/octet-stream") -> None:
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".part-")
            with os.fdopen(fd, "wb") as out:
                out.write(body)
            os.replace(tmp, path)
        except OSError as e:
            raise StorageError(f"cannot write {path}: {e.strerror}") from e

    def list(self, prefix: str = "") -> dict[str, str]:
        if not self.root.is_dir():
            return {}
        out = {}
        for path in sorted(self.root.rglob("*")):
            key = path.relative_to(self.root).as_posix()
            if path.is_file() and key.startswith(prefix) and not path.name.startswith(".part-"):
                out[key] = _etag(path.read_bytes())
        return out

    def retire(self, prefix: str) -> None:
        target = self._path(prefix.rstrip("/"))
        shutil.rmtree(target, ignore_errors=True)

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root) or path == self.root:
            raise StorageError(f"refusing a key outside {self.root}: {key!r}")
        return path


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest() + '"'
