"""Staff replies from the hand-off's Slack thread reach the visitor once; the assistant keeps quiet meanwhile."""

from __future__ import annotations

from typing import Any

import pytest

from assistant_core.errors import BadInput
from assistant_core.handoff.staff_desk import StaffDesk
from assistant_core.handoff.state import ChannelRejected, DeliveryError
from tests.fakes.clock import FakeClock
from tests.fakes.handoff import FakeStaffThreads, RecordingChat, RecordingPoster

THREAD = "C0HANDOFF:1780000000.000100"


class Names:
    def __init__(self, fail: bool = False) -> None:
        self.fail = fail

    def display_name(self, user: str) -> str:
        if self.fail:
            raise ChannelRejected("slack users.info: missing_scope", code="missing_scope")
        return {"U0ANA": "Ana"}.get(user, "")


class Desk:
    def __init__(self, *, gone: set[str] | None = None, names: Names | None = None) -> None:
        self.threads, self.chat = FakeStaffThreads(), RecordingChat(threads=True)
        self.poster, self.queued, self.clock = RecordingPoster(gone), [], FakeClock(1_780_000_000.0)
        self.desk = StaffDesk(threads=self.threads, chat=self.chat, poster=self.poster, queue=self.queued.append,
                              names=names, quiet_seconds=600, clock=self.clock)
        self.threads.link("s-1", THREAD, turn="t2", connection_id="c-1", ttl=0)

    def reply(self, ts: str = "1780000001.000200", text: str = "Your refund went out today.",
              user: str = "U0ANA") -> dict[str, Any]:
        return self.desk.handle({"kind": "staff_reply", "thread": THREAD, "ts": ts, "text": text, "user": user})

    @property
    def notes(self) -> list[str]:
        return [str(p["text"]) for p in self.chat.posted]


def test_a_reply_reaches_the_connected_visitor_once_and_slack_is_told() -> None:
    d = Desk()
    assert d.reply() == {"session_id": "s-1", "shown": True}
    assert d.poster.frames["c-1"] == [{"type": "staff", "id": "1780000001.000200", "turn": "t2", "name": "Staff",
                                       "text": "Your refund went out today."}]
    assert d.notes == ["✓ Shown to the visitor in the chat."] and d.chat.in_thread == [THREAD]
    assert d.reply()["repeat"] is True  # Lambda's or Slack's retry of the same reply
    assert len(d.poster.frames["c-1"]) == 1 and len(d.notes) == 1


def test_names_are_slack_display_names_when_configured_and_staff_otherwise() -> None:
    d = Desk(names=Names())
    d.reply()
    d.reply(ts="1780000002.000300", user="U0UNKNOWN")
    assert [f["name"] for f in d.poster.frames["c-1"]] == ["Ana", "Staff"]
    failing = Desk(names=Names(fail=True))
    failing.reply()
    assert failing.poster.frames["c-1"][0]["name"] == "Staff"  # a name is not worth losing the reply over


def test_a_visitor_who_left_gets_the_reply_when_they_come_back() -> None:
    d = Desk(gone={"c-1"})
    assert d.reply()["shown"] is False
    assert "not in the chat right now" in d.notes[0] and "c-1" not in d.poster.frames
    assert d.reply()["shown"] is False and len(d.notes) == 1  # a retry does not repeat the note
    frames = d.desk.visitor_back("s-1", "c-2")
    assert [f["id"] for f in frames] == ["1780000001.000200"] and d.threads.load("s-1").live == "c-2"
    d.desk.seen("s-1", ("1780000001.000200",))
    assert d.desk.visitor_back("s-1", "c-2") == []  # seen: not sent again
    assert d.queued == [{"kind": "staff_seen", "session_id": "s-1", "ids": ["1780000001.000200"]}]
    d.desk.handle(d.queued[0])
    assert "has now seen the reply" in d.notes[-1]
    d.reply(ts="1780000003.000100", text="Anything else?")  # the next one goes straight to the new connection
    assert d.poster.frames["c-2"][0]["text"] == "Anything else?"


def test_a_reply_in_a_thread_we_do_not_know_is_dropped() -> None:
    d = Desk()
    out = d.desk.handle({"kind": "staff_reply", "thread": "C0OTHER:1.2", "ts": "3.4", "text": "hi", "user": "U1"})
    assert out == {"ignored": "unknown thread"} and d.poster.frames == {} and d.chat.posted == []
    assert d.desk.visitor_back("s-unknown", "c-9") == []


def test_the_assistant_stays_quiet_while_staff_reply_and_the_visitor_is_relayed() -> None:
    d = Desk()
    assert d.desk.relay_if_staff_active("s-1", "t3", "Is it the full amount?") is None  # nobody replied yet
    d.reply()
    frame = d.desk.relay_if_staff_active("s-1", "t3", "Is it the full amount?")
    assert frame is not None and frame["type"] == "handoff" and frame["ask_contact"] is False
    assert frame["reason"] == "staff_active" and "our team" in frame["message"]
    assert d.queued == [{"kind": "visitor_message", "session_id": "s-1", "turn": "t3",
                         "text": "Is it the full amount?"}]
    d.desk.handle(d.queued[0])
    assert d.notes[-1] == "*Visitor:* Is it the full amount?" and d.chat.in_thread[-1] == THREAD
    d.clock.advance(601)
    assert d.desk.relay_if_staff_active("s-1", "t4", "thanks") is None  # the window is over: the assistant answers


def test_slack_outages_retry_the_visitors_message_but_never_a_note() -> None:
    d = Desk()
    d.chat.failures = [DeliveryError("slack down")]
    assert d.reply()["shown"] is True  # the note failed; the reply itself reached the visitor
    d.chat.failures = [DeliveryError("slack down")]
    with pytest.raises(DeliveryError):
        d.desk.handle({"kind": "visitor_message", "session_id": "s-1", "turn": "t3", "text": "hello?"})


@pytest.mark.parametrize("payload", [
    {"kind": "staff_reply", "thread": THREAD, "ts": "", "text": "x"},
    {"kind": "staff_reply", "thread": THREAD, "ts": "1.2", "text": 5},
    {"kind": "visitor_message", "session_id": "s-1", "text": ""},
    {"kind": "staff_seen"},
    {"kind": "staff_gossip", "session_id": "s-1"},
])
def test_unusable_events_are_bad_input(payload: dict[str, Any]) -> None:
    with pytest.raises(BadInput):
        Desk().desk.handle(payload)


def test_a_reply_that_beats_the_notices_link_waits_for_it() -> None:
    d = Desk()
    young = f"C0HANDOFF:{d.clock.time() - 2:.6f}"  # a notice posted two seconds ago, not linked yet
    d.clock.meanwhile.append(lambda: None)
    d.clock.meanwhile.append(lambda: d.threads.link("s-2", young, turn="t1", connection_id="c-2", ttl=0))
    out = d.desk.handle({"kind": "staff_reply", "thread": young, "ts": "1780000009.000100", "text": "Hi",
                         "user": "U0ANA"})
    assert out == {"session_id": "s-2", "shown": True} and d.poster.frames["c-2"][0]["text"] == "Hi"
    assert len(d.clock.sleeps) == 2
    stranger = f"C0HANDOFF:{d.clock.time() - 1:.6f}"  # young but never linked: a bounded wait, then dropped
    assert d.desk.handle({"kind": "staff_reply", "thread": stranger, "ts": "1.1", "text": "x"}) == \
        {"ignored": "unknown thread"}
    assert len(d.clock.sleeps) == 2 + 12
