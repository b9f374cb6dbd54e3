"""fn-handoff's orchestration on hand-written fakes: dedupe, follow-ups, retries and channel faults."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from assistant_core.errors import BadInput, StorageError
from assistant_core.handoff.notice import NoticeContext
from assistant_core.handoff.ports import TranscriptTurn
from assistant_core.handoff.service import HandoffService
from assistant_core.handoff.state import ChannelOff, ChannelRejected, DeliveryError
from tests.fakes.clock import FakeClock
from tests.fakes.handoff import (
    FakeHandoffStore,
    FakeStaffThreads,
    FakeTranscripts,
    RecordingChat,
    RecordingMetrics,
    RecordingNotifier,
    contact_payload,
    handoff_payload,
    throttled,
)

TURN = TranscriptTurn("t2", "I want a person", "hand_off", "I've passed your question on.", "2026-05-01T10:00:00Z")


class World:
    def __init__(self, *, chat: bool = True, transcripts: FakeTranscripts | None = None) -> None:
        self.store, self.notifier, self.chat = FakeHandoffStore(), RecordingNotifier(), RecordingChat()
        self.transcripts = transcripts or FakeTranscripts({"s-1": [TURN]})
        self.metrics, self.clock = RecordingMetrics(), FakeClock(1_780_000_000.0)
        self.sleeps: list[Callable[[], None]] = self.clock.meanwhile  # what happens while the service waits
        self.service = self.build(chat)

    def build(self, chat: bool = True) -> HandoffService:
        return HandoffService(
            store=self.store,
            transcripts=self.transcripts,
            notifier=self.notifier,
            chat=self.chat if chat else None,
            metrics=self.metrics,
            context=NoticeContext("Plant Shop"),
            clock=self.clock,
        )

    @property
    def slept(self) -> int:
        return len(self.clock.sleeps)

    @property
    def subjects(self) -> list[str]:
        return [s for s, _ in self.notifier.sent]


@pytest.fixture
def w() -> World:
    return World()


def test_one_notice_by_email_and_slack_then_updates_only(w: World) -> None:
    out = w.service.handle(handoff_payload())
    assert out.action == "opened" and len(w.notifier.sent) == 1 and len(w.chat.posted) == 1
    assert out.to_result()["published"] == "msg-1" and "I want a person" in w.notifier.sent[0][1]
    w.clock.advance(9 * 60)
    again = w.service.handle(handoff_payload("t3", reason="visitor_request"))
    assert (again.action, again.handoff_id) == ("updated", out.handoff_id)
    assert len(w.notifier.sent) == 1 and len(w.chat.posted) == 1 and w.transcripts.reads == 1


def test_contact_is_a_threaded_follow_up_of_the_same_handoff(w: World) -> None:
    first = w.service.handle(handoff_payload())
    w.clock.advance(60)
    out = w.service.handle(contact_payload())
    assert (out.action, out.handoff_id) == ("contact", first.handoff_id)
    assert w.subjects == [w.subjects[0], f"Re: {w.subjects[0]}"]
    assert "ana@example.com" in w.notifier.sent[1][1] and "ana@example.com" in str(w.chat.posted[1])
    w.service.handle(contact_payload(turn="t3"))  # the same details again: nothing new to say
    assert len(w.notifier.sent) == 2 and len(w.chat.posted) == 2


def test_a_new_notice_after_ten_minutes(w: World) -> None:
    first = w.service.handle(handoff_payload())
    w.clock.advance(10 * 60)
    second = w.service.handle(handoff_payload("t7"))
    assert second.action == "opened" and second.handoff_id != first.handoff_id and len(w.notifier.sent) == 2


def test_two_racing_invocations_send_one_notice(w: World) -> None:
    other = w.build()
    # A loads (nothing there), then B opens the handoff before A writes: A must become an update.
    w.store.before_save = lambda: other.handle(handoff_payload("t2"))
    out = w.service.handle(handoff_payload("t3"))
    assert out.action == "updated" and len(w.notifier.sent) == 1 and len(w.chat.posted) == 1


def _slack_claimed_elsewhere(w: World) -> str:
    """The email went out, the Slack post failed; now another invocation holds the Slack claim."""
    w.chat.failures = [DeliveryError("slack down")]
    with pytest.raises(DeliveryError):
        w.service.handle(handoff_payload())
    [key] = w.store.items["s-1"]["sent"]
    slack_key = key.replace("/email", "/slack")
    w.store.items["s-1"]["sending"][slack_key] = int(w.clock.time()) + 60
    return slack_key


def test_a_send_in_flight_elsewhere_is_awaited_not_repeated(w: World) -> None:
    slack_key = _slack_claimed_elsewhere(w)
    w.sleeps.append(lambda: w.store.mark_sent("s-1", slack_key, "ok"))  # the other sender finishes meanwhile
    out = w.service.handle(handoff_payload())
    assert out.action == "duplicate" and out.skipped == [slack_key] and w.chat.posted == []


def test_a_sender_that_never_finishes_leaves_it_to_the_lambda_retry(w: World) -> None:
    slack_key = _slack_claimed_elsewhere(w)
    with pytest.raises(DeliveryError, match=slack_key):
        w.service.handle(handoff_payload())
    assert w.chat.posted == [] and w.slept == 20
    w.clock.advance(61)  # the dead sender's lease has run out by the next retry
    w.service.handle(handoff_payload())
    assert len(w.chat.posted) == 1 and len(w.notifier.sent) == 1


def test_sns_throttled_still_posts_slack_and_a_retry_sends_only_the_email(w: World) -> None:
    w.notifier.failures = [throttled()]
    with pytest.raises(DeliveryError, match="/email"):
        w.service.handle(handoff_payload())
    assert w.notifier.sent == [] and len(w.chat.posted) == 1
    w.clock.advance(60)  # Lambda's first async retry
    out = w.service.handle(handoff_payload())
    assert out.action == "duplicate" and len(w.notifier.sent) == 1 and len(w.chat.posted) == 1


def test_slack_down_sends_the_email_and_a_retry_posts_slack_once(w: World) -> None:
    w.chat.failures = [DeliveryError("slack: still failing, last: HTTP 500 rollup_error")]
    with pytest.raises(DeliveryError, match="/slack"):
        w.service.handle(handoff_payload())
    assert len(w.notifier.sent) == 1 and w.chat.posted == []
    w.clock.advance(60)
    w.service.handle(handoff_payload())
    assert len(w.notifier.sent) == 1 and len(w.chat.posted) == 1


def test_a_follow_up_never_overtakes_its_notice(w: World) -> None:
    w.chat.failures = [DeliveryError("down")]
    with pytest.raises(DeliveryError):
        w.service.handle(handoff_payload())
    w.chat.failures = [DeliveryError("still down")]
    with pytest.raises(DeliveryError):
        w.service.handle(contact_payload())
    assert len(w.notifier.sent) == 2 and w.chat.posted == []  # the follow-up waits behind the notice
    w.service.handle(contact_payload())
    assert [p["text"].startswith("Handoff") for p in w.chat.posted] == [True, False]


def test_slack_rejection_is_a_config_error_counted_once_and_not_retried(
    w: World, caplog: pytest.LogCaptureFixture
) -> None:
    w.chat.failures = [ChannelRejected("slack: HTTP 410 channel_is_archived", status=410, code="channel_is_archived")]
    with caplog.at_level(logging.ERROR):
        w.service.handle(handoff_payload())  # no raise: a retry cannot fix an archived channel
    assert len(w.notifier.sent) == 1 and w.metrics.counts == {"SlackWebhookErrors": 1}
    assert any(
        "configuration error" in r.getMessage() and "channel_is_archived" in r.getMessage() for r in caplog.records
    )
    w.service.handle(handoff_payload())
    assert w.chat.posted == [] and w.metrics.counts == {"SlackWebhookErrors": 1}


def test_slack_not_set_up_goes_by_email_only() -> None:
    w = World(chat=False)
    w.service.handle(handoff_payload())
    assert len(w.notifier.sent) == 1 and w.metrics.counts == {}
    w2 = World()
    w2.chat.failures = [ChannelOff("the Slack webhook secret is empty")]
    w2.service.handle(handoff_payload())
    assert len(w2.notifier.sent) == 1 and w2.metrics.counts == {}


def test_no_transcript_or_an_unreadable_one_still_notifies() -> None:
    w = World(transcripts=FakeTranscripts({}))
    w.service.handle(handoff_payload())
    assert "No transcript was recorded" in w.notifier.sent[0][1]
    w2 = World(transcripts=FakeTranscripts(fail=True))
    w2.service.handle(handoff_payload())
    assert "could not be read" in w2.notifier.sent[0][1]


def test_bad_input_and_a_broken_store_are_raised(w: World) -> None:
    with pytest.raises(BadInput):
        w.service.handle(contact_payload(email="nope"))

    class Down(FakeHandoffStore):
        def load(self, session_id: str):  # type: ignore[no-untyped-def]
            raise StorageError("tbl-sessions unavailable")

    w.store = Down()
    with pytest.raises(StorageError):
        w.build().handle(handoff_payload())
    assert w.notifier.sent == []


# -- the Slack app: the notice starts a thread, follow-ups go in it; a 👎 with a comment reaches staff -----


def threaded() -> tuple[World, FakeStaffThreads]:
    w, threads = World(), FakeStaffThreads()
    w.chat = RecordingChat(threads=True)
    w.service = w.build()
    w.service.threads = threads
    return w, threads


def feedback_payload(turn: str = "t2", comment: str = "It never said the price") -> dict[str, str]:
    return {"kind": "feedback", "session_id": "s-1", "connection_id": "c-9", "turn": turn, "comment": comment}


def test_the_app_notice_links_its_thread_and_follow_ups_go_in_it() -> None:
    w, threads = threaded()
    w.service.handle(handoff_payload())
    notice_thread = "C1:1700000001.000100"
    assert threads.session_for(notice_thread) == "s-1"
    linked = threads.load("s-1")
    assert (linked.thread, linked.turn, linked.live) == (notice_thread, "t2", "c-1")
    w.service.handle(contact_payload())
    assert w.chat.in_thread == ["", notice_thread]
    assert w.store.items["s-1"]["sent"][next(k for k in w.store.items["s-1"]["sent"] if k.endswith("#1/slack"))] \
        == notice_thread  # the thread is remembered with the delivery mark, so a later follow-up finds it


def test_a_thumbs_down_with_a_comment_on_the_handed_off_turn_updates_staff() -> None:
    w, _ = threaded()
    w.service.handle(handoff_payload())
    out = w.service.handle(feedback_payload())
    assert out.action == "feedback"
    assert w.subjects[1] == f"Re: {w.subjects[0]}" and "It never said the price" in w.notifier.sent[1][1]
    assert "It never said the price" in str(w.chat.posted[1]) and w.chat.in_thread[1] == "C1:1700000001.000100"
    assert w.service.handle(feedback_payload()).action == "duplicate"  # a redelivered event
    assert len(w.notifier.sent) == 2


def test_a_thumbs_down_elsewhere_reaches_staff_only_if_the_visitor_left_contact_details(w: World) -> None:
    w.service.handle(handoff_payload())
    assert w.service.handle(feedback_payload("t5")).action == "ignored"  # not the handed-off turn
    w.service.handle(contact_payload())
    assert w.service.handle(feedback_payload("t5")).action == "feedback"
    assert len(w.notifier.sent) == 3 and "t5" in w.notifier.sent[2][1]


def test_a_thumbs_down_without_a_handoff_or_after_a_day_is_not_for_staff(w: World) -> None:
    assert w.service.handle(feedback_payload()).to_result()["action"] == "ignored"
    assert w.store.items == {} and w.notifier.sent == []
    w.service.handle(handoff_payload())
    w.clock.advance(25 * 3600)
    assert w.service.handle(feedback_payload()).action == "ignored"
    with pytest.raises(BadInput):
        w.service.handle(feedback_payload(comment="  "))
