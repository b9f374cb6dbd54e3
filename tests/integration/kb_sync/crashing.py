"""Stand-ins for a process dying mid-sync: in the state store or in the sink."""

from __future__ import annotations

from typing import Any

from kb_sync.model import Document
from kb_sync.state import SyncState


class SimulatedCrash(BaseException):
    """Not an AssistantError: nothing in kb_sync catches it, like the process dying."""


class CrashingStore:
    def __init__(self, inner: Any, crash_on_save: int) -> None:
        self.inner, self.crash_on_save, self.saves = inner, crash_on_save, 0

    def load(self) -> SyncState | None:
        return self.inner.load()

    def save(self, state: SyncState) -> None:
        self.saves += 1
        if self.saves == self.crash_on_save:
            raise SimulatedCrash(f"died before state save #{self.saves}")
        self.inner.save(state)


class CrashingSink:
    def __init__(self, inner: Any, crash_on_put: int) -> None:
        self.inner, self.crash_on_put, self.puts = inner, crash_on_put, 0

    def put(self, key: str, doc: Document, attributes: Any) -> None:
        self.puts += 1
        self.inner.put(key, doc, attributes)
        if self.puts == self.crash_on_put:
            raise SimulatedCrash(f"died after writing {key}")

    def put_attributes(self, key: str, attributes: Any) -> None:
        self.inner.put_attributes(key, attributes)

    def delete(self, key: str) -> None:
        self.inner.delete(key)
