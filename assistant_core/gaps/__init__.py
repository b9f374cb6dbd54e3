"""The weekly knowledge-gaps report: the questions the assistant could not answer, grouped for writers.

``run_weekly`` reads a week of gap records, groups near-duplicate questions (``group_gaps``/``GapGrouper``,
over the token sets of ``text``), stores the Markdown and CSV (``render_markdown``, ``render_csv``) and sends a
short notice; ``GapSource`` and ``ReportStore`` are its ports (``ports``). ``parse_week``/``week_of``/
``week_to_report`` name ISO weeks.
"""

from assistant_core.gaps.feedback import UNHELPFUL, unhelpful_gap
from assistant_core.gaps.group import GapGroup
from assistant_core.gaps.grouping import GapGrouper, GapsReport, group_gaps
from assistant_core.gaps.ports import GapSource, ReportStore
from assistant_core.gaps.render import render_csv, render_markdown
from assistant_core.gaps.weekly import parse_week, run_weekly, week_of, week_to_report

__all__ = [
    "UNHELPFUL",
    "GapGroup",
    "GapGrouper",
    "GapSource",
    "GapsReport",
    "ReportStore",
    "group_gaps",
    "parse_week",
    "render_csv",
    "render_markdown",
    "run_weekly",
    "unhelpful_gap",
    "week_of",
    "week_to_report",
]
