"""The archive capability's ports: where fn-archive reads a day's turns and where it writes their export.

Adapters: ``aws/transcript_archive.py`` (tbl-transcripts' by_day index, the data bucket).
"""

from __future__ import annotations

from typing import Any, Protocol


class DayTurns(Protocol):
    """tbl-transcripts by UTC day (the by_day index); items as plain JSON values. ``StorageError`` on failure."""

    def turns(self, day: str) -> list[dict[str, Any]]: ...

    def count(self, day: str) -> int: ...


class ArchiveBucket(Protocol):
    """Where exported days go. ``StorageError`` on failure."""

    def put(self, key: str, body: bytes, content_type: str) -> None: ...

    def read_json(self, key: str) -> dict[str, Any] | None:
        """The object parsed as JSON, or None when there is no such key."""
        ...
