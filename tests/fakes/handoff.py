"""Hand-written fakes of fn-handoff's ports. ``FakeHandoffStore`` obeys the same contract as the
DynamoDB store (tests/integration/aws/test_handoff_store.py runs the contract against both)."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Mapping
from typing import Any

from assistant_core.errors import ConnectionGone, StorageError, Throttled
from assistant_core.handoff.ports import StaffReply, StaffThread, StoredHandoff, TranscriptTurn


class FakeHandoffStore:
    def __init__(self) -> None:
        self.items: dict[str, dict[str, Any]] = {}
        self.before_save: Callable[[], None] | None = None  # runs once, between a load and the next save
        self._lock = threading.Lock()

    def load(self, session_id: str) -> StoredHandoff | None:
        item = self.items.get(session_id)
        if item is None:
            return None
        return StoredHandoff(copy.deepcopy(item["state"]), item["version"], dict(item["sent"]))

    def _race(self) -> None:
        hook, self.before_save = self.before_save, None
        if hook:
            hook()

    def put(self, session_id: str, state: Mapping[str, Any], expected_version: int, ttl: int) -> bool:
        self._race()
        with self._lock:
            if self.items.get(session_id, {}).get("version", 0) != expected_version:
                return False
            self.items[session_id] = {
                "state": copy.deepcopy(dict(state)),
                "version": expected_version + 1,
                "sent": {},
                "sending": {},
                "ttl": ttl,
            }
            return True

    def update(self, session_id: str, state: Mapping[str, Any], expected_version: int, ttl: int) -> bool:
        self._race()
        with self._lock:
            item = self.items.get(session_id)
            if (
                item is None
                or item["version"] != expected_version
                or item["state"]["handoff_id"] != state["handoff_id"]
            ):
                return False
            item.update(state=copy.deepcopy(dict(state)), version=expected_version + 1, ttl=ttl)
            return True

    def claim(self, session_id: str, handoff_id: str, key: str, *, now: float, lease_until: float) -> bool:
        with self._lock:
            item = self.items.get(session_id)
            if item is None or item["state"]["handoff_id"] != handoff_id or key in item["sent"]:
                return False
            if item["sending"].get(key, 0) >= int(now):
                return False
            item["sending"][key] = int(lease_until)
            return True

    def mark_sent(self, session_id: str, key: str, ref: str) -> None:
        with self._lock:
            item = self.items.get(session_id)
            if item is not None:
                item["sent"][key] = ref
                item["sending"].pop(key, None)

    def release(self, session_id: str, key: str) -> None:
        with self._lock:
            item = self.items.get(session_id)
            if item is not None:
                item["sending"].pop(key, None)


class FakeTranscripts:
    def __init__(self, turns: dict[str, list[TranscriptTurn]] | None = None, fail: bool = False) -> None:
        self.turns, self.fail = turns or {}, fail
        self.reads = 0

    def last_turns(self, session_id: str, n: int) -> list[TranscriptTurn]:
        self.reads += 1
        if self.fail:
            raise StorageError("transcripts table unavailable")
        return self.turns.get(session_id, [])[-n:]


class RecordingNotifier:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self.failures: list[Exception] = []  # raised one per call, before succeeding

    def publish(self, subject: str, message: str) -> str:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((subject, message))
        return f"msg-{len(self.sent)}"


def throttled() -> Throttled:
    return Throttled("publish: still Throttling after 4 attempts")


class RecordingChat:
    """A webhook (``threads=False``: posts have no thread) or the Slack app (each post answers "C1:<n>")."""

    def __init__(self, *, threads: bool = False) -> None:
        self.posted: list[Mapping[str, Any]] = []
        self.in_thread: list[str] = []  # the thread each post went to ("" for none)
        self.failures: list[Exception] = []
        self.threads = threads

    def post(self, payload: Mapping[str, Any], *, thread: str = "") -> str:
        if self.failures:
            raise self.failures.pop(0)
        self.posted.append(payload)
        self.in_thread.append(thread)
        return f"C1:{1700000000 + len(self.posted)}.000100" if self.threads else ""


class RecordingMetrics:
    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def count(self, name: str, value: int = 1) -> None:
        self.counts[name] = self.counts.get(name, 0) + value


# The events fn-handoff receives, as fn-answerer and fn-ws-message send them.
def handoff_payload(turn: str = "t2", **over: str) -> dict[str, str]:
    return {
        "kind": "handoff",
        "session_id": "s-1",
        "turn_id": turn,
        "connection_id": "c-1",
        "reason": "complaint",
        "summary": "Parcel arrived broken",
        "question": "My order broke",
        "page_url": "https://shop.example/help",
        "created_at": "2026-05-01T10:00:00.000Z",
        **over,
    }


def contact_payload(email: str = "ana@example.com", note: str = "after 5pm", turn: str = "t2") -> dict[str, str]:
    return {"kind": "contact", "session_id": "s-1", "connection_id": "c-1", "turn": turn, "email": email, "note": note}


class FakeStaffThreads:
    """``StaffThreads`` in memory, under the same contract as the DynamoDB adapter (test_staff_threads.py)."""

    MAX_REPLIES = 50

    def __init__(self) -> None:
        self.threads: dict[str, str] = {}  # thread -> session
        self.items: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def link(self, session_id: str, thread: str, *, turn: str, connection_id: str, ttl: int) -> None:
        with self._lock:
            self.threads[thread] = session_id
            item = self.items.setdefault(session_id, {"replies": [], "delivered": set(), "quiet_until": 0.0})
            item.update(thread=thread, turn=turn, live=connection_id, ttl=ttl)

    def session_for(self, thread: str) -> str | None:
        return self.threads.get(thread)

    def load(self, session_id: str) -> StaffThread | None:
        item = self.items.get(session_id)
        if item is None:
            return None
        return StaffThread(session_id, item["thread"], item["turn"], item["live"], item["quiet_until"],
                           tuple(item["replies"]), frozenset(item["delivered"]))

    def add_reply(self, session_id: str, reply: StaffReply, *, quiet_until: float) -> bool:
        with self._lock:
            item = self.items.get(session_id)
            if item is None or any(r.id == reply.id for r in item["replies"]) \
                    or len(item["replies"]) >= self.MAX_REPLIES:
                return False
            item["replies"].append(reply)
            item["quiet_until"] = int(quiet_until)
            return True

    def mark_delivered(self, session_id: str, ids: tuple[str, ...]) -> None:
        with self._lock:
            if session_id in self.items:
                self.items[session_id]["delivered"].update(ids)

    def set_live(self, session_id: str, connection_id: str) -> bool:
        with self._lock:
            if session_id not in self.items:
                return False
            self.items[session_id]["live"] = connection_id
            return True


class RecordingPoster:
    """The visitor's connections: frames per connection id; ``gone`` ones raise ``ConnectionGone``."""

    def __init__(self, gone: set[str] | None = None) -> None:
        self.frames: dict[str, list[Mapping[str, Any]]] = {}
        self.gone = gone or set()

    def post(self, connection_id: str, frame: Mapping[str, Any]) -> None:
        if connection_id in self.gone:
            raise ConnectionGone(connection_id)
        self.frames.setdefault(connection_id, []).append(dict(frame))
