"""The fn-archive run: UTC days of tbl-transcripts to S3 (layout and guarantees: export.py).

``{}`` (the schedule) looks at today and the CATCH_UP_DAYS days before it and exports each day that
has no manifest, has gained turns since, or has ended since its last (``open``) export;
``{"day": "2026-11-20"}`` exports that day again. A day is never rewritten with fewer turns than its
manifest lists: the archive only grows.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from assistant_core.archive.export import COMPLETE, build_export, listed_records, manifest_key, parse_day, window
from assistant_core.archive.ports import ArchiveBucket, DayTurns
from assistant_core.errors import AssistantError, BadInput, StorageError
from assistant_core.ports import Clock

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DayResult:
    day: str
    status: str  # exported | unchanged | kept | failed
    records: int = 0
    parts: int = 0
    error: str = ""


@dataclass
class ArchiveReport:
    days: list[DayResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(d.status != "failed" for d in self.days)

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "days": [asdict(d) for d in self.days]}

    def raise_if_failed(self) -> None:
        """A failed day must fail the invocation: Lambda retries it and the Errors alarm fires."""
        failed = [f"{d.day}: {d.error}" for d in self.days if d.status == "failed"]
        if failed:
            raise StorageError("archive incomplete: " + "; ".join(failed))


class TranscriptArchiver:
    def __init__(self, turns: DayTurns, bucket: ArchiveBucket, clock: Clock) -> None:
        self.turns = turns
        self.bucket = bucket
        self.clock = clock

    def run(self, payload: Mapping[str, Any] | None) -> ArchiveReport:
        """Raises ``BadInput`` for a bad ``day``; store failures are reported per day, not raised."""
        today = date.fromisoformat(self.clock.now_iso()[:10])
        payload = payload or {}
        if not isinstance(payload, Mapping):
            raise BadInput(f"the event must be an object, got {type(payload).__name__}")
        if payload.get("day") is not None:
            days = [parse_day(payload["day"], today)]
            forced = True
        else:
            days = window(today)
            forced = False
        report = ArchiveReport()
        for day in days:  # one bad day must not keep the others from being exported
            try:
                report.days.append(self.export_day(day, today=today.isoformat(), forced=forced))
            except AssistantError as e:
                log.error("archive of %s failed: %s", day, e)
                report.days.append(DayResult(day, "failed", error=str(e)))
        return report

    def export_day(self, day: str, *, today: str, forced: bool = False) -> DayResult:
        open_day = day >= today  # still running: more turns will come
        manifest = self.bucket.read_json(manifest_key(day))
        listed = listed_records(manifest)
        if manifest is not None and listed is not None:
            live = self.turns.count(day)
            parts = len(manifest.get("parts", []))
            if live < listed:  # only TTL deletes, and only long after the window: say so, keep the archive
                log.warning("%s: DynamoDB holds %d turns, the archive %d; keeping the archive", day, live, listed)
                return DayResult(day, "kept", listed, parts)
            settled = manifest.get("status") == COMPLETE or open_day  # else: a last export, now it has ended
            if live == listed and settled and not forced:
                return DayResult(day, "unchanged", listed, parts)
        export = build_export(day, self.turns.turns(day), exported_at=self.clock.now_iso(), open_day=open_day)
        for key, body in export.parts:
            self.bucket.put(key, body, "application/gzip")
        self.bucket.put(manifest_key(day), export.manifest_bytes(), "application/json")  # last: the parts are whole
        log.info("%s: exported %d turns in %d parts", day, export.records, len(export.parts))
        return DayResult(day, "exported", export.records, len(export.parts))
