"""OpenAICompatibleModel through the full answerer, against the SSE double (real urllib3, real sockets)."""

from __future__ import annotations

import json

import pytest

from assistant_core.answering.ports import HistoryTurn
from assistant_core.answering.tool_schemas import tool_specs
from tests.doubles.openai_sse import (
    SSEStream,
    chunk,
    completion,
    openai_error,
    tool_call_chunks,
    tool_reply,
)
from tests.fakes.model_turn import RecordingPoster, Turn

from .models import openai_model

ANSWER = {"citation_ids": ["p1"], "text": "Orders ship within 2 working days. Tracking is emailed to you."}


def test_request_body_and_headers(openai) -> None:
    openai.script(tool_reply("answer", ANSWER))
    Turn(openai_model(openai.url), history=[HistoryTurn("Hi", "Hello! How can I help?")]).run("How fast?")

    [request] = openai.requests
    body = request.json
    assert request.headers["Authorization"] == "Bearer sk-test"
    assert body["model"] == "qwen2.5-7b-instruct" and body["stream"] is True
    assert body["tool_choice"] == "required" and body["parallel_tool_calls"] is False
    assert body["stream_options"] == {"include_usage": True}
    assert (body["max_tokens"], body["temperature"]) == (1024, 0.0)
    assert [m["role"] for m in body["messages"]] == ["system", "user", "assistant", "user"]
    assert '<passage id="p1" title="Shipping"' in body["messages"][0]["content"]
    assert body["messages"][1:] == [{"role": "user", "content": "Hi"},
                                    {"role": "assistant", "content": "Hello! How can I help?"},
                                    {"role": "user", "content": "How fast?"}]
    specs = tool_specs(["p1", "p2", "p3"])
    assert body["tools"] == [
        {"type": "function", "function": {"name": n, "description": s["description"], "parameters": s["schema"]}}
        for n, s in specs.items()
    ]


def test_clean_answer_streams_then_answers(openai) -> None:
    reply = tool_reply("answer", ANSWER, pace=0.01)
    openai.script(reply)
    turn = Turn(openai_model(openai.url))
    outcome = turn.run()

    kinds = turn.poster.types()
    assert kinds[-1] == "answer" and set(kinds[:-1]) == {"delta"} and len(kinds) >= 3
    assert turn.poster.delta_text() == ANSWER["text"]
    assert turn.poster.first_delta_at() < reply.log.sent[-1][0]
    assert outcome.record.usage["input_tokens"] == 950 and outcome.record.usage["output_tokens"] == 60
    assert outcome.record.model_id == "openai:qwen2.5-7b-instruct"


def test_forged_citation_hands_off_with_zero_delta(openai) -> None:
    forged = {"citation_ids": ["p9"], "text": "Secret discount codes: TEA-FREE. " * 5}
    reply = tool_reply("answer", forged, pace=0.01)
    openai.script(reply)
    turn = Turn(openai_model(openai.url))
    outcome = turn.run()
    assert turn.poster.types() == ["handoff"] and outcome.result.downgrade_reason == "invalid_citation"
    assert not any("Secret" in json.dumps(f) for f in turn.poster.frames)
    assert reply.log.client_closed.wait(5) and not reply.log.completed


def test_text_before_citations_is_held(openai) -> None:
    raw = '{"text": "Unopened tea can be returned within 30 days.", "citation_ids": ["p2"]}'
    reply = tool_reply("answer", raw, pace=0.01)
    openai.script(reply)
    turn = Turn(openai_model(openai.url))
    turn.run()
    last_argument_sent = max(t for t, c in reply.log.sent
                             if isinstance(c, dict) and c["choices"] and "tool_calls" in c["choices"][0]["delta"])
    assert turn.poster.first_delta_at() >= last_argument_sent
    assert turn.poster.frames[-1]["type"] == "answer" and turn.poster.frames[-1]["citations"][0]["id"] == "p2"


def test_two_tool_calls_downgrade(openai) -> None:
    calls = completion(tool_call_chunks("answer", ANSWER),
                       tool_call_chunks("decline", {"reason": "off_topic", "message": "No."}, index=1, call_id="c2"))
    openai.script(SSEStream(calls, pace=0.005))
    turn = Turn(openai_model(openai.url))
    outcome = turn.run()
    assert turn.poster.types()[-1] == "handoff" and "answer" not in turn.poster.types()
    assert outcome.result.downgrade_reason == "multiple_tool_calls"


def test_whole_tool_call_in_one_chunk_as_ollama_sends_it(openai) -> None:
    call = {"id": "call_x", "type": "function", "function": {"name": "answer", "arguments": json.dumps(ANSWER)}}
    openai.script(SSEStream([chunk({"role": "assistant", "content": "", "tool_calls": [call]}),
                             chunk({}, "tool_calls"), "[DONE]"]))
    turn = Turn(openai_model(openai.url))
    assert turn.run().result.tool == "answer" and turn.poster.delta_text() == ANSWER["text"]


def test_rate_limit_is_retried_then_succeeds_and_is_bounded(openai) -> None:
    limited = openai_error(429, "rate_limit_exceeded", "Rate limit reached")
    openai.script(limited, tool_reply("answer", ANSWER))
    sleeps: list[float] = []
    assert Turn(openai_model(openai.url, sleeps)).run().result.tool == "answer"
    assert len(openai.requests) == 2 and sleeps == pytest.approx([0.2])

    openai.script(limited, limited, limited)
    turn = Turn(openai_model(openai.url))
    outcome = turn.run()
    assert len(openai.requests) == 5
    assert turn.poster.types() == ["handoff"] and outcome.result.downgrade_detail == "rate_limit_exceeded"


def test_an_empty_balance_is_not_retried(openai) -> None:
    openai.script(openai_error(429, "insufficient_quota", "You exceeded your current quota"))
    turn = Turn(openai_model(openai.url))
    outcome = turn.run()
    assert len(openai.requests) == 1 and outcome.result.downgrade_detail == "insufficient_quota"


def test_error_event_mid_stream_after_text_retracts_and_hands_off(openai) -> None:
    chunks = tool_call_chunks("answer", ANSWER)
    error = {"error": {"message": "The server is overloaded", "type": "server_error", "code": None}}
    openai.script(SSEStream([*chunks[:-3], error], pace=0.01))
    turn = Turn(openai_model(openai.url))
    outcome = turn.run()
    kinds = turn.poster.types()
    assert kinds[0] == "delta" and kinds[-2:] == ["retract", "handoff"]
    assert outcome.result.downgrade_reason == "model_error" and outcome.result.downgrade_detail == "server_error"


def test_stream_cut_off_without_finish_is_not_trusted(openai) -> None:
    openai.script(SSEStream(completion(tool_call_chunks("answer", ANSWER), finish=None, done=False), pace=0.005))
    turn = Turn(openai_model(openai.url))
    assert turn.run().result.downgrade_reason == "stream_ended_early"
    assert turn.poster.types()[-1] == "handoff"


@pytest.mark.parametrize(("finish", "reason"), [("length", "max_tokens"), ("content_filter", "content_filtered")])
def test_bad_finish_reasons_downgrade(openai, finish: str, reason: str) -> None:
    raw = json.dumps(ANSWER)
    openai.script(SSEStream(completion(tool_call_chunks("answer", raw[:60]), finish=finish), pace=0.01))
    turn = Turn(openai_model(openai.url))
    outcome = turn.run()
    assert outcome.result.downgrade_reason == reason and turn.poster.types()[-1] == "handoff"


def test_visitor_gone_closes_the_connection(openai) -> None:
    reply = tool_reply("answer", {"citation_ids": ["p1"], "text": "Orders ship fast. " * 20}, pace=0.02)
    openai.script(reply)
    turn = Turn(openai_model(openai.url), poster=RecordingPoster(gone_after_deltas=1))
    outcome = turn.run()
    assert reply.log.client_closed.wait(5) and not reply.log.completed
    assert outcome.visitor_gone and turn.poster.types() == ["delta"]


def test_unreachable_server_hands_off(openai) -> None:
    turn = Turn(openai_model("http://127.0.0.1:9"))  # discard port: nothing listens
    outcome = turn.run()
    assert turn.poster.types() == ["handoff"] and outcome.result.downgrade_detail == "connection_failed"
