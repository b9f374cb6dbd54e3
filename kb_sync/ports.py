"""The engine's ports: where files come from, where they go, where progress is kept, who is told."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Protocol

from .model import ChangePage, Document, PublishResult, RemoteFile, Tree
from .state import SyncState


class Source(Protocol):
    """A folder tree of documents: Google Drive or a local directory."""

    source_id: str  # identifies the tree ("drive:<folder id>", "folder:<abs path>")
    root_id: str
    id_attribute: str  # sidecar attribute carrying the file id ("drive_file_id", "source")
    has_change_feed: bool  # False: every run relists (cheap for a local folder)

    def start_token(self) -> str | None:
        """A change-feed position taken before listing; ``None`` when there is no feed."""

    def list_tree(self) -> Tree:
        """Everything under the root. Raises (never returns a partial tree as complete)."""

    def changes(self, token: str) -> Iterator[ChangePage]:
        """Changes since ``token``, a page at a time."""

    def describe(self, file_id: str) -> RemoteFile | None:
        """The file's current metadata, ``None`` when it is gone."""

    def fetch(self, file: RemoteFile) -> Document:
        """The body to store. Raises ``FileSkipped`` (permanent) or ``FetchFailed`` (transient)."""

    def key_for(self, file: RemoteFile, ext: str) -> str:
        """Stable object key relative to the sink, from the file id or path, never the title."""

    def candidate_keys(self, file_id: str) -> list[str]:
        """Every key this file id could have been written under (for crash clean-up)."""


class Sink(Protocol):
    """Holds one object per document plus its ``<key>.metadata.json`` sidecar."""

    def put(self, key: str, doc: Document, attributes: Mapping[str, str]) -> None: ...

    def put_attributes(self, key: str, attributes: Mapping[str, str]) -> None: ...

    def delete(self, key: str) -> None: ...


class StateStore(Protocol):
    def load(self) -> SyncState | None: ...

    def save(self, state: SyncState) -> None: ...


class Publisher(Protocol):
    """Makes written documents searchable: a KB ingestion job or a local index rebuild."""

    def publish(self, token: str) -> PublishResult:
        """Start; ``started=False`` means busy, try next tick. ``token`` makes retries idempotent."""

    def check(self, job_id: str) -> PublishResult | None:
        """Status of an earlier job (``None`` when there is nothing to check)."""


AttributeMap = Mapping[str, str]
