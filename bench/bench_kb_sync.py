"""kb_sync: a full sync of 500 small docs, then an incremental sync with 5 changed docs.

With ``--retriever index`` (the default, as deployed) every run ends by publishing an index version to
``index/`` with the bundled embedder, and the texts embedded are counted; ``bedrock-kb`` starts an
ingestion job on the bedrock-agent double instead.

Runs the real engine (google-auth, requests, boto3) against the local doubles: Google OAuth + Drive v3
(tests/doubles/kb_sync), S3 on moto's server, bedrock-agent ingestion. Prints docs/s, the
requests made (Drive by operation, token endpoint, S3 by operation) and wall time, twice: with the
doubles as fast as they go, and with a fixed added latency per Drive request (default 30 ms) to show
what the worker pool buys against a real network. Reported, never asserted.

    python bench/bench_kb_sync.py [--docs 500] [--changed 5] [--latency-ms 30] [--workers 4] [--retriever index]
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the doubles live with the tests (tests.doubles.kb_sync)

import boto3  # noqa: E402
from moto.server import ThreadedMotoServer  # noqa: E402

from assistant_core.aws.blob_bucket import S3BlobStore  # noqa: E402
from assistant_core.clock import SystemClock  # noqa: E402
from assistant_core.local.embedder_wordllama import WordLlamaEmbedder  # noqa: E402
from kb_sync.compose import drive_source, s3_engine  # noqa: E402
from kb_sync.config import SyncConfig  # noqa: E402
from kb_sync.index_publisher import IndexPublisher  # noqa: E402
from kb_sync.report import SyncReport  # noqa: E402
from tests.doubles.kb_sync.bedrock_agent import BedrockAgentDouble  # noqa: E402
from tests.doubles.kb_sync.drive import DriveDouble  # noqa: E402
from tests.doubles.kb_sync.keys import service_account_key  # noqa: E402
from tests.doubles.kb_sync.oauth import GOOGLE_TOKEN_URI, OAuthDouble  # noqa: E402

REGION = "ap-southeast-1"
AWS = {"aws_access_key_id": "bench", "aws_secret_access_key": "bench", "region_name": REGION}
TOPICS = ["shipping", "returns", "payments", "accounts", "products", "troubleshooting", "orders", "gifts"]


@dataclass
class Figures:
    name: str
    seconds: float
    docs: int
    drive: Counter[str]
    tokens: int
    s3: Counter[str]
    report: SyncReport
    embedded: int = 0  # texts sent to the embedder (retriever index)

    def line(self) -> str:
        rate = self.docs / self.seconds if self.seconds else 0.0
        drive = ", ".join(f"{k} {v}" for k, v in sorted(self.drive.items()))
        s3 = ", ".join(f"{k} {v}" for k, v in sorted(self.s3.items()))
        return (
            f"{self.name:<28} wall {self.seconds:7.2f} s  docs {self.docs:4d}  {rate:7.1f} docs/s\n"
            f"{'':<28} Drive requests {sum(self.drive.values()):4d} ({drive})\n"
            f"{'':<28} token requests {self.tokens:4d}; S3 requests {sum(self.s3.values()):4d} ({s3})\n"
            f"{'':<28} texts embedded {self.embedded:4d}; {self.report.ingestion}"
        )


class CountingEmbedder(WordLlamaEmbedder):
    texts = 0

    def embed(self, texts: Any) -> Any:
        CountingEmbedder.texts += len(texts)
        return super().embed(texts)


class Bench:
    def __init__(self, moto_url: str, latency_s: float, workers: int, retriever: str) -> None:
        self.retriever = retriever
        self.oauth = OAuthDouble()
        self.drive = DriveDouble(self.oauth.is_valid)
        self.agent = BedrockAgentDouble()
        for server in (self.oauth.server, self.drive.server, self.agent.server):
            server.start()
        self.tmp = Path(tempfile.mkdtemp(prefix="bench-kb-sync-"))
        info, public = service_account_key(GOOGLE_TOKEN_URI)
        self.oauth.trust(info["client_email"], public)
        (self.tmp / "key.json").write_text(json.dumps(info))
        self.s3 = boto3.client("s3", endpoint_url=moto_url, **AWS)
        self.s3_calls: Counter[str] = Counter()
        self.s3.meta.events.register("before-call.s3", self._count_s3)
        self.bucket = f"bench-{uuid.uuid4().hex[:10]}"
        self.s3.create_bucket(Bucket=self.bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
        self.root = self.drive.add_folder("Help centre")
        self.drive.latency_s = latency_s
        self.workers = workers

    def _count_s3(self, model: Any, **_: Any) -> None:
        self.s3_calls[model.name] += 1

    def stop(self) -> None:
        for server in (self.oauth.server, self.drive.server, self.agent.server):
            server.stop()

    def seed(self, n: int) -> list[str]:
        folders = {t: self.drive.add_folder(t, self.root) for t in TOPICS}
        ids = []
        for i in range(n):
            topic = TOPICS[i % len(TOPICS)]
            body = f"# {topic.title()} note {i}\n\n" + f"Answer {i} about {topic}: details that writers keep. " * 12
            ids.append(self.drive.add_doc(f"{topic.title()} note {i}", folders[topic], body))
        return ids

    def run(self, name: str, docs: Callable[[SyncReport], int]) -> Figures:
        cfg = SyncConfig(
            folder_id=self.root, subject="writer@example.com", credentials_file=str(self.tmp / "key.json"),
            drive_api_base=self.drive.url, token_uri=self.oauth.token_uri, bucket=self.bucket,
            kb_id="KBBENCH001" if self.retriever == "bedrock-kb" else "",
            data_source_id="DSBENCH001" if self.retriever == "bedrock-kb" else "", region=REGION, workers=self.workers,
        )
        publisher = None
        if self.retriever == "index":
            publisher = IndexPublisher(S3BlobStore(self.s3, self.bucket, "kb/"),
                                       S3BlobStore(self.s3, self.bucket, "index/"), CountingEmbedder(), SystemClock())
        embedded_before = CountingEmbedder.texts
        drive_before, s3_before = Counter(self.drive.calls), Counter(self.s3_calls)
        tokens_before = len(self.oauth.grants)
        start = time.perf_counter()
        agent = boto3.client("bedrock-agent", endpoint_url=self.agent.url, **AWS)
        engine = s3_engine(cfg, s3=self.s3, secrets=None, bedrock_agent=agent, source=drive_source(cfg),
                           publisher=publisher)
        report = engine.run()
        seconds = time.perf_counter() - start
        if not report.ok:
            raise SystemExit(f"{name}: sync failed: {report.error}")
        self.agent.finish_all()
        drive = Counter(self.drive.calls)
        drive.subtract(drive_before)
        s3 = Counter(self.s3_calls)
        s3.subtract(s3_before)
        return Figures(name, seconds, docs(report), +drive, len(self.oauth.grants) - tokens_before, +s3, report,
                       CountingEmbedder.texts - embedded_before)


def scenario(moto_url: str, n_docs: int, n_changed: int, latency_s: float, workers: int,
             retriever: str) -> list[Figures]:
    bench = Bench(moto_url, latency_s, workers, retriever)
    try:
        ids = bench.seed(n_docs)
        full = bench.run(f"full sync, {n_docs} docs", lambda r: len(r.added))
        assert len(full.report.added) == n_docs, full.report.summary()
        idle = bench.run("incremental, nothing changed", lambda r: 0)
        for fid in ids[:: max(1, n_docs // n_changed)][:n_changed]:
            bench.drive.edit_doc(fid, f"# Edited\n\nNew text {uuid.uuid4().hex}")
        incremental = bench.run(f"incremental, {n_changed} changed", lambda r: len(r.updated))
        assert len(incremental.report.updated) == n_changed, incremental.report.summary()
        return [full, idle, incremental]
    finally:
        bench.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=500)
    parser.add_argument("--changed", type=int, default=5)
    parser.add_argument("--latency-ms", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--retriever", choices=("index", "bedrock-kb"), default="index")
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # the engine's per-document INFO/WARNING lines are not the point here
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    host, port = moto.get_host_and_port()
    try:
        for latency_ms, workers in ((0.0, args.workers), (args.latency_ms, 1), (args.latency_ms, args.workers)):
            print(f"== Drive double latency {latency_ms:.0f} ms/request, {workers} worker(s)")
            for figures in scenario(f"http://{host}:{port}", args.docs, args.changed, latency_ms / 1000, workers,
                                    args.retriever):
                print(figures.line())
            print()
    finally:
        moto.stop()


if __name__ == "__main__":
    main()
