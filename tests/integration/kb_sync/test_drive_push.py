"""Drive push, end to end with the production composition: a writer edits a doc -> Drive's notification
-> fn-drive-notify -> fn-kb-sync (incremental sync, index version published) -> the answerer's next
answer uses the new text. Everything is real but the edges: the Drive and Google OAuth doubles, moto's
server (S3, DynamoDB), the Titan double, and an HTTP receiver standing in for the function URL."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import pytest

from assistant_core.answering.answerer import TurnRequest
from assistant_core.aws import clients as aws_clients
from assistant_core.aws.blob_bucket import S3BlobStore
from assistant_core.aws.clients import ClientFactory, StaticCredentials
from assistant_core.bootstrap import notify
from assistant_core.bootstrap.lambdas import Runtime, install, runtime
from assistant_core.bootstrap.local import local_answerer
from assistant_core.bootstrap.specs import build_embedder
from assistant_core.clock import SYSTEM_CLOCK
from assistant_core.errors import AuthError
from assistant_core.local.extractive_model import ExtractiveModel
from assistant_core.local.memory_stores import CollectingPoster
from assistant_core.retrieval.versions import LiveIndex
from assistant_core.settings import Settings
from kb_sync.sync_requests import SyncRequests
from kb_sync.watch import Channel, Watch, WatchStore, check_notification
from tests.doubles.bedrock_runtime import InvokeModelDouble
from tests.doubles.kb_sync.drive import DriveDouble
from tests.doubles.kb_sync.oauth import OAuthDouble

from .world import AWS_KEYS, REGION, SUBJECT

DOCS = {
    "Rates": "# Rates\n\nStandard shipping costs $5 and takes three working days.",
    "Returns": "# Returns\n\nUnworn items can be returned within 30 days for a refund.",
    "Gift cards": "# Gift cards\n\nGift cards never expire and work online and in our shops.",
}


class Receiver:
    """fn-drive-notify's function URL: turns each POST into the Lambda event and answers with its status."""

    def __init__(self) -> None:
        outer = self
        self.statuses: list[int] = []

        class _Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                from handlers.drive_notify import handler

                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                event = {"version": "2.0", "rawPath": "/", "headers": {k.lower(): v for k, v in self.headers.items()},
                         "requestContext": {"http": {"method": "POST", "path": "/"}}, "body": ""}
                status = handler(event, None)["statusCode"]
                outer.statuses.append(status)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/"


@dataclass
class SerialLambda:
    """fn-kb-sync as Lambda runs it with reserved concurrency 1: async invokes queue and run one at a time."""

    calls: list[dict[str, Any]] = field(default_factory=list)
    pool: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(max_workers=1))
    futures: list[Future[Any]] = field(default_factory=list)

    def invoke_async(self, function: str, payload: Mapping[str, Any]) -> None:
        from handlers.kb_sync import handler

        assert function == "fn-kb-sync", function
        self.calls.append(dict(payload))
        self.futures.append(self.pool.submit(handler, dict(payload), None))

    def drain(self) -> list[dict[str, Any]]:
        return [f.result(timeout=60) for f in list(self.futures)]


@dataclass
class Push:
    drive: DriveDouble
    root: str
    ids: dict[str, str]
    settings: Settings
    lam: SerialLambda
    receiver: Receiver
    live: LiveIndex

    def answer(self, question: str) -> str:
        poster = CollectingPoster()
        answerer, *_ = local_answerer(self.settings, poster, model=ExtractiveModel(), retriever=self.live)
        answerer.run(TurnRequest(f"s-{uuid.uuid4().hex[:6]}", "c1", "t1", 1, question))
        return " ".join(str(f.get("text", "")) for f in poster.frames if f.get("type") == "answer")

    def wait_for(self, question: str, text: str, timeout: float = 30.0) -> float:
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            if text in self.answer(question):
                return time.monotonic() - start
            time.sleep(0.05)
        raise AssertionError(f"{text!r} not answered within {timeout} s: {self.answer(question)!r}")


@pytest.fixture
def push(drive: DriveDouble, oauth: OAuthDouble, moto_url: str, bucket: str, key_file: Path,
         monkeypatch: pytest.MonkeyPatch) -> Iterator[Push]:
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_SESSION_TOKEN": "testing", "AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION}.items():
        monkeypatch.setenv(name, value)
    table = f"tbl-sessions-{uuid.uuid4().hex[:8]}"  # moto's server outlives one test
    boto3.client("dynamodb", endpoint_url=moto_url, **AWS_KEYS).create_table(
        TableName=table, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "connection_id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "connection_id", "AttributeType": "S"}])
    root = drive.add_folder("Help centre")
    ids = {name: drive.add_doc(name, root, text) for name, text in DOCS.items()}
    receiver = Receiver()
    receiver.thread.start()
    with InvokeModelDouble() as titan:
        monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", titan.url)
        aws_clients.bedrock_runtime.cache_clear()
        settings = Settings(
            stage="test", region=REGION, data_bucket=bucket, sessions_table=table, site_name="the shop",
            kb=f"index:s3://{bucket}/index/", embedder="titan:256", drive_folder_id=root, drive_subject=SUBJECT,
            drive_credentials_file=str(key_file), drive_api_base=drive.url, drive_token_uri=oauth.token_uri,
            drive_notify_url=receiver.url)
        factory = ClientFactory(REGION, endpoint_url=moto_url, endpoints={"bedrock-runtime": titan.url},
                                credentials=StaticCredentials("testing", "testing", "testing"))
        lam = SerialLambda()
        install(Runtime(settings, clients=factory, invoker=lam))
        notify.drive_receiver.cache_clear()
        lam.invoke_async("fn-kb-sync", {"job": "kb-sync"})  # the schedule's first tick: full sync, channel opened
        first = lam.drain()[0]
        assert first["ok"] and first["watch"] == "renewed" and len(first["added"]) == 3, first
        # The answerer's retriever as fn-answerer composes it, polling the pointer more often than the 30 s
        # of production so the test is quick (bench/bench_edit_to_answer.py measures with 30 s).
        store = S3BlobStore(factory.client("s3"), bucket, "index/")
        live = LiveIndex(store, build_embedder(settings.embedder, settings=settings), SYSTEM_CLOCK, check_every=0.2)
        try:
            yield Push(drive, root, ids, settings, lam, receiver, live)
        finally:
            drive.wait_for_notifications()
            lam.drain()
            receiver.server.shutdown()
            aws_clients.bedrock_runtime.cache_clear()
            notify.drive_receiver.cache_clear()


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
