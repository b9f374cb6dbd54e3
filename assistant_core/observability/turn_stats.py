"""``assistant stats``: the per-turn metrics of production (turn_metrics.py), over local transcripts.

Counts by outcome (the same classification the EMF metrics use), downgrades by reason, latency
percentiles (nearest rank, turns that never reached a point are left out) and token totals.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from assistant_core.observability.turn_metrics import OUTCOMES, outcome_of

LATENCY_KEYS = ("retrieve_ms", "first_token_ms", "first_flush_ms", "total_ms")
TOKEN_KEYS = ("input_tokens", "output_tokens")


def percentile(values: list[int], q: float) -> int:
    """Nearest-rank percentile of a non-empty list (an observed value, never an interpolation)."""
    ordered = sorted(values)
    return ordered[max(1, math.ceil(q / 100 * len(ordered))) - 1]


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


@dataclass
class TurnStats:
    turns: int = 0
    outcomes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))
    downgrades: dict[str, int] = field(default_factory=dict)
    latencies: dict[str, dict[str, int]] = field(default_factory=dict)  # key -> n, p50, p95, max
    tokens: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TOKEN_KEYS, 0))
    first: str = ""
    last: str = ""
    rated: dict[str, int] = field(default_factory=lambda: {"up": 0, "down": 0})  # each turn's last rating

    @property
    def helpful_rate(self) -> float | None:
        """Share of rated answers rated 👍 (``None`` before any rating)."""
        total = self.rated["up"] + self.rated["down"]
        return round(self.rated["up"] / total, 4) if total else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "rated": self.rated,
            "helpful_rate": self.helpful_rate,
            "turns": self.turns,
            "outcomes": self.outcomes,
            "downgrades": self.downgrades,
            "latencies": self.latencies,
            "tokens": self.tokens,
            "first": self.first,
            "last": self.last,
        }


def summarize(rows: Iterable[Mapping[str, Any]], ratings: Iterable[Mapping[str, Any]] = ()) -> TurnStats:
    """The turns' outcomes, latencies and tokens; ``ratings`` (feedback rows, oldest first) give the helpful
    rate, counting each turn's last rating once."""
    stats = TurnStats()
    last: dict[tuple[str, str], str] = {}
    for rating in ratings:
        if isinstance(rating, Mapping) and rating.get("rating") in ("up", "down"):
            last[(str(rating.get("session_id")), str(rating.get("turn_id")))] = str(rating["rating"])
    for value in last.values():
        stats.rated[value] += 1
    reasons = Counter[str]()
    samples = {k: [] for k in LATENCY_KEYS}
    stamps: list[str] = []
    for row in rows:
        if not isinstance(row, Mapping):
            continue
        stats.turns += 1
        reason = str(row.get("downgrade_reason") or "")
        kind = outcome_of(str(row.get("tool") or "unknown"), reason)
        stats.outcomes[kind] = stats.outcomes.get(kind, 0) + 1
        if reason:
            reasons[reason] += 1
        latencies = row.get("latencies") if isinstance(row.get("latencies"), Mapping) else {}
        for key in LATENCY_KEYS:
            if (v := _count(latencies.get(key))) is not None:
                samples[key].append(v)
        usage = row.get("usage") if isinstance(row.get("usage"), Mapping) else {}
        for key in TOKEN_KEYS:
            stats.tokens[key] += _count(usage.get(key)) or 0
        if isinstance(row.get("created_at"), str):
            stamps.append(row["created_at"])
    stats.downgrades = dict(reasons.most_common())
    stats.latencies = {
        k: {"n": len(v), "p50": percentile(v, 50), "p95": percentile(v, 95), "max": max(v)}
        for k, v in samples.items()
        if v
    }
    if stamps:
        stats.first = min(stamps)
        stats.last = max(stamps)
    return stats


def format_stats(stats: TurnStats) -> str:
    if not stats.turns:
        return "no turns recorded yet"
    lines = [
        f"{stats.turns} turns" + (f" from {stats.first} to {stats.last}" if stats.first else ""),
        "",
        "outcome         turns    share",
    ]
    for kind, n in stats.outcomes.items():
        lines.append(f"  {kind:<13} {n:>5}   {n / stats.turns:>6.1%}")
    if stats.downgrades:
        lines += ["", "downgrades by reason"]
        lines += [f"  {reason:<24} {n:>5}" for reason, n in stats.downgrades.items()]
    lines += ["", "latency (ms)        n      p50      p95      max"]
    for key in LATENCY_KEYS:
        got = stats.latencies.get(key)
        lines.append(
            f"  {key:<14} {got['n']:>5} {got['p50']:>8} {got['p95']:>8} {got['max']:>8}"
            if got
            else f"  {key:<14}     0        -        -        -"
        )
    lines += ["", f"tokens: {stats.tokens['input_tokens']} in, {stats.tokens['output_tokens']} out"]
    if stats.helpful_rate is not None:
        lines += [f"rated answers: {stats.rated['up']} helpful, {stats.rated['down']} unhelpful "
                  f"(helpful rate {stats.helpful_rate:.1%})"]
    return "\n".join(lines)
