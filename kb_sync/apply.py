"""Carries out planned actions against the sink and records each in the state once it succeeded.

Fetches and uploads run on a small thread pool (they wait on the network); the state is only
touched on the calling thread, between batches.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import Executor
from typing import TYPE_CHECKING

from .attributes import attributes_for
from .errors import FetchFailed, FileSkipped
from .plan import Action
from .ports import Sink, Source, StateStore
from .report import Skip, SyncReport
from .state import FileEntry, RetryEntry, SkipEntry, SyncState

if TYPE_CHECKING:
    from .engine import EngineOptions

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5  # runs in a row a file may fail transiently before it is skipped until edited


class Applier:
    def __init__(
        self, source: Source, sink: Sink, store: StateStore, options: EngineOptions, pool: Executor
    ) -> None:
        self.source = source
        self.sink = sink
        self.store = store
        self.options = options
        self.pool = pool

    def recover(self, state: SyncState) -> None:
        """Removes objects a crashed run may have written without recording them."""
        if not state.intents:
            return
        for fid in state.intents:
            keep = state.files[fid].key if fid in state.files else None
            for key in self.source.candidate_keys(fid):
                if key != keep:
                    self.sink.delete(key)
        log.warning("kb_sync: recovered from an interrupted run (%d file(s) rechecked)", len(state.intents))
        state.intents = []
        self.store.save(state)

    def preview(self, state: SyncState, actions: Sequence[Action], report: SyncReport) -> None:
        for a in actions:
            if a.kind == "put":
                (report.updated if a.file_id in state.files else report.added).append(a.path)
            elif a.kind == "meta":
                report.moved.append(a.path)
            elif a.kind == "delete":
                report.deleted.append(a.path)
            else:
                report.skipped.append(Skip(a.path, a.reason))

    def apply(self, state: SyncState, actions: Sequence[Action], report: SyncReport) -> None:
        """Applies ``actions``; the caller saves the state afterwards (with its change token)."""
        changed = False
        for a in actions:
            if a.kind == "delete":
                entry = state.files[a.file_id]
                self.sink.delete(entry.key)
                del state.files[a.file_id]
                report.deleted.append(a.path)
                log.info("kb_sync: deleted %s (%s)", a.path, a.reason)
                changed = True
            elif a.kind == "meta":
                assert a.file is not None
                entry = state.files[a.file_id]
                self.sink.put_attributes(entry.key, self._attributes(a))
                state.files[a.file_id] = self._entry(a, entry.key)
                report.moved.append(a.path)
                changed = True
            elif a.kind == "skip":
                self._skip(state, a, a.reason, report)
        puts = [a for a in actions if a.kind == "put"]
        size = max(1, self.options.batch_size)
        for start in range(0, len(puts), size):
            if self.options.out_of_time():
                report.incomplete = True
                log.warning("kb_sync: out of time with %d document(s) to go", len(puts) - start)
                break
            batch = puts[start : start + size]
            state.intents = [a.file_id for a in batch]
            self.store.save(state)  # write-ahead: a crash from here on is cleaned up by recover()
            for a, (status, value) in zip(batch, self.pool.map(self._put, batch), strict=True):
                if status == "ok":
                    changed = self._record_put(state, a, value, report) or changed
                elif status == "skip":
                    self._skip(state, a, value, report)
                else:
                    self._retry(state, a, value, report)
            state.intents = []
        if changed:
            state.generation += 1
            state.publish_pending = True

    def _put(self, a: Action) -> tuple[str, str]:
        assert a.file is not None
        try:
            doc = self.source.fetch(a.file)
        except FileSkipped as exc:
            return "skip", exc.reason
        except FetchFailed as exc:
            return "retry", exc.reason
        key = self.source.key_for(a.file, doc.ext)
        self.sink.put(key, doc, self._attributes(a))
        return "ok", key

    def _record_put(self, state: SyncState, a: Action, key: str, report: SyncReport) -> bool:
        old = state.files.get(a.file_id)
        if old is not None and old.key != key:  # the format changed (e.g. Markdown -> plain text)
            self.sink.delete(old.key)
        state.files[a.file_id] = self._entry(a, key)
        state.skipped.pop(a.file_id, None)
        state.retry.pop(a.file_id, None)
        (report.updated if old is not None else report.added).append(a.path)
        log.info("kb_sync: %s %s -> %s", "updated" if old else "added", a.path, key)
        return True

    def _skip(self, state: SyncState, a: Action, reason: str, report: SyncReport) -> None:
        assert a.file is not None
        kept = " (kept the version synced earlier)" if a.file_id in state.files else ""
        state.skipped[a.file_id] = SkipEntry(a.file.fingerprint, reason, a.path)
        state.retry.pop(a.file_id, None)
        report.skipped.append(Skip(a.path, reason + kept))
        log.warning("kb_sync: skipped %s: %s%s", a.path, reason, kept)

    def _retry(self, state: SyncState, a: Action, reason: str, report: SyncReport) -> None:
        attempts = state.retry[a.file_id].attempts + 1 if a.file_id in state.retry else 1
        if attempts >= MAX_ATTEMPTS:  # stop paying for it every tick; an edit makes us try again
            self._skip(state, a, f"Drive kept failing on it ({attempts} runs): {reason}", report)
            return
        state.retry[a.file_id] = RetryEntry(reason, attempts)
        report.retrying.append(Skip(a.path, reason))
        log.warning("kb_sync: will retry %s next tick: %s", a.path, reason)

    def _attributes(self, a: Action) -> dict[str, str]:
        assert a.file is not None
        return attributes_for(a.file, a.url, self.source.id_attribute)

    @staticmethod
    def _entry(a: Action, key: str) -> FileEntry:
        assert a.file is not None
        f = a.file
        return FileEntry(key, f.fingerprint, f.name, f.path, a.url, f.modified, f.parent)
