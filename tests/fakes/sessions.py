"""A hand-written in-memory SessionStore with the same semantics as the DynamoDB adapter."""

from __future__ import annotations

from collections import defaultdict

from assistant_core.conversation.ports import Busy, Connection, SessionFull, TurnSlot


class FakeSessionStore:
    def __init__(self) -> None:
        self.connections: dict[str, Connection] = {}
        self.counters: dict[str, int] = defaultdict(int)
        self.claims: dict[str, int] = {}
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

    def hit_rate(self, connection_id: str, now: float) -> tuple[int, int]:
        minute, window = f"rate#{connection_id}#{int(now // 60)}", f"burst#{connection_id}#{int(now // 10)}"
        return self.count(minute, 120), self.count(window, 60)

    def take_turn(self, session_id: str, client_id: str, *, max_turns: int, ttl_seconds: int) -> TurnSlot:
        key = f"{session_id}#{client_id}"
        if key in self.claims:
            return TurnSlot(self.claims[key], fresh=False)
        if self.turns[session_id] >= max_turns:
            raise SessionFull(session_id)
        self.turns[session_id] += 1
        self.claims[key] = self.turns[session_id]
        return TurnSlot(self.turns[session_id], fresh=True)

    def release_turn(self, session_id: str, client_id: str, index: int) -> None:
        self.claims.pop(f"{session_id}#{client_id}", None)
        if self.turns[session_id] == index:
            self.turns[session_id] -= 1

    def begin_turn(self, connection_id: str, index: int, question: str, *, now: float,
                   lease_seconds: int, keep: int) -> None:
        held = self.in_flight.get(connection_id)
        if connection_id not in self.connections or (held and held[1] > now):
            raise Busy(connection_id)
        self.in_flight[connection_id] = (f"t{index}", now + lease_seconds)
        self.scratchpads[connection_id] = [*self.scratchpads[connection_id], question][-keep:]

    def end_turn(self, connection_id: str, turn_id: str) -> None:
        if self.in_flight.get(connection_id, ("",))[0] == turn_id:
            del self.in_flight[connection_id]

    def request_stop(self, connection_id: str, turn_id: str) -> None:
        self.stops[connection_id] = turn_id

    def is_stopped(self, connection_id: str, turn_id: str) -> bool:
        return connection_id not in self.connections or self.stops.get(connection_id) == turn_id
