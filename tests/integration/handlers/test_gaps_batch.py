"""fn-gaps-batch against moto: DynamoDB → grouped report in S3 → notice on SNS, and its faults."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from assistant_core.answering.ports import GapRecord
from assistant_core.aws.gaps_reader import DynamoGapReader
from assistant_core.aws.messaging import SnsNotifier
from assistant_core.bootstrap.lambdas import Runtime, install
from assistant_core.bootstrap.local import lambda_runtime
from assistant_core.cli.main import main
from assistant_core.errors import ConfigError, Throttled
from handlers.gaps_batch import handler
from tests.fakes.clock import FakeClock
from tests.fakes.gaps_seed import EXPECTED, WEEK, seeded_week

REGION = "ap-southeast-1"
MD, CSV = f"reports/gaps/{WEEK}.md", f"reports/gaps/{WEEK}.csv"


class ThrottledSns:
    """The real moto SNS client, refusing the first ``fails`` publishes; notes whether the report existed then."""

    def __init__(self, client: Any, fails: int, bucket: str) -> None:
        self.client, self.fails, self.bucket = client, fails, bucket
        self.attempts, self.report_existed = 0, []

    def publish(self, **kwargs: Any) -> Any:
        self.attempts += 1
        self.report_existed.append(_exists(self.bucket, MD) and _exists(self.bucket, CSV))
        if self.attempts <= self.fails:
            raise ClientError({"Error": {"Code": "Throttling", "Message": "Rate exceeded"}}, "Publish")
        return self.client.publish(**kwargs)


@pytest.fixture
def bucket(rt: Runtime) -> str:
    boto3.client("s3", region_name=REGION).create_bucket(
        Bucket=rt.settings.data_bucket, CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    return rt.settings.data_bucket


@pytest.fixture
def inbox(rt: Runtime) -> str:
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName="gaps-inbox")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    boto3.client("sns", region_name=REGION).subscribe(
        TopicArn=rt.settings.handoff_topic_arn, Protocol="sqs", Endpoint=arn
    )
    return url


def notices(url: str) -> list[dict[str, Any]]:
    out = boto3.client("sqs", region_name=REGION).receive_message(QueueUrl=url, MaxNumberOfMessages=10)
    return [json.loads(m["Body"]) for m in out.get("Messages", [])]


def read(bucket: str, key: str) -> tuple[str, str]:
    obj = boto3.client("s3", region_name=REGION).get_object(Bucket=bucket, Key=key)
    return obj["Body"].read().decode("utf-8"), obj["ContentType"]


def _exists(bucket: str, key: str) -> bool:
    try:
        boto3.client("s3", region_name=REGION).head_object(Bucket=bucket, Key=key)
    except ClientError:
        return False
    return True


def seed(rt: Runtime) -> None:
    for record in seeded_week():
        rt.gaps.record(record)
    rt.gaps.record(
        GapRecord(
            "2026-W48",
            "2026-11-23T10:00:00.000Z",
            "t99",
            "s9",
            "Do you ship to Norway?",
            "",
            "decline",
            "not_in_knowledge",
            [],
        )
    )  # next week: must not be counted


def test_weekly_run_reports_the_previous_week_to_s3_and_sns(rt: Runtime, bucket: str, inbox: str) -> None:
    seed(rt)
    out = handler({"job": "gaps-weekly"}, None, clock=FakeClock("2026-11-23T01:00:00.000Z"))  # Monday morning
    assert (out["week"], out["gaps"], out["groups"]) == (WEEK, 15, 7) and out["published"]
    assert out["report"] == [f"s3://{bucket}/{MD}", f"s3://{bucket}/{CSV}"]
    md, md_type = read(bucket, MD)
    assert md_type == "text/markdown; charset=utf-8"
    assert "## 1. Do you ship to Norway? — 5×" in md and "`shipping/rates.md`, best score 0.27" in md
    csv_text, csv_type = read(bucket, CSV)
    assert csv_type == "text/csv; charset=utf-8"
    rows = [line.split(",")[:2] for line in csv_text.splitlines()[1:]]
    assert [int(count) for _, count in rows] == [n for _, n in EXPECTED]
    (notice,) = notices(inbox)
    assert notice["Subject"] == "Knowledge gaps 2026-W47: 15 questions in 7 groups"
    assert "1. (5x) Do you ship to Norway?" in notice["Message"] and f"s3://{bucket}/{MD}" in notice["Message"]


def test_an_empty_week_still_writes_a_report_and_a_short_notice(rt: Runtime, bucket: str, inbox: str) -> None:
    out = handler({"week": "2026-W10"}, None)
    assert (out["gaps"], out["groups"]) == (0, 0)
    assert "No gaps this week" in read(bucket, "reports/gaps/2026-W10.md")[0]
    assert notices(inbox)[0]["Subject"] == "Knowledge gaps 2026-W10: none this week"


def test_a_malformed_week_is_refused_without_side_effects(rt: Runtime, bucket: str, inbox: str) -> None:
    out = handler({"week": "2026-47"}, None)
    assert out["error"] == "bad_request" and "2026-W47" in out["message"]
    assert "Contents" not in boto3.client("s3", region_name=REGION).list_objects_v2(Bucket=bucket)
    assert notices(inbox) == []


def test_sns_throttling_is_retried_after_the_report_is_written(rt: Runtime, bucket: str, inbox: str) -> None:
    seed(rt)
    flaky = ThrottledSns(rt.notifier.client, fails=2, bucket=bucket)
    install(rt.with_(notifier=SnsNotifier(flaky, rt.settings.handoff_topic_arn)))
    out = handler({"week": WEEK}, None)
    assert out["published"] and flaky.attempts == 3 and flaky.report_existed == [True, True, True]
    assert len(notices(inbox)) == 1


def test_sns_throttled_for_good_raises_but_the_report_is_kept(rt: Runtime, bucket: str, inbox: str) -> None:
    seed(rt)
    flaky = ThrottledSns(rt.notifier.client, fails=100, bucket=bucket)
    install(rt.with_(notifier=SnsNotifier(flaky, rt.settings.handoff_topic_arn)))
    with pytest.raises(Throttled):
        handler({"week": WEEK}, None)  # the error makes Lambda retry the run (same keys) and the alarm fire
    assert flaky.attempts == 4 and flaky.report_existed[0]
    assert "Do you ship to Norway?" in read(bucket, MD)[0] and notices(inbox) == []


def test_a_missing_bucket_is_a_config_error_and_nothing_is_published(rt: Runtime, inbox: str) -> None:
    seed(rt)
    with pytest.raises(ConfigError):
        handler({"week": WEEK}, None)
    assert notices(inbox) == []


def test_a_huge_week_is_read_page_by_page(rt: Runtime, bucket: str, inbox: str) -> None:
    seeded = seeded_week()
    with rt.gaps.table.batch_writer() as batch:
        for i in range(1200):
            base = seeded[i % len(seeded)]
            batch.put_item(
                Item={
                    "week_iso": WEEK,
                    "sk": f"{base.created_at}#t{i:04d}",
                    "created_at": base.created_at,
                    "turn_id": f"t{i}",
                    "session_id": "s",
                    "question": base.question,
                    "page_url": base.page_url,
                    "tool": base.tool,
                    "reason": base.reason,
                    "closest": [],
                }
            )
    install(rt.with_(gap_reader=DynamoGapReader(rt.gaps.table, page_size=200)))  # 6 pages (moto's Query is slow)
    out = handler({"week": WEEK}, None)
    assert (out["gaps"], out["groups"]) == (1200, 7)
    assert out["top"][0] == {"question": "Do you ship to Norway?", "count": 400}


def test_the_cli_prints_the_report_the_batch_stores(
    rt: Runtime, bucket: str, inbox: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # As `assistant serve` runs it: DynamoDB and records/gaps.jsonl.
    local = install(lambda_runtime(rt.settings.with_(records_dir=str(tmp_path / "records"))))
    for record in seeded_week():
        local.gaps.record(record)  # DynamoDB and records/gaps.jsonl
    handler({"week": WEEK}, None)
    assert main(["gaps", "--week", WEEK, "--state-dir", str(tmp_path), "--site-name", local.settings.site_name]) == 0
    assert capsys.readouterr().out == read(bucket, MD)[0]
