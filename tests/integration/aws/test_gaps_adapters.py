"""tbl-gaps reader (paginated, lazy), the S3 report store and the gaps TTL, against moto."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from assistant_core.answering.ports import GapRecord
from assistant_core.aws.gaps_reader import DynamoGapReader
from assistant_core.aws.report_store import S3ReportStore
from assistant_core.bootstrap.lambdas import Runtime
from assistant_core.errors import ConfigError
from tests.fakes.gaps_seed import WEEK, seeded_week


class CountingTable:
    """The real moto table, counting Query pages."""

    def __init__(self, table: Any) -> None:
        self.table, self.queries, self.name = table, 0, table.name

    def query(self, **kwargs: Any) -> Any:
        self.queries += 1
        return self.table.query(**kwargs)


def test_gap_items_expire_120_days_after_they_were_asked(rt: Runtime) -> None:
    rt.gaps.record(seeded_week()[0])
    (item,) = rt.gaps.table.scan()["Items"]
    assert int(item["ttl"]) == 1_794_823_200 + 120 * 86400  # 2026-11-16T10:00Z + 120 days


def test_reader_follows_pages_lazily_and_returns_the_records_as_written(rt: Runtime) -> None:
    seeded = seeded_week()
    with rt.gaps.table.batch_writer() as batch:
        for i in range(230):
            base = seeded[i % len(seeded)]
            batch.put_item(Item={**_item(base), "turn_id": f"t{i}", "sk": f"{base.created_at}#t{i:03d}"})
    rt.gaps.record(
        GapRecord("2026-W48", "2026-11-23T10:00:00.000Z", "t9", "s9", "next week", "", "clarify", "clarify", [])
    )
    table = CountingTable(rt.gaps.table)
    records = DynamoGapReader(table, page_size=50).gaps(WEEK)
    first = next(records)
    assert table.queries == 1  # nothing beyond the first page is read before it is needed
    rest = list(records)
    assert len(rest) + 1 == 230 and table.queries == 5
    assert all(r.week_iso == WEEK for r in rest)
    assert [r.created_at for r in [first, *rest]] == sorted(r.created_at for r in [first, *rest])
    norway = next(r for r in rest if r.question == "Shipping to Norway??")
    assert norway.closest[0]["score"] == 0.27 and isinstance(norway.closest[0]["score"], float)


def test_reader_round_trips_what_the_answerer_logged(rt: Runtime) -> None:
    for record in seeded_week():
        rt.gaps.record(record)
    assert sorted(rt.gap_reader.gaps(WEEK), key=lambda r: r.turn_id) == sorted(seeded_week(), key=lambda r: r.turn_id)
    assert list(rt.gap_reader.gaps("2026-W01")) == []


def test_reader_on_a_missing_table_is_a_config_error(rt: Runtime) -> None:
    with pytest.raises(ConfigError):
        list(DynamoGapReader(rt._table("no-such-table")).gaps(WEEK))


def test_report_store_writes_utf8_markdown_and_csv(rt: Runtime) -> None:
    s3 = boto3.client("s3", region_name="ap-southeast-1")
    s3.create_bucket(Bucket="reports-bucket", CreateBucketConfiguration={"LocationConstraint": "ap-southeast-1"})
    store = S3ReportStore(s3, "reports-bucket")
    assert store.put(WEEK, "# Gaps — “Café”\n", "rank,question\r\n1,Café\r\n") == [
        "s3://reports-bucket/reports/gaps/2026-W47.md",
        "s3://reports-bucket/reports/gaps/2026-W47.csv",
    ]
    md = s3.get_object(Bucket="reports-bucket", Key="reports/gaps/2026-W47.md")
    assert md["ContentType"] == "text/markdown; charset=utf-8" and md["Body"].read().decode() == "# Gaps — “Café”\n"
    assert s3.get_object(Bucket="reports-bucket", Key="reports/gaps/2026-W47.csv")["ContentType"].startswith("text/csv")


def test_report_store_without_its_bucket_is_a_config_error(rt: Runtime) -> None:
    with pytest.raises(ConfigError):
        S3ReportStore(boto3.client("s3", region_name="ap-southeast-1"), "no-such-bucket").put(WEEK, "x", "y")
    with pytest.raises(ConfigError):
        S3ReportStore(None, "").put(WEEK, "x", "y")


def _item(gap: GapRecord) -> dict[str, Any]:
    from dataclasses import asdict

    from assistant_core.aws.records_tables import to_item

    return to_item(asdict(gap))
