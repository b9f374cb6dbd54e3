"""The production composition of Drive push, for tests and bench/bench_edit_to_answer.py: the Drive and
OAuth doubles, moto's server, the Titan double, an HTTP receiver standing in for fn-drive-notify's
function URL, and fn-kb-sync run one invocation at a time (its reserved concurrency 1)."""

from __future__ import annotations

import contextlib
import os
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

from assistant_core.answering.answerer import TurnRequest
from assistant_core.aws import clients as aws_clients
from assistant_core.aws.blob_bucket import S3BlobStore
from assistant_core.aws.clients import ClientFactory, StaticCredentials
from assistant_core.bootstrap import notify
from assistant_core.bootstrap.lambdas import Runtime, install
from assistant_core.bootstrap.local import local_answerer
from assistant_core.bootstrap.specs import build_embedder
from assistant_core.clock import SYSTEM_CLOCK
from assistant_core.local.extractive_model import ExtractiveModel
from assistant_core.local.memory_stores import CollectingPoster
from assistant_core.retrieval.versions import LiveIndex
from assistant_core.settings import Settings
from tests.doubles.bedrock_runtime import InvokeModelDouble
from tests.doubles.kb_sync.drive import DriveDouble
from tests.doubles.kb_sync.oauth import OAuthDouble

REGION = "ap-southeast-1"
SUBJECT = "writer@example.com"
AWS_KEYS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": REGION}
AWS_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
           "AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION}

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



@contextlib.contextmanager
def push_stack(drive: DriveDouble, oauth: OAuthDouble, moto_url: str, bucket: str, key_file: Path, *,
               check_every: float, docs: Mapping[str, str] = DOCS) -> Iterator[Push]:
    """Seeds the Drive folder, runs the schedule's first tick (full sync, index published, channel opened)
    and yields the stack with an answerer whose index checks for new versions every ``check_every`` s."""
    saved = {k: os.environ.get(k) for k in (*AWS_ENV, "AWS_ENDPOINT_URL_BEDROCK_RUNTIME")}
    os.environ.update(AWS_ENV)
    table = f"tbl-sessions-{uuid.uuid4().hex[:8]}"  # moto's server may outlive one stack
    boto3.client("dynamodb", endpoint_url=moto_url, **AWS_KEYS).create_table(
        TableName=table, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "connection_id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "connection_id", "AttributeType": "S"}])
    root = drive.add_folder("Help centre")
    ids = {name: drive.add_doc(name, root, text) for name, text in docs.items()}
    receiver = Receiver()
    receiver.thread.start()
    try:
        with InvokeModelDouble() as titan:
            os.environ["AWS_ENDPOINT_URL_BEDROCK_RUNTIME"] = titan.url
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
            lam.invoke_async("fn-kb-sync", {"job": "kb-sync"})
            first = lam.drain()[0]
            assert first["ok"] and first["watch"] == "renewed" and len(first["added"]) == len(docs), first
            store = S3BlobStore(factory.client("s3"), bucket, "index/")
            live = LiveIndex(store, build_embedder(settings.embedder, settings=settings), SYSTEM_CLOCK,
                             check_every=check_every)
            try:
                yield Push(drive, root, ids, settings, lam, receiver, live)
            finally:
                drive.wait_for_notifications()
                lam.drain()
    finally:
        receiver.server.shutdown()
        aws_clients.bedrock_runtime.cache_clear()
        notify.drive_receiver.cache_clear()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
