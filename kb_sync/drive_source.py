"""Google Drive as a ``Source``: recursive listing, the changes feed, export and download.

Keys are ``<file id><ext>``: stable across renames and moves, unique when titles repeat.
Shared drives work: the root folder's ``driveId`` scopes listing and changes to that drive.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from .attributes import join_path
from .drive_http import DriveHttp, Params
from .errors import (
    ChangeTokenRejected,
    DriveApiError,
    DriveAuthError,
    DriveUnavailable,
    FetchFailed,
    FileSkipped,
    FolderNotFound,
)
from .formats import ALL_EXTS, EXPORT_LIMIT_BYTES, Plan, Target, check_body, plan_for
from .model import Change, ChangePage, Document, RemoteFile, Tree

log = logging.getLogger(__name__)

# webViewLink is not asked for: it opens the file in Drive, which a visitor cannot; a writer gives a doc its
# public page as the custom property ``url`` (or a ``url:`` line in the doc, or the owner's URL map).
FILE_FIELDS = "id,name,mimeType,modifiedTime,md5Checksum,properties,parents,size,trashed,driveId"
LIST_FIELDS = f"nextPageToken,incompleteSearch,files({FILE_FIELDS})"
CHANGE_FIELDS = f"nextPageToken,newStartPageToken,changes(fileId,removed,time,file({FILE_FIELDS}))"
UNDOWNLOADABLE = frozenset({"cannotDownloadFile", "fileNotDownloadable", "cannotCopyFile"})


class DriveSource:
    id_attribute = "drive_file_id"
    has_change_feed = True

    def __init__(
        self,
        http: DriveHttp,
        folder_id: str,
        *,
        max_file_bytes: int = 50 * 1024 * 1024,
        export_limit: int = EXPORT_LIMIT_BYTES,
        page_size: int = 1000,
        folders_per_query: int = 20,
    ) -> None:
        self.http = http
        self.root_id = folder_id
        self.source_id = f"drive:{folder_id}"
        self.max_file_bytes = max_file_bytes
        self.export_limit = export_limit
        self.page_size = page_size
        self.folders_per_query = folders_per_query
        self._drive_id: str | None = None  # learnt from the root folder

    # -- the tree ------------------------------------------------------------------------------
    def start_token(self) -> str | None:
        data = self.http.get_json("/drive/v3/changes/startPageToken", self._drive_params())
        token = data.get("startPageToken")
        if not token:
            raise DriveUnavailable("Drive returned no startPageToken")
        return str(token)

    def list_tree(self) -> Tree:
        # Check the root on every listing, not once per source: a folder unshared or trashed since the
        # last run must fail as FolderNotFound, never list as empty (which would delete every document).
        self._drive_id = str(self._root().get("driveId") or "")
        self._drive_params()
        folders: dict[str, str] = {self.root_id: ""}
        files: list[RemoteFile] = []
        frontier = [self.root_id]
        complete = True
        while frontier:
            batch, frontier = frontier[: self.folders_per_query], frontier[self.folders_per_query :]
            parents = " or ".join(f"'{_quote(fid)}' in parents" for fid in batch)
            for raw, page_complete in self._list(f"({parents}) and trashed = false"):
                complete = complete and page_complete
                parent = next((p for p in raw.get("parents", []) if p in batch), batch[0])
                item = self._remote(raw, parent=parent, path=join_path(folders[parent], raw.get("name", "")))
                if item.is_folder:
                    if item.id not in folders:  # Drive has no cycles, but never loop on bad data
                        folders[item.id] = item.path
                        frontier.append(item.id)
                else:
                    files.append(item)
        return Tree(files=files, folders=folders, complete=complete)

    def watch(self, channel_id: str, token: str, address: str, expiration_ms: int) -> tuple[str, float]:
        """``changes.watch`` from the current position: Drive POSTs to ``address`` on every change."""
        params = {"pageToken": self.start_token(), **self._drive_params()}
        body = {"id": channel_id, "type": "web_hook", "address": address, "token": token,
                "expiration": expiration_ms}
        data = self.http.post_json("/drive/v3/changes/watch", params, body)
        resource_id = str(data.get("resourceId") or "")
        if not resource_id:
            raise DriveUnavailable("Drive opened a watch channel without a resourceId")
        expiration = str(data.get("expiration") or expiration_ms)
        return resource_id, int(expiration) / 1000 if expiration.isdigit() else expiration_ms / 1000

    def stop_channel(self, channel_id: str, resource_id: str) -> None:
        self.http.post_json("/drive/v3/channels/stop", {}, {"id": channel_id, "resourceId": resource_id})

    def changes(self, token: str) -> Iterator[ChangePage]:
        while True:
            params: dict[str, Any] = {
                "pageToken": token,
                "pageSize": self.page_size,
                "includeRemoved": True,
                "spaces": "drive",
                "fields": CHANGE_FIELDS,
                **self._drive_params(),
            }
            try:
                data = self.http.get_json("/drive/v3/changes", params)
            except DriveApiError as exc:
                if exc.status in (400, 404):
                    raise ChangeTokenRejected(f"Drive rejected the stored change token: {exc}") from exc
                raise
            changes = [
                Change(
                    file_id=str(c.get("fileId", "")),
                    removed=bool(c.get("removed", False)),
                    file=self._remote(c["file"]) if c.get("file") else None,
                )
                for c in data.get("changes", [])
            ]
            if data.get("newStartPageToken"):
                yield ChangePage(changes, str(data["newStartPageToken"]), last=True)
                return
            if not data.get("nextPageToken"):
                raise DriveUnavailable("Drive changes page had neither nextPageToken nor newStartPageToken")
            token = str(data["nextPageToken"])
            yield ChangePage(changes, token, last=False)

    def describe(self, file_id: str) -> RemoteFile | None:
        try:
            raw = self.http.get_json(
                f"/drive/v3/files/{file_id}", {"fields": FILE_FIELDS, "supportsAllDrives": True}
            )
        except DriveApiError as exc:
            if exc.status == 404:
                return None
            raise
        return self._remote(raw)

    # -- bodies --------------------------------------------------------------------------------
    def fetch(self, file: RemoteFile) -> Document:
        plan = plan_for(file.mime_type, file.name)
        if isinstance(plan, str):
            raise FileSkipped(plan)
        if plan.download is not None:
            return self._download(file, plan.download)
        return self._export(file, plan)

    def key_for(self, file: RemoteFile, ext: str) -> str:
        return f"{file.id}{ext}"

    def candidate_keys(self, file_id: str) -> list[str]:
        return [f"{file_id}{ext}" for ext in ALL_EXTS]

    def _export(self, file: RemoteFile, plan: Plan) -> Document:
        failures: list[str] = []
        transient = False
        for target in plan.export:
            try:
                body = self.http.get_bytes(
                    f"/drive/v3/files/{file.id}/export", {"mimeType": target.mime}, limit=self.export_limit
                )
            except DriveApiError as exc:
                if exc.reason == "exportSizeLimitExceeded":
                    raise FileSkipped("export larger than Drive's 10 MB export limit") from exc
                if exc.status == 404:
                    raise FetchFailed("gone from Drive while syncing") from exc
                failures.append(f"{target.mime}: {exc.status} {exc.reason or exc.message}")
                continue
            except DriveUnavailable as exc:
                transient = True
                failures.append(f"{target.mime}: {exc}")
                continue
            return _checked(body, target)
        if transient:
            raise FetchFailed("export failed: " + "; ".join(failures))
        raise FileSkipped("Drive could not export it (" + "; ".join(failures) + ")")

    def _download(self, file: RemoteFile, target: Target) -> Document:
        try:
            body = self.http.get_bytes(
                f"/drive/v3/files/{file.id}",
                {"alt": "media", "supportsAllDrives": True},
                limit=self.max_file_bytes,
            )
        except DriveApiError as exc:
            if exc.status == 404:
                raise FetchFailed("gone from Drive while syncing") from exc
            if exc.reason in UNDOWNLOADABLE:
                raise FileSkipped("its owner disabled downloading it") from exc
            raise FileSkipped(f"Drive refused the download ({exc.status} {exc.reason})") from exc
        except DriveUnavailable as exc:
            raise FetchFailed(str(exc)) from exc
        return _checked(body, target)

    # -- helpers -------------------------------------------------------------------------------
    def _list(self, q: str) -> Iterator[tuple[dict[str, Any], bool]]:
        params: dict[str, Any] = {
            "q": q,
            "pageSize": self.page_size,
            "fields": LIST_FIELDS,
            "supportsAllDrives": True,
            "includeItemsFromAllDrives": True,
            **({"corpora": "drive", "driveId": self._drive_id} if self._drive_id else {}),
        }
        while True:
            data = self.http.get_json("/drive/v3/files", params)
            complete = not data.get("incompleteSearch", False)
            for raw in data.get("files", []):
                yield raw, complete
            if not data.get("nextPageToken"):
                return
            params["pageToken"] = data["nextPageToken"]

    def _drive_params(self) -> Params:
        """Checks the root folder once per run and scopes requests to its shared drive, if any."""
        if self._drive_id is None:
            root = self._root()
            self._drive_id = str(root.get("driveId") or "")
        if not self._drive_id:
            return {"supportsAllDrives": True, "includeItemsFromAllDrives": True}
        return {"supportsAllDrives": True, "includeItemsFromAllDrives": True, "driveId": self._drive_id}

    def _root(self) -> dict[str, Any]:
        where = f"Drive folder {self.root_id!r}"
        try:
            root = self.http.get_json(
                f"/drive/v3/files/{self.root_id}",
                {"fields": "id,name,mimeType,trashed,driveId", "supportsAllDrives": True},
            )
        except DriveApiError as exc:
            if exc.status == 404:
                raise FolderNotFound(f"{where} does not exist or is not shared with the sync account") from exc
            if exc.status == 403:
                raise DriveAuthError(f"{where}: access denied ({exc.reason}: {exc.message})") from exc
            raise
        if root.get("mimeType") != "application/vnd.google-apps.folder":
            raise FolderNotFound(f"{where} is not a folder ({root.get('mimeType')})")
        if root.get("trashed"):
            raise FolderNotFound(f"{where} is in the trash; restore it or configure another folder")
        return root

    def _remote(self, raw: dict[str, Any], *, parent: str = "", path: str = "") -> RemoteFile:
        mime = str(raw.get("mimeType", ""))
        name = str(raw.get("name", ""))
        size = int(raw["size"]) if str(raw.get("size", "")).isdigit() else None
        skip = "" if mime == "application/vnd.google-apps.folder" else _skip_reason(mime, name, size, self)
        return RemoteFile(
            id=str(raw["id"]),
            name=name,
            mime_type=mime,
            parent=parent or next(iter(raw.get("parents") or []), ""),
            modified=str(raw.get("modifiedTime", "")),
            fingerprint=str(raw.get("md5Checksum") or f"modified:{raw.get('modifiedTime', '')}"),
            url=_public_url(raw.get("properties")),
            size=size,
            trashed=bool(raw.get("trashed", False)),
            path=path,
            skip_reason=skip,
        )


def _public_url(properties: Any) -> str:
    url = str(properties.get("url", "")).strip() if isinstance(properties, dict) else ""
    return url if url.startswith(("https://", "http://")) else ""


def _skip_reason(mime: str, name: str, size: int | None, source: DriveSource) -> str:
    plan = plan_for(mime, name)
    if isinstance(plan, str):
        return plan
    if plan.download is not None and size is not None and size > source.max_file_bytes:
        return f"larger than {source.max_file_bytes // (1024 * 1024)} MB"
    return ""


def _checked(body: bytes, target: Target) -> Document:
    problem = check_body(body, target.ext)
    if problem:
        raise FileSkipped(problem)
    return Document(body=body, ext=target.ext, content_type=target.content_type)


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace("'", "\\'")
