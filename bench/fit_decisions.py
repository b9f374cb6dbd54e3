"""Fit the extractive model's decision thresholds on the tuning set, then report them on the other set.

Tuning set: examples/office-help (LibreOffice help). Report set: examples/help-center (the sample shop).
Retrieval runs once per question; ``decide`` is then replayed for every point of a grid. The objective
puts trust first: among the points whose answer precision is at least 0.95 and whose false-answer rate is at
most 0.10 on the tuning set (the issue's targets), the one that answers most questions from the right doc.
The printed best point is what ``FITTED`` in ``assistant_core/local/extractive_model.py`` holds.
"""

from __future__ import annotations

import itertools
import json
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant_core.answering.tool_schemas import ANSWER  # noqa: E402
from assistant_core.local.embedder_wordllama import WordLlamaEmbedder  # noqa: E402
from assistant_core.local.extractive_model import FITTED, Thresholds, decide  # noqa: E402
from assistant_core.retrieval.index import LocalIndex  # noqa: E402
from assistant_core.retrieval.passages import number_passages  # noqa: E402

SETS = {
    "tune (office-help)": (ROOT / "examples/office-help/docs", ROOT / "examples/office-help/questions.jsonl"),
    "report (help-center)": (ROOT / "examples/help-center", ROOT / "examples/questions.jsonl"),
}
GRID = {
    "decline_below": (0.18, 0.22, 0.25, 0.28, 0.32),
    "sole_margin": (0.04, 0.05, 0.07, 0.09, 0.12),
    "pair_min": (0.35, 0.4, 0.45, 0.5, 0.6),
    "pair_gap": (0.0, 0.03, 0.05, 0.08),
}


def retrieved(docs: Path, questions: Path) -> list[tuple[dict, list]]:
    idx = LocalIndex.load_or_build(docs, Path(tempfile.mkdtemp()), embedder=WordLlamaEmbedder())
    items = [json.loads(line) for line in questions.read_text("utf-8").splitlines() if line.strip()]
    return [(item, number_passages(idx.search(item["question"], 5))) for item in items]


def score(rows: list[tuple[dict, list]], t: Thresholds) -> dict[str, float]:
    grounded = wrong = false = answerable = other = correct = 0
    for item, passages in rows:
        d = decide(item["question"], passages, t)
        correct += d.tool == item["expect_tool"]
        if item["expect_tool"] == ANSWER:
            answerable += 1
            if d.tool == ANSWER:
                cited = {p.source for p in passages if p.id in d.tool_input["citation_ids"]}
                grounded += bool(cited & set(item["gold_docs"]))
                wrong += not cited & set(item["gold_docs"])
        else:
            other += 1
            false += d.tool == ANSWER
    g, w, f = grounded / answerable, wrong / answerable, false / max(1, other)
    return {"grounded": round(g, 3), "wrong_cite": round(w, 3), "false_answer": round(f, 3),
            "answer_precision": round(grounded / max(1, grounded + wrong), 3),
            "tool_accuracy": round(correct / len(rows), 3)}


def objective(s: dict[str, float]) -> tuple[bool, float, float]:
    return s["answer_precision"] >= 0.95 and s["false_answer"] <= 0.10, s["grounded"], s["tool_accuracy"]


def main() -> None:
    data = {name: retrieved(*paths) for name, paths in SETS.items()}
    tune = data["tune (office-help)"]
    best = max((Thresholds(**{**asdict(FITTED), **dict(zip(GRID, values, strict=True))})
                for values in itertools.product(*GRID.values())), key=lambda t: objective(score(tune, t)))
    print("best on the tuning set:", {k: getattr(best, k) for k in GRID})
    for name, rows in data.items():
        print(f"{name}: fitted {score(rows, best)}")
        print(f"{' ' * len(name)}  in code {score(rows, FITTED)}")


if __name__ == "__main__":
    main()
