"""fn-archive (every 6 hours; also run by hand): tbl-transcripts → S3 ``transcripts/{day}/``.

``{}`` or ``{"job": "archive"}``: today (UTC) so far and the days before it that are missing, grew or
have ended since their last export. ``{"day": "2026-11-20"}``: that day again. A malformed day is
refused with a clear error (no retry helps it); a day that could not be exported fails the invocation
after the other days ran, so Lambda retries it and the fn-archive errors alarm fires.
Layout and guarantees: assistant_core/archive/export.py.
"""

from __future__ import annotations

import logging
from typing import Any

from assistant_core.errors import BadInput
from handlers._compose import lambda_entry, runtime

log = logging.getLogger(__name__)


@lambda_entry
def handler(event: dict[str, Any] | None, context: Any) -> dict[str, Any]:
    try:
        report = runtime().archiver.run(event)
    except BadInput as e:
        log.error("archive: %s", e)
        return {"ok": False, "error": "bad_request", "message": str(e)}
    log.info("archive: %s", ", ".join(f"{d.day} {d.status} ({d.records})" for d in report.days))
    report.raise_if_failed()
    return report.as_dict()
