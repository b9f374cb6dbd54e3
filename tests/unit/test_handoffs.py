"""The handoff rules (open / update / contact within the window) and what staff read."""

from __future__ import annotations

import pytest

from assistant_core.errors import BadInput
from assistant_core.handoff.notice import NoticeContext, render_contact, render_notice, subject_line
from assistant_core.handoff.ports import TranscriptTurn
from assistant_core.handoff.state import WINDOW_SECONDS, Handoff, decide, parse_event
from tests.fakes.handoff import contact_payload, handoff_payload

T0 = 1_780_000_000.0
CTX = NoticeContext(
    "Plant Shop", "https://console.example/{region}/{table}?pk={session_id}", "ap-southeast-1", "tbl-transcripts"
)


def opened(at: float = T0) -> Handoff:
    return decide(None, parse_event(handoff_payload()), at).handoff


TURNS = [
    TranscriptTurn(
        "t1",
        "Where is my order?",
        "answer",
        "Orders ship in 2 days.",
        "2026-05-01T09:59:00Z",
        page_url="https://shop.example/orders",
    ),
    TranscriptTurn(
        "t2",
        "My order broke <!channel> & I'm angry",
        "hand_off",
        "I've passed your question on.",
        "2026-05-01T10:00:00Z",
        "invalid_citation",
    ),
]


# -- events -------------------------------------------------------------------------------------


def test_a_handoff_payload_becomes_an_event_and_unknown_reasons_are_other() -> None:
    ev = parse_event(handoff_payload(reason="made_up"))
    assert (ev.kind, ev.session_id, ev.turn, ev.reason, ev.summary) == (
        "handoff",
        "s-1",
        "t2",
        "other",
        "Parcel arrived broken",
    )
    assert ev.event_id == "handoff:t2"


@pytest.mark.parametrize(
    "payload",
    [
        {"kind": "handoff", "turn_id": "t1"},  # no session
        {"kind": "teleport", "session_id": "s-1"},
        contact_payload(email="not-an-email"),
        contact_payload(email="two@@example.com"),
        contact_payload(email="a b@example.com"),
    ],
)
def test_unusable_events_are_bad_input(payload: dict[str, str]) -> None:
    with pytest.raises(BadInput):
        parse_event(payload)


# -- rules --------------------------------------------------------------------------------------


def test_the_first_handoff_opens_and_sends_a_notice() -> None:
    d = decide(None, parse_event(handoff_payload()), T0)
    assert (d.action, d.send) == ("opened", "notice")
    assert d.handoff.handoff_id.startswith("H-") and d.handoff.reason == "complaint" and d.handoff.opened_at == T0


def test_later_handoffs_within_ten_minutes_update_without_a_second_notice() -> None:
    first = opened()
    d = decide(first, parse_event(handoff_payload("t3", reason="visitor_request")), T0 + WINDOW_SECONDS - 1)
    assert (d.action, d.send) == ("updated", "")
    assert d.handoff.handoff_id == first.handoff_id and d.handoff.reason == "complaint"
    assert [e["turn"] for e in d.handoff.events] == ["t2", "t3"]


def test_after_ten_minutes_a_new_handoff_opens_and_keeps_the_known_contact() -> None:
    first = decide(opened(), parse_event(contact_payload()), T0 + 60).handoff
    d = decide(first, parse_event(handoff_payload("t5")), T0 + WINDOW_SECONDS)
    assert (d.action, d.send) == ("opened", "notice") and d.handoff.handoff_id != first.handoff_id
    assert d.handoff.contact_email == "ana@example.com" and d.handoff.messages == ()


def test_a_redelivered_event_is_a_duplicate() -> None:
    first = opened()
    assert decide(first, parse_event(handoff_payload()), T0 + 3600).action == "duplicate"
    with_contact = decide(first, parse_event(contact_payload()), T0 + 5).handoff
    assert decide(with_contact, parse_event(contact_payload()), T0 + 9).action == "duplicate"


def test_contact_attaches_to_the_open_handoff_as_a_follow_up() -> None:
    first = opened()
    d = decide(first, parse_event(contact_payload()), T0 + 20 * 60)  # after the window: still the same episode
    assert (d.action, d.send) == ("contact", "contact") and d.handoff.handoff_id == first.handoff_id
    assert (d.handoff.contact_email, d.handoff.contact_note) == ("ana@example.com", "after 5pm")
    same = decide(d.handoff, parse_event(contact_payload(turn="t3")), T0 + 21 * 60)  # same details, new frame
    assert (same.action, same.send) == ("contact", "")


def test_contact_without_a_handoff_opens_one_for_a_visitor_request() -> None:
    d = decide(None, parse_event(contact_payload()), T0)
    assert (d.action, d.send, d.handoff.reason) == ("opened", "notice", "visitor_request")
    assert d.handoff.contact_email == "ana@example.com"
    later = decide(d.handoff, parse_event(handoff_payload("t3")), T0 + 30)
    assert later.send == "" and later.handoff.summary == "Parcel arrived broken"  # the model's summary is adopted


def test_state_round_trips_through_a_dict() -> None:
    h = opened().with_message("notice", "s", "b", {"text": "x", "blocks": []})
    assert Handoff.from_dict(h.to_dict()) == h
    assert Handoff.from_dict({**h.to_dict(), "added_later": 1}) == h  # a newer writer's record still loads


# -- rendering ----------------------------------------------------------------------------------


def test_subject_is_short_printable_ascii_and_leaves_room_for_re() -> None:
    ctx = NoticeContext("Ünïcode Gärten — " + "very long shop name " * 10)
    subject = subject_line(opened(), ctx)
    assert len(subject) <= 96 and subject.isascii() and subject.isprintable() and "\n" not in subject
    assert subject.startswith(f"Handoff {opened().handoff_id}: visitor complaint")
    follow = render_contact(opened(), ctx, subject).subject
    assert follow == f"Re: {subject}" and len(follow) <= 100


def test_the_email_body_has_every_fact_and_the_last_turns() -> None:
    h = decide(opened(), parse_event(contact_payload()), T0 + 5).handoff
    body = render_notice(h, TURNS, CTX).body
    for fact in (
        "Parcel arrived broken",
        "ana@example.com - note: after 5pm",
        "https://shop.example/help",
        "2026-05-01 10:0",
        h.handoff_id,
        "The whole conversation (2 turns):",
        "Visitor:   Where is my order?",
        "Assistant (answer): Orders ship in 2 days.",
        "withheld: invalid_citation",
        "Full transcript: https://console.example/ap-southeast-1/tbl-transcripts?pk=s-1",
    ):
        assert fact in body, fact


def test_a_long_conversation_shows_its_last_turns_and_says_so() -> None:
    from assistant_core.handoff.ports import TranscriptTurn

    many = [TranscriptTurn(**{**TURNS[0].__dict__, "turn_id": f"t{i}", "question": f"question {i}"})
            for i in range(1, 23)]
    ctx = NoticeContext("s", turns_shown=20)
    body = render_notice(opened(), many, ctx).body
    assert "The last 20 turns (earlier ones are not shown)" in body
    assert "question 3" in body and "question 22" in body and "question 2\n" not in body
    slack = render_notice(opened(), many, ctx).slack["blocks"]
    assert len(slack) <= 50 and sum(1 for b in slack if "question " in str(b)) == 20
    short = render_notice(opened(), many[:20], ctx).body
    assert "The whole conversation (20 turns):" in short


def test_by_default_no_notice_links_to_the_aws_console() -> None:
    from assistant_core.settings import Settings

    s = Settings()
    assert s.transcript_url_template == "" and s.handoff_turns == 20
    rendered = render_notice(opened(), TURNS, NoticeContext(s.site_name, s.transcript_url_template, s.region))
    assert "console.aws" not in rendered.body + str(rendered.slack) and "Full transcript" not in rendered.body


def test_missing_or_unreadable_transcripts_are_said_plainly() -> None:
    assert "No transcript was recorded for this session." in render_notice(opened(), [], CTX).body
    assert "could not be read" in render_notice(opened(), None, CTX).body
    assert "not given yet" in render_notice(opened(), [], CTX).body


def test_slack_blocks_escape_visitor_text_and_link_the_transcript() -> None:
    slack = render_notice(opened(), TURNS, CTX).slack
    blocks = slack["blocks"]
    assert slack["text"].startswith("Handoff H-") and blocks[0]["type"] == "header"
    assert blocks[0]["text"] == {"type": "plain_text", "text": "Visitor complaint"}
    fields = [f["text"] for f in blocks[2]["fields"]]
    assert fields[0] == "*Reason*\ncomplaint" and fields[2] == "*Page*\n<https://shop.example/help|shop.example/help>"
    assert fields[3].startswith(f"*Time*\n<!date^{int(T0)}^{{date_short_pretty}} {{time}}|")
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section" and "text" in b]
    excerpt = [t for t in sections if t.startswith("*Visitor (")]
    assert "My order broke &lt;!channel&gt; &amp; I'm angry" in excerpt[1] and "<!channel>" not in str(blocks)
    assert "<https://console.example/ap-southeast-1/tbl-transcripts?pk=s-1|Open the full transcript>" in sections


def test_contact_follow_up_for_slack_names_the_handoff() -> None:
    h = decide(opened(), parse_event(contact_payload(note="<b>call</b>")), T0 + 5).handoff
    slack = render_contact(h, CTX, "Handoff x").slack
    text = slack["blocks"][0]["text"]["text"]
    assert f"*Contact details for handoff {h.handoff_id}*" in text
    assert "<mailto:ana@example.com|ana@example.com>" in text and "&lt;b&gt;call&lt;/b&gt;" in text


@pytest.mark.parametrize(
    "template,url",
    [
        (
            "https://{region}.console/{table}#pk={session_id}",
            "https://ap-southeast-1.console/tbl-transcripts#pk=s%2F1%20x",
        ),
        ("https://x/{nope}", ""),
        ("", ""),
    ],
)
def test_transcript_link_template(template: str, url: str) -> None:
    assert NoticeContext("s", template, "ap-southeast-1", "tbl-transcripts").transcript_url("s/1 x") == url
