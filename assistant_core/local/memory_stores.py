"""In-memory adapters for the CLI and eval: transcripts, gaps, handoffs, and a collecting poster."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import asdict
from typing import Any

from ..answering.ports import GapRecord, HandoffRequest, HistoryTurn, TurnRecord
from ..errors import ConnectionGone


class MemoryTranscripts:
    """TranscriptStore and History in one: recent turns come from the saved records."""

    def __init__(self) -> None:
        self.records: dict[str, list[TurnRecord]] = defaultdict(list)

    def save_turn(self, record: TurnRecord) -> None:
        self.records[record.session_id].append(record)

    def recent_turns(self, session_id: str, limit: int) -> list[HistoryTurn]:
        turns = self.records.get(session_id, [])[-limit:] if limit else []
        return [HistoryTurn.from_record(asdict(r)) for r in turns if not r.visitor_gone]


class MemoryGaps:
    def __init__(self) -> None:
        self.gaps: list[GapRecord] = []

    def record(self, gap: GapRecord) -> None:
        self.gaps.append(gap)


class MemoryHandoffs:
    def __init__(self) -> None:
        self.requests: list[HandoffRequest] = []

    def request(self, handoff: HandoffRequest) -> None:
        self.requests.append(handoff)


class CollectingPoster:
    """Keeps every frame; calls ``on_frame`` as each arrives; can pretend the visitor left."""

    def __init__(self, on_frame: Callable[[dict[str, Any]], None] | None = None, gone_after: int | None = None):
        self.frames: list[dict[str, Any]] = []
        self._on_frame = on_frame
        self._gone_after = gone_after

    def post(self, connection_id: str, frame: Mapping[str, Any]) -> None:
        if self._gone_after is not None and len(self.frames) >= self._gone_after:
            raise ConnectionGone(connection_id)
        self.frames.append(dict(frame))
        if self._on_frame:
            self._on_frame(dict(frame))
