"""fn-ws-message (``$default``): intake rules → ack/error frames → async answerer invoke."""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from assistant_core.conversation import frames
from assistant_core.errors import AssistantError, ConnectionGone
from assistant_core.observability import log_context
from handlers._compose import lambda_entry, runtime

log = logging.getLogger(__name__)


@lambda_entry
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    rt = runtime()
    ctx = event.get("requestContext", {})
    cid = ctx["connectionId"]
    body = None if event.get("isBase64Encoded") else event.get("body")  # binary frames are not our protocol
    poster, reply = rt.default_poster, None
    try:
        reply = rt.intake.handle(cid, body)
        if reply.contact and not _queue(rt, {"kind": "contact", **reply.contact}):
            poster.post(cid, frames.error("unavailable", frames.CONTACT_NOT_SAVED_MESSAGE))
            return {"statusCode": 200}
        if reply.staff_update:  # the rating is stored either way; only the staff update would be lost
            _queue(rt, reply.staff_update)
        if reply.job:
            log_context.bind(session_id=reply.job.session_id, turn=reply.job.turn_id)
        for frame in reply.frames:
            poster.post(cid, frame)
        if reply.seen and rt.staff_desk is not None:
            rt.staff_desk.seen(*reply.seen)
        if reply.metrics:
            rt.metrics.counts(reply.metrics)
        if reply.job:
            try:
                rt.invoker.invoke_async(rt.settings.answerer_function, reply.job.to_payload())
            except AssistantError:
                log.exception("could not start the answerer for %s", reply.job.turn_id)
                poster.post(cid, rt.intake.abandon(reply.job))
    except ConnectionGone:
        if reply and reply.job:
            rt.intake.abandon(reply.job)  # nobody heard the ack: do not answer into the void
    except Exception:  # a frame must never leave the connection jammed (a held lease) or unanswered
        log.exception("message from %s failed", cid)
        with contextlib.suppress(Exception):
            if reply and reply.job:
                rt.intake.abandon(reply.job)
        with contextlib.suppress(Exception):
            poster.post(cid, frames.error("unavailable"))
    return {"statusCode": 200}


def _queue(rt: Any, event: dict[str, str]) -> bool:
    """Queued for fn-handoff (Lambda keeps async events durably) before the visitor is answered."""
    try:
        rt.invoker.invoke_async(rt.settings.handoff_function, event)
        return True
    except AssistantError:
        log.exception("could not queue the %s event of %s", event["kind"], event["session_id"])
        return False
