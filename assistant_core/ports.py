"""The kernel's ports: the ones more than one capability takes. Each capability's own are in its ``ports.py``.

``Clock`` is how every capability (and adapter) reads and waits on time; ``Notifier`` is the staff e-mail
channel that both the hand-off service and the weekly gaps report publish to. Adapters live in ``aws/``
(``SnsNotifier``) and ``clock.py`` (``SystemClock``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class Clock(Protocol):
    """Time in every shape callers need, from one object (real: clock.SystemClock; tests: one fake)."""

    def now(self) -> datetime: ...  # aware, UTC

    def now_iso(self) -> str: ...  # ``2026-11-21T10:00:00.000Z``, as records store it (clock.iso_z)

    def time(self) -> float: ...  # epoch seconds: TTLs, leases, rate windows

    def monotonic(self) -> float: ...  # durations and deadlines within one process

    def sleep(self, seconds: float) -> None: ...


class Notifier(Protocol):
    """The staff e-mail channel (SNS ``t-handoffs``): hand-off notices and the weekly gaps notice.

    Returns the message id.
    """

    def publish(self, subject: str, message: str) -> str: ...
