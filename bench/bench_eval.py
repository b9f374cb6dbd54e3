"""`assistant eval` on the sample help centre: every metric, as the CLI reports it."""

from __future__ import annotations

from assistant_core.cli.main import main

if __name__ == "__main__":
    raise SystemExit(main(["eval", "--docs", "examples/help-center", "--questions", "examples/questions.jsonl"]))
