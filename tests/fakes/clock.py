"""The one fake ``Clock`` (assistant_core/ports.py) for every test.

Two timelines, as in a real process: wall time (``now``, ``now_iso``, ``time``), which moves only
when a test says so (``advance``, ``set``, ``sleep``), and monotonic time (``monotonic``), which
also moves by ``step`` on every reading, so code that measures durations sees time pass.
``sleep`` waits for no one: it records the seconds, advances both timelines, and runs the next
``meanwhile`` callback, for tests in which something happens while the code under test waits.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from assistant_core.clock import iso_z, parse_iso

DEFAULT_NOW = "2026-11-18T09:30:00.000Z"


def _moment(when: str | float | datetime) -> datetime:
    if isinstance(when, datetime):
        return when if when.tzinfo is not None else when.replace(tzinfo=UTC)
    if isinstance(when, str):
        return parse_iso(when)
    return datetime.fromtimestamp(when, UTC)


class FakeClock:
    def __init__(
        self,
        now: str | float | datetime = DEFAULT_NOW,
        *,
        monotonic: float = 1000.0,
        step: float = 0.0,
        real_monotonic: bool = False,
    ) -> None:
        """``now``: the wall time, as ISO text, epoch seconds or a datetime. ``real_monotonic``: read the
        real monotonic clock, for tests whose doubles pace in real time and whose code must measure it."""
        # A datetime, not epoch seconds: a float cannot hold every millisecond, and now_iso must
        # give back exactly the time a test set.
        self._now = _moment(now)
        self.mono, self.step, self.real_monotonic = monotonic, step, real_monotonic
        self.sleeps: list[float] = []
        self.meanwhile: list[Callable[[], None]] = []

    def now(self) -> datetime:
        return self._now

    def now_iso(self) -> str:
        return iso_z(self._now)

    def time(self) -> float:
        return self._now.timestamp()

    def monotonic(self) -> float:
        if self.real_monotonic:
            return time.monotonic()
        self.mono += self.step
        return self.mono

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.advance(seconds)
        if self.meanwhile:
            self.meanwhile.pop(0)()

    def advance(self, seconds: float) -> None:
        """Let ``seconds`` pass on both timelines."""
        self._now += timedelta(seconds=seconds)
        self.mono += seconds

    def set(self, now: str | float | datetime) -> None:
        """Move the wall time to ``now`` (monotonic time is left alone: it never jumps)."""
        self._now = _moment(now)


__all__ = ["DEFAULT_NOW", "FakeClock"]
