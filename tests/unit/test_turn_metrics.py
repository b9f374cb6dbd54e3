"""The per-turn EMF record and audit event built from a TurnRecord."""

from __future__ import annotations

import json

import pytest

from assistant_core.answering.ports import TurnRecord
from assistant_core.observability.turn_metrics import LATENCIES, OUTCOMES, audit_detail, emf_record, outcome_of

LAT = {"retrieve_ms": 120, "first_token_ms": 640, "first_flush_ms": 700, "total_ms": 2100}


def record(**over: object) -> TurnRecord:
    base = dict(
        session_id="s1",
        turn_index=3,
        turn_id="t3",
        connection_id="c1",
        question="How fast?",
        page_url="https://shop.example/cart",
        tool="answer",
        model_tool="answer",
        text="Two days.",
        citation_ids=("p1",),
        retrieved=[{"id": "p1", "chunk_id": "d.md#0", "title": "Delivery", "source": "d.md", "score": 0.8}],
        downgrade_reason="",
        downgrade_detail="",
        model_id="m1",
        prompt_version="v3",
        latencies=LAT,
        created_at="2026-11-20T10:00:00.250Z",
        usage={"input_tokens": 900, "output_tokens": 40},
    )
    return TurnRecord(**{**base, **over})


def declared(emf: dict) -> dict[str, str]:
    [block] = emf["_aws"]["CloudWatchMetrics"]
    assert block["Namespace"] == "WebsiteAssistant" and block["Dimensions"] == [["Stage"]]
    return {m["Name"]: m["Unit"] for m in block["Metrics"]}


def test_emf_record_declares_every_metric_as_a_root_key() -> None:
    emf = emf_record(record(), "prod")
    units = declared(emf)
    assert emf["_aws"]["Timestamp"] == 1_795_168_800_250 and emf["Stage"] == "prod"
    for name in units:
        assert isinstance(emf[name], int), name  # an undeclared root key is only a log field; a missing one breaks EMF
    assert {n: emf[n] for n in LATENCIES} == {
        "FirstTokenMs": 640,
        "FirstFlushMs": 700,
        "RetrieveMs": 120,
        "TotalMs": 2100,
    }
    assert {n: units[n] for n in LATENCIES} == dict.fromkeys(LATENCIES, "Milliseconds")
    assert (emf["InputTokens"], emf["OutputTokens"]) == (900, 40)
    assert {n: emf[n] for n in OUTCOMES.values()} == {
        "Answer": 1,
        "Clarify": 0,
        "HandOff": 0,
        "Decline": 0,
        "Downgrade": 0,
    }
    assert emf["ModelError"] == 0 and (emf["session_id"], emf["turn"], emf["outcome"]) == ("s1", "t3", "answer")
    json.dumps(emf)  # one line of plain JSON


@pytest.mark.parametrize(
    ("tool", "reason", "metric"),
    [
        ("clarify", "", "Clarify"),
        ("hand_off", "", "HandOff"),
        ("decline", "", "Decline"),
        ("hand_off", "invalid_citation", "Downgrade"),
        ("hand_off", "model_error", "Downgrade"),
    ],
)
def test_exactly_one_outcome_counts_and_downgrades_are_not_handoffs(tool: str, reason: str, metric: str) -> None:
    emf = emf_record(record(tool=tool, downgrade_reason=reason), "prod")
    assert [n for n in OUTCOMES.values() if emf[n] == 1] == [metric]
    assert emf["ModelError"] == (1 if reason == "model_error" else 0)
    assert outcome_of(tool, reason) == ("downgrade" if reason else tool)


def test_unmeasured_latencies_and_missing_usage_are_left_out_not_sent_as_minus_one() -> None:
    emf = emf_record(record(latencies={**LAT, "first_token_ms": -1, "first_flush_ms": -1}, usage={}), "dev")
    units = declared(emf)
    assert "FirstTokenMs" not in emf and "FirstTokenMs" not in units and "FirstFlushMs" not in units
    assert "InputTokens" not in units and emf["TotalMs"] == 2100 and emf["Stage"] == "dev"


def test_audit_detail_says_who_asked_what_and_what_backed_the_reply() -> None:
    detail = audit_detail(
        record(
            tool="hand_off",
            model_tool="answer",
            downgrade_reason="invalid_citation",
            downgrade_detail="p9",
            tool_input={"reason": "out_of_knowledge", "text": "x"},
        )
    )
    assert (detail["session_id"], detail["turn"], detail["connection_id"]) == ("s1", "t3", "c1")
    assert detail["question"] == "How fast?" and detail["page"] == "https://shop.example/cart"
    assert (detail["tool"], detail["model_tool"], detail["outcome"]) == ("hand_off", "answer", "downgrade")
    assert detail["retrieved"] == [
        {"id": "p1", "chunk_id": "d.md#0", "title": "Delivery", "source": "d.md", "score": 0.8}
    ]
    assert detail["cited"] == ["p1"] and detail["downgrade"] == {"reason": "invalid_citation", "detail": "p9"}
    assert detail["latencies"] == LAT and detail["usage"]["input_tokens"] == 900
    assert (detail["model_id"], detail["prompt_version"], detail["reason"]) == ("m1", "v3", "out_of_knowledge")
    assert "text" not in detail and "tool_input" not in detail  # the reply itself stays in the transcript
    json.dumps(detail)
