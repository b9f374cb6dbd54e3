"""fn-kb-sync: the scheduled Drive -> S3 -> knowledge-base sync (every 5 minutes by default).

One incremental tick per invocation (``{"full": true}`` in the event forces a full reconcile), a
summary dict back; composition, configuration checks and the EMF line: assistant_core/bootstrap/sync.py.
"""

from __future__ import annotations

from typing import Any

from assistant_core.bootstrap.sync import lambda_tick
from handlers._compose import lambda_entry

SAFETY_MS = 60_000  # stop starting new batches with a minute of Lambda time left


@lambda_entry
def handler(event: dict[str, Any] | None, context: Any) -> dict[str, Any]:
    full = bool((event or {}).get("full"))
    report = lambda_tick(full=full, out_of_time=lambda: _remaining_ms(context) < SAFETY_MS)
    return report.as_dict()


def _remaining_ms(context: Any) -> float:
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    return float(remaining()) if callable(remaining) else float("inf")
