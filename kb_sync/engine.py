"""The sync loop: choose full or incremental, apply actions through the sink, checkpoint, publish.

Ordering rules that make a crash safe: the change token is advanced only in a save that follows
the writes of its page; file ids about to be written are saved as ``intents`` first, so a rerun
removes any object a crashed run wrote but never recorded (keys come from ids: rewrites replace).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from assistant_core.errors import AssistantError

from .apply import Applier
from .attributes import UrlMap
from .errors import ChangeTokenRejected, DriveApiError
from .model import Change
from .plan import plan_changes, plan_full
from .ports import Publisher, Sink, Source, StateStore
from .report import SyncReport
from .state import SyncState

log = logging.getLogger(__name__)

TERMINAL_JOB_STATES = frozenset({"COMPLETE", "FAILED", "STOPPED"})


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class EngineOptions:
    reconcile_every: timedelta = timedelta(hours=24)
    workers: int = 4
    batch_size: int = 25  # documents written between state checkpoints
    urls: UrlMap = field(default_factory=UrlMap)
    now: Callable[[], datetime] = utcnow
    out_of_time: Callable[[], bool] = lambda: False  # e.g. the Lambda's remaining time is short


class SyncEngine:
    def __init__(
        self,
        source: Source,
        sink: Sink,
        store: StateStore,
        publisher: Publisher | None = None,
        options: EngineOptions | None = None,
    ) -> None:
        self.source = source
        self.sink = sink
        self.store = store
        self.publisher = publisher
        self.options = options or EngineOptions()

    def run(self, *, full: bool = False, dry_run: bool = False) -> SyncReport:
        report = SyncReport(mode="full" if full else "incremental", dry_run=dry_run)
        try:
            state = self._load()
            with ThreadPoolExecutor(max_workers=max(1, self.options.workers)) as pool:
                applier = Applier(self.source, self.sink, self.store, self.options, pool)
                if not dry_run:
                    applier.recover(state)
                    self._check_last_job(state)
                self._sync(state, report, applier, full=full, dry_run=dry_run)
            if not dry_run:
                self._publish(state, report)
        except AssistantError as exc:  # auth, missing folder, Drive down, storage: stop, keep state
            report.error, report.failure = f"{type(exc).__name__}: {exc}", exc
            log.error("kb_sync: sync failed, nothing unfinished was recorded: %s", report.error)
        for line in report.summary().splitlines():
            log.info("kb_sync: %s", line)
        return report

    # -- phases --------------------------------------------------------------------------------
    def _sync(self, state: SyncState, report: SyncReport, applier: Applier, *, full: bool, dry_run: bool) -> None:
        why = self._full_reason(state, full)
        if not why:
            try:
                why = self._incremental(state, report, applier, dry_run)
            except ChangeTokenRejected as exc:
                why = str(exc)
        if why and not report.incomplete:
            log.info("kb_sync: full reconcile: %s", why)
            report.mode = "full"
            self._full(state, report, applier, dry_run)

    def _full_reason(self, state: SyncState, full: bool) -> str:
        if full:
            return "requested"
        if not self.source.has_change_feed:
            return "this source is relisted on every run"
        if state.page_token is None:
            return "first run" if not state.files else "no change token stored"
        last = _parse_time(state.last_full)
        if last is None or self.options.now() - last >= self.options.reconcile_every:
            return f"last full reconcile was {state.last_full or 'never'}"
        return ""

    def _full(self, state: SyncState, report: SyncReport, applier: Applier, dry_run: bool) -> None:
        token = self.source.start_token()  # before listing: edits made while we list come next tick
        tree = self.source.list_tree()
        actions, warnings = plan_full(state, tree, self.options.urls.url_for)
        for warning in warnings:
            log.warning("kb_sync: %s", warning)
        report.warnings += warnings
        if dry_run:
            applier.preview(state, actions, report)
            return
        state.folders = dict(tree.folders)  # before applying: checkpoints then carry the new tree
        applier.apply(state, actions, report)
        if report.incomplete:  # keep the old token and force a relist next run (skipping what is done)
            state.last_full = ""
            self.store.save(state)
            return
        listed = {f.id for f in tree.files}
        state.skipped = {k: v for k, v in state.skipped.items() if k in listed}
        state.retry = {k: v for k, v in state.retry.items() if k in listed}
        state.page_token = token
        state.last_full = self.options.now().isoformat(timespec="seconds")
        self.store.save(state)

    def _incremental(self, state: SyncState, report: SyncReport, applier: Applier, dry_run: bool) -> str:
        """Applies the change feed; returns why a full reconcile is needed instead ("" if not)."""
        if state.retry:
            self._retry_failed(state, report, applier, dry_run)
        assert state.page_token is not None
        token = state.page_token
        for page in self.source.changes(token):
            plan = plan_changes(state, page.changes, self.source.root_id, self.options.urls.url_for)
            if plan.needs_full:
                return plan.why_full
            if dry_run:
                applier.preview(state, plan.actions, report)
                continue
            applier.apply(state, plan.actions, report)
            if report.incomplete:  # keep this page's token: the rest of the page is redone
                self.store.save(state)
                return ""
            if plan.actions or page.next_token != state.page_token:
                state.page_token = page.next_token
                self.store.save(state)
        return ""

    def _retry_failed(self, state: SyncState, report: SyncReport, applier: Applier, dry_run: bool) -> None:
        """Refetches files that failed transiently before (their changes were already consumed)."""
        retries: list[Change] = []
        for fid in list(state.retry):
            try:
                file = self.source.describe(fid)
            except DriveApiError as exc:  # this one file is refused: keep it listed, go on
                log.warning("kb_sync: cannot recheck %s: %s", fid, exc)
                continue
            retries.append(Change(fid, removed=file is None, file=file))
        plan = plan_changes(state, retries, self.source.root_id, self.options.urls.url_for)
        if dry_run:
            applier.preview(state, plan.actions, report)
            return
        refetch = {a.file_id for a in plan.actions if a.kind == "put"}
        for change in retries:  # gone, moved out or unchanged after all: nothing left to retry
            if change.file_id not in refetch:
                state.retry.pop(change.file_id, None)
        applier.apply(state, plan.actions, report)
        self.store.save(state)

    # -- ingestion -----------------------------------------------------------------------------
    def _publish(self, state: SyncState, report: SyncReport) -> None:
        if self.publisher is None or not state.publish_pending:
            return
        digest = hashlib.sha256(self.source.source_id.encode()).hexdigest()[:16]
        token = f"kb-sync-{digest}-{state.generation:012d}"  # same changes -> same job on retries
        try:
            result = self.publisher.publish(token)
        except AssistantError as exc:
            report.ingestion = f"could not start ({exc}); will retry next tick"
            report.warnings.append(report.ingestion)
            log.warning("kb_sync: ingestion %s", report.ingestion)
            return
        if not result.started:
            report.ingestion = f"busy ({result.detail}); will retry next tick"
            log.info("kb_sync: ingestion %s", report.ingestion)
            return
        state.publish_pending = False
        state.last_job = {"id": result.job_id, "status": result.detail} if result.job_id else {}
        self.store.save(state)
        report.job_id = result.job_id
        report.ingestion = f"started job {result.job_id}" if result.job_id else result.detail

    def _check_last_job(self, state: SyncState) -> None:
        job = state.last_job
        if self.publisher is None or not job.get("id") or job.get("status") in TERMINAL_JOB_STATES:
            return
        try:
            result = self.publisher.check(job["id"])
        except AssistantError as exc:
            log.warning("kb_sync: could not check ingestion job %s: %s", job["id"], exc)
            return
        if result is not None and result.detail != job.get("status"):
            state.last_job = {"id": job["id"], "status": result.detail}
            self.store.save(state)

    def _load(self) -> SyncState:
        state = self.store.load()
        if state is None:
            return SyncState(source=self.source.source_id)
        if state.source != self.source.source_id:
            log.warning(
                "kb_sync: source changed from %s to %s; relisting (documents of the old source go)",
                state.source,
                self.source.source_id,
            )
            state.source, state.page_token, state.folders, state.last_full = self.source.source_id, None, {}, ""
        return state


def _parse_time(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
