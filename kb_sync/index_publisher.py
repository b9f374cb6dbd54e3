"""The publisher for ``--kb index:LOCATION``: the synced documents become a new published index version.

Incremental by construction, whatever the sync before it did: one listing of the documents (ETags), a
read only of documents whose ETag (or sidecar's) differs from what the current version recorded in its
``docs.json``, and an embedding call only for chunks whose text is new (``LocalIndex.from_docs(reuse=)``).
So 5 changed docs in a 500-doc folder cost one LIST, 10 GETs and the changed chunks' embeddings; BM25
is rebuilt over all chunks in memory (no I/O). A run interrupted before the pointer is written leaves
the old version serving and ``publish_pending`` set, so the next tick does it again.

Formats the index cannot read (PDF, images) are recorded as skipped, so they are not re-read every run.
When the embedder fails part-way (Titan throttling), the vectors it returned are kept in
``pending/vectors.npz`` and the next run embeds only the rest.
"""

from __future__ import annotations

import io
import json
import logging
from typing import Any

import numpy as np

from assistant_core.errors import AssistantError, BadInput, NotFound
from assistant_core.ports import Clock
from assistant_core.retrieval.docs import Doc, Skipped, parse_doc, sidecar_fields
from assistant_core.retrieval.index import EmbeddingIncomplete, LocalIndex
from assistant_core.retrieval.ports import BlobStore, Embedder
from assistant_core.retrieval.versions import Pointer, current_pointer, load_version, publish_version, read_files

from .attributes import SIDECAR_SUFFIX
from .model import PublishResult

log = logging.getLogger(__name__)
DOCS_FILE = "docs.json"
PENDING = "pending/vectors.npz"


class IndexPublisher:
    def __init__(self, docs: BlobStore, versions: BlobStore, embedder: Embedder | None, clock: Clock) -> None:
        self.docs = docs  # the sink's objects and sidecars (S3 kb/, or the local docs folder)
        self.versions = versions
        self.embedder = embedder
        self.clock = clock

    def publish(self, token: str) -> PublishResult:
        listing = self.docs.list()
        keys = sorted(k for k in listing if not k.endswith(SIDECAR_SUFFIX) and not _hidden(k))
        pointer = current_pointer(self.versions)
        before = self._recorded(pointer)
        records: dict[str, dict[str, str]] = {}
        fetched = 0
        for key in keys:
            signature = f"{listing[key]}/{listing.get(key + SIDECAR_SUFFIX, '')}"
            old = before.get(key)
            if old is not None and old.get("sig") == signature:
                records[key] = old
                continue
            record = self._read(key, signature, sidecar=key + SIDECAR_SUFFIX in listing)
            fetched += 1
            if record is not None:
                records[key] = record
        if pointer is not None and records == before:
            return PublishResult(started=True, detail=f"index unchanged (version {pointer.version})",
                                 stats={"documents": pointer.documents, "fetched": fetched, "embedded": 0})
        docs = [Doc(k, r["title"], r["url"], r["body"]) for k, r in records.items() if "body" in r]
        skipped = [Skipped(k, r["skipped"]) for k, r in records.items() if "skipped" in r]
        pending = self._pending()
        reuse = self._reusable(pointer) if before else None  # loaded only when a build needs its vectors
        try:
            index: LocalIndex | None = LocalIndex.from_docs(docs, skipped, self.embedder, reuse=reuse,
                                                            vectors=pending)
        except BadInput:
            index = None  # nothing indexable left: publish an empty knowledge base, not the stale one
        except EmbeddingIncomplete as e:  # keep what was embedded; the engine retries next tick
            self._keep_pending({**pending, **e.done})
            raise
        extras = {DOCS_FILE: json.dumps(records, ensure_ascii=False, sort_keys=True).encode("utf-8")}
        new = publish_version(self.versions, index, self.clock, extras=extras, previous=pointer)
        if pending:
            self.versions.retire("pending/")
        stats = {"documents": new.documents, "chunks": new.chunks, "fetched": fetched,
                 "embedded": index.stats.embedded if index is not None else 0, "skipped": len(skipped)}
        detail = f"index version {new.version}: " + ", ".join(f"{v} {k}" for k, v in stats.items())
        log.info("kb_sync: %s", detail)
        return PublishResult(started=True, detail=detail, stats=stats)

    def check(self, job_id: str) -> PublishResult | None:
        return None  # publishing is synchronous: nothing to poll

    def _recorded(self, pointer: Pointer | None) -> dict[str, dict[str, str]]:
        """What the current version recorded of each document ({} when there is none or it is unreadable)."""
        if pointer is None:
            return {}
        try:
            raw = read_files(self.versions, pointer.version, {DOCS_FILE: pointer.extras[DOCS_FILE]})[DOCS_FILE]
            return json.loads(raw.decode("utf-8"))
        except (AssistantError, KeyError, ValueError) as e:
            log.warning("kb_sync: current index version %s unreadable (%s); rebuilding from every document",
                        pointer.version, e)
            return {}

    def _reusable(self, pointer: Pointer | None) -> LocalIndex | None:
        """The current version's index, whose vectors an incremental build reuses."""
        if pointer is None:
            return None
        try:
            return load_version(self.versions, pointer, self.embedder)
        except AssistantError as e:  # e.g. another embedder built it: every chunk is embedded again
            log.warning("kb_sync: not reusing vectors of %s: %s", pointer.version, e)
            return None

    def _pending(self) -> dict[str, np.ndarray]:
        """Vectors an interrupted run kept, if this embedder made them."""
        if self.embedder is None:
            return {}
        try:
            blob = self.versions.get(PENDING)
            assert blob is not None
            with np.load(io.BytesIO(blob.body), allow_pickle=False) as data:
                if str(data["embedder"]) != self.embedder.name:
                    return {}
                return dict(zip((str(t) for t in data["texts"]), data["vectors"], strict=True))
        except NotFound:
            return {}
        except (AssistantError, ValueError, KeyError, OSError) as e:  # unreadable: embed again, never fail for it
            log.warning("kb_sync: ignoring %s: %s", PENDING, e)
            return {}

    def _keep_pending(self, vectors: dict[str, np.ndarray]) -> None:
        if self.embedder is None or not vectors:
            return
        out = io.BytesIO()
        np.savez(out, embedder=np.array(self.embedder.name), texts=np.array(list(vectors)),
                 vectors=np.stack(list(vectors.values())).astype(np.float32))
        try:
            self.versions.put(PENDING, out.getvalue())
            log.warning("kb_sync: embedding interrupted; kept %d vectors for the next run", len(vectors))
        except AssistantError as e:
            log.warning("kb_sync: could not keep the embedded vectors: %s", e)

    def _read(self, key: str, signature: str, *, sidecar: bool) -> dict[str, str] | None:
        try:
            blob = self.docs.get(key)
        except NotFound:
            return None  # deleted between the listing and now: the next run sees it gone
        try:
            side = self.docs.get(key + SIDECAR_SUFFIX) if sidecar else None
        except NotFound:
            side = None
        assert blob is not None
        got: Any = parse_doc(key, blob.body, sidecar_fields(side.body) if side is not None else {})
        if isinstance(got, Skipped):
            return {"sig": signature, "skipped": got.reason}
        return {"sig": signature, "title": got.title, "url": got.url, "body": got.body}


def _hidden(key: str) -> bool:
    # The local sink keeps its sync state (and temporary files) in dot-folders next to the documents.
    return any(part.startswith(".") for part in key.split("/"))
