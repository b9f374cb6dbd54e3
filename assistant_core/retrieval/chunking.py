"""Chunk docs by headings, with a size limit and overlap for long sections."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant_core.retrieval.docs import Doc

MAX_CHUNK_CHARS = 1200
OVERLAP_CHARS = 200
_HEADING = re.compile(r"^(#{1,4})\s+(.+?)\s*#*\s*$")


@dataclass(frozen=True)
class Chunk:
    chunk_id: str  # "<doc path>#<n>"
    doc_path: str
    title: str  # "<doc title> › <section heading>"
    url: str
    anchor: str
    heading: str
    text: str


def slugify(heading: str) -> str:
    slug = re.sub(r"[^\w\s-]", "", heading.lower()).strip()
    return re.sub(r"[\s_]+", "-", slug)


def chunk_doc(doc: Doc) -> list[Chunk]:
    chunks: list[Chunk] = []
    for heading, body in _sections(doc.body):
        anchor = slugify(heading) if heading and heading != doc.title else ""
        for piece in _split(body):
            n = len(chunks)
            url = f"{doc.url}#{anchor}" if doc.url and anchor else doc.url
            title = f"{doc.title} › {heading}" if heading and heading != doc.title else doc.title
            chunks.append(Chunk(f"{doc.path}#{n}", doc.path, title, url, anchor, heading, piece))
    return chunks


def _sections(body: str) -> list[tuple[str, str]]:
    sections: list[tuple[str, list[str]]] = [("", [])]
    for line in body.splitlines():
        m = _HEADING.match(line)
        if m:
            sections.append((m.group(2).strip(), []))
        else:
            sections[-1][1].append(line)
    out = [(h, "\n".join(lines).strip()) for h, lines in sections]
    return [(h, b) for h, b in out if b]


def _split(text: str) -> list[str]:
    """Pieces of at most MAX_CHUNK_CHARS, cut at paragraph (then sentence) breaks, overlapping."""
    if len(text) <= MAX_CHUNK_CHARS:
        return [text]
    units = [u for u in re.split(r"\n\s*\n|(?<=[.!?])\s+", text) if u.strip()]
    pieces: list[str] = []
    current = ""
    for unit in units:
        while len(unit) > MAX_CHUNK_CHARS:  # one enormous sentence: hard cut
            pieces.append(unit[:MAX_CHUNK_CHARS])
            unit = unit[MAX_CHUNK_CHARS - OVERLAP_CHARS :]
        if current and len(current) + len(unit) + 1 > MAX_CHUNK_CHARS:
            pieces.append(current)
            tail = current[-OVERLAP_CHARS:]
            current = tail[tail.find(" ") + 1 :] if " " in tail else tail
        current = f"{current} {unit}".strip() if current else unit
    if current:
        pieces.append(current)
    return pieces
