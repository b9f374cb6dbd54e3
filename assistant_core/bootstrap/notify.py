"""fn-drive-notify composed from ``Settings``: the watch record in the data bucket, the request flag in
tbl-sessions, and an asynchronous invoke of fn-kb-sync. Kept apart from ``bootstrap/sync.py`` so the
notification path never loads the Google libraries: a notification is answered in milliseconds.
"""

from __future__ import annotations

from functools import cache

from assistant_core.aws.blob_bucket import S3BlobStore
from assistant_core.bootstrap.lambdas import runtime
from assistant_core.clock import SYSTEM_CLOCK
from kb_sync.sync_requests import SyncRequests
from kb_sync.watch import NotificationReceiver, WatchStore


def state_prefix(state_key: str) -> str:
    """The folder of kb-sync's state object (``kb-sync/``), where the watch record lives next to it."""
    folder = state_key.rpartition("/")[0]
    return f"{folder}/" if folder else ""


@cache
def drive_receiver() -> NotificationReceiver:
    """One per container: its cached watch record spares an S3 read per notification."""
    rt = runtime()
    s = rt.settings
    store = WatchStore(S3BlobStore(rt.clients.client("s3"), s.data_bucket, state_prefix(s.kb_state_key)))
    return NotificationReceiver(
        store, SyncRequests(rt.clients.table(s.sessions_table), SYSTEM_CLOCK),
        lambda: rt.invoker.invoke_async(s.kb_sync_function, {"job": "kb-sync", "trigger": "drive"}), SYSTEM_CLOCK)
