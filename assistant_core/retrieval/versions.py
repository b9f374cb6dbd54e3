"""Published index versions (``--kb index:LOCATION``): how kb_sync hands the answerer a new index.

A version is a set of immutable files under ``<version>/`` (``index.json``, ``bm25/*``, ``vectors.npy``,
plus extras only the publisher reads, like ``docs.json``); ``CURRENT.json``, written **last**, names the
version and the SHA-256 of each of its files. So a reader either sees the old pointer or a new one whose
files are all in place, and a truncated or altered file is caught by its digest before it is served.

The publisher keeps two versions alive (the new one and the one before, which an answerer may still be
loading) and retires the one before that. ``LiveIndex`` is the answerer's ``Retriever``: it loads the
current version at cold start, asks for the pointer at most every ``check_every`` seconds with the ETag
it has (an unchanged pointer costs no body), and swaps to a new version only once it has loaded whole;
a version that fails to load is logged, counted (``IndexReloadFailed``) and skipped, and the previous one
keeps serving.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field

from assistant_core.errors import AssistantError, NotFound, RetrievalError, StorageError
from assistant_core.ports import Clock
from assistant_core.retrieval.index import LocalIndex
from assistant_core.retrieval.passages import Passage
from assistant_core.retrieval.ports import BlobStore, Embedder

log = logging.getLogger(__name__)

POINTER = "CURRENT.json"
POINTER_FORMAT = 1
CHECK_EVERY_S = 30.0


@dataclass(frozen=True)
class Pointer:
    version: str
    files: dict[str, str]  # name -> sha256 hex, the files the answerer loads
    extras: dict[str, str] = field(default_factory=dict)  # name -> sha256 hex, files for the publisher only
    documents: int = 0
    chunks: int = 0
    embedder: dict[str, object] | None = None
    published_at: str = ""
    previous: str = ""  # the version before (kept alive while answerers may still load it)

    @property
    def empty(self) -> bool:
        """No documents at all (the writers emptied the folder): every search finds nothing."""
        return not self.files

    def to_json(self) -> bytes:
        return json.dumps({"format": POINTER_FORMAT, **asdict(self)}, indent=1).encode("utf-8")

    @classmethod
    def from_json(cls, raw: bytes) -> Pointer:
        try:
            data = json.loads(raw.decode("utf-8"))
            if data.pop("format", None) != POINTER_FORMAT:
                raise ValueError("unknown pointer format")
            pointer = cls(**data)
            if not pointer.version or not isinstance(pointer.files, dict):
                raise ValueError("no version")
        except (ValueError, TypeError, AttributeError) as e:
            raise RetrievalError(f"unreadable index pointer {POINTER}: {e}") from e
        return pointer


def digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def publish_version(
    store: BlobStore, index: LocalIndex | None, clock: Clock, *, previous: Pointer | None,
    extras: Mapping[str, bytes] | None = None,
) -> Pointer:
    """Writes ``index`` (``None``: an empty knowledge base) as a new version, then the pointer to it.
    ``previous``: the current pointer, as the caller read it (``current_pointer``) before building."""
    files = index.to_files() if index is not None else {}
    extra_files = dict(extras or {})
    sums = {name: digest(body) for name, body in files.items()}
    extra_sums = {name: digest(body) for name, body in extra_files.items()}
    content = digest(json.dumps([sorted(sums.items()), sorted(extra_sums.items())]).encode())
    version = f"{clock.now():%Y%m%dT%H%M%S}Z-{content[:12]}"
    for name, body in {**files, **extra_files}.items():
        store.put(f"{version}/{name}", body)
    pointer = Pointer(
        version=version, files=sums, extras=extra_sums,
        documents=index.stats.documents if index is not None else 0,
        chunks=index.stats.chunks if index is not None else 0,
        embedder=index.embedder_id if index is not None else None,
        published_at=clock.now_iso(), previous=previous.version if previous else "",
    )
    # The version keeps its own record (for a fall back to it), then the pointer goes last: only now
    # can anyone see the version.
    store.put(f"{version}/{POINTER}", pointer.to_json(), "application/json")
    store.put(POINTER, pointer.to_json(), "application/json")
    if previous is not None and previous.previous and previous.previous != version:
        store.retire(f"{previous.previous}/")
    return pointer


def current_pointer(store: BlobStore) -> Pointer | None:
    """The published pointer, ``None`` before the first publish."""
    try:
        blob = store.get(POINTER)
    except NotFound:
        return None
    return Pointer.from_json(blob.body) if blob is not None else None


def read_files(store: BlobStore, version: str, sums: Mapping[str, str]) -> dict[str, bytes]:
    """A version's files, each checked against its digest (a missing one is a ``RetrievalError`` too)."""
    files: dict[str, bytes] = {}
    for name, want in sums.items():
        try:
            blob = store.get(f"{version}/{name}")
        except NotFound as e:
            raise RetrievalError(f"index version {version} has no {name}") from e
        if blob is None or digest(blob.body) != want:
            raise RetrievalError(f"index version {version}: {name} is truncated or altered")
        files[name] = blob.body
    return files


def load_version(store: BlobStore, pointer: Pointer, embedder: Embedder | None) -> LocalIndex | None:
    """The version ``pointer`` names, whole and checked; ``None`` for an empty knowledge base."""
    if pointer.empty:
        return None
    return LocalIndex.from_files(read_files(store, pointer.version, pointer.files), embedder)


@dataclass(frozen=True)
class _Serving:
    index: LocalIndex | None
    version: str
    etag: str  # of the pointer that named this version (or that failed to load: not refetched until it changes)


class LiveIndex:
    """The ``Retriever`` over published versions: cold-start load, ETag polling, atomic swap."""

    def __init__(
        self, store: BlobStore, embedder: Embedder | None, clock: Clock, *,
        check_every: float = CHECK_EVERY_S, count: Callable[[str], None] | None = None,
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.clock = clock
        self.check_every = check_every
        self._count = count or (lambda name: None)
        self._lock = threading.Lock()  # one reload at a time; searches never wait for it
        self._serving = self._cold_start()
        self._next_check = clock.monotonic() + check_every

    @property
    def version(self) -> str:
        return self._serving.version

    def retrieve(self, query: str, k: int) -> list[Passage]:
        self.refresh()
        index = self._serving.index  # one read: a swap mid-search cannot mix two versions
        return index.retrieve(query, k) if index is not None else []

    def knows(self, term: str) -> bool:
        index = self._serving.index
        return index.knows(term) if index is not None else False

    def refresh(self, *, force: bool = False) -> bool:
        """Checks the pointer if ``check_every`` has passed (or ``force``); ``True`` when a new version is served."""
        now = self.clock.monotonic()
        if not force and now < self._next_check:
            return False
        if not self._lock.acquire(blocking=False):
            return False  # another thread is already checking
        try:
            self._next_check = now + self.check_every
            return self._reload()
        finally:
            self._lock.release()

    def _reload(self) -> bool:
        serving = self._serving
        blob = None
        try:
            blob = self.store.get(POINTER, if_none_match=serving.etag)
            if blob is None:
                return False  # unchanged: 304, no body
            pointer = Pointer.from_json(blob.body)
            if pointer.version == serving.version:
                self._serving = _Serving(serving.index, serving.version, blob.etag)
                return False
            index = load_version(self.store, pointer, self.embedder)
        except AssistantError as e:
            self._count("IndexReloadFailed")
            log.error("index at %s: could not load the new version; still serving %s: %s",
                      self.store.location, serving.version, e)
            if blob is not None:  # this pointer's version is bad: wait for the next publish
                self._serving = _Serving(serving.index, serving.version, blob.etag)
            return False
        self._serving = _Serving(index, pointer.version, blob.etag)
        self._count("IndexReloaded")
        log.info("index at %s: now serving %s (%d documents, %d chunks)", self.store.location,
                 pointer.version, pointer.documents, pointer.chunks)
        return True

    def _cold_start(self) -> _Serving:
        """The current version, or the one before it when the current fails to load; else a ``RetrievalError``."""
        try:
            blob = self.store.get(POINTER)
        except NotFound as e:
            raise RetrievalError(f"no index published at {self.store.location} yet (run kb_sync)") from e
        except StorageError as e:  # S3 answers 403 for a missing key to a reader without ListBucket
            raise RetrievalError(f"cannot read {self.store.location}{POINTER} (has kb-sync published an index "
                                 f"yet?): {e}") from e
        assert blob is not None  # no if_none_match: always a body
        pointer = Pointer.from_json(blob.body)
        try:
            return _Serving(load_version(self.store, pointer, self.embedder), pointer.version, blob.etag)
        except RetrievalError as e:
            if not pointer.previous:
                raise
            self._count("IndexReloadFailed")
            log.error("index at %s: version %s does not load (%s); serving %s", self.store.location,
                      pointer.version, e, pointer.previous)
        previous = _previous_pointer(self.store, pointer)
        return _Serving(load_version(self.store, previous, self.embedder), previous.version, blob.etag)


def _previous_pointer(store: BlobStore, pointer: Pointer) -> Pointer:
    """The pointer of the version before ``pointer``'s, rebuilt from that version's own record."""
    try:
        blob = store.get(f"{pointer.previous}/{POINTER}")
    except NotFound as e:
        raise RetrievalError(f"index version {pointer.previous} has no record of its files") from e
    assert blob is not None
    return Pointer.from_json(blob.body)
