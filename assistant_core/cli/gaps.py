"""``assistant gaps``: the weekly knowledge-gaps report, from the local stack's records.

``assistant serve`` mirrors every gap it logs to ``<state dir>/records/gaps.jsonl``; this command
groups one week of them exactly as fn-gaps-batch does and prints the same Markdown (or the CSV).
Locally the default is the current week — what you just tried in the demo — where the scheduled
batch reports the previous, finished one.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from assistant_core.clock import SystemClock
from assistant_core.gaps.grouping import group_gaps
from assistant_core.gaps.render import render_csv, render_markdown
from assistant_core.gaps.weekly import parse_week, week_of
from assistant_core.local.record_files import JsonlRecords


def cmd_gaps(args: argparse.Namespace) -> int:
    week = parse_week(args.week) if args.week else week_of(SystemClock().now_iso())
    records = JsonlRecords(Path(args.state_dir) / "records")
    if not records.gaps_path.exists():
        print(f"no gaps recorded yet ({records.gaps_path} does not exist; run `assistant serve` and ask away)")
        return 0
    report = group_gaps(records.gaps(week), week)
    print(render_csv(report) if args.csv else render_markdown(report, args.site_name), end="")
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("gaps", help="report the questions the docs could not answer, grouped (from the local stack)")
    p.add_argument("--week", help="ISO week like 2026-W47 (default: the current week)")
    p.add_argument("--state-dir", default=".assistant", help="the local stack's state folder (default: %(default)s)")
    p.add_argument("--csv", action="store_true", help="print the CSV (one row per group) instead of Markdown")
    p.add_argument("--site-name", default="", help="name shown in the report's title")
    p.set_defaults(func=cmd_gaps)
