"""``assistant eval``: every labelled question through the full answerer, scored."""

from __future__ import annotations

import json
import statistics
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant_core.answering.answerer import Answerer, TurnRequest
from assistant_core.answering.tool_schemas import ANSWER, TOOL_NAMES
from assistant_core.errors import BadInput

TOOLS = set(TOOL_NAMES)


@dataclass(frozen=True)
class Labelled:
    question: str
    expect_tool: str
    gold_docs: tuple[str, ...]


@dataclass
class EvalReport:
    n: int = 0
    recall_at_5: float = 0.0
    mrr: float = 0.0
    tool_accuracy: float = 0.0
    citation_valid_rate: float = 1.0
    downgrades: int = 0
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    confusion: dict[str, dict[str, int]] = field(default_factory=dict)
    mistakes: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        keys = ("n", "recall_at_5", "mrr", "tool_accuracy", "citation_valid_rate", "downgrades", "p50_ms", "p95_ms")
        return {k: getattr(self, k) for k in keys}


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
            q, tool, gold = obj["question"], obj["expect_tool"], obj.get("gold_docs", [])
        except (ValueError, KeyError, TypeError) as e:
            raise BadInput(f"{path}: line {n}: expected {{question, expect_tool, gold_docs}} ({e})") from e
        if tool not in TOOLS or not isinstance(q, str) or not isinstance(gold, list):
            raise BadInput(f"{path}: line {n}: bad question, expect_tool or gold_docs")
        out.append(Labelled(q, tool, tuple(gold)))
    if not out:
        raise BadInput(f"{path}: no questions")
    return out


def run_eval(answerer: Answerer, questions: list[Labelled]) -> EvalReport:
    report = EvalReport(n=len(questions))
    confusion: dict[str, Counter[str]] = {t: Counter() for t in TOOL_NAMES}
    recalls, ranks, latencies = [], [], []
    answer_attempts = invalid = 0
    for i, item in enumerate(questions, start=1):
        out = answerer.run(TurnRequest(f"eval-{i}", f"eval-conn-{i}", "t1", 1, item.question))
        got = out.result.tool
        confusion[item.expect_tool][got] += 1
        latencies.append(out.record.latencies["total_ms"])
        if out.result.downgraded:
            report.downgrades += 1
        if out.result.model_tool == ANSWER:
            answer_attempts += 1
            invalid += out.result.downgrade_reason == "invalid_citation"
        if item.gold_docs:
            sources = [p.source for p in out.passages[:5]]
            recalls.append(len(set(item.gold_docs) & set(sources)) / len(set(item.gold_docs)))
            rank = next((r for r, s in enumerate(sources, start=1) if s in item.gold_docs), None)
            ranks.append(1 / rank if rank else 0.0)
        if got != item.expect_tool:
            report.mistakes.append({"question": item.question, "expected": item.expect_tool, "got": got})
    correct = sum(confusion[t][t] for t in TOOL_NAMES)
    report.tool_accuracy = round(correct / len(questions), 4)
    report.recall_at_5 = round(statistics.fmean(recalls), 4) if recalls else 0.0
    report.mrr = round(statistics.fmean(ranks), 4) if ranks else 0.0
    report.citation_valid_rate = round(1 - invalid / answer_attempts, 4) if answer_attempts else 1.0
    report.p50_ms, report.p95_ms = _percentile(latencies, 50), _percentile(latencies, 95)
    report.confusion = {t: dict(confusion[t]) for t in TOOL_NAMES}
    return report


def _percentile(values: list[float], pct: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    k = (len(ordered) - 1) * pct / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return round(ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo), 2)


def format_report(report: EvalReport) -> str:
    lines = [f"{k:>20}: {v}" for k, v in report.summary().items()]
    lines.append("\nconfusion (rows: expected, columns: got)")
    lines.append(" " * 10 + "".join(f"{t:>10}" for t in TOOL_NAMES))
    for t in TOOL_NAMES:
        lines.append(f"{t:>10}" + "".join(f"{report.confusion[t].get(g, 0):>10}" for g in TOOL_NAMES))
    if report.mistakes:
        lines.append(f"\n{len(report.mistakes)} wrong tool choices, e.g.:")
        lines += [f"  [{m['expected']} → {m['got']}] {m['question']}" for m in report.mistakes[:10]]
    return "\n".join(lines)
