"""``assistant stats``: counts and latency percentiles over the turns the local stack recorded.

The local stack (``assistant serve``) mirrors every turn to ``<state dir>/records/transcripts.jsonl``;
this reads that file, so it works after the server has stopped. In AWS the same figures are the
``WebsiteAssistant`` CloudWatch metrics.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from assistant_core.local.record_files import JsonlRecords
from assistant_core.observability.turn_stats import TurnStats, format_stats, summarize


def cmd_stats(args: argparse.Namespace) -> int:
    records = JsonlRecords(Path(args.state_dir) / "records")
    stats = summarize(records.turns(), records.feedback()) if records.transcripts_path.exists() else TurnStats()
    print(json.dumps(stats.as_dict()) if args.json else format_stats(stats))
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("stats", help="turn counts by outcome and latency percentiles of the local stack")
    p.add_argument("--state-dir", default=".assistant", help="the local stack's state dir (default: %(default)s)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_stats)
