"""Answerer overhead for one turn with an instant fake model and retriever (target: median <= 5 ms)."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Iterator

from assistant_core.answering.answerer import Answerer, TurnRequest
from assistant_core.answering.ports import ModelEvent, ModelRequest, Stop, ToolInputDelta, ToolStart, Usage
from assistant_core.clock import SystemClock
from assistant_core.local.memory_stores import CollectingPoster, MemoryGaps, MemoryHandoffs, MemoryTranscripts
from assistant_core.retrieval.passages import Passage

PASSAGES = [
    Passage(f"Passage {i} about shipping and returns. " * 10, f"Doc {i}", f"https://x/{i}", f"d{i}.md", 0.9 - i / 10)
    for i in range(5)
]
PAYLOAD = json.dumps({"citation_ids": ["p1"], "text": "Orders ship the same working day when placed before noon. " * 5})


class InstantModel:
    model_id = "instant"

    def stream(self, request: ModelRequest) -> Iterator[ModelEvent]:
        yield ToolStart("answer", "t")
        for i in range(0, len(PAYLOAD), 8):  # token-sized fragments, as a real model sends
            yield ToolInputDelta(PAYLOAD[i : i + 8])
        yield Stop("tool_use")
        yield Usage(1000, 80)


class InstantRetriever:
    def retrieve(self, query: str, k: int) -> list[Passage]:
        return PASSAGES[:k]


def main() -> None:
    transcripts = MemoryTranscripts()
    answerer = Answerer(
        model=InstantModel(),
        retriever=InstantRetriever(),
        history=transcripts,
        poster=CollectingPoster(),
        transcripts=transcripts,
        gaps=MemoryGaps(),
        handoffs=MemoryHandoffs(),
        clock=SystemClock(),
    )
    times = []
    for i in range(1, 1201):
        t0 = time.perf_counter()
        out = answerer.run(TurnRequest(f"s{i % 50}", "c", f"t{i}", i, "When do orders ship?"))
        times.append((time.perf_counter() - t0) * 1000)
        assert out.result.tool == "answer"
    times = times[200:]  # after warm-up
    p95 = statistics.quantiles(times, n=20)[18]
    print(f"answerer overhead per turn (instant model + retriever, {len(PAYLOAD)}-byte tool input, 8-byte fragments)")
    print(f"  median {statistics.median(times):.2f} ms   p95 {p95:.2f} ms   over {len(times)} turns")


if __name__ == "__main__":
    main()
