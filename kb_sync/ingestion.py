"""Bedrock knowledge-base ingestion as the ``Publisher``: start a job, report on it later.

A job already running answers ``ConflictException``: we stay pending and try on the next tick.
The client token comes from the state's generation, so a retried start cannot double a job.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from .errors import IngestionError
from .model import PublishResult

log = logging.getLogger(__name__)

BUSY_CODES = frozenset({"ConflictException", "ThrottlingException", "ServiceQuotaExceededException"})
TERMINAL = frozenset({"COMPLETE", "FAILED", "STOPPED"})


class BedrockIngestion:
    def __init__(self, client: Any, kb_id: str, data_source_id: str) -> None:
        self.client = client
        self.kb_id = kb_id
        self.data_source_id = data_source_id

    def publish(self, token: str) -> PublishResult:
        try:
            reply = self.client.start_ingestion_job(
                knowledgeBaseId=self.kb_id,
                dataSourceId=self.data_source_id,
                clientToken=token,
                description="kb_sync: documents changed in the Drive folder",
            )
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in BUSY_CODES:
                return PublishResult(started=False, detail=f"{code}: {_message(exc)}")
            raise IngestionError(f"StartIngestionJob failed ({code}): {_message(exc)}") from exc
        except BotoCoreError as exc:
            raise IngestionError(f"StartIngestionJob failed: {exc}") from exc
        job = reply["ingestionJob"]
        log.info("kb_sync: ingestion job %s %s", job["ingestionJobId"], job["status"])
        return PublishResult(started=True, detail=job["status"], job_id=job["ingestionJobId"])

    def check(self, job_id: str) -> PublishResult | None:
        try:
            job = self.client.get_ingestion_job(
                knowledgeBaseId=self.kb_id, dataSourceId=self.data_source_id, ingestionJobId=job_id
            )["ingestionJob"]
        except (ClientError, BotoCoreError) as exc:
            raise IngestionError(f"GetIngestionJob {job_id} failed: {exc}") from exc
        stats = {k: int(v) for k, v in (job.get("statistics") or {}).items()}
        status = job["status"]
        if status == "FAILED":
            log.error("kb_sync: ingestion job %s FAILED: %s", job_id, "; ".join(job.get("failureReasons", [])))
        else:
            log.info("kb_sync: ingestion job %s %s %s", job_id, status, _stats_line(stats))
        return PublishResult(started=True, detail=status, job_id=job_id, stats=stats)

    def wait(
        self,
        job_id: str,
        *,
        timeout: float = 900.0,
        interval: float = 5.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> PublishResult:
        """Polls until the job ends or ``timeout`` passes (manual runs; the Lambda does not wait)."""
        deadline = clock() + timeout
        while True:
            result = self.check(job_id)
            assert result is not None
            if result.detail in TERMINAL or clock() >= deadline:
                return result
            sleep(interval)


def _message(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Message", ""))


def _stats_line(stats: dict[str, int]) -> str:
    short = {
        "numberOfDocumentsScanned": "scanned",
        "numberOfNewDocumentsIndexed": "new",
        "numberOfModifiedDocumentsIndexed": "modified",
        "numberOfDocumentsDeleted": "deleted",
        "numberOfDocumentsFailed": "failed",
    }
    return " ".join(f"{label}={stats[k]}" for k, label in short.items() if k in stats)
