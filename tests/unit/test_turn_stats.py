"""`assistant stats`: counts, percentiles and token totals over recorded turns."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import pytest

from assistant_core.cli.main import main
from assistant_core.local.record_files import JsonlRecords
from assistant_core.observability.turn_stats import format_stats, percentile, summarize

from .test_turn_metrics import record


def test_percentiles_are_nearest_rank_observed_values() -> None:
    values = list(range(1, 101))
    assert (percentile(values, 50), percentile(values, 95), percentile(values, 100)) == (50, 95, 100)
    assert percentile([7], 95) == 7 and percentile([30, 10, 20], 50) == 20


def rows() -> list[dict]:
    out = []
    for i in range(20):
        lat = {
            "retrieve_ms": 10 + i,
            "first_token_ms": 100 * (i + 1),
            "first_flush_ms": -1 if i < 5 else 150 * i,
            "total_ms": 1000 + i,
        }
        tool, reason = (
            ("answer", "")
            if i < 12
            else ("clarify", "")
            if i < 14
            else ("hand_off", "")
            if i < 16
            else ("hand_off", "model_error" if i < 19 else "invalid_citation")
        )
        out.append(
            asdict(
                record(
                    turn_index=i,
                    tool=tool,
                    downgrade_reason=reason,
                    latencies=lat,
                    created_at=f"2026-11-20T10:00:{i:02d}.000Z",
                )
            )
        )
    return out


def test_summary_counts_outcomes_downgrades_latencies_and_tokens() -> None:
    stats = summarize([*rows(), "not a row", {"tool": "decline", "latencies": "bad", "usage": None}])  # type: ignore[list-item]
    assert stats.turns == 21
    assert stats.outcomes == {"answer": 12, "clarify": 2, "hand_off": 2, "decline": 1, "downgrade": 4}
    assert stats.downgrades == {"model_error": 3, "invalid_citation": 1}
    assert stats.latencies["first_token_ms"] == {"n": 20, "p50": 1000, "p95": 1900, "max": 2000}
    assert stats.latencies["first_flush_ms"]["n"] == 15  # turns that never flushed are not zeros
    assert stats.tokens == {"input_tokens": 900 * 20, "output_tokens": 40 * 20}
    assert (stats.first, stats.last) == ("2026-11-20T10:00:00.000Z", "2026-11-20T10:00:19.000Z")
    text = format_stats(stats)
    assert "21 turns" in text and "model_error" in text and "first_token_ms" in text
    assert format_stats(summarize([])) == "no turns recorded yet"


def test_stats_command_reads_the_local_stacks_records(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stats", "--state-dir", str(tmp_path)]) == 0
    assert capsys.readouterr().out.strip() == "no turns recorded yet"
    records = JsonlRecords(tmp_path / "records")
    for i in range(3):
        records.save_turn(record(turn_index=i, tool="answer" if i else "decline"))
    with records.transcripts_path.open("a") as f:
        f.write('{"cut short by a cra')  # a crash mid-line loses that line only
    assert main(["stats", "--state-dir", str(tmp_path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["turns"] == 3 and out["outcomes"]["answer"] == 2 and out["outcomes"]["decline"] == 1
    assert out["latencies"]["total_ms"] == {"n": 3, "p50": 2100, "p95": 2100, "max": 2100}
    assert main(["stats", "--state-dir", str(tmp_path)]) == 0
    assert "3 turns" in capsys.readouterr().out


def test_stats_show_the_helpful_rate_counting_each_turns_last_rating(tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    from assistant_core.conversation.ports import Feedback

    records = JsonlRecords(tmp_path / "records")
    for i in range(1, 4):
        records.save_turn(record(turn_index=i, tool="answer"))
    for session, turn, rating in (("s1", "t1", "down"), ("s1", "t1", "up"), ("s1", "t2", "up"), ("s2", "t1", "down")):
        records.rated(Feedback(session, int(turn[1:]), turn, rating, "", "2026-12-03T10:00:00.000Z"))
    assert main(["stats", "--state-dir", str(tmp_path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["rated"] == {"up": 2, "down": 1} and out["helpful_rate"] == round(2 / 3, 4)
    assert main(["stats", "--state-dir", str(tmp_path)]) == 0
    assert "rated answers: 2 helpful, 1 unhelpful (helpful rate 66.7%)" in capsys.readouterr().out
