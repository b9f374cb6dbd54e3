"""Fit the hybrid index's fusion on the tuning set, then report it on the other set.

Tuning set: examples/office-help (LibreOffice help). Report set: examples/help-center (the sample shop).
Prints hit@1 / hit@5 (distinct docs) for BM25 alone, dense alone and the best fused weights of a grid;
the constants in ``assistant_core/retrieval/index.py`` are the ones this script picks.
"""

from __future__ import annotations

import itertools
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant_core.local.embedder_wordllama import WordLlamaEmbedder  # noqa: E402
from assistant_core.retrieval import index as index_module  # noqa: E402
from assistant_core.retrieval.index import LocalIndex  # noqa: E402

SETS = {
    "tune: office-help": (ROOT / "examples/office-help/docs", ROOT / "examples/office-help/questions.jsonl"),
    "report: help-center": (ROOT / "examples/help-center", ROOT / "examples/questions.jsonl"),
}


def signals(docs: Path, questions: Path) -> tuple[LocalIndex, list[tuple[np.ndarray, np.ndarray, set[str]]]]:
    embedder = WordLlamaEmbedder()
    idx = LocalIndex.load_or_build(docs, Path(tempfile.mkdtemp()), embedder=embedder)
    rows = []
    for line in questions.read_text("utf-8").splitlines():
        item = json.loads(line)
        if item["expect_tool"] != "answer":
            continue
        lex = idx._lexical(item["question"])
        sem = idx._semantic(item["question"])
        rows.append((lex if lex is not None else np.zeros(idx._n), sem if sem is not None else np.zeros(idx._n),
                     set(item["gold_docs"])))
    return idx, rows


def hits(idx: LocalIndex, rows: list, w: float, floor: float, high: float) -> tuple[float, float]:
    h1 = h5 = 0
    for lex, sem, gold in rows:
        fused = w * lex + (1 - w) * np.clip((sem - floor) / (high - floor), 0, 1)
        order = np.argsort(-fused, kind="stable")
        _, first = np.unique(idx._doc_of[order], return_index=True)
        docs = [idx.chunks[int(i)].doc_path for i in order[np.sort(first)][:5]]
        h1 += bool(docs) and docs[0] in gold
        h5 += bool(gold & set(docs))
    return round(h1 / len(rows), 4), round(h5 / len(rows), 4)


def main() -> None:
    data = {name: signals(*paths) for name, paths in SETS.items()}
    tune_idx, tune_rows = data["tune: office-help"]
    grid = itertools.product((0.3, 0.4, 0.5, 0.6, 0.7, 0.8), (0.0, 0.1, 0.15, 0.2, 0.25), (0.6, 0.7, 0.75, 0.8))
    scored = sorted(((hits(tune_idx, tune_rows, w, f, h), (w, f, h)) for w, f, h in grid), reverse=True)
    (best_h1, best_h5), best = scored[0]
    print(f"best on tuning set: W_LEXICAL={best[0]} COS_FLOOR={best[1]} COS_HIGH={best[2]} "
          f"hit@1={best_h1} hit@5={best_h5}")
    current = (index_module.W_LEXICAL, index_module.COS_FLOOR, index_module.COS_HIGH)
    for name, (idx, rows) in data.items():
        print(f"{name}: BM25 only {hits(idx, rows, 1.0, 0.0, 1.0)}  dense only {hits(idx, rows, 0.0, 0.0, 1.0)}  "
              f"fitted {hits(idx, rows, *best)}  in code {hits(idx, rows, *current)}   (hit@1, hit@5)")


if __name__ == "__main__":
    main()
