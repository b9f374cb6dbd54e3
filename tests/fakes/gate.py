"""Small hand-written fakes and helpers for driving the citation gate."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import jiter

from assistant_core.answering.citation_gate import CitationGate, GateResult
from assistant_core.answering.ports import ModelEvent, Stop, ToolInputDelta, ToolStart
from assistant_core.retrieval.passages import Passage, number_passages
from tests.fakes.clock import FakeClock


def passages(n: int = 5, says: str = "") -> list[Passage]:
    """``n`` passages; ``says`` is text every passage contains (what a supported answer repeats)."""
    return number_passages(
        Passage(
            text=f"Passage {i} text. {says}".strip(),
            title=f"Doc {i}",
            url=f"https://help.example/doc-{i}",
            source=f"doc-{i}.md",
            score=0.9 - i / 10,
            chunk_id=f"doc-{i}.md#0",
        )
        for i in range(1, n + 1)
    )


def tool_events(
    name: str, payload: str | dict[str, Any], sizes: Iterable[int] | int = 5, stop: str | None = "tool_use"
) -> list[ModelEvent]:
    raw = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
    events: list[ModelEvent] = [ToolStart(name, "tu_1")]
    sizes_iter = iter([sizes] * len(raw)) if isinstance(sizes, int) else iter(sizes)
    i = 0
    while i < len(raw):
        size = max(1, next(sizes_iter, 1))
        events.append(ToolInputDelta(raw[i : i + size]))
        i += size
    if stop:
        events.append(Stop(stop))
    return events


def run_gate(
    events: Iterable[ModelEvent],
    *,
    n_passages: int = 5,
    error: str | None = None,
    clock: FakeClock | None = None,
    **kw: Any,
) -> tuple[list[dict[str, Any]], GateResult]:
    frames: list[dict[str, Any]] = []
    events = list(events)
    # These tests drive the id checks, flushing and downgrades: their passages say what the answer says, so
    # the support check (tested on its own in test_support_*) passes unless a test passes ``says``.
    says = kw.pop("says", None)
    gate = CitationGate(
        turn_id="t1", passages=passages(n_passages, answer_text(events) if says is None else says),
        emit=frames.append, clock=(clock or FakeClock()).monotonic, **kw
    )
    for event in events:
        gate.feed(event)
        if gate.done:
            break
    return frames, gate.finish(error=error)


def answer_text(events: Iterable[ModelEvent]) -> str:
    """The ``text`` of an answer's tool input, as far as the stream carries it."""
    raw = "".join(e.fragment for e in events if isinstance(e, ToolInputDelta)).encode("utf-8", "surrogatepass")
    try:
        value = jiter.from_json(raw, partial_mode="trailing-strings") if raw else {}
    except ValueError:
        return ""
    return value.get("text", "") if isinstance(value, dict) and isinstance(value.get("text"), str) else ""


def delta_text(frames: list[dict[str, Any]]) -> str:
    return "".join(f["text"] for f in frames if f["type"] == "delta")


def types(frames: list[dict[str, Any]]) -> list[str]:
    return [f["type"] for f in frames]
