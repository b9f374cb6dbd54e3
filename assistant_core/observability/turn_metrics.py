"""What one finished turn tells the operator: an EMF metrics record and an audit event detail.

Pure builders over a ``TurnRecord``; ``aws/telemetry.py`` prints the first (through the one EMF
printer, ``observability/emf.py``) and sends the second.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from assistant_core.answering.ports import TurnRecord
from assistant_core.clock import parse_iso
from assistant_core.observability.emf import emf

# Outcome -> metric name. Exactly one is 1 per turn: a downgraded turn counts as Downgrade only,
# even though the visitor saw a hand_off, so HandOff means "the model chose to hand off".
OUTCOMES = {
    "answer": "Answer",
    "clarify": "Clarify",
    "hand_off": "HandOff",
    "decline": "Decline",
    "downgrade": "Downgrade",
}
LATENCIES = {
    "FirstTokenMs": "first_token_ms",
    "FirstFlushMs": "first_flush_ms",
    "RetrieveMs": "retrieve_ms",
    "TotalMs": "total_ms",
}
TOKENS = {"InputTokens": "input_tokens", "OutputTokens": "output_tokens"}
MODEL_ERROR = "model_error"  # the downgrade reason of model outages (alarmed on: ModelError)


def outcome_of(tool: str, downgrade_reason: str) -> str:
    return "downgrade" if downgrade_reason else tool


def _measured(values: Mapping[str, Any], key: str) -> int | None:
    """A latency or token count, or None when the turn never reached that point (recorded as -1)."""
    value = values.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def timestamp_ms(created_at: str) -> int:
    return int(parse_iso(created_at).timestamp() * 1000)


def emf_record(record: TurnRecord, stage: str) -> dict[str, Any]:
    """One EMF record: latencies (those measured), tokens, one-hot outcome counts and ModelError."""
    metrics: dict[str, tuple[int, str]] = {}
    for name, key in LATENCIES.items():
        if (v := _measured(record.latencies, key)) is not None:
            metrics[name] = (v, "Milliseconds")
    for name, key in TOKENS.items():
        if (v := _measured(record.usage, key)) is not None:
            metrics[name] = (v, "Count")
    result = outcome_of(record.tool, record.downgrade_reason)
    for kind, name in OUTCOMES.items():
        metrics[name] = (int(result == kind), "Count")
    metrics["ModelError"] = (int(record.downgrade_reason == MODEL_ERROR), "Count")
    # The fields are not metrics: searchable parts of the log line, to find the turn behind a spike.
    return emf(stage, metrics, timestamp_ms(record.created_at), session_id=record.session_id, turn=record.turn_id,
               outcome=result, downgrade_reason=record.downgrade_reason, model_id=record.model_id)


def audit_detail(record: TurnRecord) -> dict[str, Any]:
    """Who asked what, what was retrieved and cited, which tool, how fast. No secrets, no reply text."""
    return {
        "session_id": record.session_id,
        "turn": record.turn_id,
        "turn_index": record.turn_index,
        "connection_id": record.connection_id,
        "question": record.question,
        "page": record.page_url,
        "outcome": outcome_of(record.tool, record.downgrade_reason),
        "tool": record.tool,
        "model_tool": record.model_tool,
        "reason": str(record.tool_input.get("reason") or ""),
        "retrieved": [
            {
                "id": p.get("id"),
                "chunk_id": p.get("chunk_id"),
                "title": p.get("title"),
                "source": p.get("source"),
                "score": p.get("score"),
            }
            for p in record.retrieved
        ],
        "cited": list(record.citation_ids),
        "downgrade": {"reason": record.downgrade_reason, "detail": record.downgrade_detail},
        "reply_chars": len(record.text),
        "visitor_gone": record.visitor_gone,
        "latencies": dict(record.latencies),
        "usage": dict(record.usage),
        "model_id": record.model_id,
        "prompt_version": record.prompt_version,
        "created_at": record.created_at,
    }
