"""Which Drive files we sync and how: export Google files, download a few plain formats, skip the rest.

The kept formats are the ones a Bedrock knowledge base ingests; the local index reads the
``.md``/``.html``/``.txt`` ones. Validation is shallow on purpose: enough to refuse a body that
is obviously not what its type claims (a "PDF" without ``%PDF-``), not a parser.
"""

from __future__ import annotations

from dataclasses import dataclass

GOOGLE_DOC = "application/vnd.google-apps.document"
GOOGLE_SHEET = "application/vnd.google-apps.spreadsheet"
GOOGLE_SLIDES = "application/vnd.google-apps.presentation"
GOOGLE_SHORTCUT = "application/vnd.google-apps.shortcut"
GOOGLE_PREFIX = "application/vnd.google-apps."
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

EXPORT_LIMIT_BYTES = 10 * 1024 * 1024  # Drive refuses to export more than this


@dataclass(frozen=True)
class Target:
    mime: str  # what we ask Drive for (export) or expect (download)
    ext: str
    content_type: str


@dataclass(frozen=True)
class Plan:
    """How to fetch one file: ``export`` targets in preference order, or one ``download``."""

    export: tuple[Target, ...] = ()
    download: Target | None = None


_MD = Target("text/markdown", ".md", "text/markdown; charset=utf-8")
_TXT = Target("text/plain", ".txt", "text/plain; charset=utf-8")
_HTML = Target("text/html", ".html", "text/html; charset=utf-8")
_CSV = Target("text/csv", ".csv", "text/csv; charset=utf-8")
_PDF = Target("application/pdf", ".pdf", "application/pdf")
_DOCX = Target(DOCX, ".docx", DOCX)

_EXPORTS: dict[str, tuple[Target, ...]] = {
    GOOGLE_DOC: (_MD, _TXT),  # Markdown keeps headings for chunking; plain text if it fails
    GOOGLE_SHEET: (_CSV,),  # Drive exports the first sheet only
    GOOGLE_SLIDES: (_TXT,),
}
_DOWNLOADS: dict[str, Target] = {
    "application/pdf": _PDF,
    DOCX: _DOCX,
    "text/markdown": _MD,
    "text/x-markdown": _MD,
    "text/html": _HTML,
    "text/plain": _TXT,
}
_BY_SUFFIX: dict[str, Target] = {
    ".md": _MD,
    ".markdown": _MD,
    ".html": _HTML,
    ".htm": _HTML,
    ".txt": _TXT,
    ".pdf": _PDF,
    ".docx": _DOCX,
    ".csv": _CSV,
}
ALL_EXTS: tuple[str, ...] = tuple(sorted({t.ext for t in (*_DOWNLOADS.values(), _CSV)}))
TEXT_EXTS = frozenset({".md", ".txt", ".html", ".csv"})


def plan_for(mime: str, name: str) -> Plan | str:
    """The fetch plan for a file, or the reason it is skipped."""
    if mime in _EXPORTS:
        return Plan(export=_EXPORTS[mime])
    if mime in _DOWNLOADS:
        return Plan(download=_DOWNLOADS[mime])
    if mime == GOOGLE_SHORTCUT:
        return "shortcuts are not followed (put the document itself in the folder)"
    if mime.startswith(GOOGLE_PREFIX):
        return f"unsupported Google file type {mime.removeprefix(GOOGLE_PREFIX)}"
    # Drive often labels uploaded .md files as octet-stream: trust a known suffix then.
    if mime in ("application/octet-stream", ""):
        by_suffix = target_for_suffix(name)
        if by_suffix is not None:
            return Plan(download=by_suffix)
    return f"unsupported file type {mime or 'unknown'}"


def target_for_suffix(name: str) -> Target | None:
    dot = name.rfind(".")
    return _BY_SUFFIX.get(name[dot:].lower()) if dot > 0 else None


def check_body(body: bytes, ext: str) -> str:
    """Why ``body`` is not a plausible ``ext`` file ("" when it is)."""
    if not body.strip(b" \t\r\n\xef\xbb\xbf"):  # a new, still empty Google Doc exports a BOM
        return "empty document"
    if ext in TEXT_EXTS:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return "corrupt: not UTF-8 text"
        if "\x00" in text:
            return "corrupt: text contains NUL bytes"
        return ""
    if ext == ".pdf" and not body.startswith(b"%PDF-"):
        return "corrupt: not a PDF (no %PDF- header)"
    if ext == ".docx" and not body.startswith(b"PK\x03\x04"):
        return "corrupt: not a DOCX (not a zip archive)"
    return ""


def title_from_name(name: str) -> str:
    """The title shown with citations: the file name without a known document suffix."""
    target = target_for_suffix(name)
    if target is None:
        return name.strip() or "Untitled"
    return name[: name.rfind(".")].strip() or name
