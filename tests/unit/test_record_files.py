"""The local JSON Lines tables: appends survive a line cut short by a crash."""

from __future__ import annotations

from pathlib import Path

from assistant_core.answering.ports import GapRecord
from assistant_core.local.record_files import JsonlRecords


def gap(turn: str) -> GapRecord:
    return GapRecord("2026-W47", "2026-11-18T09:30:00.000Z", turn, "s1", "Do you ship to Norway?", "", "decline",
                     "not_in_knowledge", [{"id": "p1", "title": "Shipping", "source": "shipping.md", "score": 0.2}])


def test_gaps_round_trip_by_week(tmp_path: Path) -> None:
    records = JsonlRecords(tmp_path)
    records.record(gap("t1"))
    records.record(gap("t2"))
    assert [g.turn_id for g in records.gaps("2026-W47")] == ["t1", "t2"]
    assert list(records.gaps("2026-W48")) == []


def test_a_torn_last_line_loses_only_itself(tmp_path: Path) -> None:
    records = JsonlRecords(tmp_path)
    records.record(gap("t1"))
    with records.gaps_path.open("a", encoding="utf-8") as f:
        f.write('{"week_iso": "2026-W47", "turn_')  # the process died mid-write
    records.record(gap("t3"))
    assert [g.turn_id for g in records.gaps()] == ["t1", "t3"]
