"""``SessionStore`` over tbl-sessions (PK ``connection_id``, attribute ``ttl``).

Besides connection rows, the table holds under other keys: ``rate#``/``burst#``/``cap#``/``mint#``
counters, ``msg#<session>#<client id>`` idempotency claims and ``sess#<session>`` turn counters.
"""

from __future__ import annotations

import contextlib
import time
from typing import Any

from botocore.exceptions import ClientError

from ..sessions import Busy, Connection
from .retry import call, code_of, storage_error

_CONDITION_FAILED = "ConditionalCheckFailedException"


class DynamoSessionStore:
    def __init__(self, table: Any, idle_seconds: int = 3600) -> None:
        self.table, self.idle_seconds = table, idle_seconds

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

    def find_claim(self, key: str) -> str | None:
        item = self._do("find claim", self.table.get_item, Key={"connection_id": key}, ConsistentRead=True).get("Item")
        return str(item["turn_id"]) if item else None

    def claim(self, key: str, turn_id: str, ttl_seconds: int) -> str | None:
        try:
            self._do("claim message", self.table.put_item,
                     Item={"connection_id": key, "turn_id": turn_id, "ttl": int(time.time()) + ttl_seconds},
                     ConditionExpression="attribute_not_exists(connection_id)")
            return None
        except ClientError:  # only a failed condition gets here: someone holds the claim
            return self.find_claim(key) or turn_id

    def release_claim(self, key: str) -> None:
        self._do("release claim", self.table.delete_item, Key={"connection_id": key})

    def begin_turn(self, connection_id: str, session_id: str, question: str, *, now: float,
                   lease_seconds: int, keep: int) -> int:
        # Take the connection's lease first so a busy rejection does not burn a turn index.
        try:
            out = self._do("begin turn", self.table.update_item, Key={"connection_id": connection_id},
                           UpdateExpression="SET in_flight_until = :until, #ttl = :ttl, "
                           "scratchpad = list_append(if_not_exists(scratchpad, :empty), :q)",
                           ConditionExpression="attribute_exists(connection_id) AND "
                           "(attribute_not_exists(in_flight_until) OR in_flight_until < :now)",
                           ExpressionAttributeNames={"#ttl": "ttl"},
                           ExpressionAttributeValues={":until": int(now) + lease_seconds, ":now": int(now),
                                                      ":ttl": int(now) + self.idle_seconds, ":empty": [],
                                                      ":q": [question[:300]]},
                           ReturnValues="ALL_NEW")
        except ClientError as e:
            raise Busy(connection_id) from e
        pad = out["Attributes"].get("scratchpad", [])
        if len(pad) > keep:  # trim to the last `keep` questions
            drops = ", ".join(f"scratchpad[{i}]" for i in range(len(pad) - keep))
            self._do("trim scratchpad", self.table.update_item, Key={"connection_id": connection_id},
                     UpdateExpression=f"REMOVE {drops}")
        index = self.count(f"sess#{session_id}", self.idle_seconds * 24)
        self._do("mark turn", self.table.update_item, Key={"connection_id": connection_id},
                 UpdateExpression="SET in_flight = :t", ExpressionAttributeValues={":t": f"t{index}"})
        return index

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
