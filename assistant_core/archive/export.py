"""Transcript export (fn-archive): which days to export and the exact bytes of each day.

Layout in the data bucket, one folder per UTC day of ``created_at``:

  transcripts/2026-11-20/part-00000.jsonl.gz   gzipped JSON Lines, at most PART_RECORDS turns each
  transcripts/2026-11-20/_manifest.json        written last: counts, part keys, sha256, status

fn-archive runs every few hours (infra: ``archive-every-6-hours``) over today and the CATCH_UP_DAYS
days before it, and exports each day that has no manifest or has gained turns since. So a turn is in
S3 within hours of being saved, well inside a day. The manifest's status is ``open`` while its day is
still running (more turns will come) and ``complete`` once a run has exported the day after it ended.

Why no turn is lost or duplicated:
- keys and bytes depend only on the day's items (sorted, gzip without a timestamp), so a rerun
  overwrites the same objects with the same content instead of adding copies;
- the manifest goes last: a run that dies halfway leaves none (or the older, smaller one), and the
  next run exports the day again;
- inside the window a day's items only grow, so a rewrite never strands a part of an earlier one;
- turns expire from DynamoDB (TTL) no sooner than MIN_TTL_DAYS after they were written, which is
  after the last run that still looks at their day (tests/unit/test_archiver.py simulates it).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from assistant_core.errors import BadInput

BY_DAY_INDEX = "by_day"  # tbl-transcripts GSI: PK ``day``, SK ``created_at`` (infra/data.py)
PREFIX = "transcripts/"
PART_RECORDS = 1000
CATCH_UP_DAYS = 5  # each run also re-checks the five days before today (missed runs, late writes)
# Floor on DynamoDB retention whatever retention_days says. Must exceed CATCH_UP_DAYS + 1: the last
# run that looks at a day can start up to that many days after the day began.
MIN_TTL_DAYS = 7
# A manifest's status: its day was exported after it ended (complete) or while it was still going (open).
COMPLETE = "complete"
OPEN = "open"
DROPPED_FIELDS = frozenset({"ttl"})  # DynamoDB housekeeping, meaningless in the archive
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _instant(created_at: str) -> datetime:
    try:
        moment = datetime.fromisoformat(created_at.replace("Z", "+00:00"))
    except (AttributeError, ValueError) as e:
        raise BadInput(f"not an ISO-8601 timestamp: {created_at!r}") from e
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def day_of(created_at: str) -> str:
    """UTC date of a turn: its ``day`` attribute, the by_day partition and its export folder."""
    return _instant(created_at).astimezone(UTC).date().isoformat()


def ttl_for(created_at: str, retention_days: int) -> int:
    """Epoch seconds after which DynamoDB may delete the turn (never before it can be exported)."""
    keep = max(int(retention_days), MIN_TTL_DAYS)
    return int((_instant(created_at) + timedelta(days=keep)).timestamp())


def parse_day(value: object, today: date) -> str:
    """An operator's ``{"day": "2026-11-20"}``: a real UTC day that has begun."""
    if not isinstance(value, str) or not _DAY.fullmatch(value):
        raise BadInput(f"day must look like 2026-11-20, got {value!r}")
    try:
        day = date.fromisoformat(value)
    except ValueError as e:
        raise BadInput(f"no such day: {value}") from e
    if day > today:
        raise BadInput(f"{value} is in the future (UTC)")
    return value


def window(today: date) -> list[str]:
    """Days a scheduled run looks at, oldest first (closest to expiry goes first), today last."""
    return [(today - timedelta(days=n)).isoformat() for n in range(CATCH_UP_DAYS, -1, -1)]


def manifest_key(day: str) -> str:
    return f"{PREFIX}{day}/_manifest.json"


def part_key(day: str, index: int) -> str:
    return f"{PREFIX}{day}/part-{index:05d}.jsonl.gz"


def listed_records(manifest: Mapping[str, Any] | None) -> int | None:
    """How many turns a readable manifest lists; None when there is none (or it is not ours)."""
    if not manifest or manifest.get("status") not in (COMPLETE, OPEN):
        return None
    records = manifest.get("records")
    return records if isinstance(records, int) and not isinstance(records, bool) else None


@dataclass(frozen=True)
class DayExport:
    day: str
    parts: list[tuple[str, bytes]]  # (key, gzipped JSON Lines)
    manifest: dict[str, Any]

    @property
    def records(self) -> int:
        return int(self.manifest["records"])

    def manifest_bytes(self) -> bytes:
        return json.dumps(self.manifest, indent=1, sort_keys=True).encode("utf-8")


def _line(item: Mapping[str, Any]) -> bytes:
    row = {k: v for k, v in item.items() if k not in DROPPED_FIELDS}
    return json.dumps(row, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8") + b"\n"


def _order(item: Mapping[str, Any]) -> tuple[str, str, int]:
    index = item.get("turn_index")
    return str(item.get("created_at", "")), str(item.get("session_id", "")), index if isinstance(index, int) else -1


def build_export(
    day: str, items: Iterable[Mapping[str, Any]], *, exported_at: str, open_day: bool = False
) -> DayExport:
    """The day's objects. ``items`` are plain JSON values (no Decimal), as the adapter reads them."""
    rows = sorted(items, key=_order)  # the index orders by created_at only; ties need a fixed order
    parts: list[tuple[str, bytes]] = []
    listed: list[dict[str, Any]] = []
    for index, start in enumerate(range(0, len(rows), PART_RECORDS)):
        chunk = rows[start : start + PART_RECORDS]
        body = gzip.compress(b"".join(_line(r) for r in chunk), compresslevel=9, mtime=0)
        key = part_key(day, index)
        parts.append((key, body))
        listed.append(
            {"key": key, "records": len(chunk), "bytes": len(body), "sha256": hashlib.sha256(body).hexdigest()}
        )
    manifest = {
        "day": day,
        "status": OPEN if open_day else COMPLETE,
        "records": len(rows),
        "format": "jsonl.gz",
        "part_records": PART_RECORDS,
        "parts": listed,
        "exported_at": exported_at,
    }
    return DayExport(day, parts, manifest)
