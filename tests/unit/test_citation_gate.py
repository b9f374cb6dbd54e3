"""The citation gate: every way a model stream can go wrong, and the happy path."""

from __future__ import annotations

import json

import pytest

from assistant_core.answering.citation_gate import MAX_FRAME_BYTES, CitationGate
from assistant_core.answering.ports import Stop, TextDelta, ToolInputDelta, ToolStart, Usage
from tests.fakes.clock import FakeClock
from tests.fakes.gate import delta_text, passages, run_gate, tool_events, types

ANSWER = {"citation_ids": ["p1", "p3"], "text": "Orders ship within 2 working days. Tracking is emailed to you."}


def test_valid_answer_streams_deltas_then_answer_with_citations() -> None:
    frames, result = run_gate(tool_events("answer", ANSWER, sizes=3))
    assert types(frames)[-1] == "answer"
    assert set(types(frames)[:-1]) == {"delta"}
    assert delta_text(frames) == ANSWER["text"]
    final = frames[-1]
    assert final["text"] == ANSWER["text"]
    assert [c["id"] for c in final["citations"]] == ["p1", "p3"]
    assert final["citations"][0] == {"id": "p1", "title": "Doc 1", "url": "https://help.example/doc-1"}
    assert result.tool == "answer" and not result.downgraded and result.citation_ids == ["p1", "p3"]


def test_forged_citation_becomes_hand_off_with_zero_delta_bytes() -> None:
    forged = {"citation_ids": ["p1", "p9"], "text": "Secret internal policy says refunds are instant." * 3}
    frames, result = run_gate(tool_events("answer", forged, sizes=2))
    assert "delta" not in types(frames)
    assert types(frames) == ["handoff"]
    assert frames[0]["reason"] == "out_of_knowledge"
    assert result.tool == "hand_off" and result.downgrade_reason == "invalid_citation"
    assert "p9" in result.downgrade_detail
    assert not any("Secret" in json.dumps(f) for f in frames)


def test_text_before_citations_is_held_then_released() -> None:
    raw = '{"text":"Held until the ids are checked.","citation_ids":["p2"]}'
    frames: list[dict] = []
    gate = CitationGate(turn_id="t1", passages=passages(says="Held until the ids are checked."), emit=frames.append,
                        clock=FakeClock(step=1.0).monotonic)
    events = tool_events("answer", raw, sizes=4, stop=None)
    for ev in events[:-1]:
        gate.feed(ev)
    assert frames == []  # object not closed: citation_ids could still grow
    gate.feed(events[-1])
    gate.feed(Stop("tool_use"))
    result = gate.finish()
    assert delta_text(frames) == "Held until the ids are checked."
    assert types(frames)[-1] == "answer" and result.citation_ids == ["p2"]


def test_forged_citation_after_text_is_never_released() -> None:
    raw = '{"text":"Invented text","citation_ids":["p1","p7"]}'
    frames, result = run_gate(tool_events("answer", raw, sizes=1), clock=FakeClock(step=1.0))
    assert types(frames) == ["handoff"] and result.downgrade_reason == "invalid_citation"


def test_two_tool_calls_downgrade() -> None:
    events = tool_events("clarify", {"question": "Which order?"}, stop=None) + tool_events(
        "decline", {"reason": "off_topic", "message": "No."}
    )
    frames, result = run_gate(events)
    assert types(frames) == ["handoff"]
    assert result.downgrade_reason == "multiple_tool_calls"


def test_second_tool_call_after_streamed_text_retracts() -> None:
    events = [*tool_events("answer", ANSWER, sizes=30, stop=None), ToolStart("answer", "tu_2")]
    frames, result = run_gate(events, clock=FakeClock(step=1.0))
    assert "delta" in types(frames)
    assert types(frames)[-2:] == ["retract", "handoff"]
    assert result.retracted and result.downgrade_reason == "multiple_tool_calls"


def test_no_tool_call_downgrades() -> None:
    frames, result = run_gate([TextDelta("Sure! Refunds take 3 days."), Stop("end_turn")])
    assert types(frames) == ["handoff"] and result.downgrade_reason == "no_tool_call"
    assert result.model_tool == ""


def test_unknown_tool_downgrades() -> None:
    frames, result = run_gate(tool_events("run_sql", {"q": "drop table"}))
    assert types(frames) == ["handoff"] and result.downgrade_reason == "unknown_tool"


def test_answer_tool_is_unknown_when_nothing_was_retrieved() -> None:
    frames, result = run_gate(tool_events("answer", {"citation_ids": ["p1"], "text": "x"}), n_passages=0)
    assert types(frames) == ["handoff"] and result.downgrade_reason == "unknown_tool"


def test_stream_cut_mid_json_downgrades() -> None:
    raw = json.dumps({"citation_ids": ["p1"], "text": "This part is shown first. It never finishes because the"})[:-10]
    frames, result = run_gate(tool_events("answer", raw, sizes=50, stop=None), clock=FakeClock(step=1.0))
    assert types(frames)[-2:] == ["retract", "handoff"]  # its beginning had been shown
    assert result.downgrade_reason == "stream_ended_early"


def test_stream_error_midway_retracts_shown_text() -> None:
    frames, result = run_gate(
        tool_events("answer", ANSWER, sizes=30, stop=None), error="throttlingException", clock=FakeClock(step=1.0)
    )
    assert types(frames)[-2:] == ["retract", "handoff"]
    assert result.downgrade_reason == "model_error" and result.downgrade_detail == "throttlingException"


@pytest.mark.parametrize("stop", ["max_tokens", "malformed_tool_use", "content_filtered", "guardrail_intervened"])
def test_bad_stop_reasons_downgrade(stop: str) -> None:
    frames, result = run_gate(tool_events("answer", ANSWER, sizes=100, stop=stop), clock=FakeClock(step=1.0))
    assert types(frames)[-1] == "handoff" and result.downgrade_reason == stop


def test_schema_violation_after_text_was_flushed_retracts_then_hands_off() -> None:
    bad = {"citation_ids": ["p1"], "text": "Streamed words that will be withdrawn. More words.", "confidence": "high"}
    frames, result = run_gate(tool_events("answer", bad, sizes=8), clock=FakeClock(step=1.0))
    assert delta_text(frames)  # text was shown...
    assert types(frames)[-2:] == ["retract", "handoff"]  # ...then withdrawn
    assert "answer" not in types(frames)
    assert result.downgrade_reason == "schema_violation" and result.retracted


def test_duplicate_citation_key_is_caught_at_the_end() -> None:
    raw = '{"citation_ids":["p1"],"text":"Looks fine at first.","citation_ids":["p9"]}'
    frames, result = run_gate(tool_events("answer", raw, sizes=5), clock=FakeClock(step=1.0))
    assert types(frames)[-2:] == ["retract", "handoff"]
    assert result.downgrade_reason == "malformed_tool_input"


def test_too_long_answer_stops_early() -> None:
    long = {"citation_ids": ["p1"], "text": "Word. " * 400}
    frames, result = run_gate(tool_events("answer", long, sizes=50), clock=FakeClock(step=1.0))
    assert types(frames)[-2:] == ["retract", "handoff"] and result.downgrade_reason == "schema_violation"


def test_frames_never_exceed_32_kb_even_for_huge_inputs() -> None:
    # A single enormous fragment of control characters (6 bytes each when JSON-escaped).
    huge = {"question": "\u0001" * 300, "options": ["a"]}
    frames, _ = run_gate(tool_events("clarify", huge, sizes=10**6))
    text = {"citation_ids": ["p1"], "text": "é\u0002" * 700}
    frames2, result = run_gate(tool_events("answer", text, sizes=10**6))
    for frame in frames + frames2:
        assert len(json.dumps(frame, ensure_ascii=False).encode()) <= MAX_FRAME_BYTES
    assert result.tool == "answer"


def test_multibyte_utf8_is_never_split_or_mangled() -> None:
    text = "茶は2営業日以内に発送します 🍵🍵 Grüße — 👩🏽‍🍳 done."
    frames, result = run_gate(
        tool_events("answer", {"citation_ids": ["p1"], "text": text}, sizes=1), clock=FakeClock(step=0.05)
    )
    for f in frames:
        f["text"].encode("utf-8") if "text" in f else None  # raises on a lone surrogate
    assert delta_text(frames) == text and result.tool == "answer"


def test_escaped_surrogate_pairs_split_across_fragments() -> None:
    raw = '{"citation_ids":["p1"],"text":"tea \\ud83c\\udf75 time \\u00e9\\n"}'
    frames, result = run_gate(tool_events("answer", raw, sizes=1), clock=FakeClock(step=1.0))
    for f in frames:
        if "text" in f:
            f["text"].encode("utf-8")
    assert delta_text(frames) == "tea 🍵 time é\n" == result.text


def test_flush_policy_batches_small_fragments() -> None:
    # A frozen clock: only the 24-character rule can trigger a flush before the end. Text is released a
    # verified sentence at a time, so the sentences here are short.
    frames, _ = run_gate(tool_events("answer", {"citation_ids": ["p1"], "text": "Xx. " * 25}, sizes=1))
    deltas = [f for f in frames if f["type"] == "delta"]
    assert all(len(f["text"]) >= 24 for f in deltas[:-1])
    assert 4 <= len(deltas) <= 5


def test_flush_policy_posts_after_80ms_even_if_few_chars() -> None:
    frames, _ = run_gate(
        tool_events("answer", {"citation_ids": ["p1"], "text": "Ab. " * 10}, sizes=2), clock=FakeClock(step=0.1)
    )
    assert len([f for f in frames if f["type"] == "delta"]) >= 10


@pytest.mark.parametrize(
    ("tool", "payload", "frame"),
    [
        ("clarify", {"question": "Which order?", "options": ["Tea", "Teaware"]}, "clarify"),
        ("decline", {"reason": "off_topic", "message": "I can only help with the shop."}, "decline"),
        ("hand_off", {"reason": "complaint", "summary": "Angry about a broken pot."}, "handoff"),
    ],
)
def test_other_tools_map_to_their_frames(tool: str, payload: dict, frame: str) -> None:
    frames, result = run_gate([*tool_events(tool, payload), Usage(10, 5, 300)])
    assert types(frames) == [frame]
    assert result.tool == tool and not result.downgraded
    if frame == "handoff":
        assert frames[0]["reason"] == "complaint" and frames[0]["ask_contact"] is True


def test_input_before_tool_start_downgrades() -> None:
    frames, result = run_gate([ToolInputDelta('{"question":"x"}'), Stop("tool_use")])
    assert types(frames) == ["handoff"] and result.downgrade_reason == "no_tool_call"
