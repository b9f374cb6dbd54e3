"""A bedrock-agent double for StartIngestionJob / GetIngestionJob (rest-json, as botocore sends it).

One job per data source runs at a time: a start while one runs gets 409 ``ConflictException``; a
repeated client token returns the same job. A job moves STARTING -> IN_PROGRESS -> COMPLETE as it
is polled, with statistics from an optional ``scan()`` callback (e.g. counting objects in S3).
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .server import LocalServer, Reply, Request

_START = re.compile(r"/knowledgebases/([^/]+)/datasources/([^/]+)/ingestionjobs/")
_GET = re.compile(r"/knowledgebases/([^/]+)/datasources/([^/]+)/ingestionjobs/([^/]+)")


@dataclass
class Job:
    kb_id: str
    ds_id: str
    job_id: str
    client_token: str
    polls_left: int
    status: str = "STARTING"
    started: str = field(default_factory=lambda: datetime.now(UTC).isoformat())
    statistics: dict[str, int] = field(default_factory=dict)

    def wire(self) -> dict[str, Any]:
        return {
            "knowledgeBaseId": self.kb_id,
            "dataSourceId": self.ds_id,
            "ingestionJobId": self.job_id,
            "status": self.status,
            "statistics": self.statistics,
            "startedAt": self.started,
            "updatedAt": datetime.now(UTC).isoformat(),
        }


class BedrockAgentDouble:
    def __init__(self, *, polls_to_complete: int = 2, scan: Callable[[], dict[str, int]] | None = None) -> None:
        self.polls_to_complete = polls_to_complete
        self.scan = scan
        self.jobs: dict[str, Job] = {}
        self.starts: list[dict[str, Any]] = []  # every StartIngestionJob request body
        self.signing: list[str] = []  # Authorization headers, to check SigV4 service "bedrock"
        self.fail_next: list[tuple[int, str]] = []  # (status, error type) for the next starts
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.server = LocalServer(self._handle)

    @property
    def url(self) -> str:
        return self.server.url

    def running(self, kb_id: str, ds_id: str) -> Job | None:
        return next(
            (j for j in self.jobs.values() if (j.kb_id, j.ds_id) == (kb_id, ds_id) and j.status in
             ("STARTING", "IN_PROGRESS")),
            None,
        )

    def finish_all(self) -> None:
        with self._lock:
            for job in self.jobs.values():
                if job.status in ("STARTING", "IN_PROGRESS"):
                    self._complete(job)

    def _handle(self, req: Request) -> Reply:
        with self._lock:
            self.signing.append(req.headers.get("authorization", ""))
            if req.method == "PUT" and (m := _START.fullmatch(req.path)):
                return self._start(m.group(1), m.group(2), json.loads(req.body or b"{}"))
            if req.method == "GET" and (m := _GET.fullmatch(req.path)):
                return self._get(m.group(1), m.group(2), m.group(3))
        return _error(404, "ResourceNotFoundException", f"no route {req.method} {req.path}")

    def _start(self, kb_id: str, ds_id: str, body: dict[str, Any]) -> Reply:
        self.starts.append(body)
        if self.fail_next:
            status, kind = self.fail_next.pop(0)
            return _error(status, kind, "injected")
        token = body.get("clientToken", "")
        for job in self.jobs.values():
            if token and job.client_token == token:
                return Reply.json(202, {"ingestionJob": job.wire()})
        if self.running(kb_id, ds_id) is not None:
            return _error(409, "ConflictException", "An ingestion job is already running for this data source.")
        job = Job(kb_id, ds_id, f"JOB{next(self._ids):06d}", token, self.polls_to_complete)
        self.jobs[job.job_id] = job
        return Reply.json(202, {"ingestionJob": job.wire()})

    def _get(self, kb_id: str, ds_id: str, job_id: str) -> Reply:
        job = self.jobs.get(job_id)
        if job is None or (job.kb_id, job.ds_id) != (kb_id, ds_id):
            return _error(404, "ResourceNotFoundException", f"ingestion job {job_id} not found")
        if job.status in ("STARTING", "IN_PROGRESS"):
            job.polls_left -= 1
            job.status = "IN_PROGRESS"
            if job.polls_left <= 0:
                self._complete(job)
        return Reply.json(200, {"ingestionJob": job.wire()})

    def _complete(self, job: Job) -> None:
        job.status = "COMPLETE"
        job.statistics = self.scan() if self.scan else {"numberOfDocumentsScanned": 0}


def _error(status: int, kind: str, message: str) -> Reply:
    return Reply.json(status, {"message": message}, {"x-amzn-ErrorType": f"{kind}:http://internal.amazon.com/"})
