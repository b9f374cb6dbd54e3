"""`assistant ask/index/eval` end to end, as a site owner would run them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REPLAY = ROOT / "tests" / "fixtures" / "replay"
DOCS = ROOT / "examples" / "help-center"
RETURNS_DOCS = ROOT / "tests" / "fixtures" / "support-docs"  # one doc: p1 is always its passage


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "assistant_core.cli.main", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def frames(proc: subprocess.CompletedProcess[str]) -> list[dict]:
    assert proc.returncode == 0, proc.stderr
    return [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]


def test_ask_json_streams_deltas_then_a_cited_answer() -> None:
    out = frames(run("ask", "How do I reset my password?", "--json", "--docs", str(DOCS)))
    kinds = [f["type"] for f in out]
    assert kinds[0] == "ack" and kinds[-1] == "answer" and "delta" in kinds
    final = out[-1]
    assert "".join(f["text"] for f in out if f["type"] == "delta") == final["text"]
    assert final["citations"] and all(c["url"].startswith("https://") for c in final["citations"])


def test_ask_plain_prints_answer_and_sources() -> None:
    proc = run("ask", "How do I reset my password?", "--docs", str(DOCS))
    assert proc.returncode == 0, proc.stderr
    assert "[p1]" in proc.stdout or "[p2]" in proc.stdout


def test_ask_replay_clean_answer() -> None:
    out = frames(run("ask", "Can I return something?", "--json", "--docs", str(RETURNS_DOCS),
                     "--model", f"replay:{REPLAY / 'answer_ok.jsonl'}"))
    assert out[-1]["type"] == "answer" and out[-1]["citations"][0]["id"] == "p1"


@pytest.mark.parametrize(
    ("fixture", "retracted"),
    [
        ("forged_citation", False),
        ("two_tools", False),
        ("no_tool", False),
        ("unknown_tool", False),
        ("cut_mid_json", True),
        ("schema_after_flush", True),
        ("max_tokens", True),
        ("error_mid_stream", True),
    ],
)
def test_ask_replay_downgrades_to_hand_off(fixture: str, retracted: bool) -> None:
    out = frames(run("ask", "Can I return something?", "--json", "--docs", str(RETURNS_DOCS),
                     "--model", f"replay:{REPLAY / (fixture + '.jsonl')}"))
    kinds = [f["type"] for f in out]
    assert kinds[-1] == "handoff" and "answer" not in kinds
    assert ("retract" in kinds) is retracted
    if not retracted:
        assert "delta" not in kinds
    if fixture == "forged_citation":
        assert "FORGED" not in json.dumps(out)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ask", "   "], "empty"),
        (["ask", "x" * 1001], "longer than 1000"),
        (["ask", "hello\x07there"], "control characters"),
        (["ask", "hi", "--model", f"replay:{REPLAY / 'malformed.jsonl'}"], "line 2"),
        (["ask", "hi", "--model", "replay:/no/such/file.jsonl"], "cannot read replay file"),
        (["ask", "hi", "--model", "gpt-9"], "unknown --model"),
        (["ask", "hi", "--docs", "/no/such/folder"], "docs folder not found"),
    ],
)
def test_bad_input_gets_one_clear_message_and_exit_2(args: list[str], message: str) -> None:
    proc = run(*args)
    assert proc.returncode == 2
    assert message in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_empty_folder_and_unreadable_docs(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    proc = run("index", str(empty))
    assert proc.returncode == 2 and "no readable" in proc.stderr and "Traceback" not in proc.stderr

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "good.md").write_text("---\ntitle: Opening hours\n---\n## Hours\nWe open at 9am on weekdays.\n")
    (docs / "blob.md").write_bytes(b"\x00\x01\x02binary")
    (docs / "latin1.txt").write_bytes("caf\xe9 menu".encode("latin-1"))
    proc = run("index", str(docs))
    assert proc.returncode == 0, proc.stderr
    assert "1 documents" in proc.stdout and "2 skipped" in proc.stdout
    assert "blob.md: binary file" in proc.stdout and "latin1.txt: not UTF-8" in proc.stdout
    again = run("index", str(docs))
    assert "up to date" in again.stdout
    (docs / "more.md").write_text("# Parking\nFree parking behind the shop.\n")
    assert "rebuilt: 2 documents" in run("index", str(docs)).stdout
    out = frames(run("ask", "When do you open?", "--json", "--docs", str(docs)))
    assert out[-1]["type"] == "answer" and "9am" in out[-1]["text"]


# Floors measured with the offline model (extractive + hybrid index) when its thresholds were fitted on
# office-help (bench/fit_decisions.py) and reported on the sample: a change that answers more wrongly,
# answers what it should not, or retrieves worse fails here. Measured: sample 1.0 / 0.574 / 0.079 / 0.958,
# office-help 0.964 / 0.367 / 0.098 / 0.914 (answer_precision / grounded / false_answer / hit_at_5).
# Follow-ups (two-turn conversations on the sample, only the second turn scored), measured when retrieval
# took the previous turn as context: 0.963 / 0.867 / 0.0 / 1.0 (without the context: 0.692 / 0.30 / 0.0 / 0.83).
EVAL_FLOORS = {
    "sample": (DOCS, ROOT / "examples" / "questions.jsonl", 0.97, 0.55, 0.10, 0.94, 99),
    "office-help": (ROOT / "examples/office-help/docs", ROOT / "examples/office-help/questions.jsonl",
                    0.94, 0.34, 0.12, 0.89, 150),
    "follow-ups": (DOCS, ROOT / "examples" / "followups.jsonl", 0.93, 0.80, 0.10, 0.95, 30),
}


@pytest.mark.parametrize("name", sorted(EVAL_FLOORS))
def test_eval_json_reports_every_metric_above_its_measured_floor(name: str) -> None:
    docs, questions, precision, grounded, false_answer, hit_at_5, at_least = EVAL_FLOORS[name]
    proc = run("eval", "--docs", str(docs), "--questions", str(questions), "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert {"n", "recall_at_5", "mrr", "hit_at_1", "hit_at_5", "tool_accuracy", "grounded", "wrong_cite",
            "false_answer", "answer_precision", "citation_valid_rate", "downgrades", "p50_ms", "p95_ms",
            "confusion", "mistakes"} == set(report)
    assert report["n"] >= at_least
    assert report["answer_precision"] >= precision and report["grounded"] >= grounded
    assert report["false_answer"] <= false_answer and report["hit_at_5"] >= hit_at_5
    # The extractive model copies sentences: the support gate must never block one of its answers.
    assert report["citation_valid_rate"] == 1.0 and report["downgrades"] == 0


def test_sync_from_a_plain_folder_then_answer_from_the_new_doc(tmp_path: Path) -> None:
    src, docs = tmp_path / "writers", tmp_path / "docs"
    (src / "store").mkdir(parents=True)
    (src / "store" / "hours.md").write_text("---\ntitle: Opening hours\n---\n## Weekdays\nWe open at 9am sharp.\n")
    proc = run("sync", "--from", str(src), "--docs", str(docs))
    assert proc.returncode == 0, proc.stderr
    assert "1 added" in proc.stdout
    out = frames(run("ask", "When do you open?", "--json", "--docs", str(docs)))
    assert out[-1]["type"] == "answer" and "9am" in out[-1]["text"]
    assert run("sync", "--from", str(tmp_path / "missing"), "--docs", str(docs)).returncode == 2


def test_publish_an_index_version_then_answer_from_it(tmp_path: Path) -> None:
    docs, index = tmp_path / "docs", tmp_path / "index"
    docs.mkdir()
    (docs / "rates.md").write_text("url: https://shop.example/rates\n# Rates\n\nStandard shipping costs $5.\n", "utf-8")
    (docs / "returns.md").write_text("# Returns\n\nReturn unworn items within 30 days.\n", "utf-8")
    first = run("index", str(docs), "--publish", str(index))
    assert first.returncode == 0, first.stderr
    assert "2 documents" in first.stdout and "2 embedded" in first.stdout
    out = frames(run("ask", "How much does standard shipping cost?", "--json", "--kb", f"index:{index}"))
    assert "$5" in out[-1]["text"] and out[-1]["citations"][0]["url"] == "https://shop.example/rates"
    (docs / "rates.md").write_text("# Rates\n\nStandard shipping costs $6.\n", "utf-8")
    again = run("index", str(docs), "--publish", str(index))
    assert again.returncode == 0 and "1 fetched" in again.stdout, again.stdout + again.stderr
    out = frames(run("ask", "How much does standard shipping cost?", "--json", "--kb", f"index:{index}"))
    assert "$6" in out[-1]["text"] and out[-1]["citations"][0]["url"] == ""  # its url: line is gone
