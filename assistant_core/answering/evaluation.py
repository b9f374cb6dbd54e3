"""``assistant eval``: every labelled question through the full answerer, scored as a visitor sees it.

Besides which tool was chosen, it checks *what was cited*: an answer that cites a document that does not
answer the question is a confident wrong answer, the worst thing the product can do, so it is counted
on its own (``wrong_cite``) instead of hiding inside "tool accuracy".

Per labelled item (``expect_tool``, ``gold_docs``):
- ``grounded``: share of ``answer`` items that got an answer citing at least one gold doc;
- ``wrong_cite``: share of ``answer`` items that got an answer citing no gold doc;
- ``false_answer``: share of non-``answer`` items that got an answer anyway;
- ``hit_at_1`` / ``hit_at_5``: a gold doc is the first / among the first five distinct docs retrieved
  (over items with gold docs);
- ``answer_precision`` = grounded / (grounded + wrong_cite): of the answers shown to visitors who asked
  an answerable question, how many cited the right doc.
"""

from __future__ import annotations

import json
import statistics
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant_core.answering.answerer import Answerer, TurnOutcome, TurnRequest
from assistant_core.answering.tool_schemas import ANSWER, TOOL_NAMES
from assistant_core.errors import BadInput

TOOLS = set(TOOL_NAMES)
WORST_SHOWN = 8  # mistakes of each kind listed in the text report


@dataclass(frozen=True)
class Labelled:
    question: str
    expect_tool: str
    gold_docs: tuple[str, ...]
    history: tuple[str, ...] = ()  # earlier questions of the same conversation, asked first and not scored


@dataclass
class EvalReport:
    n: int = 0
    recall_at_5: float = 0.0
    mrr: float = 0.0
    hit_at_1: float = 0.0
    hit_at_5: float = 0.0
    tool_accuracy: float = 0.0
    grounded: float = 0.0
    wrong_cite: float = 0.0
    false_answer: float = 0.0
    answer_precision: float = 1.0
    citation_valid_rate: float = 1.0
    downgrades: int = 0
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    confusion: dict[str, dict[str, int]] = field(default_factory=dict)
    mistakes: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        keys = ("n", "recall_at_5", "mrr", "hit_at_1", "hit_at_5", "tool_accuracy", "grounded", "wrong_cite",
                "false_answer", "answer_precision", "citation_valid_rate", "downgrades", "p50_ms", "p95_ms")
        return {k: getattr(self, k) for k in keys}

    def as_dict(self) -> dict[str, Any]:
        """Everything ``--json`` prints: the metrics, the confusion matrix and the mistakes."""
        return {**self.summary(), "confusion": self.confusion, "mistakes": self.mistakes}


def load_questions(path: Path) -> list[Labelled]:
    try:
        lines = path.read_text("utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise BadInput(f"cannot read questions file {path}: {e}") from e
    out = []
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            q = obj["question"]
            tool = obj["expect_tool"]
            gold = obj.get("gold_docs", [])
            history = obj.get("history", [])
        except (ValueError, KeyError, TypeError) as e:
            raise BadInput(f"{path}: line {n}: expected {{question, expect_tool, gold_docs}} ({e})") from e
        if tool not in TOOLS or not isinstance(q, str) or not isinstance(gold, list):
            raise BadInput(f"{path}: line {n}: bad question, expect_tool or gold_docs")
        if not isinstance(history, list) or not all(isinstance(h, str) for h in history):
            raise BadInput(f"{path}: line {n}: history must be a list of earlier questions")
        out.append(Labelled(q, tool, tuple(gold), tuple(history)))
    if not out:
        raise BadInput(f"{path}: no questions")
    return out


def _distinct_sources(out: TurnOutcome) -> list[str]:
    return list(dict.fromkeys(p.source for p in out.passages))


def _cited_sources(out: TurnOutcome) -> list[str]:
    by_id = {p.id: p.source for p in out.passages}
    return list(dict.fromkeys(by_id[c] for c in out.result.citation_ids if c in by_id))


class _Tally:
    """Counts for one run; turned into rates by ``finish``."""

    def __init__(self) -> None:
        self.confusion: dict[str, Counter[str]] = {t: Counter() for t in TOOL_NAMES}
        self.recalls: list[float] = []
        self.ranks: list[float] = []
        self.hits1: list[bool] = []
        self.hits5: list[bool] = []
        self.latencies: list[float] = []
        self.answerable = self.grounded = self.wrong_cite = 0
        self.unanswerable = self.false_answer = 0
        self.answer_attempts = self.invalid = self.downgrades = 0
        self.mistakes: list[dict[str, Any]] = []

    def add(self, item: Labelled, out: TurnOutcome) -> None:
        got = out.result.tool
        self.confusion[item.expect_tool][got] += 1
        self.latencies.append(out.record.latencies["total_ms"])
        self.downgrades += out.result.downgraded
        if out.result.model_tool == ANSWER:
            self.answer_attempts += 1
            self.invalid += out.result.downgrade_reason == "invalid_citation"
        retrieved = _distinct_sources(out)
        gold = set(item.gold_docs)
        if gold:
            top5 = retrieved[:5]
            self.recalls.append(len(gold & set(top5)) / len(gold))
            rank = next((r for r, s in enumerate(top5, start=1) if s in gold), None)
            self.ranks.append(1 / rank if rank else 0.0)
            self.hits1.append(bool(retrieved[:1]) and retrieved[0] in gold)
            self.hits5.append(rank is not None)
        cited = _cited_sources(out)
        base = {"question": item.question, "expected": item.expect_tool, "got": got, "cited": cited,
                "gold": list(item.gold_docs), "top_retrieved": retrieved[:3],
                "score": round(out.passages[0].score, 3) if out.passages else 0.0}
        if item.expect_tool == ANSWER:
            self.answerable += 1
            if got == ANSWER:
                if gold & set(cited):
                    self.grounded += 1
                else:
                    self.wrong_cite += 1
                    self.mistakes.append({**base, "kind": "wrong_cite"})
            else:
                self.mistakes.append({**base, "kind": "missed_answer"})
        else:
            self.unanswerable += 1
            if got == ANSWER:
                self.false_answer += 1
                self.mistakes.append({**base, "kind": "false_answer"})
            elif got != item.expect_tool:
                self.mistakes.append({**base, "kind": "wrong_tool"})

    def finish(self, n: int) -> EvalReport:
        report = EvalReport(n=n, downgrades=self.downgrades, mistakes=self.mistakes)
        report.tool_accuracy = _rate(sum(self.confusion[t][t] for t in TOOL_NAMES), n)
        report.recall_at_5 = round(statistics.fmean(self.recalls), 4) if self.recalls else 0.0
        report.mrr = round(statistics.fmean(self.ranks), 4) if self.ranks else 0.0
        report.hit_at_1 = _rate(sum(self.hits1), len(self.hits1))
        report.hit_at_5 = _rate(sum(self.hits5), len(self.hits5))
        report.grounded = _rate(self.grounded, self.answerable)
        report.wrong_cite = _rate(self.wrong_cite, self.answerable)
        report.false_answer = _rate(self.false_answer, self.unanswerable)
        shown = self.grounded + self.wrong_cite
        report.answer_precision = _rate(self.grounded, shown) if shown else 1.0
        report.citation_valid_rate = round(1 - self.invalid / self.answer_attempts, 4) if self.answer_attempts else 1.0
        report.p50_ms = percentile(self.latencies, 50)
        report.p95_ms = percentile(self.latencies, 95)
        report.confusion = {t: dict(self.confusion[t]) for t in TOOL_NAMES}
        return report


def run_eval(answerer: Answerer, questions: list[Labelled]) -> EvalReport:
    tally = _Tally()
    for i, item in enumerate(questions, start=1):
        # A conversation's earlier questions are asked first in the same session; only the last is scored.
        for n, earlier in enumerate(item.history, start=1):
            answerer.run(TurnRequest(f"eval-{i}", f"eval-conn-{i}", f"t{n}", n, earlier))
        n = len(item.history) + 1
        tally.add(item, answerer.run(TurnRequest(f"eval-{i}", f"eval-conn-{i}", f"t{n}", n, item.question)))
    return tally.finish(len(questions))


def _rate(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    k = (len(ordered) - 1) * pct / 100
    lo = int(k)
    hi = min(int(k) + 1, len(ordered) - 1)
    return round(ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo), 2)


_KIND_TITLES = {
    "wrong_cite": "answered citing the wrong doc",
    "false_answer": "answered what should have been declined, clarified or handed off",
    "missed_answer": "did not answer an answerable question",
    "wrong_tool": "chose another non-answer tool",
}


def format_report(report: EvalReport) -> str:
    lines = [f"{k:>20}: {v}" for k, v in report.summary().items()]
    lines.append("\nconfusion (rows: expected, columns: got)")
    lines.append(" " * 10 + "".join(f"{t:>10}" for t in TOOL_NAMES))
    for t in TOOL_NAMES:
        lines.append(f"{t:>10}" + "".join(f"{report.confusion[t].get(g, 0):>10}" for g in TOOL_NAMES))
    for kind, title in _KIND_TITLES.items():
        found = [m for m in report.mistakes if m["kind"] == kind]
        if not found:
            continue
        # Worst first: a wrong answer given with high retrieval confidence misleads the most.
        found.sort(key=lambda m: -m["score"])
        lines.append(f"\n{len(found)} {title}:")
        for m in found[:WORST_SHOWN]:
            lines.append(f"  [{m['expected']} → {m['got']}, score {m['score']}] {m['question']}")
            if m["cited"] or m["gold"]:
                lines.append(f"      cited: {', '.join(m['cited']) or '-'}   gold: {', '.join(m['gold']) or '-'}")
    return "\n".join(lines)
