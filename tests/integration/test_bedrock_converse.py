"""BedrockConverseModel through the full answerer, against the ConverseStream double (real boto3, real frames)."""

from __future__ import annotations

import json

from assistant_core.answering.ports import HistoryTurn
from assistant_core.answering.tool_schemas import tool_specs
from tests.doubles.bedrock_runtime import Event, Stream, message, tool_block, tool_reply
from tests.fakes.model_turn import SITE, Turn, help_passages

from .models import MODEL_ID, bedrock

ANSWER = {"citation_ids": ["p1"], "text": "Orders ship within 2 working days. Tracking is emailed to you."}
HISTORY = [HistoryTurn("Do you ship abroad?", "Yes, to 30 countries.")]


def test_request_carries_tools_tool_choice_system_history_and_inference_config(converse) -> None:
    converse.script(tool_reply("answer", ANSWER))
    Turn(bedrock(), history=HISTORY).run("How fast do you ship?")

    [request] = converse.requests
    body = request.json
    assert converse.model_ids == [MODEL_ID]  # botocore sent it percent-encoded in the path
    assert "modelId" not in body
    tools = [t["toolSpec"] for t in body["toolConfig"]["tools"]]
    specs = tool_specs(["p1", "p2", "p3"])
    assert [t["name"] for t in tools] == ["answer", "clarify", "hand_off", "decline"]
    for tool in tools:
        assert tool["inputSchema"] == {"json": specs[tool["name"]]["schema"]}
        assert tool["description"] == specs[tool["name"]]["description"]
    answer_schema = tools[0]["inputSchema"]["json"]
    assert list(answer_schema["properties"]) == ["citation_ids", "text"]
    assert answer_schema["properties"]["citation_ids"]["items"] == {"type": "string", "enum": ["p1", "p2", "p3"]}
    assert body["toolConfig"]["toolChoice"] == {"any": {}}
    assert body["inferenceConfig"] == {"maxTokens": 1024, "temperature": 0.0}

    [system] = body["system"]
    assert SITE in system["text"]
    assert '<passage id="p1" title="Shipping" url="https://help.acme.example/shipping">' in system["text"]
    assert "Orders ship within 2 working days. Tracking is emailed.\n</passage>" in system["text"]
    assert system["text"].rstrip().endswith("</passages>")
    assert body["messages"] == [
        {"role": "user", "content": [{"text": "Do you ship abroad?"}]},
        {"role": "assistant", "content": [{"text": "Yes, to 30 countries."}]},
        {"role": "user", "content": [{"text": "How fast do you ship?"}]},
    ]
    auth = request.headers["Authorization"]
    assert auth.startswith("AWS4-HMAC-SHA256 Credential=AKIDTESTTESTTESTTEST/")
    assert "/ap-southeast-1/bedrock/aws4_request" in auth
    assert request.headers["X-Amz-Security-Token"] == "dummy-session-token"


def test_clean_answer_streams_deltas_before_the_stream_ends_then_answer(converse) -> None:
    reply = tool_reply("answer", ANSWER, pace=0.01)
    converse.script(reply)
    turn = Turn(bedrock())
    outcome = turn.run()

    kinds = turn.poster.types()
    assert kinds[-1] == "answer" and set(kinds[:-1]) == {"delta"} and len(kinds) >= 3
    assert turn.poster.delta_text() == ANSWER["text"]
    final = turn.poster.frames[-1]
    assert final["citations"] == [{"id": "p1", "title": "Shipping", "url": "https://help.acme.example/shipping"}]
    # Streaming for real: the first words left before the model had finished.
    assert turn.poster.first_delta_at() < reply.log.sent[-1][0]
    record = outcome.record
    assert record.tool == "answer" and record.model_id == MODEL_ID and record.citation_ids == ["p1"]
    assert record.usage == {"input_tokens": 950, "output_tokens": 60, "latency_ms": 700}
    assert record.latencies["first_token_ms"] >= 0 and record.latencies["first_flush_ms"] >= 0
    assert reply.log.completed and not turn.records.handoffs


def test_forged_citation_hands_off_with_zero_delta_and_stops_the_stream(converse) -> None:
    forged = {"citation_ids": ["p1", "p7"], "text": "Our secret internal policy refunds everything instantly. " * 4}
    reply = tool_reply("answer", forged, pace=0.01)
    converse.script(reply)
    turn = Turn(bedrock())
    outcome = turn.run()

    assert turn.poster.types() == ["handoff"]
    assert turn.poster.frames[0]["reason"] == "out_of_knowledge"
    assert not any("secret" in json.dumps(f) for f in turn.poster.frames)
    assert outcome.result.downgrade_reason == "invalid_citation" and "p7" in outcome.result.downgrade_detail
    assert [h.downgrade for h in turn.records.handoffs] == ["invalid_citation"]
    # The gate decided early; closing the iterator closed the connection before the text was generated.
    assert reply.log.client_closed.wait(5) and not reply.log.completed


def test_text_before_citations_is_held_until_the_ids_are_known(converse) -> None:
    raw = '{"text": "Unopened tea can be returned within 30 days for a full refund.", "citation_ids": ["p2"]}'
    reply = tool_reply("answer", raw, pace=0.01)
    converse.script(reply)
    turn = Turn(bedrock())
    outcome = turn.run("Can I return tea?")

    last_input_sent = max(t for t, item in reply.log.sent if "toolUse" in item.payload.get("delta", {}))
    assert turn.poster.first_delta_at() >= last_input_sent
    assert turn.poster.delta_text() == "Unopened tea can be returned within 30 days for a full refund."
    assert turn.poster.frames[-1]["citations"][0]["id"] == "p2"
    assert outcome.result.tool == "answer" and not outcome.result.downgraded


def test_two_tool_calls_retract_what_was_shown_and_hand_off(converse) -> None:
    second = {"reason": "other", "summary": "Changed my mind."}
    reply = Stream(message(tool_block("answer", ANSWER),
                           tool_block("hand_off", second, index=1, tool_use_id="tooluse_2")), pace=0.01)
    converse.script(reply)
    turn = Turn(bedrock())
    outcome = turn.run()

    kinds = turn.poster.types()
    assert "delta" in kinds and kinds[-2:] == ["retract", "handoff"] and "answer" not in kinds
    assert outcome.result.downgrade_reason == "multiple_tool_calls" and outcome.result.retracted


def test_clarify_tool_becomes_a_clarify_frame(converse) -> None:
    converse.script(tool_reply("clarify", {"question": "Which order do you mean?", "options": ["Tea", "Teapot"]}))
    turn = Turn(bedrock())
    turn.run("it is broken")
    assert turn.poster.frames == [
        {"type": "clarify", "turn": "t3", "question": "Which order do you mean?", "options": ["Tea", "Teapot"]}
    ]


def test_unknown_event_types_and_free_text_are_skipped(converse) -> None:
    future = Event("someFutureEvent", {"whatever": 1})
    events = message(tool_block("answer", ANSWER))
    converse.script(Stream([*events[:1], future, *events[1:]]))
    turn = Turn(bedrock())
    assert turn.run().result.tool == "answer"


def test_stream_that_ends_without_a_stop_is_not_trusted(converse) -> None:
    converse.script(Stream(message(tool_block("answer", ANSWER), stop=None), pace=0.005))
    turn = Turn(bedrock())
    outcome = turn.run()
    assert turn.poster.types()[-1] == "handoff"
    assert outcome.result.downgrade_reason == "stream_ended_early"
    assert help_passages()[0].text not in json.dumps(turn.poster.frames[-1])
