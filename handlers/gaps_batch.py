"""fn-gaps-batch (weekly schedule): the knowledge-gaps report for writers, to S3 and SNS.

The schedule sends ``{"job": "gaps-weekly"}`` on Monday mornings: the previous ISO week is reported.
``{"week": "2026-W47"}`` reruns one week. A malformed week is refused with a clear error (no retry
helps it); storage and SNS faults raise after the report is stored, so the run is retried and alarmed.
"""

from __future__ import annotations

import logging
from typing import Any

from assistant_core.clock import SystemClock
from assistant_core.errors import BadInput
from assistant_core.gaps.weekly import run_weekly, week_to_report
from handlers._compose import lambda_entry, runtime

log = logging.getLogger(__name__)


@lambda_entry
def handler(event: dict[str, Any] | None, context: Any, clock: Any = None) -> dict[str, Any]:
    try:
        week = week_to_report(event, (clock or SystemClock()).now_iso())
    except BadInput as e:
        log.error("gaps batch: %s", e)
        return {"error": "bad_request", "message": str(e)}
    rt = runtime()
    summary = run_weekly(rt.gap_reader, rt.reports, rt.notifier, week, site_name=rt.settings.site_name)
    log.info("gaps report %s: %d gaps in %d groups", week, summary["gaps"], summary["groups"])
    return summary
