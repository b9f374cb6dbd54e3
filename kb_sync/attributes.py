"""The Bedrock metadata sidecar for one document, and the owner's site-URL mapping.

Sidecar of object ``x`` is ``x.metadata.json`` = ``{"metadataAttributes": {...}}`` with string
values: ``title``, ``url``, ``modified``, ``path`` and the source's id attribute.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping

from .formats import title_from_name
from .model import RemoteFile

SIDECAR_SUFFIX = ".metadata.json"


class UrlMap:
    """Turns a file into the public URL shown with citations ("" when there is none: a citation
    without a link beats one a visitor cannot open).

    Lookup order: exact Drive file id, exact path (``"shipping/Rates"``), the file's own public URL
    (the Drive custom property ``url``, a local sidecar's), then the ``"*"`` template with ``{id}``,
    ``{path}`` and ``{slug}``. A ``url:`` line in the doc itself wins over all of these where the
    index reads the doc (``retrieval/docs.py``).
    """

    def __init__(self, mapping: Mapping[str, str] | None = None) -> None:
        self.mapping = dict(mapping or {})

    def url_for(self, file: RemoteFile) -> str:
        if file.id in self.mapping:
            return self.mapping[file.id]
        path = _strip_suffix(file.path)
        if path in self.mapping:
            return self.mapping[path]
        if file.url:
            return file.url
        template = self.mapping.get("*")
        return template.format(id=file.id, path=path, slug=slugify(path)) if template else ""


def attributes_for(file: RemoteFile, url: str, id_attribute: str) -> dict[str, str]:
    return {
        "title": title_from_name(file.name),
        "url": url,
        "modified": file.modified,
        "path": file.path,
        id_attribute: file.id,
    }


def sidecar_bytes(attributes: Mapping[str, str]) -> bytes:
    return json.dumps({"metadataAttributes": dict(attributes)}, ensure_ascii=False, indent=1).encode()


def safe_segment(name: str) -> str:
    """A file or folder name as one path segment: no slashes, no control characters."""
    cleaned = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    return cleaned.replace("/", "-").replace("\\", "-").strip() or "untitled"


def join_path(folder: str, name: str) -> str:
    return f"{folder}/{safe_segment(name)}" if folder else safe_segment(name)


def slugify(path: str) -> str:
    """``"Shipping/Rates & Zones"`` -> ``"shipping/rates-zones"`` (ASCII, for URL templates)."""
    ascii_path = unicodedata.normalize("NFKD", path).encode("ascii", "ignore").decode()
    parts = [re.sub(r"[^a-z0-9]+", "-", part.lower()).strip("-") for part in ascii_path.split("/")]
    return "/".join(p for p in parts if p)


def _strip_suffix(path: str) -> str:
    title = title_from_name(path.rsplit("/", 1)[-1])
    head = path.rsplit("/", 1)[0] if "/" in path else ""
    return f"{head}/{title}" if head else title
