"""Local tables as JSON Lines files, so `assistant gaps` and `assistant stats` work after the server stops.

The local stack keeps DynamoDB in moto's memory; these files mirror what the answerer writes there
(`transcripts.jsonl`, `gaps.jsonl` under ``<state dir>/records``). Appends are one line each, under a
lock, so concurrent turns never interleave.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

from ..answering.ports import GapRecord, TurnRecord
from ..conversation.ports import Feedback, RatedTurn
from ..errors import StorageError

TRANSCRIPTS_FILE = "transcripts.jsonl"
GAPS_FILE = "gaps.jsonl"
FEEDBACK_FILE = "feedback.jsonl"


class JsonlRecords:
    """``TranscriptStore`` and ``GapLog`` appending to files; readers for the local reports."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self._lock = threading.Lock()

    @property
    def transcripts_path(self) -> Path:
        return self.directory / TRANSCRIPTS_FILE

    @property
    def gaps_path(self) -> Path:
        return self.directory / GAPS_FILE

    def save_turn(self, record: TurnRecord) -> None:
        self._append(self.transcripts_path, asdict(record))

    def record(self, gap: GapRecord) -> None:
        self._append(self.gaps_path, asdict(gap))

    @property
    def feedback_path(self) -> Path:
        return self.directory / FEEDBACK_FILE

    def rated(self, feedback: Feedback) -> None:
        """A rating the primary store accepted (``assistant stats`` reads them)."""
        self._append(self.feedback_path, asdict(feedback))

    def feedback(self) -> Iterator[dict[str, Any]]:
        yield from _read(self.feedback_path)

    def turns(self) -> Iterator[dict[str, Any]]:
        yield from _read(self.transcripts_path)

    def gaps(self, week_iso: str | None = None) -> Iterator[GapRecord]:
        for row in _read(self.gaps_path):
            if week_iso is None or row.get("week_iso") == week_iso:
                yield GapRecord(**{k: row.get(k, "") for k in GapRecord.__dataclass_fields__})

    def _append(self, path: Path, row: dict[str, Any]) -> None:
        line = (json.dumps(row, ensure_ascii=False, default=str) + "\n").encode()
        try:
            with self._lock:
                self.directory.mkdir(parents=True, exist_ok=True)
                with path.open("ab+") as f:  # appends always land at the end; reads may look back
                    if f.seek(0, 2):
                        f.seek(-1, 2)
                        if f.read(1) != b"\n":  # a crash cut the last line short: keep it from swallowing this one
                            line = b"\n" + line
                    f.write(line)
        except OSError as e:
            raise StorageError(f"could not append to {path}: {e}") from e


def _read(path: Path) -> Iterator[dict[str, Any]]:
    if not path.exists():
        return
    with path.open(encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            try:
                yield json.loads(line)
            except ValueError:
                continue  # a line cut short by a crash; the rest of the file is still good


class Mirrored:
    """A primary store (DynamoDB) that answers reads; every turn or gap written also goes to the files."""

    def __init__(self, primary: Any, mirror: JsonlRecords) -> None:
        self.primary = primary
        self.mirror = mirror

    def save_turn(self, record: TurnRecord) -> None:
        self.primary.save_turn(record)
        self.mirror.save_turn(record)

    def record(self, gap: GapRecord) -> None:
        self.primary.record(gap)
        self.mirror.record(gap)

    def rate_turn(self, feedback: Feedback) -> RatedTurn | None:
        rated = self.primary.rate_turn(feedback)
        if rated is not None:
            self.mirror.rated(feedback)
        return rated

    def __getattr__(self, name: str) -> Any:  # recent_turns, the archive's reads, ...
        return getattr(self.primary, name)
