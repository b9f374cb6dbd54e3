"""What one sync run did, for people (``summary()``), logs (``as_dict()``) and alarms (``metrics()``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Skip:
    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass
class SyncReport:
    mode: str = "incremental"  # "full" or "incremental" (the last phase that ran)
    dry_run: bool = False
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)  # renamed or moved: only the sidecar changed
    deleted: list[str] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    retrying: list[Skip] = field(default_factory=list)  # transient failures, retried next tick
    warnings: list[str] = field(default_factory=list)
    error: str = ""
    ingestion: str = ""
    incomplete: bool = False  # stopped early (deadline); the next run continues
    job_id: str = ""  # the ingestion job this run started, if any
    watch: str = ""  # Drive push channel after this run: "kept", "renewed" ("" when push is off)
    failure: Exception | None = field(default=None, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return not self.error

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.moved or self.deleted)

    def summary(self) -> str:
        head = f"{self.mode} sync{' (dry run: nothing written)' if self.dry_run else ''}: " + ", ".join(
            [
                f"{len(self.added)} added",
                f"{len(self.updated)} updated",
                f"{len(self.moved)} renamed/moved",
                f"{len(self.deleted)} deleted",
                f"{len(self.skipped)} skipped",
            ]
        )
        lines = [head]
        lines += [f"  + {p}" for p in self.added]
        lines += [f"  ~ {p}" for p in self.updated]
        lines += [f"  > {p}" for p in self.moved]
        lines += [f"  - {p}" for p in self.deleted]
        lines += [f"  ! skipped {s}" for s in self.skipped]
        lines += [f"  ? will retry {s}" for s in self.retrying]
        lines += [f"  warning: {w}" for w in self.warnings]
        if self.incomplete:
            lines.append("  stopped early to stay within the time limit; the next run continues")
        if self.ingestion:
            lines.append(f"  ingestion: {self.ingestion}")
        if self.error:
            lines.append(f"  FAILED: {self.error}")
        return "\n".join(lines)

    def metrics(self) -> dict[str, int]:
        """The run's counts for the EMF line fn-kb-sync prints (names watched by the alarms in infra/)."""
        return {
            "KbDocsAdded": len(self.added),
            "KbDocsUpdated": len(self.updated) + len(self.moved),
            "KbDocsDeleted": len(self.deleted),
            "KbDocsSkipped": len(self.skipped),
            "KbSyncFailed": 0 if self.ok else 1,
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "mode": self.mode,
            "dry_run": self.dry_run,
            "added": list(self.added),
            "updated": list(self.updated),
            "moved": list(self.moved),
            "deleted": list(self.deleted),
            "skipped": [str(s) for s in self.skipped],
            "retrying": [str(s) for s in self.retrying],
            "warnings": list(self.warnings),
            "watch": self.watch,
            "incomplete": self.incomplete,
            "ingestion": self.ingestion,
            "job_id": self.job_id,
            "error": self.error,
        }
