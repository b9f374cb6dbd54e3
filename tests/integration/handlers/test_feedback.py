"""Visitors rate answers: stored on the answer's transcript row before it is acknowledged, idempotent per
turn, a 👎 joins the week's gaps naming the doc the answer cited; bad feedback gets a documented error."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from boto3.dynamodb.conditions import Key

from assistant_core.bootstrap.lambdas import Runtime, install
from handlers import answerer, ws_connect, ws_message

from .conftest import event, posted

CID = "Xk1aBcD2SQ0CF3g="


def rate(turn: str, rating: str, comment: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"action": "feedback", "turn": turn, "rating": rating}
    if comment is not None:
        body["comment"] = comment
    ws_message.handler(event("ws_message", body=json.dumps(body)), None)
    return posted(CID)[-1]


@pytest.fixture
def answered(rt: Runtime) -> Runtime:
    assert ws_connect.handler(event("ws_connect"), None) == {"statusCode": 200}
    ws_message.handler(event("ws_message"), None)  # "How long does delivery take to Australia?"
    [(_, payload)] = rt.invoker.calls
    answerer.handler(payload, None)
    row = rt.transcripts.table.get_item(Key={"session_id": "s-1", "turn_index": 1})["Item"]
    assert row["tool"] == "answer" and row["citation_ids"], row
    # The visitor's rate limits are not what these tests are about (test_ratings_are_rate_limited is).
    return install(rt.with_(rt.settings.with_(rate_limit_per_minute=1000, rate_limit_burst=1000)))


def test_ratings_are_rate_limited_like_messages(answered: Runtime) -> None:
    install(answered.with_(answered.settings.with_(rate_limit_per_minute=6, rate_limit_burst=3)))
    replies = [rate("t1", "up" if i % 2 else "down")["type"] for i in range(6)]
    assert "feedback_saved" in replies and posted(CID)[-1]["code"] == "rate_limited"


def gaps(rt: Runtime) -> list[dict[str, Any]]:
    table = rt.gaps.table
    weeks = {i["week_iso"] for i in table.scan()["Items"]}
    return [i for w in weeks for i in table.query(KeyConditionExpression=Key("week_iso").eq(w))["Items"]]


def test_a_rating_is_stored_on_the_answer_then_acknowledged(answered: Runtime,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="assistant_core.metrics"):
        assert rate("t1", "up") == {"type": "feedback_saved", "turn": "t1", "rating": "up"}
        assert rate("t1", "up") == {"type": "feedback_saved", "turn": "t1", "rating": "up"}  # again: same
    row = answered.transcripts.table.get_item(Key={"session_id": "s-1", "turn_index": 1})["Item"]
    assert row["feedback"]["rating"] == "up" and row["feedback"]["comment"] == ""
    counted = [r.getMessage() for r in caplog.records if "FeedbackUp" in r.getMessage()]
    assert len(counted) == 1  # the EMF count is per change, not per click
    assert gaps(answered) == []  # a 👍 is not a gap


def test_a_thumbs_down_joins_the_gaps_once_with_the_cited_doc_and_the_comment(answered: Runtime) -> None:
    row = answered.transcripts.table.get_item(Key={"session_id": "s-1", "turn_index": 1})["Item"]
    comment = 'The <b>price</b> is wrong & "old"'
    assert rate("t1", "down", comment)["type"] == "feedback_saved"
    assert rate("t1", "down", comment)["type"] == "feedback_saved"
    [gap] = gaps(answered)
    assert gap["reason"] == "unhelpful" and gap["tool"] == "answer" and gap["question"] == row["question"]
    assert gap["detail"] == comment  # stored as text; escaped wherever it is shown
    cited = {r["title"] for r in row["retrieved"] if r["id"] in row["citation_ids"]}
    assert {c["title"] for c in gap["closest"]} == cited
    assert rate("t1", "up")["rating"] == "up" and len(gaps(answered)) == 1  # a change of mind stays one gap


@pytest.mark.parametrize(("body", "code"), [
    ({"action": "feedback", "turn": "t9", "rating": "up"}, "bad_request"),  # no such turn
    ({"action": "feedback", "turn": "t1", "rating": "meh"}, "bad_request"),
    ({"action": "feedback", "turn": "t1", "rating": "down", "comment": "x" * 10_000}, "bad_request"),
    ({"action": "feedback", "turn": "t1", "rating": "down", "comment": "bad\x00byte"}, "bad_request"),
    ({"action": "feedback", "turn": "t1", "rating": "down", "comment": 7}, "bad_request"),
    ({"action": "feedback", "turn": "1", "rating": "up"}, "bad_request"),
])
def test_bad_feedback_gets_a_documented_error_and_changes_nothing(answered: Runtime, body: dict[str, Any],
                                                                  code: str) -> None:
    ws_message.handler(event("ws_message", body=json.dumps(body)), None)
    assert posted(CID)[-1]["type"] == "error" and posted(CID)[-1]["code"] == code
    row = answered.transcripts.table.get_item(Key={"session_id": "s-1", "turn_index": 1})["Item"]
    assert "feedback" not in row and gaps(answered) == []


def test_another_sessions_turn_cannot_be_rated(answered: Runtime) -> None:
    other = dict(answered.transcripts.table.get_item(Key={"session_id": "s-1", "turn_index": 1})["Item"])
    answered.transcripts.table.put_item(Item={**other, "session_id": "s-2", "turn_index": 5, "turn_id": "t5"})
    assert rate("t5", "down", "not mine")["code"] == "bad_request"
    row = answered.transcripts.table.get_item(Key={"session_id": "s-2", "turn_index": 5})["Item"]
    assert "feedback" not in row
