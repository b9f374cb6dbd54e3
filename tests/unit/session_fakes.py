"""A hand-written in-memory SessionStore with the same semantics as the DynamoDB adapter."""

from __future__ import annotations

from collections import defaultdict

from assistant_core.sessions import Busy, Connection


class FakeSessionStore:
    def __init__(self) -> None:
        self.connections: dict[str, Connection] = {}
        self.counters: dict[str, int] = defaultdict(int)
        self.claims: dict[str, str] = {}
        self.in_flight: dict[str, tuple[str, float]] = {}
        self.turns: dict[str, int] = defaultdict(int)
        self.scratchpads: dict[str, list[str]] = defaultdict(list)
        self.stops: dict[str, str] = {}

    def put_connection(self, conn: Connection, ttl_seconds: int) -> None:
        self.connections[conn.connection_id] = conn

    def get_connection(self, connection_id: str) -> Connection | None:
        return self.connections.get(connection_id)

    def delete_connection(self, connection_id: str) -> None:
        self.connections.pop(connection_id, None)

    def count(self, key: str, ttl_seconds: int) -> int:
        self.counters[key] += 1
        return self.counters[key]

    def find_claim(self, key: str) -> str | None:
        return self.claims.get(key)

    def claim(self, key: str, turn_id: str, ttl_seconds: int) -> str | None:
        if key in self.claims:
            return self.claims[key]
        self.claims[key] = turn_id
        return None

    def release_claim(self, key: str) -> None:
        self.claims.pop(key, None)

    def begin_turn(self, connection_id: str, session_id: str, question: str, *, now: float,
                   lease_seconds: int, keep: int) -> int:
        held = self.in_flight.get(connection_id)
        if held and held[1] > now:
            raise Busy(connection_id)
        self.turns[session_id] += 1
        self.in_flight[connection_id] = (f"t{self.turns[session_id]}", now + lease_seconds)
        self.scratchpads[connection_id] = [*self.scratchpads[connection_id], question][-keep:]
        return self.turns[session_id]

    def end_turn(self, connection_id: str, turn_id: str) -> None:
        if self.in_flight.get(connection_id, ("",))[0] == turn_id:
            del self.in_flight[connection_id]

    def request_stop(self, connection_id: str, turn_id: str) -> None:
        self.stops[connection_id] = turn_id

    def is_stopped(self, connection_id: str, turn_id: str) -> bool:
        return connection_id not in self.connections or self.stops.get(connection_id) == turn_id
