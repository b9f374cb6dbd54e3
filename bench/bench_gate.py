"""Citation gate cost per delta event for a 1,500-char answer at 1-, 8- and 64-byte fragments.

Prints the median and p95 microseconds per fed event (target: median <= 20 us).
"""

from __future__ import annotations

import json
import statistics
import time

from assistant_core.answering.citation_gate import CitationGate
from assistant_core.answering.ports import Stop, ToolInputDelta, ToolStart
from assistant_core.retrieval.passages import Passage, number_passages

TEXT = ("Orders placed before noon ship the same working day. Tracking is emailed once the parcel leaves. " * 20)[:1500]
PAYLOAD = json.dumps({"citation_ids": ["p1", "p2"], "text": TEXT})
PASSAGES = number_passages(Passage(f"text {i}", f"Doc {i}", f"https://x/{i}", f"d{i}.md", 0.5) for i in range(5))


def run(size: int) -> list[float]:
    fragments = [PAYLOAD[i : i + size] for i in range(0, len(PAYLOAD), size)]
    sink: list[dict] = []
    gate = CitationGate(turn_id="t1", passages=PASSAGES, emit=sink.append, clock=time.monotonic)
    gate.feed(ToolStart("answer", "t"))
    costs = []
    for f in fragments:
        t0 = time.perf_counter_ns()
        gate.feed(ToolInputDelta(f))
        costs.append((time.perf_counter_ns() - t0) / 1000)
    gate.feed(Stop("tool_use"))
    result = gate.finish()
    assert result.tool == "answer" and result.text == TEXT
    return costs


def main() -> None:
    print(f"gate cost per delta, {len(TEXT)}-char answer ({len(PAYLOAD)} bytes of tool input)")
    for size in (1, 8, 64):
        costs = [c for _ in range(5) for c in run(size)]
        p95 = statistics.quantiles(costs, n=20)[18]
        median = statistics.median(costs)
        print(f"  {size:>2}-byte fragments: median {median:6.1f} us   p95 {p95:6.1f} us   ({len(costs) // 5} events)")


if __name__ == "__main__":
    main()
