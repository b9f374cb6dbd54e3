"""The real clock behind the ``Clock`` port (tests pass their own)."""

from __future__ import annotations

import time
from datetime import UTC, datetime


class SystemClock:
    def now_iso(self) -> str:
        return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")

    def monotonic(self) -> float:
        return time.monotonic()


def week_iso(iso_timestamp: str) -> str:
    """``2026-11-21T10:00:00Z`` → ``2026-W47`` (the tbl-gaps partition)."""
    day = datetime.fromisoformat(iso_timestamp.replace("Z", "+00:00")).date()
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"
