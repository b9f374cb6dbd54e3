"""Time, one interface: the real clock behind the ``Clock`` port, and how timestamps are written.

Code that needs the time takes a ``Clock`` (ports.py) instead of calling ``time`` or ``datetime``
itself, so a test drives every reading (wall, epoch, monotonic, sleep) with one fake
(tests/fakes/clock.py). Records store UTC times as ``2026-11-21T10:00:00.000Z`` (``iso_z``).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime


def iso_z(moment: datetime) -> str:
    """``2026-11-21T10:00:00.000Z``: the one spelling of a stored time (UTC, milliseconds, ``Z``)."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_iso(iso_timestamp: str) -> datetime:
    """The inverse of ``iso_z`` (any ISO 8601 with an offset or ``Z``); a naive time is taken as UTC."""
    moment = datetime.fromisoformat(iso_timestamp.replace("Z", "+00:00"))
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class SystemClock:
    """The real clock. Stateless, so one instance (``SYSTEM_CLOCK``) serves every default."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def now_iso(self) -> str:
        return iso_z(self.now())

    def time(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


SYSTEM_CLOCK = SystemClock()


def week_iso(iso_timestamp: str) -> str:
    """``2026-11-21T10:00:00Z`` → ``2026-W47`` (the tbl-gaps partition)."""
    year, week, _ = parse_iso(iso_timestamp).date().isocalendar()
    return f"{year}-W{week:02d}"
