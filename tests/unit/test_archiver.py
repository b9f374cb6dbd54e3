"""The fn-archive run with hand-written fakes: interruption, reruns, late writes, failures, expiry."""

from __future__ import annotations

import gzip
import json
import random
from datetime import UTC, datetime, timedelta

import pytest

from assistant_core.archive.archiver import TranscriptArchiver
from assistant_core.archive.export import CATCH_UP_DAYS, PART_RECORDS, day_of, manifest_key, ttl_for
from assistant_core.errors import BadInput, StorageError
from tests.fakes.clock import FakeClock


class Turns:
    """tbl-transcripts by day; items past their ttl are gone, as if TTL deleted them at once (worst case)."""

    def __init__(self, clock: FakeClock) -> None:
        self.items: list[dict] = []
        self.clock, self.fail_days = clock, set()

    def add(self, created_at: str, n: int, retention_days: int = 90) -> None:
        self.items.append(
            {
                "session_id": f"s{n}",
                "turn_index": 1,
                "created_at": created_at,
                "day": day_of(created_at),
                "ttl": ttl_for(created_at, retention_days),
                "question": f"q{n}",
            }
        )

    def _live(self, day: str) -> list[dict]:
        if day in self.fail_days:
            raise StorageError(f"query {day}: ProvisionedThroughputExceededException")
        now = self.clock.time()
        return [dict(i) for i in self.items if i["day"] == day and i["ttl"] > now]

    def turns(self, day: str) -> list[dict]:
        return self._live(day)

    def count(self, day: str) -> int:
        return len(self._live(day))


class Bucket:
    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}
        self.puts, self.fail_after = 0, None

    def put(self, key: str, body: bytes, content_type: str) -> None:
        if self.fail_after is not None and self.puts >= self.fail_after:
            raise StorageError(f"put {key}: InternalError")
        self.puts += 1
        self.objects[key] = body

    def read_json(self, key: str) -> dict | None:
        body = self.objects.get(key)
        return None if body is None else json.loads(body)


def archived(bucket: Bucket, day: str) -> list[str]:
    """Questions in the day's listed parts (what a reader following the manifest sees)."""
    manifest = json.loads(bucket.objects[manifest_key(day)])
    rows = [
        json.loads(line) for p in manifest["parts"] for line in gzip.decompress(bucket.objects[p["key"]]).splitlines()
    ]
    assert len(rows) == manifest["records"]
    return [r["question"] for r in rows]


def world(now: str = "2026-11-21T18:30:00.000Z") -> tuple[FakeClock, Turns, Bucket, TranscriptArchiver]:
    clock = FakeClock(now)
    turns, bucket = Turns(clock), Bucket()
    return clock, turns, bucket, TranscriptArchiver(turns, bucket, clock)


def status(bucket: Bucket, day: str) -> str:
    return json.loads(bucket.objects[manifest_key(day)])["status"]


def test_a_run_exports_the_window_today_included_and_marks_empty_days_done() -> None:
    clock, turns, bucket, archiver = world()
    for n in range(3):
        turns.add(f"2026-11-20T0{n}:00:00.000Z", n)
    turns.add("2026-11-21T01:00:00.000Z", 9)  # today, so far
    report = archiver.run({"job": "archive"})  # the schedule's payload
    assert report.ok and [d.day for d in report.days] == [f"2026-11-{d}" for d in range(16, 22)]
    assert {d.day: (d.status, d.records) for d in report.days}["2026-11-20"] == ("exported", 3)
    assert archived(bucket, "2026-11-20") == ["q0", "q1", "q2"] and status(bucket, "2026-11-20") == "complete"
    assert archived(bucket, "2026-11-17") == [] and archived(bucket, "2026-11-21") == ["q9"]
    assert status(bucket, "2026-11-21") == "open"  # the day is still running
    puts = bucket.puts
    again = archiver.run({})
    assert {d.status for d in again.days} == {"unchanged"} and bucket.puts == puts  # nothing rewritten
    clock.set("2026-11-22T00:15:00.000Z")  # the day ended with no more turns: one last export closes it
    closing = {d.day: d.status for d in archiver.run({}).days}
    assert closing["2026-11-21"] == "exported" and status(bucket, "2026-11-21") == "complete"
    assert archived(bucket, "2026-11-21") == ["q9"] and closing["2026-11-20"] == "unchanged"
    assert closing["2026-11-22"] == "exported" and "2026-11-16" not in closing


def test_an_interrupted_run_loses_nothing_and_its_rerun_duplicates_nothing() -> None:
    _, turns, bucket, archiver = world()
    for n in range(2 * PART_RECORDS + 10):
        turns.add(f"2026-11-20T{n % 24:02d}:{n % 60:02d}:00.000Z", n)
    bucket.fail_after = 6  # four empty days' manifests, then two of the big day's three parts
    report = archiver.run({})
    assert [d.status for d in report.days] == ["exported"] * 4 + ["failed", "failed"]  # S3 stays down for today
    assert manifest_key("2026-11-20") not in bucket.objects  # the day is not marked done
    with pytest.raises(StorageError, match="2026-11-20"):
        report.raise_if_failed()
    bucket.fail_after = None
    assert archiver.run({}).ok
    got = archived(bucket, "2026-11-20")
    assert sorted(got) == sorted(f"q{n}" for n in range(2 * PART_RECORDS + 10))  # each turn exactly once
    assert len([k for k in bucket.objects if k.startswith("transcripts/2026-11-20/")]) == 4  # 3 parts + manifest


def test_a_late_write_re_exports_its_day_and_a_shrunk_day_keeps_its_archive() -> None:
    _, turns, bucket, archiver = world()
    turns.add("2026-11-19T10:00:00.000Z", 1)
    archiver.run({})
    turns.add("2026-11-19T23:59:59.999Z", 2)  # saved after its day was exported
    report = {d.day: d.status for d in archiver.run({}).days}
    assert report["2026-11-19"] == "exported" and report["2026-11-20"] == "unchanged"
    assert archived(bucket, "2026-11-19") == ["q1", "q2"]
    turns.items.clear()  # e.g. restored from an older backup: never shrink the archive
    assert {d.day: d.status for d in archiver.run({}).days}["2026-11-19"] == "kept"
    assert archived(bucket, "2026-11-19") == ["q1", "q2"]


def test_a_named_day_is_exported_again_with_identical_objects() -> None:
    _, turns, bucket, archiver = world()
    turns.add("2026-11-01T10:00:00.000Z", 1)  # outside the nightly window
    archiver.run({})
    assert manifest_key("2026-11-01") not in bucket.objects
    [first] = archiver.run({"day": "2026-11-01"}).days
    part = bucket.objects["transcripts/2026-11-01/part-00000.jsonl.gz"]
    [again] = archiver.run({"day": "2026-11-01"}).days
    assert (first.status, again.status, again.records) == ("exported", "exported", 1)
    assert bucket.objects["transcripts/2026-11-01/part-00000.jsonl.gz"] == part


@pytest.mark.parametrize("payload", [{"day": "2026-11-22"}, {"day": "11/20/2026"}, {"day": 3}, ["2026-11-20"]])
def test_bad_payloads_are_refused_before_anything_is_read(payload: object) -> None:
    _, turns, bucket, archiver = world()
    turns.fail_days = {"2026-11-20"}
    with pytest.raises(BadInput):
        archiver.run(payload)  # type: ignore[arg-type]
    assert bucket.puts == 0


def test_one_failing_day_does_not_stop_the_others() -> None:
    _, turns, bucket, archiver = world()
    turns.add("2026-11-18T10:00:00.000Z", 1)
    turns.add("2026-11-20T10:00:00.000Z", 2)
    turns.fail_days = {"2026-11-18"}
    report = archiver.run({})
    assert {d.day: d.status for d in report.days}["2026-11-18"] == "failed" and not report.ok
    assert archived(bucket, "2026-11-20") == ["q2"] and report.as_dict()["ok"] is False


def simulate(fail_nights: set[int], *, partial: bool = True, nights: int = 40, seed: int = 3) -> tuple[Turns, Bucket]:
    """Turns arrive every day with the shortest TTL allowed; the run at 18:30 UTC fails on some nights."""
    rng = random.Random(seed)
    start = datetime(2026, 10, 1, tzinfo=UTC)
    clock, turns, bucket, archiver = world(start.isoformat())
    for night in range(nights):
        day = start + timedelta(days=night)
        for n in range(rng.randint(1, 4)):
            created = day + timedelta(seconds=rng.randint(0, 86399), milliseconds=rng.randint(0, 999))
            turns.add(
                created.isoformat(timespec="milliseconds").replace("+00:00", "Z"), night * 10 + n, retention_days=1
            )
        clock.set(day + timedelta(hours=18, minutes=30))
        fail_after = bucket.puts + (rng.randint(0, 3) if partial else 0)  # partial: died halfway
        bucket.fail_after = fail_after if night in fail_nights else None
        archiver.run({})
    return turns, bucket


def _lost(turns: Turns, bucket: Bucket) -> set[str]:
    exported = {q for k in bucket.objects if k.endswith("_manifest.json") for q in archived(bucket, k.split("/")[1])}
    settled = {i["question"] for i in turns.items if i["day"] <= "2026-11-01"}  # days out of the last window
    return settled - exported


def test_ttl_never_removes_a_turn_before_it_is_exported() -> None:
    # Any failures, as long as one run in every CATCH_UP_DAYS days succeeds (the errors alarm fires each time).
    fails = {n for n in range(40) if n % CATCH_UP_DAYS != 0}
    turns, bucket = simulate(fails)
    assert len(turns.items) > 40 and not _lost(turns, bucket)
    # The boundary the alarm guards: a day is looked at by the runs of its own day and the next
    # CATCH_UP_DAYS days; when all of those fail, its turns are never exported by a scheduled run.
    turns, bucket = simulate(set(range(10, 11 + CATCH_UP_DAYS)), partial=False)
    assert _lost(turns, bucket)
