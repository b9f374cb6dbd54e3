"""The export format and the retention rule: deterministic objects, and TTL never before export."""

from __future__ import annotations

import gzip
import hashlib
import json
import random
from datetime import UTC, date, datetime, timedelta

import pytest

from assistant_core.archive import export as archive
from assistant_core.archive.export import (
    CATCH_UP_DAYS,
    MIN_TTL_DAYS,
    PART_RECORDS,
    build_export,
    day_of,
    parse_day,
    ttl_for,
    window,
)
from assistant_core.errors import BadInput


def item(i: int, day: str = "2026-11-20", **over: object) -> dict:
    return {
        "session_id": f"s{i % 7}",
        "turn_index": i,
        "created_at": f"{day}T{i % 24:02d}:00:00.000Z",
        "question": f"q{i} ünïcode",
        "day": day,
        "ttl": 1,
        "latencies": {"total_ms": i},
        **over,
    }


def lines(body: bytes) -> list[dict]:
    return [json.loads(line) for line in gzip.decompress(body).decode("utf-8").splitlines()]


def test_day_is_the_utc_date_and_ttl_has_a_floor() -> None:
    assert day_of("2026-11-20T23:59:59.999Z") == "2026-11-20"
    assert day_of("2026-11-21T07:30:00+08:00") == "2026-11-20"  # an offset is converted, not cut off
    start = datetime(2026, 11, 20, 10, tzinfo=UTC)
    created = start.isoformat().replace("+00:00", "Z")
    assert ttl_for(created, 90) == int((start + timedelta(days=90)).timestamp())
    assert ttl_for(created, 1) == ttl_for(created, 0) == int((start + timedelta(days=MIN_TTL_DAYS)).timestamp())
    with pytest.raises(BadInput):
        ttl_for("yesterday", 90)


@pytest.mark.parametrize(
    "bad", ["2026-13-01", "2026-02-30", "20261120", "2026-11-20T00:00", "", 20261120, None, "2026-11-22", "2027-01-01"]
)
def test_a_day_must_be_real_and_begun(bad: object) -> None:
    with pytest.raises(BadInput):
        parse_day(bad, date(2026, 11, 21))


def test_window_is_today_and_the_days_before_it_oldest_first() -> None:
    assert window(date(2026, 12, 2)) == [
        "2026-11-27",
        "2026-11-28",
        "2026-11-29",
        "2026-11-30",
        "2026-12-01",
        "2026-12-02",
    ]
    assert parse_day("2026-11-20", date(2026, 11, 21)) == "2026-11-20"
    assert parse_day("2026-11-21", date(2026, 11, 21)) == "2026-11-21"  # today so far


def test_export_bytes_depend_only_on_the_items() -> None:
    items = [item(i) for i in range(2 * PART_RECORDS + 5)]
    shuffled = random.Random(7).sample(items, len(items))
    a = build_export("2026-11-20", items, exported_at="2026-11-21T18:30:00Z")
    b = build_export("2026-11-20", shuffled, exported_at="2026-11-22T18:30:00Z")
    assert a.parts == b.parts  # same keys, same gzip bytes: a rerun overwrites, never duplicates
    assert [k for k, _ in a.parts] == [f"transcripts/2026-11-20/part-{n:05d}.jsonl.gz" for n in range(3)]
    assert [p["records"] for p in a.manifest["parts"]] == [PART_RECORDS, PART_RECORDS, 5]
    for (key, body), listed in zip(a.parts, a.manifest["parts"], strict=True):
        assert listed == {
            "key": key,
            "records": len(lines(body)),
            "bytes": len(body),
            "sha256": hashlib.sha256(body).hexdigest(),
        }
    rows = [r for _, body in a.parts for r in lines(body)]
    assert len(rows) == len(items) and all("ttl" not in r and r["day"] == "2026-11-20" for r in rows)
    assert rows[0]["question"] == "q0 ünïcode"
    assert [(r["created_at"], r["session_id"], r["turn_index"]) for r in rows] == sorted(
        (r["created_at"], r["session_id"], r["turn_index"]) for r in rows
    )
    assert a.manifest["records"] == len(items) and a.manifest["status"] == "complete"
    assert json.loads(a.manifest_bytes()) == a.manifest


def test_an_empty_day_is_a_manifest_without_parts() -> None:
    export = build_export("2026-11-20", [], exported_at="2026-11-21T18:30:00Z")
    assert export.parts == [] and export.manifest["records"] == 0 and export.manifest["parts"] == []
    assert archive.listed_records(export.manifest) == 0 and export.manifest["status"] == "complete"
    assert build_export("2026-11-20", [], exported_at="x", open_day=True).manifest["status"] == "open"
    for other in (
        None,
        {},
        {"status": "complete"},
        {"status": "exporting", "records": 3},
        {"status": "open", "records": True},
    ):
        assert archive.listed_records(other) is None


def test_ttl_outlives_every_nightly_run_that_looks_at_the_day() -> None:
    # The last run whose window holds day D runs on day D + CATCH_UP_DAYS (at any hour of it).
    assert MIN_TTL_DAYS > CATCH_UP_DAYS + 1
    for created in ("2026-11-20T00:00:00.000Z", "2026-11-20T12:34:56.789Z", "2026-11-20T23:59:59.999Z"):
        d = date.fromisoformat(day_of(created))
        last_run_day = d + timedelta(days=CATCH_UP_DAYS)
        assert d.isoformat() in window(last_run_day) and d.isoformat() not in window(last_run_day + timedelta(1))
        end_of_last_run_day = datetime.combine(last_run_day + timedelta(days=1), datetime.min.time(), UTC)
        assert ttl_for(created, retention_days=0) > end_of_last_run_day.timestamp()
