"""Message intake rules over a fake store: every rejection is an error frame with a code."""

from __future__ import annotations

import json

import pytest

from assistant_core.conversation.intake import Limits, MessageIntake
from assistant_core.conversation.ports import Connection
from tests.fakes.clock import FakeClock
from tests.fakes.sessions import FakeSessionStore

T0 = 1_800_000_000.0


@pytest.fixture
def store() -> FakeSessionStore:
    s = FakeSessionStore()
    s.put_connection(Connection("c1", "s1", "v1", "https://shop.example"), 3600)
    return s


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0)


@pytest.fixture
def intake(store: FakeSessionStore, clock: FakeClock) -> MessageIntake:
    return MessageIntake(store, Limits(daily_turn_cap=100), "https://api.example/prod", clock=clock)


def send(cid: str, text: str = "How long is delivery?", **extra: object) -> str:
    return json.dumps({"action": "send", "id": cid, "text": text, "page": "https://shop.example/faq", **extra})


def codes(reply) -> list[str]:
    return [f.get("code") or f["type"] for f in reply.frames]


def test_a_question_is_acked_and_becomes_a_turn_job(intake: MessageIntake, store: FakeSessionStore) -> None:
    r = intake.handle("c1", send("m1"))
    assert r.frames == [{"type": "ack", "id": "m1", "turn": "t1"}]
    assert r.job is not None and (r.job.turn_id, r.job.turn_index, r.job.session_id) == ("t1", 1, "s1")
    assert r.job.page_url == "https://shop.example/faq" and r.job.management_endpoint == "https://api.example/prod"
    assert store.scratchpads["c1"] == ["How long is delivery?"]


@pytest.mark.parametrize(
    "body",
    [
        None,
        b"\x00\x01",
        "",
        "not json",
        "[]",
        '"send"',
        '{"action":"dance"}',
        '{"text":"hi"}',
        '{"action":"send","id":"m","text":"hi","x":1}',
        '{"action":"send","text":"hi"}',
        '{"action":"send","id":"","text":"hi"}',
        '{"action":"stop","turn":"3"}',
        "x" * 2_000_000,
    ],
)
def test_garbage_gets_bad_request(intake: MessageIntake, body: object) -> None:
    r = intake.handle("c1", body)
    assert codes(r) == ["bad_request"] and r.job is None


@pytest.mark.parametrize("text,code", [("   ", "bad_request"), ("a\x07b", "bad_request"), ("x" * 1001, "too_long")])
def test_bad_questions(intake: MessageIntake, text: str, code: str) -> None:
    assert codes(intake.handle("c1", send("m1", text))) == [code]


def test_ping_needs_no_connection_row(intake: MessageIntake) -> None:
    assert intake.handle("nobody", '{"action":"ping"}').frames == [{"type": "pong"}]


def test_unknown_connection_is_unauthorized(intake: MessageIntake) -> None:
    assert codes(intake.handle("ghost", send("m1"))) == ["unauthorized"]


def test_a_resend_is_acked_again_but_never_answered_twice(intake: MessageIntake, store: FakeSessionStore) -> None:
    first = intake.handle("c1", send("m1"))
    again = intake.handle("c1", send("m1"))
    assert again.frames == first.frames and again.job is None
    store.end_turn("c1", "t1")
    assert intake.handle("c1", send("m1")).job is None


def test_one_answer_in_flight_per_connection(intake: MessageIntake, store: FakeSessionStore, clock: FakeClock) -> None:
    assert intake.handle("c1", send("m1")).job
    assert codes(intake.handle("c1", send("m2"))) == ["busy"]
    store.end_turn("c1", "t1")
    clock.advance(11)
    r = intake.handle("c1", send("m3"))
    assert r.job is not None and r.job.turn_id == "t2"


def test_a_stale_lease_frees_the_connection(intake: MessageIntake, clock: FakeClock) -> None:
    assert intake.handle("c1", send("m1")).job
    clock.advance(121)
    assert intake.handle("c1", send("m2")).job


def test_burst_then_per_minute_rate_limit(intake: MessageIntake, store: FakeSessionStore, clock: FakeClock) -> None:
    got = []
    for i in range(4):
        r = intake.handle("c1", send(f"b{i}"))
        if r.job:
            store.end_turn("c1", r.job.turn_id)
        got += codes(r)
    assert got == ["ack", "ack", "ack", "rate_limited"]
    clock.advance(10)
    for i in range(3):
        r = intake.handle("c1", send(f"c{i}"))
        if r.job:
            store.end_turn("c1", r.job.turn_id)
        got += codes(r)
    assert got[4:] == ["ack", "ack", "rate_limited"]  # 6 per minute counts every attempt


def test_daily_cap_answers_unavailable_and_frees_the_turn(store: FakeSessionStore, clock: FakeClock) -> None:
    intake = MessageIntake(store, Limits(daily_turn_cap=1), "e", clock=clock)
    assert intake.handle("c1", send("m1")).job
    store.end_turn("c1", "t1")
    clock.advance(10)
    assert codes(intake.handle("c1", send("m2"))) == ["unavailable"]
    assert "c1" not in store.in_flight


def test_a_duplicate_from_another_connection_acks_the_owner(intake: MessageIntake, store: FakeSessionStore) -> None:
    store.put_connection(Connection("c2", "s1", "v1", "https://shop.example"), 60)
    assert intake.handle("c1", send("m1")).job is not None
    r = intake.handle("c2", send("m1"))  # the widget resent it after reconnecting
    assert r.frames == [{"type": "ack", "id": "m1", "turn": "t1"}] and r.job is None
    assert "c2" not in store.in_flight


def test_rejections_give_the_turn_index_back(intake: MessageIntake, store: FakeSessionStore) -> None:
    assert intake.handle("c1", send("m1")).job is not None
    assert codes(intake.handle("c1", send("m2"))) == ["busy"]
    store.end_turn("c1", "t1")
    r = intake.handle("c1", send("m2"))  # the same message, now accepted, takes the next index
    assert r.job is not None and r.job.turn_id == "t2"


def test_a_runaway_session_is_cut_off(store: FakeSessionStore, clock: FakeClock) -> None:
    intake = MessageIntake(store, Limits(max_session_turns=2, burst=100, per_minute=100), "e", clock=clock)
    for i in range(2):
        store.end_turn("c1", intake.handle("c1", send(f"m{i}")).job.turn_id)
    assert codes(intake.handle("c1", send("m9"))) == ["rate_limited"]


def test_abandon_frees_turn_and_claim_so_a_resend_works(intake: MessageIntake, store: FakeSessionStore) -> None:
    job = intake.handle("c1", send("m1")).job
    assert intake.abandon(job)["code"] == "unavailable"
    assert intake.handle("c1", send("m1")).job is not None


def test_stop_and_contact(intake: MessageIntake, store: FakeSessionStore) -> None:
    assert intake.handle("c1", '{"action":"stop","turn":"t1"}').frames == []
    assert store.is_stopped("c1", "t1") and not store.is_stopped("c1", "t2")
    r = intake.handle("c1", json.dumps({"action": "contact", "turn": "t1", "email": "a@b.co", "note": "pls"}))
    assert r.contact == {"session_id": "s1", "connection_id": "c1", "turn": "t1", "email": "a@b.co", "note": "pls"}
    assert r.frames == [{"type": "handoff", "turn": "t1", "reason": "contact_saved", "ask_contact": False,
                         "message": "Thanks! Our team will reply to a@b.co."}]


@pytest.mark.parametrize("email", ["nope", "a@b", "a b@c.de", "@x.io", "x" * 250 + "@b.co"])
def test_invalid_contact_email_gets_a_clear_error(intake: MessageIntake, email: str) -> None:
    r = intake.handle("c1", json.dumps({"action": "contact", "turn": "t1", "email": email}))
    assert r.contact is None and r.frames == [{"type": "error", "code": "bad_request",
                                               "message": "That email address doesn't look right. "
                                                          "Please check it and send it again."}]


def test_contact_with_a_bad_turn_is_a_plain_bad_request(intake: MessageIntake) -> None:
    r = intake.handle("c1", json.dumps({"action": "contact", "turn": "x", "email": "a@b.co"}))
    assert r.frames[0]["code"] == "bad_request" and "email" not in r.frames[0]["message"]
