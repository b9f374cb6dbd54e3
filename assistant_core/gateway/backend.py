"""The local stand-ins behind the gateway: moto on loopback, the Lambda runtime, the outbox.

The real handlers run in-process over the Lambdas' own runtime, composed by ``bootstrap/local.py``
with a client factory that sends its AWS clients, with fake credentials, to moto (DynamoDB, SNS,
Secrets Manager, EventBridge) and to the gateway itself (Lambda invoke, ``@connections``). The
process environment is read (``ASSISTANT_*`` limits and caps still apply) but never written.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import logging
import os
import secrets
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from assistant_core.aws.clients import ClientFactory, StaticCredentials
from assistant_core.bootstrap.lambdas import Runtime, install
from assistant_core.bootstrap.local import lambda_runtime
from assistant_core.errors import ConfigError
from assistant_core.gateway.moto_process import MotoProcess
from assistant_core.gateway.provision import provision
from assistant_core.gateway.slack_standin import LocalSlack
from assistant_core.settings import Settings
from kb_sync.model import PublishResult

log = logging.getLogger(__name__)
STAGE = "local"

def run_credentials() -> StaticCredentials:
    """Fresh keys for one run: the handlers' clients sign with them, and moto and the gateway's admin routes
    refuse anything else, so a web page the developer visits cannot drive the local stack. Fake for AWS:
    nothing signed with them could ever be accepted there."""
    return StaticCredentials("ASIALOCAL" + secrets.token_hex(6).upper(), secrets.token_urlsafe(30))


class LocalBackend:
    def __init__(self, *, base_url: str, docs: str, model: str, kb: str, allowed_origins: tuple[str, ...],
                 state_dir: Path, workers: int = 32) -> None:
        self.base_url = base_url
        self.state_dir = state_dir
        self.outbox = state_dir / "outbox"
        self.credentials = run_credentials()
        self.slack_token = secrets.token_urlsafe(16)
        self.slack = LocalSlack()  # the Slack app stand-in (gateway/slack_standin.py)
        self.moto = MotoProcess(self.credentials.access_key_id)
        self.moto_url = self.moto.url
        origins = tuple(o.rstrip("/") for o in (base_url, base_url.replace("127.0.0.1", "localhost"), *allowed_origins))
        settings = Settings.local(  # other ASSISTANT_* variables (limits, caps) still apply
            stage=STAGE, docs_dir=str(Path(docs).resolve()), model=model, kb=kb, allowed_origins=origins,
            ws_management_endpoint=f"{base_url}/{STAGE}", records_dir=str((state_dir / "records").resolve()))
        # Every AWS call of the handlers goes to moto, except Lambda invokes, which come back here.
        clients = ClientFactory(settings.region, endpoint_url=self.moto_url, endpoints={"lambda": base_url},
                                credentials=self.credentials)
        settings = provision(settings, clients, slack_token=self.slack_token, slack_app=self.slack)
        self._write_credentials(settings)
        self.published: PublishResult | None = None
        if kb.startswith("index:s3://"):
            self.published = publish_docs(settings, clients)
        self.runtime: Runtime = install(lambda_runtime(settings, clients=clients))
        self.runtime.answerer()  # build the index now, not on the first question
        self.functions = {settings.answerer_function: "handlers.answerer",
                          settings.handoff_function: "handlers.handoff"}
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="lambda")
        self.handler_pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="route")

    @property
    def settings(self) -> Settings:
        return self.runtime.settings

    def handler(self, module: str) -> Any:
        return importlib.import_module(module).handler

    def invoke(self, function: str, payload: dict[str, Any]) -> Any:
        """Run a function as Lambda would (used by the worker pool for async invokes)."""
        name = function.rsplit(":", 1)[-1] if function.startswith("arn:") else function
        module = self.functions.get(name)
        if module is None:
            raise ConfigError(f"no local function {function!r}")
        try:
            result = self.handler(module)(payload, None)
        except Exception:
            log.exception("function %s failed", name)
            raise
        if module == "handlers.handoff":
            self._to_outbox(payload, result)
        return result

    def invoke_async(self, function: str, payload: dict[str, Any]) -> None:
        if function.rsplit(":", 1)[-1] not in self.functions:
            raise ConfigError(f"no local function {function!r}")
        self.pool.submit(self._quiet, function, payload)

    def _quiet(self, function: str, payload: dict[str, Any]) -> None:
        with contextlib.suppress(Exception):  # already logged; an async invoke has nobody to report to
            self.invoke(function, payload)

    def _to_outbox(self, payload: dict[str, Any], result: dict[str, Any]) -> None:
        """One file per email fn-handoff published (Slack posts arrive through ``slack_to_outbox``)."""
        for email in result.get("emails", []):
            record = {"channel": "email", "handoff_id": result.get("handoff_id"), "kind": email["kind"],
                      "subject": email["subject"], "body": email["body"], "payload": payload,
                      "sns_message_id": email["message_id"]}
            path = self._outbox_file(payload.get("turn_id") or payload.get("turn") or "x", "email", record)
            print(f"[handoff] {email['subject']} → {path}", flush=True)

    def slack_to_outbox(self, slack_payload: dict[str, Any]) -> None:
        """What the local gateway's Slack webhook stand-in received."""
        self.slack_record_to_outbox({"channel": "slack", "payload": slack_payload})

    def slack_record_to_outbox(self, record: dict[str, Any]) -> None:
        """A Slack post (the webhook's, or the app's with its ``ts`` and ``thread_ts``)."""
        path = self._outbox_file("x", "slack", record)
        thread = f" (thread {record['ts']})" if record.get("ts") and not record.get("thread_ts") else ""
        print(f"[slack] {str(record['payload'].get('text', ''))[:80]}{thread} → {path}", flush=True)

    def _outbox_file(self, turn: str, channel: str, record: dict[str, Any]) -> Path:
        self.outbox.mkdir(parents=True, exist_ok=True)
        path = self.outbox / f"{time.strftime('%Y%m%dT%H%M%S')}-{turn}-{channel}-{uuid.uuid4().hex[:6]}.json"
        path.write_text(json.dumps(record, indent=2, ensure_ascii=False), encoding="utf-8")
        return path

    def _write_credentials(self, settings: Settings) -> None:
        """``<state dir>/aws.json`` (owner-only): how ``assistant check`` and a developer's tools reach moto."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        path = self.state_dir / "aws.json"
        record = {"endpoint_url": self.moto_url, "region": settings.region,
                  "aws_access_key_id": self.credentials.access_key_id,
                  "aws_secret_access_key": self.credentials.secret_access_key}
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(record, out)
        self.credentials_file = path

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.handler_pool.shutdown(wait=False, cancel_futures=True)
        self.moto.stop()


def publish_docs(settings: Settings, clients: ClientFactory) -> PublishResult:
    """``--kb index:s3://BUCKET/PREFIX``: the docs folder published to moto's S3 as fn-kb-sync publishes Drive's,
    so the answerer serves it exactly as fn-answerer does (``LiveIndex`` over S3)."""
    from assistant_core.bootstrap.local import build_embedder
    from assistant_core.bootstrap.specs import index_store
    from assistant_core.clock import SystemClock
    from assistant_core.local.blob_folder import FolderBlobStore
    from kb_sync.index_publisher import IndexPublisher

    location = settings.kb.partition(":")[2]
    bucket = location.removeprefix("s3://").partition("/")[0]
    s3 = clients.client("s3")
    with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou):
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": settings.region})
    return IndexPublisher(FolderBlobStore(settings.docs_dir), index_store(location, settings=settings, clients=clients),
                          build_embedder(settings.embedder, settings=settings), SystemClock()).publish("serve")
