"""Reading a folder of help docs (.md, .html, .txt) into titled Markdown-ish text.

Title and URL come from a Bedrock-style sidecar (``<file>.metadata.json``), front matter, an
HTML ``<title>``/canonical link, or the first heading, in that order. Unreadable or binary files are
skipped with a reason, never fatal.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath

from assistant_core.retrieval.markup import clean_markup

SUFFIXES = (".md", ".markdown", ".html", ".htm", ".txt")
MAX_DOC_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class Doc:
    path: str  # relative to the docs folder, with forward slashes
    title: str
    url: str
    body: str  # Markdown-ish text: "#" headings, paragraphs, "- " list items


@dataclass(frozen=True)
class Skipped:
    path: str
    reason: str


def iter_doc_files(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix.lower() in SUFFIXES and not any(p.startswith(".") for p in path.parts[-1:]):
            yield path


def read_doc(root: Path, path: Path) -> Doc | Skipped:
    rel = path.relative_to(root).as_posix()
    try:
        raw = path.read_bytes()
    except OSError as e:
        return Skipped(rel, f"unreadable: {e.strerror or e}")
    return parse_doc(rel, raw, _sidecar(path))


def parse_doc(rel: str, raw: bytes, sidecar: Mapping[str, str] | None = None) -> Doc | Skipped:
    """One document from its bytes: ``rel``'s suffix says the format; ``sidecar`` (title, url) wins."""
    suffix = PurePosixPath(rel).suffix.lower()
    if suffix not in SUFFIXES:
        return Skipped(rel, f"unsupported file type {suffix or '(no suffix)'}")
    if len(raw) > MAX_DOC_BYTES:
        return Skipped(rel, f"larger than {MAX_DOC_BYTES // (1024 * 1024)} MB")
    if b"\x00" in raw[:8192]:
        return Skipped(rel, "binary file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return Skipped(rel, "not UTF-8 text")
    meta: dict[str, str] = {}
    if suffix in (".html", ".htm"):
        text, meta = _html_to_text(text)
    elif suffix in (".md", ".markdown"):
        text, meta = _split_front_matter(text)
    if suffix not in (".html", ".htm"):
        text, own_url = _leading_url_line(text)
        if own_url and not meta.get("url"):
            meta["url"] = own_url
    # The sidecar's title (the Drive file's name) wins; the doc's own URL (front matter, a ``url:`` line,
    # a canonical link) wins over the sidecar's, which only came from the owner's map or a Drive property.
    own = meta.get("url", "")
    meta.update({k: v for k, v in (sidecar or {}).items() if k in ("title", "url") and v})
    if own.startswith(("https://", "http://")):
        meta["url"] = own
    body = clean_markup(text).strip()
    if not body:
        return Skipped(rel, "empty document")
    stem = PurePosixPath(rel).stem
    title = clean_markup(meta.get("title", "")).strip() or _first_heading(body) or \
        stem.replace("-", " ").replace("_", " ").capitalize()
    return Doc(rel, " ".join(title.split()), meta.get("url", "").strip(), body)


def sidecar_fields(raw: bytes) -> dict[str, str]:
    """Title and URL from a Bedrock-style ``<file>.metadata.json`` body (anything unreadable: none)."""
    try:
        attrs = json.loads(raw.decode("utf-8")).get("metadataAttributes", {})
    except (ValueError, AttributeError):
        return {}
    if not isinstance(attrs, dict):
        return {}
    return {k: str(v) for k, v in attrs.items() if k in ("title", "url") and isinstance(v, str | int | float)}


def _sidecar(path: Path) -> dict[str, str]:
    side = path.with_name(path.name + ".metadata.json")
    try:
        return sidecar_fields(side.read_bytes()) if side.is_file() else {}
    except OSError:
        return {}


_URL_LINE = re.compile(r"\A\s*(?:\*\*)?url(?:\*\*)?\s*:\s*<?(https?://\S+?)>?\s*(?:\n|\Z)", re.I)


def _leading_url_line(text: str) -> tuple[str, str]:
    """A first line ``url: https://...`` (how a writer gives a Google Doc its public page) -> (rest, url)."""
    m = _URL_LINE.match(text)
    return (text[m.end():], m.group(1)) if m else (text, "")


_FRONT = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)


def _split_front_matter(text: str) -> tuple[str, dict[str, str]]:
    m = _FRONT.match(text)
    if not m:
        return text, {}
    meta = {}
    for line in m.group(1).splitlines():
        key, sep, value = line.partition(":")
        if sep:
            meta[key.strip().lower()] = value.strip().strip("'\"")
    return text[m.end() :], meta


def _first_heading(body: str) -> str:
    m = re.search(r"^#{1,3}\s+(.+)$", body, re.M)
    return m.group(1).strip() if m else ""


class _HtmlText(HTMLParser):
    """Keeps headings, paragraphs and list items; drops scripts, styles and markup."""

    _BLOCK = {"p", "div", "section", "article", "br", "tr", "table", "ul", "ol"}
    _SKIP = {"script", "style", "noscript", "template", "svg", "nav", "footer"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.meta: dict[str, str] = {}
        self._skip = 0
        self._in_title = False
        self._title: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in self._SKIP:
            self._skip += 1
        elif tag == "title":
            self._in_title = True
        elif tag == "link" and (a.get("rel") or "").lower() == "canonical" and a.get("href"):
            self.meta["url"] = a["href"] or ""
        elif tag in ("h1", "h2", "h3", "h4"):
            self.out.append("\n\n" + "#" * int(tag[1]) + " ")
        elif tag == "li":
            self.out.append("\n- ")
        elif tag in self._BLOCK:
            self.out.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag == "title":
            self._in_title = False
        elif tag in ("h1", "h2", "h3", "h4"):
            self.out.append("\n\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self._title.append(data)
        elif not self._skip:
            self.out.append(re.sub(r"\s+", " ", data))


def _html_to_text(html: str) -> tuple[str, dict[str, str]]:
    parser = _HtmlText()
    parser.feed(html)
    parser.close()
    meta = dict(parser.meta)
    title = " ".join("".join(parser._title).split())
    if title:
        meta["title"] = title
    text = re.sub(r"[ \t]+\n", "\n", "".join(parser.out))
    return re.sub(r"\n{3,}", "\n\n", text).strip(), meta
