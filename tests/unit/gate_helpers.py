"""Small hand-written fakes and helpers for driving the citation gate."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from assistant_core.answering.citation_gate import CitationGate, GateResult
from assistant_core.answering.model_events import ModelEvent, Stop, ToolInputDelta, ToolStart
from assistant_core.retrieval.passages import Passage, number_passages


class FakeClock:
    def __init__(self, start: float = 100.0, step: float = 0.0) -> None:
        self.t, self.step = start, step

    def __call__(self) -> float:
        self.t += self.step
        return self.t


def passages(n: int = 5) -> list[Passage]:
    return number_passages(
        Passage(
            text=f"Passage {i} text.",
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
    gate = CitationGate(
        turn_id="t1", passages=passages(n_passages), emit=frames.append, clock=clock or FakeClock(), **kw
    )
    for event in events:
        gate.feed(event)
        if gate.done:
            break
    return frames, gate.finish(error=error)


def delta_text(frames: list[dict[str, Any]]) -> str:
    return "".join(f["text"] for f in frames if f["type"] == "delta")


def types(frames: list[dict[str, Any]]) -> list[str]:
    return [f["type"] for f in frames]
