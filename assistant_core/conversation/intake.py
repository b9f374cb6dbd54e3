"""Rules for each visitor frame: validate, rate-limit, de-duplicate, one turn at a time,
daily cap. Pure over the ``SessionStore`` port; the handler posts the frames and invokes the answerer.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import jsonschema

from assistant_core.clock import SYSTEM_CLOCK
from assistant_core.conversation import email_address, frames
from assistant_core.conversation.frames import Frame
from assistant_core.conversation.input_checks import TooLong, clean_question
from assistant_core.conversation.payloads import parse_json
from assistant_core.conversation.ports import (
    Busy,
    Feedback,
    FeedbackStore,
    RatedTurn,
    SessionFull,
    SessionStore,
    TurnJob,
)
from assistant_core.errors import BadInput
from assistant_core.ports import Clock

log = logging.getLogger(__name__)
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f]")

_ID = {"type": "string", "minLength": 1, "maxLength": 64}
MAX_COMMENT_CHARS = 500  # "what was wrong?" is one line
_TURN = {"type": "string", "pattern": "^t[0-9]{1,9}$"}
_SCHEMAS: dict[str, dict[str, Any]] = {
    "send": {"required": ["action", "id", "text"],
             "properties": {"action": {}, "id": _ID, "text": {"type": "string"},
                            "page": {"type": "string", "maxLength": 2048}}},
    "contact": {"required": ["action", "turn", "email"],
                "properties": {"action": {}, "turn": _TURN,
                               "email": {"type": "string", "maxLength": email_address.MAX_LENGTH,
                                         "pattern": email_address.PATTERN},
                               "note": {"type": "string", "maxLength": 1000}}},
    "stop": {"required": ["action", "turn"], "properties": {"action": {}, "turn": _TURN}},
    "feedback": {"required": ["action", "turn", "rating"],
                 "properties": {"action": {}, "turn": _TURN, "rating": {"enum": ["up", "down"]},
                                "comment": {"type": "string", "maxLength": MAX_COMMENT_CHARS}}},
    "ping": {"required": ["action"], "properties": {"action": {}}},
}
_VALIDATORS = {k: jsonschema.Draft202012Validator({"type": "object", "additionalProperties": False, **v})
               for k, v in _SCHEMAS.items()}
MAX_BODY_BYTES = 16 * 1024  # a 1,000-character question is far below this


@dataclass(frozen=True)
class Limits:
    max_chars: int = 1000
    per_minute: int = 6
    burst: int = 3  # messages within one 10-second window
    daily_turn_cap: int = 5000
    lease_seconds: int = 120  # a crashed answerer frees the connection after this
    scratchpad_turns: int = 6
    claim_ttl: int = 7 * 86400  # how long a quiet session remembers its message ids and turn count
    max_session_turns: int = 500


@dataclass
class Reply:
    frames: list[Frame] = field(default_factory=list)
    job: TurnJob | None = None
    contact: dict[str, str] | None = None  # for fn-handoff, queued before the frames are posted
    staff_update: dict[str, str] | None = None  # a 👎 with a comment, for fn-handoff (staff hear if involved)
    seen: tuple[str, tuple[str, ...]] | None = None  # (session, staff reply ids) once the frames are posted
    metrics: dict[str, int] = field(default_factory=dict)  # counts for the handler's EMF line


class MessageIntake:
    def __init__(self, store: SessionStore, limits: Limits, management_endpoint: str,
                 clock: Clock = SYSTEM_CLOCK, *, feedback: FeedbackStore | None = None,
                 unhelpful: Callable[[Feedback, RatedTurn], None] | None = None,
                 staff_replies: Callable[[str, str], list[Frame]] | None = None) -> None:
        self.store = store
        self.limits = limits
        self.endpoint = management_endpoint
        self.clock = clock
        self.feedback = feedback
        self.unhelpful = unhelpful  # a 👎 joins the week's gaps (assistant_core/gaps/feedback.py)
        # (session, connection) -> staff replies the visitor has not seen (handoff/staff_desk.py), sent on a ping:
        # the widget pings on every new connection.
        self.staff_replies = staff_replies

    def handle(self, connection_id: str, body: Any) -> Reply:
        try:
            msg = _parse(body)
        except BadEmail:
            return Reply([frames.error("bad_request", frames.BAD_EMAIL_MESSAGE)])
        except BadInput as e:
            log.info("bad frame from %s: %s", connection_id, e)
            return Reply([frames.error("bad_request")])
        action = msg["action"]
        if action == "ping" and self.staff_replies is None:
            return Reply([frames.pong()])
        conn = self.store.get_connection(connection_id)
        if action == "ping":
            return self._ping(connection_id, conn.session_id if conn else "")
        if conn is None:
            return Reply([frames.error("unauthorized")])
        if action == "stop":
            self.store.request_stop(connection_id, msg["turn"])
            return Reply()
        if action == "contact":
            per_minute, per_burst = self.store.hit_rate(connection_id, self.clock.time())
            if per_minute > self.limits.per_minute or per_burst > self.limits.burst:
                return Reply([frames.error("rate_limited")])
            # The thanks is posted only once the contact is queued for fn-handoff (the handler's job): the
            # visitor is never told their address arrived before it is stored.
            return Reply([frames.contact_saved(msg["turn"], msg["email"])],
                         contact={"session_id": conn.session_id, "connection_id": connection_id, "turn": msg["turn"],
                                  "email": msg["email"], "note": msg.get("note", "")})
        if action == "feedback":
            return self._feedback(connection_id, conn.session_id, msg)
        return self._send(connection_id, conn.session_id, msg)

    def _ping(self, connection_id: str, session_id: str) -> Reply:
        if not session_id or self.staff_replies is None:
            return Reply([frames.pong()])
        waiting = self.staff_replies(session_id, connection_id)
        return Reply([frames.pong(), *waiting],
                     seen=(session_id, tuple(str(f["id"]) for f in waiting)) if waiting else None)

    def _feedback(self, connection_id: str, session_id: str, msg: dict[str, Any]) -> Reply:
        """Stored on the turn's transcript row before it is acknowledged; a 👎 also joins the week's gaps."""
        per_minute, per_burst = self.store.hit_rate(connection_id, self.clock.time())
        if per_minute > self.limits.per_minute or per_burst > self.limits.burst:
            return Reply([frames.error("rate_limited")])
        if self.feedback is None:
            return Reply([frames.error("unavailable")])
        try:
            comment = clean_comment(msg.get("comment", ""))
        except BadInput:
            return Reply([frames.error("bad_request")])
        turn, rating = msg["turn"], msg["rating"]
        fb = Feedback(session_id, int(turn[1:]), turn, rating, comment, self.clock.now_iso())
        rated = self.feedback.rate_turn(fb)
        if rated is None:  # no such answered turn in this session (or another session's)
            return Reply([frames.error("bad_request", "There is no answer to rate here.")])
        before = rated.previous
        changed = before.get("rating") != rating or before.get("comment", "") != comment
        if rating == "down" and before.get("rating") != "down" and self.unhelpful is not None:
            self.unhelpful(fb, rated)
        metrics = {"FeedbackUp" if rating == "up" else "FeedbackDown": 1} if changed else {}
        update = None
        if rating == "down" and comment and changed:  # fn-handoff tells staff if they have this conversation
            update = {"kind": "feedback", "session_id": session_id, "connection_id": connection_id, "turn": turn,
                      "comment": comment}
        return Reply([frames.feedback_saved(turn, rating)], staff_update=update, metrics=metrics)

    def _send(self, connection_id: str, session_id: str, msg: dict[str, Any]) -> Reply:
        # Five store calls at most on the way to an ack (connection, turn, rate, lease, cap): the
        # ack's latency is what the visitor feels first.
        client_id = msg["id"]
        try:
            question = clean_question(msg["text"], self.limits.max_chars)
        except TooLong:
            return Reply([frames.error("too_long")])
        except BadInput:
            return Reply([frames.error("bad_request")])
        try:
            slot = self.store.take_turn(session_id, client_id, max_turns=self.limits.max_session_turns,
                                        ttl_seconds=self.limits.claim_ttl)
        except SessionFull:
            log.warning("session %s reached %d turns", session_id, self.limits.max_session_turns)
            return Reply([frames.error("rate_limited")])
        turn_id = f"t{slot.index}"
        if not slot.fresh:  # a resend: acknowledge the same turn again, never answer twice
            return Reply([frames.ack(client_id, turn_id)])
        now = self.clock.time()
        per_minute, per_burst = self.store.hit_rate(connection_id, now)
        if per_minute > self.limits.per_minute or per_burst > self.limits.burst:
            self.store.release_turn(session_id, client_id, slot.index)
            return Reply([frames.error("rate_limited")])
        try:
            self.store.begin_turn(connection_id, slot.index, question, now=now,
                                  lease_seconds=self.limits.lease_seconds, keep=self.limits.scratchpad_turns)
        except Busy:
            self.store.release_turn(session_id, client_id, slot.index)
            return Reply([frames.error("busy")])
        day = datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%d")  # the same reading as the rate window
        try:
            over_cap = self.store.count(f"cap#{day}", 2 * 86400) > self.limits.daily_turn_cap
        except BaseException:  # the lease and the claim must not outlive a failed intake
            self.store.end_turn(connection_id, turn_id)
            self.store.release_turn(session_id, client_id, slot.index)
            raise
        if over_cap:
            log.warning("daily turn cap of %d reached", self.limits.daily_turn_cap)
            self.store.end_turn(connection_id, turn_id)
            self.store.release_turn(session_id, client_id, slot.index)
            return Reply([frames.error("unavailable")])
        job = TurnJob(session_id, connection_id, turn_id, slot.index, question, msg.get("page", ""), self.endpoint,
                      client_id)
        return Reply([frames.ack(client_id, turn_id)], job=job)

    def abandon(self, job: TurnJob) -> Frame:
        """The answerer could not be started: free the turn and the claim so a resend can work."""
        self.store.end_turn(job.connection_id, job.turn_id)
        self.store.release_turn(job.session_id, job.client_id, job.turn_index)
        return frames.error("unavailable")


def clean_comment(text: object) -> str:
    """The 👎 comment as text: NFC, one line, no control characters ("" when none was given)."""
    if not isinstance(text, str):
        raise BadInput("the comment must be text")
    if _CONTROL_CHARS.search(text.replace("\n", " ").replace("\t", " ")):
        raise BadInput("the comment contains control characters")
    return " ".join(unicodedata.normalize("NFC", text).split())[:MAX_COMMENT_CHARS]


class BadEmail(BadInput):
    """A contact frame whose address cannot be an email: the visitor gets a message saying so."""


def _parse(body: Any) -> dict[str, Any]:
    if not isinstance(body, str):
        raise BadInput("body missing or binary")  # binary frames are not our protocol
    msg = parse_json(body, max_bytes=MAX_BODY_BYTES)
    action = msg.get("action") if isinstance(msg, dict) else None
    if not isinstance(action, str) or action not in _VALIDATORS:
        raise BadInput(f"unknown action {action!r}"[:100])
    errors = sorted(_VALIDATORS[msg["action"]].iter_errors(msg), key=str)
    if errors:
        if msg["action"] == "contact" and any(list(e.path) == ["email"] for e in errors):
            raise BadEmail("contact: invalid email")
        raise BadInput(f"{msg['action']}: {errors[0].message}")
    return msg
