"""Drive push, end to end with the production composition: a writer edits a doc -> Drive's notification
-> fn-drive-notify -> fn-kb-sync (incremental sync, index version published) -> the answerer's next
answer uses the new text. Everything is real but the edges: the Drive and Google OAuth doubles, moto's
server (S3, DynamoDB), the Titan double, and an HTTP receiver standing in for the function URL."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant_core.aws.blob_bucket import S3BlobStore
from assistant_core.bootstrap import notify
from assistant_core.bootstrap.lambdas import runtime
from assistant_core.clock import SYSTEM_CLOCK
from assistant_core.errors import AuthError
from kb_sync.sync_requests import SyncRequests
from kb_sync.watch import Channel, Watch, WatchStore, check_notification
from tests.doubles.kb_sync.drive import DriveDouble
from tests.doubles.kb_sync.oauth import OAuthDouble

from .push_stack import Push, push_stack


@pytest.fixture
def push(drive: DriveDouble, oauth: OAuthDouble, moto_url: str, bucket: str, key_file: Path) -> Iterator[Push]:
    # The answerer checks for new versions every 0.2 s instead of production's 30 s so the test is quick
    # (bench/bench_edit_to_answer.py measures with 30 s).
    with push_stack(drive, oauth, moto_url, bucket, key_file, check_every=0.2) as stack:
        yield stack


def test_an_edit_is_answered_from_the_new_text_after_one_notification_and_one_sync(push: Push) -> None:
    assert "$5" in push.answer("How much does standard shipping cost?")
    push.lam.calls.clear()
    push.drive.edit_doc(push.ids["Rates"], "# Rates\n\nStandard shipping costs $7 and takes two working days.")
    delay = push.wait_for("How much does standard shipping cost?", "$7")
    assert delay < 30
    assert push.lam.calls == [{"job": "kb-sync", "trigger": "drive"}]  # one notification, one sync
    assert push.receiver.statuses and set(push.receiver.statuses) == {200}


def test_a_burst_while_a_sync_waits_to_start_becomes_that_one_sync_and_the_last_text_wins(push: Push) -> None:
    gate = threading.Event()
    push.lam.pool.submit(gate.wait, 30)  # fn-kb-sync busy: the next invoke waits its turn, as Lambda queues it
    push.lam.calls.clear()
    for i in range(40):
        push.drive.edit_doc(push.ids["Returns"], f"# Returns\n\nUnworn items can be returned within {i + 31} days.")
    push.drive.wait_for_notifications(timeout=30)
    assert push.lam.calls == [{"job": "kb-sync", "trigger": "drive"}]  # 40 notifications, one sync requested
    gate.set()
    assert all(r["ok"] for r in push.lam.drain() if isinstance(r, dict))
    push.wait_for("How many days do I have to return an item?", "70 days")
    assert set(push.receiver.statuses) == {200}


def test_a_storm_of_1000_notifications_starts_one_sync_until_it_begins(push: Push) -> None:
    watch = WatchStore(S3BlobStore(runtime_s3(push), push.settings.data_bucket, "kb-sync/")).load()
    assert watch.current is not None
    headers = {"X-Goog-Channel-ID": watch.current.id, "X-Goog-Channel-Token": watch.current.token,
               "X-Goog-Resource-State": "change"}
    started: list[str] = []
    receiver = notify.drive_receiver()
    receiver.start_sync = lambda: started.append("sync")  # count instead of running 1,000 syncs
    outcomes = [receiver.receive(headers) for _ in range(1000)]
    assert started == ["sync"] and outcomes.count("coalesced") == 999
    SyncRequests(runtime().clients.table(push.settings.sessions_table), SYSTEM_CLOCK).clear()  # that sync began
    assert receiver.receive(headers) == "started" and started == ["sync", "sync"]


def test_notifications_that_are_not_ours_are_refused(push: Push) -> None:
    from handlers.drive_notify import handler

    watch = WatchStore(S3BlobStore(runtime_s3(push), push.settings.data_bucket, "kb-sync/")).load()
    assert watch.current is not None and watch.current.resource_id
    base = {"x-goog-channel-id": watch.current.id, "x-goog-resource-state": "change",
            "x-goog-resource-id": watch.current.resource_id}
    for headers in ({**base, "x-goog-channel-token": "guess"}, {**base, "x-goog-channel-id": "other"}, {}):
        event = {"headers": {**headers, "x-goog-channel-token": headers.get("x-goog-channel-token", "")},
                 "requestContext": {"http": {"method": "POST"}}}
        assert handler(event, None)["statusCode"] == 403
    assert handler({"requestContext": {"http": {"method": "GET"}}}, None)["statusCode"] == 405
    assert push.lam.calls == [{"job": "kb-sync"}]  # nothing refused started a sync


def test_the_channel_is_renewed_a_day_before_it_expires_and_the_old_one_stopped(push: Push) -> None:
    from handlers.kb_sync import handler

    s3 = runtime_s3(push)
    store = WatchStore(S3BlobStore(s3, push.settings.data_bucket, "kb-sync/"))
    first = store.load().current
    assert first is not None and set(push.drive.channels) == {first.id}
    assert handler({"job": "kb-sync"}, None)["watch"] == "kept"
    store.save(Watch(Channel(first.id, first.token, first.address, first.resource_id, time.time() + 3600)))
    assert handler({"job": "kb-sync"}, None)["watch"] == "renewed"
    renewed = store.load()
    assert renewed.current is not None and renewed.previous is not None and renewed.previous.id == first.id
    assert set(push.drive.channels) == {renewed.current.id}  # the old channel was stopped at Drive
    body = json.loads([r for r in push.drive.server.log if r.path == "/drive/v3/changes/watch"][-1].body)
    assert body["type"] == "web_hook" and body["address"] == push.receiver.url and body["token"]
    # The replaced channel's last notifications still verify; a guessed token never does.
    headers = {"X-Goog-Channel-ID": first.id, "X-Goog-Channel-Token": first.token, "X-Goog-Resource-State": "change"}
    assert check_notification(headers, renewed) == "change"
    with pytest.raises(AuthError):
        check_notification({**headers, "X-Goog-Channel-Token": "x"}, renewed)


def runtime_s3(push: Push) -> Any:
    return runtime().clients.client("s3")
