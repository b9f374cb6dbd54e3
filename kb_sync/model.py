"""The nouns of a sync: files a source offers, their fetched bodies, changes and listings."""

from __future__ import annotations

from dataclasses import dataclass, field

FOLDER_MIME = "application/vnd.google-apps.folder"


@dataclass(frozen=True)
class RemoteFile:
    """One file or folder as the source describes it (a Drive file resource or a local path)."""

    id: str  # Drive file id, or the POSIX path relative to the source folder
    name: str  # what the writer sees; becomes the title
    mime_type: str
    parent: str = ""  # the parent folder id (first parent inside our tree when known)
    modified: str = ""  # ISO-8601 UTC
    fingerprint: str = ""  # changes whenever the content does (md5, or modifiedTime for Google files)
    url: str = ""  # Drive webViewLink, or a URL a local sidecar gave
    size: int | None = None
    trashed: bool = False
    path: str = ""  # folder path + name inside the synced tree, e.g. "shipping/Rates"
    skip_reason: str = ""  # set when the source already knows it cannot sync this file

    @property
    def is_folder(self) -> bool:
        return self.mime_type == FOLDER_MIME


@dataclass(frozen=True)
class Document:
    """A fetched body, ready for a sink."""

    body: bytes
    ext: str  # ".md", ".pdf", ...
    content_type: str


@dataclass(frozen=True)
class Tree:
    """A complete listing of the synced folder tree."""

    files: list[RemoteFile]
    folders: dict[str, str]  # folder id -> path ("" for the root)
    complete: bool = True  # False when the source warned the listing may be partial


@dataclass(frozen=True)
class Change:
    """One entry of a change feed: the file's current state, or its removal."""

    file_id: str
    removed: bool
    file: RemoteFile | None = None


@dataclass(frozen=True)
class ChangePage:
    changes: list[Change]
    next_token: str  # resume here; on the last page this is the new start token
    last: bool


@dataclass
class PublishResult:
    """What a publisher (Bedrock ingestion, local index rebuild) did."""

    started: bool
    detail: str = ""
    job_id: str = ""
    stats: dict[str, int] = field(default_factory=dict)
