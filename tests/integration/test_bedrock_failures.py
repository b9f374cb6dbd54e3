"""What a visitor sees when Bedrock fails: before the stream, during it, with bad stops, or when they leave."""

from __future__ import annotations

import json

import pytest

from assistant_core.resilience import CircuitBreaker
from tests.doubles.bedrock_runtime import Corrupt, Stream, StreamException, aws_error, message, tool_block, tool_reply
from tests.fakes.clock import FakeClock
from tests.fakes.model_turn import RecordingPoster, Turn

from .models import bedrock

ANSWER = {"citation_ids": ["p1", "p2"], "text": "Orders ship within 2 working days. Unopened tea can be returned."}
THROTTLED = aws_error(429, "ThrottlingException", "Too many requests, please wait before trying again.")


def cut_after(events: list, text: str) -> int:
    """The index just past the event whose tool input fragment completes ``text``."""
    sent = ""
    for i, event in enumerate(events):
        sent += event.payload.get("delta", {}).get("toolUse", {}).get("input", "")
        if text in sent:
            return i + 1
    raise AssertionError(f"{text!r} is not in the stream")


def test_throttling_before_the_stream_is_retried_with_backoff_then_answers(converse) -> None:
    converse.script(THROTTLED, THROTTLED, tool_reply("answer", ANSWER))
    sleeps: list[float] = []
    turn = Turn(bedrock(sleeps))
    outcome = turn.run()

    assert outcome.result.tool == "answer" and turn.poster.types()[-1] == "answer"
    assert len(converse.requests) == 3
    assert converse.bodies()[0] == converse.bodies()[2]  # the same request each time
    assert sleeps == pytest.approx([0.2, 0.4])  # full jitter (rand=0.5) of 0.4 s, 0.8 s


def test_throttling_exhausted_hands_off_without_any_text(converse) -> None:
    converse.script(THROTTLED, THROTTLED, THROTTLED, tool_reply("answer", ANSWER))
    turn = Turn(bedrock())
    outcome = turn.run()

    assert len(converse.requests) == 3  # bounded: the fourth reply was never asked for
    assert turn.poster.types() == ["handoff"]
    assert outcome.result.downgrade_reason == "model_error" and outcome.result.downgrade_detail == "ThrottlingException"
    assert [h.downgrade for h in turn.records.handoffs] == ["model_error"]


def test_service_unavailable_is_retried_but_validation_errors_are_not(converse) -> None:
    converse.script(aws_error(503, "ServiceUnavailableException"), tool_reply("answer", ANSWER))
    assert Turn(bedrock()).run().result.tool == "answer"
    assert len(converse.requests) == 2

    converse.script(aws_error(400, "ValidationException", "messages: bad"), tool_reply("answer", ANSWER))
    turn = Turn(bedrock())
    outcome = turn.run()
    assert len(converse.requests) == 3  # one attempt only
    assert turn.poster.types() == ["handoff"] and outcome.result.downgrade_detail == "ValidationException"


def test_circuit_breaker_fails_fast_for_a_minute_then_probes(converse) -> None:
    clock = FakeClock()
    model = bedrock(threshold=3, clock=clock)
    converse.script(THROTTLED, THROTTLED, THROTTLED)
    Turn(model).run()
    assert model.retrier.breaker.state == CircuitBreaker.OPEN

    turn = Turn(model)
    outcome = turn.run()
    assert len(converse.requests) == 3  # no call at all while open
    assert turn.poster.types() == ["handoff"] and outcome.result.downgrade_detail == "circuit_open"

    clock.advance(61)
    converse.script(tool_reply("answer", ANSWER))
    assert Turn(model).run().result.tool == "answer"
    assert len(converse.requests) == 4 and model.retrier.breaker.state == CircuitBreaker.CLOSED


@pytest.mark.parametrize("exception", ["throttlingException", "modelStreamErrorException", "internalServerException"])
def test_error_mid_stream_after_text_was_shown_retracts_and_hands_off(converse, exception: str) -> None:
    events = message(tool_block("answer", ANSWER))
    cut = cut_after(events, "2 working days.")
    converse.script(Stream([*events[:cut], StreamException(exception, "Rate exceeded")], pace=0.01))
    turn = Turn(bedrock())
    outcome = turn.run()

    kinds = turn.poster.types()
    assert kinds[0] == "delta" and kinds[-2:] == ["retract", "handoff"] and "answer" not in kinds
    assert outcome.result.retracted and outcome.result.downgrade_reason == "model_error"
    assert outcome.result.downgrade_detail == exception
    assert [h.downgrade for h in turn.records.handoffs] == ["model_error"]


def test_a_corrupt_frame_mid_stream_is_a_model_error_not_a_crash(converse) -> None:
    events = message(tool_block("answer", ANSWER))
    cut = cut_after(events, "2 working days.")
    converse.script(Stream([*events[:cut], Corrupt(events[cut]), *events[cut + 1 :]], pace=0.01))
    turn = Turn(bedrock())
    outcome = turn.run()
    assert turn.poster.types()[0] == "delta" and turn.poster.types()[-2:] == ["retract", "handoff"]
    assert outcome.result.downgrade_detail == "stream_corrupt"


@pytest.mark.parametrize("stop", ["malformed_tool_use", "max_tokens", "content_filtered", "guardrail_intervened"])
def test_bad_stop_reasons_downgrade_with_the_reason_recorded(converse, stop: str) -> None:
    raw = json.dumps(ANSWER)
    truncated = raw[: raw.index("returned")]  # citations complete, text shown, then the model stops
    converse.script(Stream(message(tool_block("answer", truncated), stop=stop), pace=0.01))
    turn = Turn(bedrock())
    outcome = turn.run()

    kinds = turn.poster.types()
    assert "delta" in kinds and kinds[-2:] == ["retract", "handoff"]
    assert outcome.result.downgrade_reason == stop
    assert outcome.record.downgrade_reason == stop
    assert [g.reason for g in turn.records.gaps] == [f"downgrade:{stop}"]


def test_visitor_gone_mid_stream_closes_the_http_stream(converse) -> None:
    long_answer = {"citation_ids": ["p1"], "text": "Orders ship within 2 working days. " * 12}
    reply = tool_reply("answer", long_answer, pace=0.02)
    converse.script(reply)
    turn = Turn(bedrock(), poster=RecordingPoster(gone_after_deltas=1))
    outcome = turn.run()

    assert reply.log.client_closed.wait(5), "the double never saw the client hang up"
    assert not reply.log.completed and len(reply.log.sent) < reply.log.total
    assert outcome.visitor_gone and outcome.record.visitor_gone
    assert turn.poster.types() == ["delta"] and not turn.records.handoffs
    assert long_answer["text"].startswith(turn.poster.delta_text())
