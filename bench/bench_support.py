"""The support check: false blocks on the extractive model's answers, and what checking costs.

Every labelled question of both sets goes through retrieval and the extractive model; each answer it gives
is streamed through a ``SupportGuard`` over its cited passages exactly as the citation gate does (growing
text, sentence by sentence). An answer blocked there is a false block: the model copied its sentences from
those passages. Prints the false-block rate and the guard's cost per answer. Asserts nothing.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant_core.answering.support import SupportGuard, Unsupported  # noqa: E402
from assistant_core.local.embedder_wordllama import WordLlamaEmbedder  # noqa: E402
from assistant_core.local.extractive_model import decide  # noqa: E402
from assistant_core.retrieval.index import LocalIndex  # noqa: E402
from assistant_core.retrieval.passages import number_passages  # noqa: E402

SETS = [(ROOT / "examples/help-center", ROOT / "examples/questions.jsonl"),
        (ROOT / "examples/office-help/docs", ROOT / "examples/office-help/questions.jsonl")]


def streamed_verdict(text: str, passages: list[str]) -> str:
    guard = SupportGuard(passages, hold_sentences=True)
    try:
        for end in range(8, len(text), 8):
            guard.releasable(text[:end])
        failed = guard.finish(text)
    except Unsupported as u:
        failed = u.verdict
    return "" if failed is None else f"{failed.reason}: {failed.sentence}"


def main() -> None:
    answers = blocked = 0
    costs: list[float] = []
    for docs, questions in SETS:
        index = LocalIndex.load_or_build(docs, Path(tempfile.mkdtemp()), embedder=WordLlamaEmbedder())
        for line in questions.read_text("utf-8").splitlines():
            question = json.loads(line)["question"]
            passages = number_passages(index.search(question, 5))
            d = decide(question, passages)
            if d.tool != "answer":
                continue
            cited = [f"{p.title}\n{p.text}" for p in passages if p.id in d.tool_input["citation_ids"]]
            t0 = time.perf_counter()
            why = streamed_verdict(d.tool_input["text"], cited)
            costs.append((time.perf_counter() - t0) * 1000)
            answers += 1
            if why:
                blocked += 1
                print(f"  false block: {question!r} -> {why}")
    print(f"extractive answers checked: {answers}; false blocks: {blocked} ({blocked / max(1, answers):.1%})")
    print(f"support check per answer: p50 {statistics.median(costs):.2f} ms, "
          f"p95 {statistics.quantiles(costs, n=20)[-1]:.2f} ms, max {max(costs):.2f} ms")


if __name__ == "__main__":
    main()
