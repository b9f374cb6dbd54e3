"""`assistant gaps` over a seeded records/gaps.jsonl, as a site owner would run it after `assistant serve`."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from assistant_core.cli.main import main
from assistant_core.clock import SystemClock, week_iso
from assistant_core.gaps.grouping import group_gaps
from assistant_core.gaps.render import render_markdown
from assistant_core.local.record_files import JsonlRecords
from tests.fakes.gaps_seed import EXPECTED, WEEK, seeded_week

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def state(tmp_path: Path) -> Path:
    records = JsonlRecords(tmp_path / "records")
    for record in seeded_week():
        records.record(record)
    with records.gaps_path.open("a", encoding="utf-8") as f:
        f.write('{"week_iso": "2026-W47", "question": "cut sho\n')  # a line a crash left unfinished
    return tmp_path


def run(*args: str) -> tuple[int, str, str]:
    proc = subprocess.run(
        [sys.executable, "-m", "assistant_core.cli.main", "gaps", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return proc.returncode, proc.stdout, proc.stderr


def test_gaps_prints_the_weeks_groups_largest_first(state: Path) -> None:
    code, out, err = run("--week", WEEK, "--state-dir", str(state))
    assert code == 0, err
    assert out == render_markdown(group_gaps(seeded_week(), WEEK))
    sections = [line for line in out.splitlines() if line.startswith("## ")]
    assert [s.split(". ", 1)[1].rsplit(" — ", 1)[0] for s in sections] == [q for q, _ in EXPECTED]


def test_gaps_csv(state: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["gaps", "--week", WEEK, "--state-dir", str(state), "--csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(r["question"], int(r["count"])) for r in rows] == EXPECTED


def test_gaps_defaults_to_the_current_week(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    now = SystemClock().now_iso()
    records = JsonlRecords(tmp_path / "records")
    records.record(replace(seeded_week()[0], week_iso=week_iso(now), created_at=now, question="Do you take Bitcoin?"))
    records.record(replace(seeded_week()[1], week_iso="2020-W01", created_at="2020-01-01T10:00:00.000Z"))
    assert main(["gaps", "--state-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert f"({week_iso(now)})" in out and "Do you take Bitcoin?" in out and "cancel" not in out


def test_a_week_without_gaps_says_so(state: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["gaps", "--week", "2026-W01", "--state-dir", str(state)]) == 0
    assert "No gaps this week" in capsys.readouterr().out


def test_no_records_yet_is_not_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["gaps", "--state-dir", str(tmp_path)]) == 0
    assert capsys.readouterr().out.startswith("no gaps recorded yet")


def test_a_malformed_week_is_one_line_and_exit_2(state: Path) -> None:
    code, out, err = run("--week", "2026-47", "--state-dir", str(state))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("assistant: week '2026-47' is not an ISO week")
