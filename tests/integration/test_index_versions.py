"""Published index versions against moto S3: publish (pointer last), incremental builds, ETag polling,
atomic swaps, and every way a version can fail to load while the previous one keeps serving."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import boto3
import numpy as np
import pytest
from moto import mock_aws

from assistant_core.aws.blob_bucket import S3BlobStore
from assistant_core.errors import RetrievalError, StorageError
from assistant_core.local.blob_folder import FolderBlobStore
from assistant_core.retrieval.ports import Blob
from assistant_core.retrieval.versions import POINTER, LiveIndex, Pointer, current_pointer
from kb_sync.index_publisher import IndexPublisher
from tests.fakes.clock import FakeClock

REGION = "ap-southeast-1"
BUCKET = "assistant-data"
DOCS = {
    "shipping.md": "# Shipping\n\nStandard delivery takes 3 to 5 working days and costs $5.",
    "returns.md": "# Returns\n\nReturn any unworn item within 30 days for a full refund.",
    "warranty.md": "# Warranty\n\nEvery kettle carries a two year warranty against defects.",
    "gift-cards.md": "# Gift cards\n\nGift cards never expire and can be used online or in store.",
}


class HashEmbedder:
    """A deterministic bag-of-words embedder that counts what it was asked to embed."""

    name = "hash-64"
    dimension = 64

    def __init__(self) -> None:
        self.texts: list[str] = []

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.texts += texts
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                out[row, int(hashlib.sha1(word.encode()).hexdigest(), 16) % self.dimension] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)


class Counting:
    """Wraps a BlobStore and records every call (what a version costs in S3 requests)."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.calls = inner, []
        self.location = inner.location

    def get(self, key: str, *, if_none_match: str = "") -> Blob | None:
        self.calls.append(("get", key, bool(if_none_match)))
        return self.inner.get(key, if_none_match=if_none_match)

    def put(self, key: str, body: bytes, content_type: str = "application/octet-stream") -> None:
        self.calls.append(("put", key, False))
        self.inner.put(key, body, content_type)

    def list(self, prefix: str = "") -> dict[str, str]:
        self.calls.append(("list", prefix, False))
        return self.inner.list(prefix)

    def retire(self, prefix: str) -> None:
        self.calls.append(("retire", prefix, False))
        self.inner.retire(prefix)


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for k, v in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
                 "AWS_DEFAULT_REGION": REGION}.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        client = boto3.client("s3", region_name=REGION)
        client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        yield client


class Setup:
    def __init__(self, s3: Any, tmp_path: Path) -> None:
        self.s3 = s3
        self.folder = tmp_path / "docs"
        self.folder.mkdir()
        for name, text in DOCS.items():
            self.write(name, text)
        self.docs = Counting(FolderBlobStore(self.folder))
        self.versions = Counting(S3BlobStore(s3, BUCKET, "index/"))
        self.embedder = HashEmbedder()
        self.clock = FakeClock()
        self.publisher = IndexPublisher(self.docs, self.versions, self.embedder, self.clock)

    def write(self, name: str, text: str) -> None:
        (self.folder / name).write_text(text, "utf-8")

    def publish(self) -> dict[str, int]:
        self.clock.advance(1)  # a new second: a new version name even for a quick second publish
        self.docs.calls.clear()
        self.embedder.texts.clear()
        result = self.publisher.publish("token")
        assert result.started
        return result.stats

    def live(self, **kw: Any) -> LiveIndex:
        return LiveIndex(self.versions, HashEmbedder(), self.clock, **kw)

    def objects(self) -> list[str]:
        return [o["Key"] for o in self.s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


@pytest.fixture
def world(s3: Any, tmp_path: Path) -> Setup:
    return Setup(s3, tmp_path)


def top(index: LiveIndex, query: str) -> str:
    hits = index.retrieve(query, 3)
    return hits[0].text if hits else ""


def test_publish_writes_every_file_then_the_pointer(world: Setup) -> None:
    stats = world.publish()
    assert stats["documents"] == 4 and stats["fetched"] == 4 and stats["embedded"] == 4
    puts = [key for op, key, _ in world.versions.calls if op == "put"]
    assert puts[-1] == POINTER and all(k.split("/")[0] == puts[0].split("/")[0] for k in puts[:-1])
    pointer = current_pointer(world.versions)
    assert pointer is not None and set(pointer.files) >= {"index.json", "vectors.npy"}
    assert pointer.embedder == {"name": "hash-64", "dimension": 64} and "docs.json" in pointer.extras
    assert "warranty" in top(world.live(), "how long is the kettle warranty").lower()


def test_an_edit_costs_one_read_and_its_own_embeddings(world: Setup) -> None:
    world.publish()
    world.write("returns.md", "# Returns\n\nReturn any unworn item within 60 days for a full refund.")
    stats = world.publish()
    gets = [key for op, key, _ in world.docs.calls if op == "get"]
    assert stats["fetched"] == 1 and stats["embedded"] == 1 and gets == ["returns.md"]
    assert sum(op == "list" for op, _, _ in world.docs.calls) == 1
    assert "60 days" in top(world.live(), "return an item refund")


def test_nothing_changed_publishes_nothing(world: Setup) -> None:
    world.publish()
    before = current_pointer(world.versions)
    stats = world.publish()
    assert stats["fetched"] == 0 and current_pointer(world.versions) == before


def test_live_index_polls_with_the_etag_and_swaps_after_the_interval(world: Setup) -> None:
    world.publish()
    live = world.live(check_every=30)
    first = live.version
    world.versions.calls.clear()
    world.clock.mono += 10
    live.retrieve("returns", 3)
    assert world.versions.calls == []  # within 30 s: no request at all
    world.clock.mono += 25
    live.retrieve("returns", 3)
    assert world.versions.calls == [("get", POINTER, True)] and live.version == first  # 304, no body

    world.write("returns.md", "# Returns\n\nReturn any unworn item within 90 days for a full refund.")
    world.publish()
    assert "30 days" in top(live, "return an item refund")  # the interval has not passed: old version
    world.clock.mono += 31
    assert "90 days" in top(live, "return an item refund") and live.version != first


def test_a_crash_before_the_pointer_leaves_the_old_version_serving(world: Setup) -> None:
    world.publish()
    live = world.live()
    world.write("returns.md", "# Returns\n\nReturn any unworn item within 14 days.")

    def crash(key: str, body: bytes, content_type: str = "") -> None:
        if key == POINTER:
            raise StorageError("s3 put: connection reset")
        S3BlobStore.put(world.versions.inner, key, body, content_type)

    world.versions.inner.put = crash
    with pytest.raises(StorageError):
        world.publish()
    assert not live.refresh(force=True) and "30 days" in top(live, "return an item refund")


@pytest.mark.parametrize("damage", ["truncate", "delete_file", "missing_version", "garbage_pointer"])
def test_a_version_that_fails_to_load_is_skipped_and_alarmed(world: Setup, damage: str) -> None:
    world.publish()
    counted: list[str] = []
    live = world.live(count=counted.append)
    world.write("returns.md", "# Returns\n\nReturn any unworn item within 7 days.")
    world.publish()
    pointer = current_pointer(world.versions)
    assert pointer is not None
    key = f"index/{pointer.version}/vectors.npy"
    if damage == "truncate":
        body = world.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
        world.s3.put_object(Bucket=BUCKET, Key=key, Body=body[: len(body) // 2])
    elif damage == "delete_file":
        world.s3.delete_object(Bucket=BUCKET, Key=key)
    elif damage == "missing_version":
        bad = Pointer(**{**pointer.__dict__, "version": "20990101T000000Z-000000000000"})
        world.s3.put_object(Bucket=BUCKET, Key=f"index/{POINTER}", Body=bad.to_json())
    else:
        world.s3.put_object(Bucket=BUCKET, Key=f"index/{POINTER}", Body=b'{"format": 1, "vers')
    assert not live.refresh(force=True)
    assert counted == ["IndexReloadFailed"] and "30 days" in top(live, "return an item refund")
    world.versions.calls.clear()
    assert not live.refresh(force=True) and counted == ["IndexReloadFailed"]  # the same bad pointer: not reloaded
    assert [op for op, _, _ in world.versions.calls] == ["get"]


def test_an_s3_outage_during_reload_keeps_serving(world: Setup) -> None:
    world.publish()
    counted: list[str] = []
    live = world.live(count=counted.append)

    def outage(key: str, *, if_none_match: str = "") -> Blob | None:
        raise StorageError("s3 get: ServiceUnavailable")

    world.versions.inner.get = outage
    assert not live.refresh(force=True) and counted == ["IndexReloadFailed"]
    assert "30 days" in top(live, "return an item refund")


def test_cold_start_without_an_index_is_a_clear_error(world: Setup) -> None:
    with pytest.raises(RetrievalError, match="no index published"):
        world.live()


def test_cold_start_falls_back_to_the_previous_version(world: Setup) -> None:
    world.publish()
    world.write("returns.md", "# Returns\n\nReturn any unworn item within 7 days.")
    world.publish()
    pointer = current_pointer(world.versions)
    assert pointer is not None
    world.s3.delete_object(Bucket=BUCKET, Key=f"index/{pointer.version}/index.json")
    counted: list[str] = []
    live = world.live(count=counted.append)
    assert live.version == pointer.previous and counted == ["IndexReloadFailed"]
    assert "30 days" in top(live, "return an item refund")


def test_another_embedders_index_is_refused(world: Setup) -> None:
    world.publish()

    class Other(HashEmbedder):
        name = "other-64"

    with pytest.raises(RetrievalError, match="refusing to mix"):
        LiveIndex(world.versions, Other(), world.clock)


def test_an_emptied_folder_publishes_an_empty_knowledge_base(world: Setup) -> None:
    world.publish()
    live = world.live()
    for name in DOCS:
        (world.folder / name).unlink()
    stats = world.publish()
    assert stats["documents"] == 0
    assert live.refresh(force=True) and live.retrieve("returns", 3) == []


def test_unreadable_documents_are_recorded_not_reread(world: Setup) -> None:
    (world.folder / "scan.pdf").write_bytes(b"%PDF-1.4 binary\x00")
    (world.folder / "notes.md").write_bytes(b"\xff\xfe not utf-8")
    stats = world.publish()
    assert stats["skipped"] == 2 and stats["documents"] == 4
    world.write("returns.md", "# Returns\n\nWithin 45 days.")
    stats = world.publish()
    assert stats["fetched"] == 1  # the skipped two are not fetched again


def test_versions_before_the_previous_one_are_retired(world: Setup) -> None:
    versions = []
    for days in (10, 20, 30):
        world.write("returns.md", f"# Returns\n\nReturn within {days} days.")
        world.publish()
        pointer = current_pointer(world.versions)
        assert pointer is not None
        versions.append(pointer.version)
    tags = {key: world.s3.get_object_tagging(Bucket=BUCKET, Key=key)["TagSet"] for key in world.objects()}
    retired = {k.split("/")[1] for k, t in tags.items() if {"Key": "retired", "Value": "true"} in t}
    assert retired == {versions[0]}  # the current and the one before stay untagged


def test_pointer_round_trip_and_garbage() -> None:
    pointer = Pointer(version="v1", files={"index.json": "ab"}, documents=2)
    assert Pointer.from_json(pointer.to_json()) == pointer
    for raw in (b"", b"[]", json.dumps({"format": 9, "version": "v"}).encode(), b"\xff"):
        with pytest.raises(RetrievalError):
            Pointer.from_json(raw)


# -- composition: what the answerer Lambda and the laptop build from their settings ----------------------
def test_the_answerer_spec_serves_what_kb_sync_published(world: Setup) -> None:
    from assistant_core.bootstrap.specs import build_retriever, check_production_specs
    from assistant_core.settings import Settings

    class TitanNamed(HashEmbedder):
        name = "bedrock-amazon.titan-embed-text-v2:0-256"
        dimension = 256

    IndexPublisher(world.docs, world.versions, TitanNamed(), world.clock).publish("t")
    settings = Settings(region=REGION, kb=f"index:s3://{BUCKET}/index/", embedder="titan:256", stage="test")
    check_production_specs(settings)
    live = build_retriever(settings.kb, settings=settings)
    assert isinstance(live, LiveIndex) and live.version == current_pointer(world.versions).version  # type: ignore[union-attr]
    with pytest.raises(RetrievalError, match="refusing to mix"):  # the answerer's embedder must match the index's
        build_retriever(settings.kb, settings=Settings(region=REGION, kb=settings.kb, embedder="titan:512"))


@pytest.mark.parametrize(("kb", "embedder", "message"), [
    ("index:/srv/index", "titan:256", "runs only in the local stack"),
    ("index:s3://b/index/", "wordllama", "runs only in the local stack"),
])
def test_laptop_only_index_specs_fail_at_cold_start(kb: str, embedder: str, message: str) -> None:
    from assistant_core.bootstrap.specs import check_production_specs
    from assistant_core.errors import ConfigError
    from assistant_core.settings import Settings

    with pytest.raises(ConfigError, match=message):
        check_production_specs(Settings(kb=kb, embedder=embedder))


@pytest.mark.parametrize("spec", ["titan:300", "cohere", "titan:x"])
def test_bad_embedder_specs_are_config_errors(spec: str) -> None:
    from assistant_core.bootstrap.specs import build_embedder
    from assistant_core.errors import ConfigError
    from assistant_core.settings import Settings

    with pytest.raises(ConfigError):
        build_embedder(spec, settings=Settings())


def test_the_laptop_serves_versions_published_to_a_folder(tmp_path: Path) -> None:
    from assistant_core.bootstrap.local import build_retriever
    from assistant_core.local.embedder_wordllama import WordLlamaEmbedder
    from assistant_core.settings import Settings

    docs = tmp_path / "docs"
    docs.mkdir()
    for name, text in DOCS.items():
        (docs / name).write_text(text, "utf-8")
    index = tmp_path / "index"
    IndexPublisher(FolderBlobStore(docs), FolderBlobStore(index), WordLlamaEmbedder(), FakeClock()).publish("t")
    settings = Settings.local(kb=f"index:{index}")
    live = build_retriever(settings.kb, settings.docs_dir, settings=settings)
    hits = live.retrieve("how long does delivery take", 2)
    assert hits and hits[0].source == "shipping.md"


def test_throttling_mid_build_keeps_what_was_embedded_for_the_next_run(world: Setup) -> None:
    from assistant_core.retrieval.index import EmbeddingIncomplete

    for i in range(70):
        world.write(f"topic-{i}.md", f"# Topic {i}\n\nFacts about subject number {i} and its particular care.")

    class Throttled(HashEmbedder):
        budget = 40

        def embed(self, texts: Sequence[str]) -> np.ndarray:
            if len(self.texts) + len(texts) > self.budget:
                raise RetrievalError("embeddings: ThrottlingException after retries")
            return super().embed(texts)

    world.publisher.embedder = Throttled()
    with pytest.raises(EmbeddingIncomplete, match="embedded 32 of 74"):
        world.publish()
    assert current_pointer(world.versions) is None  # nothing half-built was published
    world.publisher.embedder = world.embedder
    stats = world.publish()
    assert stats["embedded"] == 74 - 32 and stats["documents"] == 74
    tags = world.s3.get_object_tagging(Bucket=BUCKET, Key="index/pending/vectors.npz")["TagSet"]
    assert {"Key": "retired", "Value": "true"} in tags  # used up: the lifecycle rule removes it


def test_a_doc_that_becomes_empty_or_huge_leaves_the_index(world: Setup) -> None:
    world.publish()
    world.write("returns.md", "")
    (world.folder / "warranty.md").write_bytes(b"# Warranty\n\n" + b"Long text. " * 2_000_000)  # ~20 MB
    stats = world.publish()
    assert stats["documents"] == 2 and stats["skipped"] == 2
    pointer = current_pointer(world.versions)
    assert pointer is not None
    docs = json.loads(world.s3.get_object(Bucket=BUCKET, Key=f"index/{pointer.version}/docs.json")["Body"].read())
    assert docs["returns.md"]["skipped"] == "empty document" and "larger than" in docs["warranty.md"]["skipped"]
    assert all(h.source not in ("returns.md", "warranty.md") for h in world.live().retrieve("warranty returns", 5))
