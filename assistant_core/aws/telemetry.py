"""The ``TurnObserver`` of the Lambdas: an EMF line on stdout and an audit event on EventBridge.

Neither may affect the turn: the visitor already has the reply, so a failure is logged and dropped.
The EventBridge client gets short timeouts (bootstrap/lambdas.py): this runs inside every fn-answerer invocation.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from assistant_core.observability.emf import EmfMetrics, stdout_line
from assistant_core.observability.turn_metrics import audit_detail, emf_record

from ..answering.ports import TurnRecord
from ..clock import parse_iso
from ..errors import AssistantError, StorageError
from .translate import storage_error

log = logging.getLogger(__name__)
SOURCE = "website-assistant"
DETAIL_TYPE = "AssistantTurn"


class EventBridgeAudit:
    def __init__(self, client: Any, bus_name: str = "") -> None:
        self.client = client
        self.bus_name = bus_name or "default"

    def publish(self, detail: Mapping[str, Any], when: datetime | None = None) -> None:
        entry: dict[str, Any] = {
            "Source": SOURCE,
            "DetailType": DETAIL_TYPE,
            "EventBusName": self.bus_name,
            "Detail": json.dumps(detail, ensure_ascii=False, default=str),
        }
        if when is not None:
            entry["Time"] = when
        try:
            out = self.client.put_events(Entries=[entry])
        except ClientError as e:
            raise storage_error("put audit event", e) from e
        except BotoCoreError as e:
            raise StorageError(f"put audit event: {e}") from e
        if out.get("FailedEntryCount"):  # PutEvents answers 200 even when it refused the entry
            failed = (out.get("Entries") or [{}])[0]
            raise StorageError(f"audit event refused: {failed.get('ErrorCode')}: {failed.get('ErrorMessage')}")


class TurnTelemetry:
    def __init__(self, stage: str, audit: EventBridgeAudit | None, write: Callable[[str], None] = stdout_line) -> None:
        self.stage = stage
        self.audit = audit
        self.write = write
        self._metrics = EmfMetrics(stage, out=lambda line: self.write(line))  # follows a replaced ``write``

    def turn_finished(self, record: TurnRecord) -> None:
        try:
            self._metrics.put(emf_record(record, self.stage))
        except (OSError, ValueError, TypeError):
            log.exception("could not write the metrics of turn %s", record.turn_id)
        if self.audit is None:
            return
        try:
            when = parse_iso(record.created_at)
            self.audit.publish(audit_detail(record), when)
        except (AssistantError, ValueError) as e:
            log.warning("audit event of turn %s not delivered: %s", record.turn_id, e)
