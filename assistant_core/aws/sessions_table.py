"""``SessionStore`` over tbl-sessions (PK ``connection_id``, attribute ``ttl``).

Besides connection rows, the table holds under other keys: ``rate#``/``cap#``/``mint#`` counters
and ``sess#<session>`` items (the session's turn counter plus one attribute per client message id,
which makes resends idempotent).
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from typing import Any

from boto3.dynamodb.types import TypeDeserializer
from botocore.exceptions import ClientError

from assistant_core.conversation.ports import Busy, Connection, SessionFull, TurnSlot

from .retry import call, code_of, storage_error

_CONDITION_FAILED = "ConditionalCheckFailedException"
_DESERIALIZE = TypeDeserializer()


def _claim_name(client_id: str) -> str:
    # A short hash keeps a long session's item small (client ids may be 64 characters).
    return "m" + hashlib.blake2b(client_id.encode(), digest_size=8).hexdigest()


class DynamoSessionStore:
    def __init__(self, table: Any, idle_seconds: int = 3600) -> None:
        self.table = table
        self.idle_seconds = idle_seconds

    def _do(self, what: str, fn: Any, **kwargs: Any) -> Any:
        try:
            return call(what, lambda: fn(**kwargs))
        except ClientError as e:
            if code_of(e) == _CONDITION_FAILED:
                raise
            raise storage_error(what, e) from e

    def put_connection(self, conn: Connection, ttl_seconds: int) -> None:
        item = {"connection_id": conn.connection_id, "session_id": conn.session_id, "visitor_id": conn.visitor_id,
                "origin": conn.origin, "connected_at": int(conn.connected_at or time.time()),
                "ttl": int(time.time()) + ttl_seconds}
        self._do("put connection", self.table.put_item, Item=item)

    def get_connection(self, connection_id: str) -> Connection | None:
        item = self._do("get connection", self.table.get_item, Key={"connection_id": connection_id},
                        ConsistentRead=True).get("Item")
        if not item or "session_id" not in item:
            return None
        return Connection(connection_id, str(item["session_id"]), str(item.get("visitor_id", "")),
                          str(item.get("origin", "")), float(item.get("connected_at", 0)))

    def delete_connection(self, connection_id: str) -> None:
        self._do("delete connection", self.table.delete_item, Key={"connection_id": connection_id})

    def count(self, key: str, ttl_seconds: int) -> int:
        out = self._do("count", self.table.update_item, Key={"connection_id": key},
                       UpdateExpression="ADD n :one SET #ttl = if_not_exists(#ttl, :ttl)",
                       ExpressionAttributeNames={"#ttl": "ttl"},
                       ExpressionAttributeValues={":one": 1, ":ttl": int(time.time()) + ttl_seconds},
                       ReturnValues="UPDATED_NEW")
        return int(out["Attributes"]["n"])

    def hit_rate(self, connection_id: str, now: float) -> tuple[int, int]:
        # One item per connection-minute holds the minute's count and its six 10-second windows.
        window = f"b{int(now % 60) // 10}"
        key = f"rate#{connection_id}#{int(now // 60)}"
        out = self._do("count rate", self.table.update_item, Key={"connection_id": key},
                       UpdateExpression="ADD n :one, #w :one SET #ttl = if_not_exists(#ttl, :ttl)",
                       ExpressionAttributeNames={"#w": window, "#ttl": "ttl"},
                       ExpressionAttributeValues={":one": 1, ":ttl": int(now) + 120}, ReturnValues="UPDATED_NEW")
        return int(out["Attributes"]["n"]), int(out["Attributes"][window])

    def take_turn(self, session_id: str, client_id: str, *, max_turns: int, ttl_seconds: int) -> TurnSlot:
        # The session item counts turns and remembers which message holds which index, so the
        # idempotency check, the claim and the next index are one conditional write.
        claim = _claim_name(client_id)
        try:
            out = call("take turn", lambda: self.table.update_item(
                Key={"connection_id": f"sess#{session_id}"},
                UpdateExpression="SET n = if_not_exists(n, :zero) + :one, #c = if_not_exists(n, :zero) + :one, "
                                 "#ttl = :ttl",
                ConditionExpression="attribute_not_exists(#c) AND (attribute_not_exists(n) OR n < :max)",
                ExpressionAttributeNames={"#c": claim, "#ttl": "ttl"},
                ExpressionAttributeValues={":zero": 0, ":one": 1, ":max": max_turns,
                                           ":ttl": int(time.time()) + ttl_seconds},
                ReturnValues="UPDATED_NEW", ReturnValuesOnConditionCheckFailure="ALL_OLD"))
        except ClientError as e:
            if code_of(e) != _CONDITION_FAILED:
                raise storage_error("take turn", e) from e
            old = e.response.get("Item") or {}
            if claim in old:
                return TurnSlot(int(_DESERIALIZE.deserialize(old[claim])), fresh=False)
            raise SessionFull(session_id) from e
        return TurnSlot(int(out["Attributes"][claim]), fresh=True)

    def release_turn(self, session_id: str, client_id: str, index: int) -> None:
        key = {"connection_id": f"sess#{session_id}"}
        names = {"#c": _claim_name(client_id)}
        try:  # give the index back too, unless a later message already took the next one
            self._do("release turn", self.table.update_item, Key=key, UpdateExpression="SET n = n - :one REMOVE #c",
                     ConditionExpression="n = :index", ExpressionAttributeNames=names,
                     ExpressionAttributeValues={":one": 1, ":index": index})
        except ClientError:
            self._do("release claim", self.table.update_item, Key=key, UpdateExpression="REMOVE #c",
                     ExpressionAttributeNames=names)

    def begin_turn(self, connection_id: str, index: int, question: str, *, now: float,
                   lease_seconds: int, keep: int) -> None:
        # The scratchpad is a ring of `keep` slots, so it never needs a trimming write.
        try:
            self._do("begin turn", self.table.update_item, Key={"connection_id": connection_id},
                     UpdateExpression="SET in_flight_until = :until, in_flight = :t, #ttl = :ttl, #slot = :q",
                     ConditionExpression="attribute_exists(connection_id) AND "
                     "(attribute_not_exists(in_flight_until) OR in_flight_until < :now)",
                     ExpressionAttributeNames={"#ttl": "ttl", "#slot": f"pad{index % max(keep, 1)}"},
                     ExpressionAttributeValues={":until": int(now) + lease_seconds, ":now": int(now),
                                                ":t": f"t{index}", ":ttl": int(now) + self.idle_seconds,
                                                ":q": {"turn": index, "question": question[:300]}})
        except ClientError as e:
            raise Busy(connection_id) from e

    def end_turn(self, connection_id: str, turn_id: str) -> None:
        # A failed condition means the lease belongs to another turn or the connection is gone.
        with contextlib.suppress(ClientError):
            self._do("end turn", self.table.update_item, Key={"connection_id": connection_id},
                     UpdateExpression="REMOVE in_flight, in_flight_until",
                     ConditionExpression="in_flight = :t", ExpressionAttributeValues={":t": turn_id})

    def request_stop(self, connection_id: str, turn_id: str) -> None:
        with contextlib.suppress(ClientError):
            self._do("stop turn", self.table.update_item, Key={"connection_id": connection_id},
                     UpdateExpression="SET stop_turn = :t", ConditionExpression="attribute_exists(connection_id)",
                     ExpressionAttributeValues={":t": turn_id})

    def is_stopped(self, connection_id: str, turn_id: str) -> bool:
        item = self._do("read stop", self.table.get_item, Key={"connection_id": connection_id},
                        ProjectionExpression="stop_turn, session_id", ConsistentRead=True).get("Item")
        return not item or item.get("stop_turn") == turn_id
