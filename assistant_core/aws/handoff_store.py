"""fn-handoff's state in DynamoDB: the open handoff per session (tbl-sessions) and the last turns (tbl-transcripts).

The handoff record lives in tbl-sessions under ``handoff#<session id>`` (the table's bare PK is
``connection_id``; its ``ttl`` attribute expires the record). Every write is conditional: ``version``
guards the state, and per-message-and-channel ``sending`` leases and ``sent`` marks make two
concurrent or retried invocations send each notice once.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from ..handoff.ports import StoredHandoff, TranscriptTurn
from .retry import call, code_of, storage_error

PREFIX = "handoff#"
_CONDITION_FAILED = "ConditionalCheckFailedException"
# Placeholders everywhere: STATE and TTL are DynamoDB reserved words, and map keys hold '#' and '/'.
_NAMES = {"#state": "state", "#version": "version", "#ttl": "ttl", "#sent": "sent", "#sending": "sending"}


class DynamoHandoffStore:
    def __init__(self, table: Any) -> None:
        self.table = table

    def _key(self, session_id: str) -> dict[str, str]:
        return {"connection_id": PREFIX + session_id}

    def _conditional(self, what: str, fn: Callable[..., Any], **kwargs: Any) -> bool:
        try:
            call(what, lambda: fn(**kwargs))
        except ClientError as e:
            if code_of(e) == _CONDITION_FAILED:
                return False
            raise storage_error(what, e) from e
        return True

    def load(self, session_id: str) -> StoredHandoff | None:
        try:
            out = call("load handoff", lambda: self.table.get_item(Key=self._key(session_id), ConsistentRead=True))
        except ClientError as e:
            raise storage_error("load handoff", e) from e
        item = out.get("Item")
        if not item or "state" not in item:
            return None
        sent = {str(k): str(v) for k, v in (item.get("sent") or {}).items()}
        return StoredHandoff(json.loads(str(item["state"])), int(item.get("version", 0)), sent)

    def put(self, session_id: str, state: Mapping[str, Any], expected_version: int, ttl: int) -> bool:
        item = {
            **self._key(session_id),
            "session_id": session_id,
            "handoff_id": str(state["handoff_id"]),
            "reason": str(state.get("reason", "")),
            "state": json.dumps(state, ensure_ascii=False),
            "version": expected_version + 1,
            "sent": {},
            "sending": {},
            "ttl": int(ttl),
        }
        if expected_version == 0:
            return self._conditional(
                "open handoff",
                self.table.put_item,
                Item=item,
                ConditionExpression="attribute_not_exists(connection_id)",
            )
        return self._conditional(
            "open handoff",
            self.table.put_item,
            Item=item,
            ConditionExpression="#version = :v",
            ExpressionAttributeNames={"#version": "version"},
            ExpressionAttributeValues={":v": expected_version},
        )

    def update(self, session_id: str, state: Mapping[str, Any], expected_version: int, ttl: int) -> bool:
        return self._conditional(
            "update handoff",
            self.table.update_item,
            Key=self._key(session_id),
            UpdateExpression="SET #state = :s, #version = :next, #ttl = :ttl",
            ConditionExpression="#version = :v AND handoff_id = :h",
            ExpressionAttributeNames={k: _NAMES[k] for k in ("#state", "#version", "#ttl")},
            ExpressionAttributeValues={
                ":s": json.dumps(state, ensure_ascii=False),
                ":next": expected_version + 1,
                ":ttl": int(ttl),
                ":v": expected_version,
                ":h": str(state["handoff_id"]),
            },
        )

    def claim(self, session_id: str, handoff_id: str, key: str, *, now: float, lease_until: float) -> bool:
        return self._conditional(
            "claim handoff delivery",
            self.table.update_item,
            Key=self._key(session_id),
            UpdateExpression="SET #sending.#k = :until",
            ConditionExpression="handoff_id = :h AND attribute_not_exists(#sent.#k) AND "
            "(attribute_not_exists(#sending.#k) OR #sending.#k < :now)",
            ExpressionAttributeNames={"#sent": "sent", "#sending": "sending", "#k": key},
            ExpressionAttributeValues={":until": int(lease_until), ":now": int(now), ":h": handoff_id},
        )

    def mark_sent(self, session_id: str, key: str, ref: str) -> None:
        # No record any more (expired or replaced by a new handoff): nothing left to mark.
        self._conditional(
            "mark handoff sent",
            self.table.update_item,
            Key=self._key(session_id),
            UpdateExpression="SET #sent.#k = :ref REMOVE #sending.#k",
            ConditionExpression="attribute_exists(#sent)",
            ExpressionAttributeNames={"#sent": "sent", "#sending": "sending", "#k": key},
            ExpressionAttributeValues={":ref": ref[:200]},
        )

    def release(self, session_id: str, key: str) -> None:
        self._conditional(
            "release handoff claim",
            self.table.update_item,
            Key=self._key(session_id),
            UpdateExpression="REMOVE #sending.#k",
            ConditionExpression="attribute_exists(#sending)",
            ExpressionAttributeNames={"#sending": "sending", "#k": key},
        )


class DynamoTranscriptReader:
    """``TranscriptReader`` over tbl-transcripts (PK ``session_id``, SK ``turn_index``)."""

    def __init__(self, table: Any) -> None:
        self.table = table

    def last_turns(self, session_id: str, n: int) -> list[TranscriptTurn]:
        if n <= 0:
            return []
        try:
            out = call(
                "read transcript",
                lambda: self.table.query(
                    KeyConditionExpression=Key("session_id").eq(session_id),
                    ScanIndexForward=False,
                    Limit=n,
                    ProjectionExpression="turn_id, question, tool, #t, created_at, downgrade_reason, page_url",
                    ExpressionAttributeNames={"#t": "text"},
                ),
            )
        except ClientError as e:
            raise storage_error("read transcript", e) from e
        return [
            TranscriptTurn(
                turn_id=str(i.get("turn_id", "")),
                question=str(i.get("question", "")),
                tool=str(i.get("tool", "")),
                text=str(i.get("text", "")),
                created_at=str(i.get("created_at", "")),
                downgrade_reason=str(i.get("downgrade_reason", "")),
                page_url=str(i.get("page_url", "")),
            )
            for i in reversed(out.get("Items", []))
        ]
