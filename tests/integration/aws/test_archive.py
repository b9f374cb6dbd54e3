"""fn-archive's adapters against moto: the by_day index, the bucket, and a run that dies halfway."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from assistant_core.answering.ports import TurnRecord
from assistant_core.archive.archiver import TranscriptArchiver
from assistant_core.archive.export import MIN_TTL_DAYS, manifest_key
from assistant_core.aws.records_tables import DynamoTranscripts
from assistant_core.aws.transcript_archive import DynamoDayTurns, S3ArchiveBucket
from assistant_core.bootstrap.lambdas import Runtime
from assistant_core.errors import StorageError
from tests.fakes.clock import FakeClock

REGION = "ap-southeast-1"


def turn(session: str, i: int, created_at: str, **over: Any) -> TurnRecord:
    base = dict(
        session_id=session,
        turn_index=i,
        turn_id=f"t{i}",
        connection_id="c1",
        question=f"{session} q{i}",
        page_url="",
        tool="answer",
        model_tool="answer",
        text="a",
        citation_ids=("p1",),
        retrieved=[{"id": "p1", "score": 0.512}],
        downgrade_reason="",
        downgrade_detail="",
        model_id="m",
        prompt_version="v1",
        latencies={"total_ms": 1234},
        created_at=created_at,
    )
    return TurnRecord(**{**base, **over})


class FailingS3:
    """The real (moto) client, except that put_object fails after ``puts`` successful ones."""

    def __init__(self, client: Any, puts: int) -> None:
        self.client, self.left = client, puts

    def put_object(self, **kwargs: Any) -> Any:
        if self.left <= 0:
            raise ClientError(
                {"Error": {"Code": "InternalError", "Message": "We encountered an internal error"}}, "PutObject"
            )
        self.left -= 1
        return self.client.put_object(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)


@pytest.fixture
def s3(rt: Runtime) -> Any:
    client = boto3.client("s3", region_name=REGION)
    client.create_bucket(Bucket=rt.settings.data_bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    return client


def exported(s3: Any, bucket: str, day: str) -> list[dict]:
    manifest = json.loads(s3.get_object(Bucket=bucket, Key=manifest_key(day))["Body"].read())
    rows = [
        json.loads(line)
        for p in manifest["parts"]
        for line in gzip.decompress(s3.get_object(Bucket=bucket, Key=p["key"])["Body"].read()).splitlines()
    ]
    assert len(rows) == manifest["records"]
    return rows


def test_saved_turns_carry_their_day_and_a_ttl_past_the_export(rt: Runtime) -> None:
    rt.transcripts.save_turn(turn("s1", 1, "2026-11-20T23:59:59.500Z"))
    item = rt.transcripts.table.get_item(Key={"session_id": "s1", "turn_index": 1})["Item"]
    created = datetime(2026, 11, 20, 23, 59, 59, 500000, tzinfo=UTC)
    assert item["day"] == "2026-11-20"
    assert int(item["ttl"]) == int((created + timedelta(days=rt.settings.retention_days)).timestamp())
    DynamoTranscripts(rt.transcripts.table, retention_days=1).save_turn(turn("s2", 1, "2026-11-20T00:00:00.000Z"))
    short = rt.transcripts.table.get_item(Key={"session_id": "s2", "turn_index": 1})["Item"]
    assert int(short["ttl"]) == int(datetime(2026, 11, 20 + MIN_TTL_DAYS, tzinfo=UTC).timestamp())


def test_the_day_index_reads_every_page_with_plain_numbers(rt: Runtime) -> None:
    for i in range(7):
        rt.transcripts.save_turn(turn(f"s{i % 3}", i, f"2026-11-20T10:00:0{i}.000Z"))
    rt.transcripts.save_turn(turn("s9", 1, "2026-11-21T00:00:00.000Z"))
    days = DynamoDayTurns(rt.transcripts.table, page_size=2)
    items = days.turns("2026-11-20")
    assert len(items) == 7 == days.count("2026-11-20") and days.count("2026-11-19") == 0
    assert items[0]["retrieved"][0]["score"] == 0.512 and items[0]["latencies"]["total_ms"] == 1234
    assert isinstance(items[0]["turn_index"], int) and json.dumps(items)
    with pytest.raises(StorageError):
        DynamoDayTurns(rt._table("no-such-table")).count("2026-11-20")


def test_the_bucket_reads_manifests_and_maps_errors(rt: Runtime, s3: Any) -> None:
    bucket = S3ArchiveBucket(s3, rt.settings.data_bucket)
    assert bucket.read_json("transcripts/2026-11-20/_manifest.json") is None
    bucket.put("transcripts/2026-11-20/_manifest.json", b'{"records": 2}', "application/json")
    assert bucket.read_json("transcripts/2026-11-20/_manifest.json") == {"records": 2}
    assert bucket.read_json("transcripts/2026-11-20/_manifest") is None  # a prefix is not the key
    bucket.put("transcripts/2026-11-19/_manifest.json", b"{trunc", "application/json")
    assert bucket.read_json("transcripts/2026-11-19/_manifest.json") is None  # damaged: export again
    with pytest.raises(StorageError):
        S3ArchiveBucket(s3, "no-such-bucket").put("transcripts/x", b"", "application/gzip")
    with pytest.raises(StorageError):
        S3ArchiveBucket(s3, "no-such-bucket").read_json("transcripts/x")


def test_an_archive_run_killed_after_n_puts_is_completed_by_the_rerun_without_duplicates(rt: Runtime, s3: Any) -> None:
    bucket_name = rt.settings.data_bucket
    expected = set()
    for i in range(2500):  # three parts
        created = f"2026-11-20T{(i // 120) % 24:02d}:{(i // 2) % 60:02d}:{i % 60:02d}.000Z"
        rt.transcripts.save_turn(turn(f"s{i % 40}", i, created))
        expected.add((f"s{i % 40}", i))
    clock = FakeClock("2026-11-21T18:30:00.000Z")
    day_turns = DynamoDayTurns(rt.transcripts.table)
    broken = TranscriptArchiver(day_turns, S3ArchiveBucket(FailingS3(s3, puts=5), bucket_name), clock)
    report = broken.run({})
    # four empty days, one of the three parts, then S3 stays down (today's empty manifest fails too)
    assert [d.status for d in report.days] == ["exported"] * 4 + ["failed", "failed"]
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket_name, Prefix="transcripts/2026-11-20/")["Contents"]}
    assert keys == {"transcripts/2026-11-20/part-00000.jsonl.gz"}  # no manifest: the day is not done
    archiver = TranscriptArchiver(day_turns, S3ArchiveBucket(s3, bucket_name), clock)
    assert archiver.run({}).ok
    rows = exported(s3, bucket_name, "2026-11-20")
    assert {(r["session_id"], r["turn_index"]) for r in rows} == expected and len(rows) == len(expected)
    assert all("ttl" not in r and r["day"] == "2026-11-20" for r in rows)
    again = archiver.run({"day": "2026-11-20"})  # rerun by hand: same keys, no new objects
    listed = s3.list_objects_v2(Bucket=bucket_name, Prefix="transcripts/2026-11-20/")["Contents"]
    assert again.ok and len(listed) == 4 and len(exported(s3, bucket_name, "2026-11-20")) == 2500
