"""Sessions' staff threads in tbl-sessions against moto; the same contract holds for the unit tests' fake."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from assistant_core.aws.staff_threads import DynamoStaffThreads
from assistant_core.bootstrap.lambdas import Runtime
from assistant_core.handoff.ports import StaffReply
from tests.fakes.handoff import FakeStaffThreads

THREAD = "C0HANDOFF:1780000000.000100"


@pytest.fixture(params=["dynamo", "fake"])
def threads(request: pytest.FixtureRequest, rt: Runtime) -> Iterator[Any]:
    yield DynamoStaffThreads(rt._table(rt.settings.sessions_table)) if request.param == "dynamo" \
        else FakeStaffThreads()


def reply(ts: str, text: str = "On its way") -> StaffReply:
    return StaffReply(ts, "Staff", text, 1_780_000_001.25)


def test_a_linked_thread_keeps_each_reply_once(threads: Any) -> None:
    assert threads.session_for(THREAD) is None and threads.load("s-1") is None
    assert not threads.add_reply("s-1", reply("1.1"), quiet_until=10)  # no thread: nowhere to keep it
    assert not threads.set_live("s-1", "c-2")
    threads.link("s-1", THREAD, turn="t2", connection_id="c-1", ttl=1_780_086_400)
    assert threads.session_for(THREAD) == "s-1"
    assert threads.add_reply("s-1", reply("1.1"), quiet_until=1_780_000_601)
    assert not threads.add_reply("s-1", reply("1.1", "again"), quiet_until=1_780_000_700)
    assert threads.add_reply("s-1", reply("1.2", "Second"), quiet_until=1_780_000_602)
    t = threads.load("s-1")
    assert (t.thread, t.turn, t.live, t.quiet_until) == (THREAD, "t2", "c-1", 1_780_000_602)
    assert [(r.id, r.text) for r in t.replies] == [("1.1", "On its way"), ("1.2", "Second")]
    assert t.replies[0].at == pytest.approx(1_780_000_001.25) and [r.id for r in t.pending()] == ["1.1", "1.2"]


def test_delivery_marks_and_the_live_connection(threads: Any) -> None:
    threads.link("s-1", THREAD, turn="t2", connection_id="", ttl=1)
    threads.add_reply("s-1", reply("1.1"), quiet_until=0)
    threads.mark_delivered("s-1", ("1.1",))
    threads.mark_delivered("s-1", ("1.1",))
    assert threads.load("s-1").pending() == []
    assert threads.set_live("s-1", "c-3") and threads.load("s-1").live == "c-3"
    threads.mark_delivered("s-unknown", ("1.1",))  # nothing there: nothing to mark, no error


def test_a_thread_holds_at_most_fifty_replies(threads: Any) -> None:
    threads.link("s-1", THREAD, turn="t2", connection_id="c-1", ttl=1)
    kept = [threads.add_reply("s-1", reply(f"1.{i}"), quiet_until=0) for i in range(51)]
    assert kept == [True] * 50 + [False]
