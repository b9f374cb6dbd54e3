"""Retrieved passages and their per-turn ids (``p1..pk`` in retrieval order)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Passage:
    text: str
    title: str
    url: str = ""
    source: str = ""  # path or URI of the document the passage came from
    score: float = 0.0  # normalised to 0..1 by the retriever
    chunk_id: str = ""
    # The hybrid index's two signals behind ``score`` (0 when a retriever does not provide them).
    lexical: float = 0.0  # share of the query's information (IDF) the chunk matches
    semantic: float = 0.0  # cosine similarity of query and chunk vectors
    id: str = ""  # per-turn id, assigned by number_passages

    def citation(self) -> dict[str, str]:
        """The citation a visitor sees in an ``answer`` frame: only http(s) URLs a visitor can open are passed
        on (a Drive or Docs editing link, which a Knowledge Base synced before may still carry, is not)."""
        url = self.url if self.url.startswith(("https://", "http://")) and not _private_drive_link(self.url) else ""
        return {"id": self.id, "title": self.title, "url": url}


_DRIVE_HOSTS = ("https://docs.google.com/", "https://drive.google.com/")


def _private_drive_link(url: str) -> bool:
    """A link into Drive or Docs that needs the writer's access; a doc published to the web (``/pub``) is fine."""
    return url.startswith(_DRIVE_HOSTS) and "/pub" not in url


def number_passages(passages: Iterable[Passage]) -> list[Passage]:
    """Give passages this turn's ids, p1..pk, in the order they were retrieved."""
    return [replace(p, id=f"p{i}") for i, p in enumerate(passages, start=1)]


def by_id(passages: Sequence[Passage]) -> dict[str, Passage]:
    return {p.id: p for p in passages}
