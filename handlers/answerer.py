"""fn-answerer (async-invoked per turn with a ``TurnJob`` payload): run the turn, free the connection."""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from assistant_core.answering.answerer import TurnRequest
from assistant_core.conversation import frames
from assistant_core.conversation.ports import TurnJob
from assistant_core.errors import AssistantError
from handlers._compose import Runtime, lambda_entry, runtime

log = logging.getLogger(__name__)


@lambda_entry
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    job = TurnJob.from_payload(event)
    rt = runtime()
    # The configured endpoint, never one a payload names: an invoke must not be able to aim the replies elsewhere.
    answerer = rt.answerer()
    req = TurnRequest(job.session_id, job.connection_id, job.turn_id, job.turn_index, job.question, job.page_url)
    freed: list[bool] = []
    try:
        relayed = rt.staff_desk.relay_if_staff_active(job.session_id, job.turn_id, job.question) \
            if rt.staff_desk is not None else None
        if relayed is not None:  # a person is talking with the visitor in Slack: the assistant stays quiet
            rt.default_poster.post(job.connection_id, relayed)
            return {"turn": job.turn_id, "tool": "", "relayed_to_staff": True}
        # The connection is freed as soon as the reply is out, so a quick next question is not "busy".
        outcome = answerer.run(req, cancelled=lambda: _stopped(rt, job),
                               reply_done=lambda: freed.append(_free(rt, job)))
        return {"turn": job.turn_id, "tool": outcome.result.tool, "visitor_gone": outcome.visitor_gone}
    except Exception:  # an async invoke that raises is retried by Lambda: that would answer twice
        log.exception("turn %s of %s failed", job.turn_id, job.session_id)
        with contextlib.suppress(AssistantError):
            rt.default_poster.post(job.connection_id, frames.error("unavailable"))
        return {"turn": job.turn_id, "tool": "", "error": True}
    finally:
        if not any(freed):
            _free(rt, job)


def _free(rt: Runtime, job: TurnJob) -> bool:
    try:
        rt.sessions.end_turn(job.connection_id, job.turn_id)
        return True
    except AssistantError:
        log.exception("could not free %s (the lease expires by itself)", job.connection_id)
        return False


def _stopped(rt: Runtime, job: TurnJob) -> bool:
    try:
        return rt.sessions.is_stopped(job.connection_id, job.turn_id)
    except AssistantError:
        return False  # keep answering; a posting failure will end the turn if the visitor left
