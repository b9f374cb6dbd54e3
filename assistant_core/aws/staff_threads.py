"""``StaffThreads`` over tbl-sessions (PK ``connection_id``, attribute ``ttl``).

Two kinds of item: ``slackthread#<channel>:<ts>`` → the session a Slack thread belongs to, and
``staff#<session id>`` → that session's thread, the visitor's last connection, the quiet window, and the
staff replies (a list, plus the sets ``reply_ids`` and ``delivered`` that make keeping and showing each
reply idempotent). Both expire with the hand-off (its record's TTL).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from ..handoff.ports import StaffReply, StaffThread
from .retry import call, code_of, storage_error

THREAD_PREFIX = "slackthread#"
STAFF_PREFIX = "staff#"
MAX_REPLIES = 50  # an item stays far below DynamoDB's 400 KB (replies are ≤ 4,000 characters)
_CONDITION_FAILED = "ConditionalCheckFailedException"


class DynamoStaffThreads:
    def __init__(self, table: Any) -> None:
        self.table = table

    def _call(self, what: str, fn: Any, **kwargs: Any) -> Any:
        try:
            return call(what, lambda: fn(**kwargs))
        except ClientError as e:
            if code_of(e) == _CONDITION_FAILED:
                return None
            raise storage_error(what, e) from e

    def link(self, session_id: str, thread: str, *, turn: str, connection_id: str, ttl: int) -> None:
        self._call("link Slack thread", self.table.put_item,
                   Item={"connection_id": THREAD_PREFIX + thread, "session_id": session_id, "ttl": ttl})
        self._call("link Slack thread", self.table.update_item, Key={"connection_id": STAFF_PREFIX + session_id},
                   UpdateExpression="SET session_id = :s, thread = :t, turn_id = :turn, live = :c, #ttl = :ttl",
                   ExpressionAttributeNames={"#ttl": "ttl"},
                   ExpressionAttributeValues={":s": session_id, ":t": thread, ":turn": turn, ":c": connection_id,
                                              ":ttl": ttl})

    def session_for(self, thread: str) -> str | None:
        out = self._call("find Slack thread", self.table.get_item, Key={"connection_id": THREAD_PREFIX + thread},
                         ConsistentRead=True)
        item = (out or {}).get("Item")
        return str(item["session_id"]) if item and item.get("session_id") else None

    def load(self, session_id: str) -> StaffThread | None:
        out = self._call("read staff thread", self.table.get_item, Key={"connection_id": STAFF_PREFIX + session_id},
                         ConsistentRead=True)
        item = (out or {}).get("Item")
        if not item or not item.get("thread"):
            return None
        replies = tuple(StaffReply(str(r["id"]), str(r.get("name", "")), str(r.get("text", "")),
                                   float(r.get("at", 0))) for r in item.get("replies") or [])
        return StaffThread(session_id, str(item["thread"]), str(item.get("turn_id", "")), str(item.get("live", "")),
                           float(item.get("quiet_until", 0)), replies, frozenset(map(str, item.get("delivered") or ())))

    def add_reply(self, session_id: str, reply: StaffReply, *, quiet_until: float) -> bool:
        entry = {"id": reply.id, "name": reply.name, "text": reply.text, "at": Decimal(f"{reply.at:.3f}")}
        out = self._call(
            "keep staff reply", self.table.update_item, Key={"connection_id": STAFF_PREFIX + session_id},
            UpdateExpression="SET replies = list_append(if_not_exists(replies, :none), :r), quiet_until = :q "
                             "ADD reply_ids :id",
            ConditionExpression="attribute_exists(thread) AND (attribute_not_exists(reply_ids) OR "
                                "(NOT contains(reply_ids, :one) AND size(replies) < :max))",
            ExpressionAttributeValues={":none": [], ":r": [entry], ":q": int(quiet_until), ":id": {reply.id},
                                       ":one": reply.id, ":max": MAX_REPLIES},
            ReturnValues="NONE")
        return out is not None

    def mark_delivered(self, session_id: str, ids: tuple[str, ...]) -> None:
        if ids:
            self._call("mark staff replies seen", self.table.update_item,
                       Key={"connection_id": STAFF_PREFIX + session_id}, UpdateExpression="ADD delivered :ids",
                       ConditionExpression="attribute_exists(thread)", ExpressionAttributeValues={":ids": set(ids)})

    def set_live(self, session_id: str, connection_id: str) -> bool:
        out = self._call("note the visitor's connection", self.table.update_item,
                         Key={"connection_id": STAFF_PREFIX + session_id}, UpdateExpression="SET live = :c",
                         ConditionExpression="attribute_exists(thread)",
                         ExpressionAttributeValues={":c": connection_id})
        return out is not None
