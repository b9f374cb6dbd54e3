"""The handoff record in tbl-sessions and the transcript excerpt from tbl-transcripts, against moto.

The store contract runs against the DynamoDB adapter and the unit tests' fake alike, so the fake
cannot drift from what DynamoDB's conditional writes really do.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from assistant_core.answering.ports import TurnRecord
from assistant_core.aws.handoff_store import DynamoHandoffStore, DynamoTranscriptReader
from assistant_core.bootstrap.lambdas import Runtime
from assistant_core.errors import StorageError
from assistant_core.observability.emf import EmfMetrics
from tests.fakes.handoff import FakeHandoffStore

NOW = 1_780_000_000


def state(handoff_id: str = "H-AAAAAA", **over: Any) -> dict[str, Any]:
    return {"handoff_id": handoff_id, "session_id": "s-1", "reason": "complaint", "summary": "Broken pot", **over}


@pytest.fixture(params=["dynamo", "fake"])
def store(request: pytest.FixtureRequest, rt: Runtime) -> Iterator[Any]:
    yield DynamoHandoffStore(rt._table(rt.settings.sessions_table)) if request.param == "dynamo" else FakeHandoffStore()


def test_only_one_writer_opens_a_handoff(store: Any) -> None:
    assert store.load("s-1") is None
    assert store.put("s-1", state(), 0, NOW + 86400)
    assert not store.put("s-1", state("H-BBBBBB"), 0, NOW + 86400)  # the loser reloads and updates instead
    loaded = store.load("s-1")
    assert (loaded.state["handoff_id"], loaded.version, loaded.sent) == ("H-AAAAAA", 1, {})


def test_updates_need_the_current_version_and_keep_delivery_marks(store: Any) -> None:
    store.put("s-1", state(), 0, NOW)
    assert store.claim("s-1", "H-AAAAAA", "H-AAAAAA#1/email", now=NOW, lease_until=NOW + 60)
    store.mark_sent("s-1", "H-AAAAAA#1/email", "msg-1")
    assert store.update("s-1", state(contact_email="ana@example.com"), 1, NOW)
    assert not store.update("s-1", state(summary="stale"), 1, NOW)
    loaded = store.load("s-1")
    assert loaded.version == 2 and loaded.state["contact_email"] == "ana@example.com"
    assert loaded.sent == {"H-AAAAAA#1/email": "msg-1"}


def test_a_new_handoff_replaces_the_record_and_its_marks(store: Any) -> None:
    store.put("s-1", state(), 0, NOW)
    store.mark_sent("s-1", "H-AAAAAA#1/email", "msg-1")
    assert store.put("s-1", state("H-BBBBBB"), 1, NOW + 900)
    loaded = store.load("s-1")
    assert (loaded.state["handoff_id"], loaded.version, loaded.sent) == ("H-BBBBBB", 2, {})
    # A late sender of the old handoff cannot claim anything any more.
    assert not store.claim("s-1", "H-AAAAAA", "H-AAAAAA#2/slack", now=NOW, lease_until=NOW + 60)


def test_claims_are_exclusive_until_the_lease_ends_and_final_once_sent(store: Any) -> None:
    store.put("s-1", state(), 0, NOW)
    key = "H-AAAAAA#1/slack"
    assert store.claim("s-1", "H-AAAAAA", key, now=NOW, lease_until=NOW + 60)
    assert not store.claim("s-1", "H-AAAAAA", key, now=NOW + 30, lease_until=NOW + 90)
    assert store.claim("s-1", "H-AAAAAA", key, now=NOW + 61, lease_until=NOW + 121)  # the first sender died
    store.release("s-1", key)
    assert store.claim("s-1", "H-AAAAAA", key, now=NOW + 62, lease_until=NOW + 122)
    store.mark_sent("s-1", key, "ok")
    assert not store.claim("s-1", "H-AAAAAA", key, now=NOW + 500, lease_until=NOW + 560)
    assert not store.claim("s-2", "H-AAAAAA", key, now=NOW, lease_until=NOW + 60)  # no record at all


def test_the_record_lives_under_its_own_key_with_a_ttl(rt: Runtime) -> None:
    table = rt._table(rt.settings.sessions_table)
    DynamoHandoffStore(table).put("s-1", state(), 0, NOW + 86400)
    item = table.get_item(Key={"connection_id": "handoff#s-1"})["Item"]
    assert item["ttl"] == NOW + 86400 and item["handoff_id"] == "H-AAAAAA"
    assert json.loads(item["state"])["summary"] == "Broken pot"


def test_store_faults_become_storage_errors(rt: Runtime) -> None:
    store = DynamoHandoffStore(boto3.resource("dynamodb", region_name="ap-southeast-1").Table("no-such-table"))
    with pytest.raises(StorageError):
        store.load("s-1")
    with pytest.raises(StorageError):
        store.put("s-1", state(), 0, NOW)


def _turn(i: int, **over: Any) -> TurnRecord:
    values: dict[str, Any] = dict(
        session_id="s-1",
        turn_index=i,
        turn_id=f"t{i}",
        connection_id="c",
        question=f"question {i}",
        page_url="https://shop.example/help",
        tool="answer",
        model_tool="answer",
        text=f"reply {i}",
        citation_ids=["p1"],
        retrieved=[{"id": "p1", "score": 0.5}],
        downgrade_reason="",
        downgrade_detail="",
        model_id="m",
        prompt_version="v",
        latencies={"total_ms": 5},
        created_at=f"2026-05-01T10:0{i}:00Z",
    )
    return TurnRecord(**{**values, **over})


def test_last_turns_are_the_newest_n_oldest_first(rt: Runtime) -> None:
    for i in range(1, 5):
        rt.transcripts.save_turn(
            _turn(i, **({"tool": "hand_off", "downgrade_reason": "invalid_citation"} if i == 4 else {}))
        )
    reader = DynamoTranscriptReader(rt._table(rt.settings.transcripts_table))
    turns = reader.last_turns("s-1", 3)
    assert [t.turn_id for t in turns] == ["t2", "t3", "t4"]
    assert (turns[-1].tool, turns[-1].downgrade_reason, turns[-1].text) == ("hand_off", "invalid_citation", "reply 4")
    assert turns[0].page_url == "https://shop.example/help" and turns[0].question == "question 2"
    assert reader.last_turns("nobody", 3) == [] and reader.last_turns("s-1", 0) == []


def test_emf_line_is_what_cloudwatch_expects() -> None:
    lines: list[str] = []
    EmfMetrics("prod", out=lines.append).count("SlackWebhookErrors")
    line = json.loads(lines[0])
    [directive] = line["_aws"]["CloudWatchMetrics"]
    assert directive == {
        "Namespace": "WebsiteAssistant",
        "Dimensions": [["Stage"]],
        "Metrics": [{"Name": "SlackWebhookErrors", "Unit": "Count"}],
    }
    assert line["Stage"] == "prod" and line["SlackWebhookErrors"] == 1 and line["_aws"]["Timestamp"] > 0
