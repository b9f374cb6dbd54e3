"""fn-handoff (async-invoked by fn-answerer and fn-ws-message): tell staff a visitor needs a person.

Events: ``{"kind": "handoff", **HandoffRequest}`` or ``{"kind": "contact", session_id, turn, email, note}``.
One notice per session per 10 minutes by email (SNS) and Slack; contact details follow as a
short update of the same handoff. A delivery failure raises so Lambda's async retry repeats
what is still unsent; an unusable event is logged and dropped (a retry could not fix it).
"""

from __future__ import annotations

import logging
from typing import Any

from assistant_core.errors import BadInput
from handlers._compose import lambda_entry, runtime

log = logging.getLogger(__name__)


@lambda_entry
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    try:
        outcome = runtime().handoffs.handle(event)
    except BadInput as e:
        log.warning("handoff event dropped: %s", e)
        return {"ignored": str(e)}
    result = outcome.to_result()
    log.info("handoff %s %s: %d email(s), %d Slack post(s)", result["handoff_id"], result["action"],
             len(result["emails"]), len(result["slack"]))
    return result
