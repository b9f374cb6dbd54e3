"""fn-archive over moto: the nightly payload, a named day, bad input, and a failure that must retry."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import boto3
import pytest

from assistant_core.answering.ports import TurnRecord
from assistant_core.bootstrap.lambdas import Runtime
from assistant_core.errors import StorageError
from handlers import archive

REGION = "ap-southeast-1"
CTX = SimpleNamespace(aws_request_id="req-archive")


def turn(i: int, created_at: str) -> TurnRecord:
    return TurnRecord(
        session_id=f"s{i % 2}",
        turn_index=i,
        turn_id=f"t{i}",
        connection_id="c",
        question=f"q{i}",
        page_url="",
        tool="answer",
        model_tool="answer",
        text="a",
        citation_ids=["p1"],
        retrieved=[],
        downgrade_reason="",
        downgrade_detail="",
        model_id="m",
        prompt_version="v",
        latencies={"total_ms": 5},
        created_at=created_at,
    )


def day(offset: int) -> str:
    return (datetime.now(UTC).date() - timedelta(days=offset)).isoformat()


@pytest.fixture
def s3(rt: Runtime) -> Any:
    client = boto3.client("s3", region_name=REGION)
    client.create_bucket(Bucket=rt.settings.data_bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    return client


def keys(s3: Any, bucket: str) -> dict[str, str]:
    return {o["Key"]: o["ETag"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])}


def questions(s3: Any, bucket: str, day: str) -> list[str]:
    body = s3.get_object(Bucket=bucket, Key=f"transcripts/{day}/part-00000.jsonl.gz")["Body"].read()
    return [json.loads(x)["question"] for x in gzip.decompress(body).splitlines()]


def test_a_scheduled_run_exports_recent_days_and_today_and_a_rerun_changes_nothing(rt: Runtime, s3: Any) -> None:
    for i in range(3):
        rt.transcripts.save_turn(turn(i, f"{day(1)}T0{i}:00:00.000Z"))
    rt.transcripts.save_turn(turn(9, f"{day(0)}T00:00:01.000Z"))  # today so far
    out = archive.handler({"job": "archive"}, CTX)
    assert out["ok"] and {d["day"]: d["records"] for d in out["days"]} == {
        day(n): int(n == 1) * 3 + int(n == 0) for n in range(5, -1, -1)
    }
    bucket = rt.settings.data_bucket
    before = keys(s3, bucket)
    assert questions(s3, bucket, day(1)) == ["q0", "q1", "q2"] and questions(s3, bucket, day(0)) == ["q9"]
    manifest = json.loads(s3.get_object(Bucket=bucket, Key=f"transcripts/{day(0)}/_manifest.json")["Body"].read())
    assert manifest["status"] == "open" and manifest["records"] == 1
    again = archive.handler({}, CTX)
    assert {d["status"] for d in again["days"]} == {"unchanged"} and keys(s3, bucket) == before


def test_a_named_day_reexports_with_the_same_objects(rt: Runtime, s3: Any) -> None:
    rt.transcripts.save_turn(turn(1, f"{day(30)}T12:00:00.000Z"))  # long out of the nightly window
    out = archive.handler({"day": day(30)}, CTX)
    assert out["ok"] and out["days"] == [{"day": day(30), "status": "exported", "records": 1, "parts": 1, "error": ""}]
    first = keys(s3, rt.settings.data_bucket)
    archive.handler({"day": day(30)}, CTX)
    after = keys(s3, rt.settings.data_bucket)
    assert after.keys() == first.keys()
    part = f"transcripts/{day(30)}/part-00000.jsonl.gz"
    assert after[part] == first[part]  # byte-identical part


@pytest.mark.parametrize("value", ["2026-02-30", "tomorrow", -1, -400])  # ints: days ago, as of the test's run
def test_a_bad_day_is_refused_without_retry(rt: Runtime, s3: Any, value: str | int) -> None:
    out = archive.handler({"day": day(value) if isinstance(value, int) else value}, CTX)
    assert out["ok"] is False and out["error"] == "bad_request" and out["message"]
    assert keys(s3, rt.settings.data_bucket) == {}


def test_a_store_failure_fails_the_invocation_after_the_other_days(rt: Runtime) -> None:
    # No bucket: every day fails; the invocation must raise so Lambda retries and the errors alarm fires.
    rt.transcripts.save_turn(turn(1, f"{day(1)}T12:00:00.000Z"))
    with pytest.raises(StorageError, match=day(1)):
        archive.handler({}, CTX)
