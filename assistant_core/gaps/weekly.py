"""The weekly knowledge-gaps job: read a week of tbl-gaps, group, store the report, then notify.

The report is stored before anything is published, so a notice that fails (SNS throttled past its
retries) leaves the report in place; the error still propagates, so the run is retried (the keys
are per week, so a retry overwrites the same objects) and alarmed on.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from assistant_core.errors import BadInput
from assistant_core.gaps.grouping import group_gaps
from assistant_core.gaps.ports import GapSource, ReportStore
from assistant_core.gaps.render import render_csv, render_markdown, render_notice
from assistant_core.ports import Notifier

_WEEK = re.compile(r"(\d{4})-W(\d{2})")


def parse_week(text: object) -> str:
    """``"2026-W47"`` → itself; anything that is not a real ISO week is ``BadInput``."""
    match = _WEEK.fullmatch(text.strip()) if isinstance(text, str) else None
    if not match:
        raise BadInput(f"week {text!r} is not an ISO week like 2026-W47")
    try:
        date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError as e:
        raise BadInput(f"week {text!r} does not exist ({e})") from e
    return f"{match[1]}-W{match[2]}"


def week_of(now_iso: str, weeks_back: int = 0) -> str:
    """The ISO week of ``now_iso`` (UTC), ``weeks_back`` weeks earlier."""
    day = datetime.fromisoformat(now_iso.replace("Z", "+00:00")).date() - timedelta(weeks=weeks_back)
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_to_report(event: Mapping[str, Any] | None, now_iso: str) -> str:
    """``{"week": "2026-W47"}`` reruns that week; otherwise the previous week (the schedule runs Mondays)."""
    week = (event or {}).get("week")
    return parse_week(week) if week not in (None, "") else week_of(now_iso, weeks_back=1)


def run_weekly(
    source: GapSource,
    store: ReportStore,
    notifier: Notifier,
    week: str,
    *,
    site_name: str = "",
    publish_empty: bool = True,
) -> dict[str, Any]:
    report = group_gaps(source.gaps(week), week)
    locations: Sequence[str] = store.put(week, render_markdown(report, site_name), render_csv(report))
    summary: dict[str, Any] = {
        "week": week,
        "gaps": report.total,
        "groups": len(report.groups),
        "dropped_groups": report.dropped_groups,
        "report": list(locations),
        "top": [{"question": g.representative, "count": g.count} for g in report.groups[:5]],
    }
    # An empty week is still announced: a short "no gaps" tells writers the job ran and found nothing.
    if report.total or publish_empty:
        subject, message = render_notice(report, site_name, locations)
        summary["published"] = notifier.publish(subject, message)
    return summary
