"""A burst of Drive notifications becomes one sync: the "sync wanted, not yet started" flag in tbl-sessions.

A notification ``request``s a sync and only the first request since the last sync *started* invokes
fn-kb-sync; the sync ``clear``s the flag before it reads the change feed, so a change made after that
starts exactly one more sync. At most one sync runs (fn-kb-sync's reserved concurrency 1) and at most
one waits, whatever the notification rate. A flag whose sync never started (the invoke was lost)
stops blocking after ``REQUEST_TTL_S``; the 5-minute schedule syncs meanwhile.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from assistant_core.aws.retry import call, code_of, storage_error
from assistant_core.ports import Clock

REQUEST_KEY = "kbsync#requested"
REQUEST_TTL_S = 900


class SyncRequests:
    """The "a sync is wanted and not yet started" flag, one conditional write in tbl-sessions."""

    def __init__(self, table: Any, clock: Clock) -> None:
        self.table = table
        self.clock = clock

    def request(self) -> bool:
        """True for the first request since the last sync started: the caller invokes the sync."""
        now = int(self.clock.time())
        try:
            call("request kb sync", lambda: self.table.put_item(
                Item={"connection_id": REQUEST_KEY, "requested_at": now, "ttl": now + REQUEST_TTL_S},
                ConditionExpression="attribute_not_exists(connection_id) OR #ttl < :now",
                ExpressionAttributeNames={"#ttl": "ttl"}, ExpressionAttributeValues={":now": now}))
        except ClientError as e:
            if code_of(e) == "ConditionalCheckFailedException":
                return False  # one is already waiting to start; it will read this change too
            raise storage_error("request kb sync", e) from e
        return True

    def clear(self) -> None:
        """Called as a sync starts, before it reads the change feed."""
        try:
            call("clear kb sync request", lambda: self.table.delete_item(Key={"connection_id": REQUEST_KEY}))
        except ClientError as e:
            raise storage_error("clear kb sync request", e) from e
