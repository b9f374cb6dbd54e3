"""fn-handoff (async-invoked by fn-answerer and fn-ws-message): tell staff a visitor needs a person.

Events: ``{"kind": "handoff", **HandoffRequest}``, ``{"kind": "contact", session_id, turn, email, note}``,
``{"kind": "feedback", session_id, turn, comment}`` (a 👎), or a Slack thread's ``staff_reply`` /
``staff_seen`` / ``visitor_message`` (handoff/staff_desk.py). One notice per session per 10 minutes by
email (SNS) and Slack; contact details and a 👎 on a handed-off turn follow as updates of the same handoff.
A delivery failure raises so Lambda's async retry repeats what is still unsent; an unusable event is
logged and dropped (a retry could not fix it).
"""

from __future__ import annotations

import logging
from typing import Any

from assistant_core.errors import BadInput
from assistant_core.handoff.staff_desk import STAFF_KINDS
from handlers._compose import lambda_entry, runtime

log = logging.getLogger(__name__)


@lambda_entry
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    rt = runtime()
    try:
        if event.get("kind") in STAFF_KINDS:  # a Slack thread's conversation (fn-slack-events, fn-ws-message)
            if rt.staff_desk is None:
                raise BadInput("a staff event, but no Slack app is configured")
            return rt.staff_desk.handle(event)
        outcome = rt.handoffs.handle(event)
    except BadInput as e:
        log.warning("handoff event dropped: %s", e)
        return {"ignored": str(e)}
    result = outcome.to_result()
    log.info("handoff %s %s: %d email(s), %d Slack post(s)", result["handoff_id"], result["action"],
             len(result["emails"]), len(result["slack"]))
    return result
