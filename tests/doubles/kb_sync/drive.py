"""A Drive v3 double: files.list/get/export/alt=media, the changes feed and push channels, over real HTTP.

Writers' actions (add, edit, rename, move, trash, delete) mutate an in-memory drive and append
to its change log the way Drive does: the feed lists each changed file once, with its latest
state (or ``removed: true``). Faults can be injected per operation (429 + Retry-After, 5xx, ...).

``changes.watch`` opens a channel; from then on every change POSTs a notification to the channel's
address with the ``X-Goog-*`` headers Drive sends (``sync`` once at the start, then ``change``), one
at a time and in order, from a background thread. ``channels.stop`` closes it. Unlike Drive, an
``http://127.0.0.1`` address is accepted (Drive insists on HTTPS with a valid certificate).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import queue
import re
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from .drive_query import QueryError, parse_fields, parse_q, project
from .server import LocalServer, Reply, Request

FOLDER = "application/vnd.google-apps.folder"
DOC = "application/vnd.google-apps.document"
SHEET = "application/vnd.google-apps.spreadsheet"
SLIDES = "application/vnd.google-apps.presentation"
EXPORT_LIMIT = 10 * 1024 * 1024
DEFAULT_FIELDS: dict[str, Any] = {"kind": None, "id": None, "name": None, "mimeType": None}
# What Drive returns when a request names no fields.
LIST_DEFAULT = {"kind": None, "nextPageToken": None, "incompleteSearch": None, "files": DEFAULT_FIELDS}
CHANGES_DEFAULT = {
    "kind": None, "nextPageToken": None, "newStartPageToken": None,
    "changes": {"kind": None, "changeType": None, "fileId": None, "time": None, "removed": None,
                "file": DEFAULT_FIELDS},
}


@dataclass
class DFile:
    id: str
    name: str
    mime_type: str
    parents: list[str]
    modified: datetime
    content: bytes = b""  # binary files
    exports: dict[str, bytes] = field(default_factory=dict)  # Google files: export mime -> body
    trashed: bool = False
    drive_id: str = ""
    downloadable: bool = True
    properties: dict[str, str] = field(default_factory=dict)  # public custom properties (files.properties)

    def resource(self) -> dict[str, Any]:
        r: dict[str, Any] = {
            "kind": "drive#file",
            "id": self.id,
            "name": self.name,
            "mimeType": self.mime_type,
            "parents": list(self.parents),
            "modifiedTime": self.modified.strftime("%Y-%m-%dT%H:%M:%S.") + f"{self.modified.microsecond // 1000:03d}Z",
            "trashed": self.trashed,
            "webViewLink": _link(self),
        }
        if not self.mime_type.startswith("application/vnd.google-apps."):
            r["md5Checksum"] = hashlib.md5(self.content).hexdigest()
            r["size"] = str(len(self.content))
        if self.drive_id:
            r["driveId"] = self.drive_id
        if self.properties:
            r["properties"] = dict(self.properties)
        return r


@dataclass
class Fault:
    op: str
    status: int
    times: int
    reason: str = ""
    retry_after: str | None = None
    file_id: str = ""


class DriveDouble:
    def __init__(self, is_valid_token: Any = None, *, max_page_size: int = 1000) -> None:
        self.is_valid_token = is_valid_token or (lambda token: bool(token))
        self.max_page_size = max_page_size
        self.files: dict[str, DFile] = {}
        self.change_log: list[tuple[int, str]] = []  # (seq, file id)
        self.calls: Counter[str] = Counter()
        self.faults: list[Fault] = []
        self.incomplete_search = False  # Drive's hint that a listing may have missed items
        self.latency_s = 0.0  # added to every request, to imitate a real network (benchmarks)
        self._ids = itertools.count(1)
        self._seq = itertools.count(1)
        self._now = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
        self._lock = threading.RLock()
        self.server = LocalServer(self._handle)
        self.channels: dict[str, dict[str, Any]] = {}  # open push channels by id
        self.notifications: list[tuple[dict[str, str], int]] = []  # (headers sent, status answered)
        self._outbox: queue.Queue[tuple[dict[str, Any], str] | None] = queue.Queue()
        self._sender: threading.Thread | None = None

    @property
    def url(self) -> str:
        return self.server.url

    # -- what writers do -----------------------------------------------------------------------
    def add_folder(self, name: str, parent: str = "", *, drive_id: str = "", file_id: str = "") -> str:
        return self._add(name, FOLDER, parent, drive_id=drive_id, file_id=file_id)

    def add_doc(self, name: str, parent: str, markdown: str, *, plain: str | None = None, **kw: Any) -> str:
        exports = {"text/markdown": markdown.encode(), "text/plain": (plain or _plain(markdown)).encode()}
        exports["text/html"] = f"<html><body><pre>{markdown}</pre></body></html>".encode()
        return self._add(name, DOC, parent, exports=exports, **kw)

    def add_sheet(self, name: str, parent: str, csv: str) -> str:
        return self._add(name, SHEET, parent, exports={"text/csv": csv.encode()})

    def add_slides(self, name: str, parent: str, text: str) -> str:
        return self._add(name, SLIDES, parent, exports={"text/plain": text.encode()})

    def add_file(self, name: str, parent: str, mime: str, content: bytes, **kw: Any) -> str:
        return self._add(name, mime, parent, content=content, **kw)

    def set_property(self, file_id: str, key: str, value: str) -> None:
        """files.update of a custom property: changes the file's metadata (and modifiedTime) like Drive does."""
        with self._lock:
            f = self.files[file_id]
            f.properties[key] = value
            self._touch(f)
            self._record(file_id)

    def edit_doc(self, file_id: str, markdown: str) -> None:
        with self._lock:
            f = self.files[file_id]
            f.exports.update({"text/markdown": markdown.encode(), "text/plain": _plain(markdown).encode()})
            self._touch(f)

    def edit_file(self, file_id: str, content: bytes) -> None:
        with self._lock:
            f = self.files[file_id]
            f.content = content
            self._touch(f)

    def rename(self, file_id: str, name: str) -> None:
        with self._lock:
            self.files[file_id].name = name
            self._touch(self.files[file_id])

    def move(self, file_id: str, new_parent: str) -> None:
        with self._lock:
            self.files[file_id].parents = [new_parent]
            self._record(file_id)  # moving does not change modifiedTime

    def trash(self, file_id: str, trashed: bool = True) -> None:
        with self._lock:
            self.files[file_id].trashed = trashed
            self._record(file_id)

    def delete(self, file_id: str) -> None:
        with self._lock:
            del self.files[file_id]
            self._record(file_id)

    def lose_silently(self, file_id: str) -> None:
        """The file vanishes from listings with no change entry (e.g. access lost upstream)."""
        with self._lock:
            del self.files[file_id]

    def fail(
        self, op: str, status: int, *, times: int = 1, reason: str = "", retry_after: str | None = None,
        file_id: str = "",
    ) -> None:
        """The next ``times`` calls of ``op`` (e.g. "files.list", "files.export", "*") get ``status``."""
        with self._lock:
            self.faults.append(Fault(op, status, times, reason, retry_after, file_id))

    def tree_paths(self, root: str) -> dict[str, str]:
        """file id -> path of every non-folder, non-trashed file under ``root`` (for assertions)."""
        out: dict[str, str] = {}
        with self._lock:
            def walk(folder: str, prefix: str) -> None:
                for f in self.files.values():
                    if folder in f.parents and not f.trashed:
                        path = f"{prefix}{f.name.replace('/', '-')}"
                        if f.mime_type == FOLDER:
                            walk(f.id, path + "/")
                        else:
                            out[f.id] = path
            walk(root, "")
        return out

    # -- helpers -------------------------------------------------------------------------------
    def _add(
        self, name: str, mime: str, parent: str, *, content: bytes = b"", exports: dict[str, bytes] | None = None,
        drive_id: str = "", file_id: str = "", downloadable: bool = True, properties: dict[str, str] | None = None,
    ) -> str:
        with self._lock:
            fid = file_id or f"1{next(self._ids):05d}{hashlib.sha1(name.encode()).hexdigest()[:12]}"
            if not drive_id and parent in self.files:
                drive_id = self.files[parent].drive_id
            self.files[fid] = DFile(
                fid, name, mime, [parent] if parent else [], self._tick(), content, exports or {},
                drive_id=drive_id, downloadable=downloadable, properties=dict(properties or {}),
            )
            self._record(fid)
            return fid

    def _tick(self) -> datetime:
        self._now += timedelta(seconds=1)
        return self._now

    def _touch(self, f: DFile) -> None:
        f.modified = self._tick()
        self._record(f.id)

    def _record(self, fid: str) -> None:
        self.change_log.append((next(self._seq), fid))
        for channel in list(self.channels.values()):
            self._notify(channel, "change")

    # -- push notifications --------------------------------------------------------------------
    def _notify(self, channel: dict[str, Any], state: str) -> None:
        channel["messages"] += 1
        if self._sender is None:
            self._sender = threading.Thread(target=self._send_loop, name="drive-double-push", daemon=True)
            self._sender.start()
        self._outbox.put((dict(channel), state))

    def _send_loop(self) -> None:
        while (item := self._outbox.get()) is not None:
            channel, state = item
            expires = datetime.fromtimestamp(channel["expiration"] / 1000, UTC)
            headers = {
                "X-Goog-Channel-ID": channel["id"], "X-Goog-Channel-Token": channel.get("token", ""),
                "X-Goog-Channel-Expiration": expires.strftime("%a, %d %b %Y %H:%M:%S GMT"),
                "X-Goog-Resource-ID": channel["resourceId"], "X-Goog-Resource-URI": channel["resourceUri"],
                "X-Goog-Resource-State": state, "X-Goog-Message-Number": str(channel["messages"]),
                "Content-Length": "0",
            }
            request = urllib.request.Request(channel["address"], data=b"", headers=headers, method="POST")
            try:
                with urllib.request.urlopen(request, timeout=10) as reply:
                    status = reply.status
            except urllib.error.HTTPError as exc:
                status = exc.code
            except OSError:
                status = 0  # nobody listening: Drive would retry with backoff; the double just records it
            with self._lock:
                self.notifications.append((headers, status))
            self._outbox.task_done()

    def wait_for_notifications(self, timeout: float = 5.0) -> None:
        """Blocks until every queued notification has been delivered (or refused)."""
        deadline = time.monotonic() + timeout
        while self._outbox.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.01)

    def _changes_watch(self, req: Request, _: str) -> Reply:
        if not req.query.get("pageToken"):
            return _error(400, "required", "Required parameter: pageToken", location="pageToken")
        try:
            body = json.loads(req.body or b"{}")
        except ValueError:
            return _error(400, "parseError", "Parse Error")
        if body.get("type") not in ("web_hook", "webhook") or not body.get("id") or not body.get("address"):
            return _error(400, "invalid", "Invalid value for channel: id, type web_hook and address are required")
        if body["id"] in self.channels:
            return _error(400, "channelIdNotUnique", "Channel id not unique")
        week = int((time.time() + 7 * 86400) * 1000)  # Drive caps a changes channel at a week
        channel = {"kind": "api#channel", "id": body["id"], "resourceId": uuid.uuid4().hex[:27],
                   "resourceUri": f"{self.url}/drive/v3/changes?pageToken={req.query['pageToken']}",
                   "token": body.get("token", ""), "expiration": min(int(body.get("expiration") or week), week),
                   "address": body["address"], "messages": 0}
        self.channels[channel["id"]] = channel
        self._notify(channel, "sync")
        reply = {k: channel[k] for k in ("kind", "id", "resourceId", "resourceUri", "token")}
        return Reply.json(200, {**reply, "expiration": str(channel["expiration"])})

    def _channels_stop(self, req: Request, _: str) -> Reply:
        try:
            body = json.loads(req.body or b"{}")
        except ValueError:
            return _error(400, "parseError", "Parse Error")
        channel = self.channels.get(str(body.get("id", "")))
        if channel is None or channel["resourceId"] != body.get("resourceId"):
            return _error(404, "notFound", f"Channel '{body.get('id')}' not found for project")
        del self.channels[channel["id"]]
        return Reply(204)

    def _next_seq(self) -> int:
        return (self.change_log[-1][0] + 1) if self.change_log else 1

    # -- HTTP ----------------------------------------------------------------------------------
    def _handle(self, req: Request) -> Reply:
        posts = ("/drive/v3/changes/watch", "/drive/v3/channels/stop")
        if req.method != "GET" and not (req.method == "POST" and req.path in posts):
            return _error(405, "methodNotAllowed", f"{req.method} {req.path} is not used by kb_sync")
        auth = req.headers.get("authorization", "")
        if not auth.startswith("Bearer ") or not self.is_valid_token(auth.removeprefix("Bearer ")):
            return _error(401, "authError", "Request had invalid authentication credentials.", "UNAUTHENTICATED")
        route = _route(req.path, req.query)
        if route is None:
            return _error(404, "notFound", f"No such endpoint {req.path}")
        op, file_id = route
        if self.latency_s:
            time.sleep(self.latency_s)  # outside the lock: concurrent requests overlap, as on the wire
        with self._lock:
            self.calls[op] += 1
            fault = self._take_fault(op, file_id)
            if fault is not None:
                headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
                return _error(fault.status, fault.reason or _default_reason(fault.status), "injected", headers=headers)
            try:
                return getattr(self, "_" + op.replace(".", "_"))(req, file_id)
            except QueryError as exc:
                return _error(400, "invalid", f"Invalid Value: {exc}")

    def _take_fault(self, op: str, file_id: str) -> Fault | None:
        for fault in self.faults:
            if fault.op in (op, "*") and fault.times > 0 and fault.file_id in ("", file_id):
                fault.times -= 1
                return fault
        return None

    def _visible(self, f: DFile, q: dict[str, str]) -> bool:
        return not f.drive_id or q.get("supportsAllDrives") == "true"

    def _files_list(self, req: Request, _: str) -> Reply:
        q = req.query
        predicate = parse_q(q["q"]) if q.get("q") else (lambda r: True)
        all_drives = q.get("includeItemsFromAllDrives") == "true" and q.get("supportsAllDrives") == "true"
        if q.get("corpora") == "drive" and (not q.get("driveId") or not all_drives):
            return _error(400, "invalid", "driveId and includeItemsFromAllDrives=true are required with corpora=drive")
        matches = [
            f.resource() for f in self.files.values()
            if (not f.drive_id or all_drives) and (q.get("corpora") != "drive" or f.drive_id == q["driveId"])
        ]
        matches = [r for r in matches if predicate(r)]
        size = min(int(q.get("pageSize", 100)), 1000, self.max_page_size)
        start = int(q.get("pageToken", "0") or 0)
        body: dict[str, Any] = {
            "kind": "drive#fileList", "incompleteSearch": self.incomplete_search, "files": matches[start : start + size]
        }
        if start + size < len(matches):
            body["nextPageToken"] = str(start + size)
        return Reply.json(200, project(body, _fields(q, LIST_DEFAULT)))

    def _files_get(self, req: Request, file_id: str) -> Reply:
        f = self.files.get(file_id)
        if f is None or not self._visible(f, req.query):
            return _error(404, "notFound", f"File not found: {file_id}.")
        return Reply.json(200, project(f.resource(), _fields(req.query)))

    def _files_get_media(self, req: Request, file_id: str) -> Reply:
        f = self.files.get(file_id)
        if f is None or not self._visible(f, req.query):
            return _error(404, "notFound", f"File not found: {file_id}.")
        if f.mime_type.startswith("application/vnd.google-apps."):
            return _error(403, "fileNotDownloadable", "Only files with binary content can be downloaded. Use Export "
                          "with Docs Editors files.")
        if not f.downloadable:
            return _error(403, "cannotDownloadFile", "The user does not have sufficient permissions for this file.")
        return Reply(200, f.content, {"Content-Type": f.mime_type})

    def _files_export(self, req: Request, file_id: str) -> Reply:
        f = self.files.get(file_id)
        if f is None:
            return _error(404, "notFound", f"File not found: {file_id}.")
        if not f.mime_type.startswith("application/vnd.google-apps."):
            return _error(403, "fileNotExportable", "Export only supports Docs Editors files.")
        body = f.exports.get(req.query.get("mimeType", ""))
        if body is None:
            return _error(400, "badRequest", "The requested conversion is not supported.")
        if len(body) > EXPORT_LIMIT:
            return _error(403, "exportSizeLimitExceeded", "This file is too large to be exported.")
        return Reply(200, body, {"Content-Type": req.query["mimeType"]})

    def _changes_getStartPageToken(self, req: Request, _: str) -> Reply:
        return Reply.json(200, {"kind": "drive#startPageToken", "startPageToken": str(self._next_seq())})

    def _changes_list(self, req: Request, _: str) -> Reply:
        q = req.query
        token = q.get("pageToken", "")
        if not token.isdigit() or not 1 <= int(token) <= self._next_seq():
            return _error(400, "invalid", "Invalid Value", location="pageToken")
        drive_id = q.get("driveId", "")
        all_drives = q.get("includeItemsFromAllDrives") == "true" and q.get("supportsAllDrives") == "true"
        latest = {fid: seq for seq, fid in self.change_log}
        entries = []
        for seq, fid in self.change_log:
            if seq < int(token) or latest[fid] != seq:
                continue  # the feed lists a file once, at its latest change
            f = self.files.get(fid)
            if f is not None and ((f.drive_id and not all_drives) or (drive_id and f.drive_id != drive_id)):
                continue
            entries.append((seq, fid, f))
        size = min(int(q.get("pageSize", 100)), 1000, self.max_page_size)
        page, more = entries[:size], entries[size:]
        changes = []
        for _seq, fid, f in page:
            change: dict[str, Any] = {"kind": "drive#change", "changeType": "file", "fileId": fid,
                                      "time": self._now.isoformat().replace("+00:00", "Z"), "removed": f is None}
            if f is not None:
                change["file"] = f.resource()
            changes.append(change)
        body: dict[str, Any] = {"kind": "drive#changeList", "changes": changes}
        if more:
            body["nextPageToken"] = str(more[0][0])
        else:
            body["newStartPageToken"] = str(self._next_seq())
        return Reply.json(200, project(body, _fields(q, CHANGES_DEFAULT)))


def _route(path: str, query: dict[str, str]) -> tuple[str, str] | None:
    if path == "/drive/v3/files":
        return "files.list", ""
    if path == "/drive/v3/changes/startPageToken":
        return "changes.getStartPageToken", ""
    if path == "/drive/v3/changes":
        return "changes.list", ""
    if path == "/drive/v3/changes/watch":
        return "changes.watch", ""
    if path == "/drive/v3/channels/stop":
        return "channels.stop", ""
    if m := re.fullmatch(r"/drive/v3/files/([^/]+)/export", path):
        return "files.export", m.group(1)
    if m := re.fullmatch(r"/drive/v3/files/([^/]+)", path):
        return ("files.get_media" if query.get("alt") == "media" else "files.get"), m.group(1)
    return None


def _fields(query: dict[str, str], default: dict[str, Any] = DEFAULT_FIELDS) -> Any:
    return parse_fields(query["fields"]) if "fields" in query else default


def _error(
    status: int, reason: str, message: str, status_name: str = "", *, headers: dict[str, str] | None = None,
    location: str = "",
) -> Reply:
    item = {"domain": "global", "reason": reason, "message": message}
    if location:
        item.update(location=location, locationType="parameter")
    body = {"error": {"code": status, "message": message, "errors": [item]}}
    if status_name:
        body["error"]["status"] = status_name
    return Reply.json(status, body, headers)


def _default_reason(status: int) -> str:
    return {429: "rateLimitExceeded", 500: "backendError", 502: "badGateway", 503: "backendError"}.get(
        status, "error"
    )


def _link(f: DFile) -> str:
    if f.mime_type == FOLDER:
        return f"https://drive.google.com/drive/folders/{f.id}"
    if f.mime_type == DOC:
        return f"https://docs.google.com/document/d/{f.id}/edit?usp=drivesdk"
    return f"https://drive.google.com/file/d/{f.id}/view?usp=drivesdk"


def _plain(markdown: str) -> str:
    return re.sub(r"^#+\s*", "", markdown, flags=re.MULTILINE)
