"""``assistant check``: after ``pulumi up``, prove the deployment works, as a visitor's browser would.

Through the public endpoints (the same for the local stack and AWS): a token is minted for the allowed
origin and refused for another, the WebSocket accepts it, and a question gets an answer that cites a
source. With ``--bucket`` (the stack's ``bucket`` output; AWS credentials of the deploying account)
also: how many documents the published index holds and when it was published, hand-off e-mail
subscriptions still waiting for confirmation, and alarms that are firing. Each failure is one line
naming what failed; the exit code is 1 when anything failed.

    assistant check --token-url $(pulumi stack output token_url) --origin https://www.example.com \\
        --bucket $(pulumi stack output bucket) [--question "How do I return an item?" ...]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from assistant_core.aws.blob_bucket import S3BlobStore
from assistant_core.aws.clients import ClientFactory
from assistant_core.errors import AssistantError
from assistant_core.retrieval.versions import current_pointer, read_files

if TYPE_CHECKING:  # aiohttp is imported when a check runs, not by every ``assistant`` command
    import aiohttp

FOREIGN_ORIGIN = "https://assistant-check.invalid"
FINAL = {"answer", "clarify", "handoff", "decline", "error"}
ALARM_PREFIX = "chat-assistant-"


@dataclass(frozen=True)
class Outcome:
    name: str
    ok: bool
    detail: str
    warning: bool = False  # reported, not failed (pending subscriptions, firing alarms)

    def line(self) -> str:
        mark = "ok  " if self.ok and not self.warning else "warn" if self.ok else "FAIL"
        return f"{mark} {self.name}: {self.detail}"


class CheckFailed(Exception):
    """A step that later steps depend on failed."""


async def _mint(http: aiohttp.ClientSession, url: str, origin: str) -> tuple[int, dict[str, Any]]:
    import aiohttp

    async with http.post(url, json={}, headers={"Origin": origin}) as reply:
        try:
            body = await reply.json(content_type=None)
        except (ValueError, aiohttp.ContentTypeError):
            body = {}
        return reply.status, body if isinstance(body, dict) else {}


async def _ask(ws: aiohttp.ClientWebSocketResponse, question: str, timeout: float) -> dict[str, Any]:
    import aiohttp

    await ws.send_str(json.dumps({"action": "send", "id": str(uuid.uuid4()), "text": question}))
    while True:
        message = await ws.receive(timeout=timeout)
        if message.type != aiohttp.WSMsgType.TEXT:
            raise CheckFailed(f"the connection closed while waiting for an answer ({message.type.name})")
        frame = json.loads(message.data)
        if frame.get("type") in FINAL:
            return frame


async def check_endpoints(token_url: str, origin: str, questions: list[str], timeout: float) -> list[Outcome]:
    import aiohttp

    out: list[Outcome] = []
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as http:
        try:
            status, minted = await _mint(http, token_url, origin)
        except (aiohttp.ClientError, TimeoutError) as e:
            return [Outcome("token", False, f"{token_url} unreachable: {e.__class__.__name__}: {e}")]
        if status != 200 or not minted.get("token") or not minted.get("ws_url"):
            return [Outcome("token", False, f"refused for {origin} (HTTP {status} {minted.get('error', '')}); "
                                             "is it in allowed_origins?")]
        out.append(Outcome("token", True, f"minted for {origin}, expires in {minted.get('expires_in')} s"))
        foreign, _ = await _mint(http, token_url, FOREIGN_ORIGIN)
        out.append(Outcome("origin", foreign == 403, "another origin is refused" if foreign == 403
                           else f"a token was minted for {FOREIGN_ORIGIN} (HTTP {foreign}): origins are not enforced"))
        ws_url = f"{minted['ws_url']}?token={quote(minted['token'])}"
        try:
            async with http.ws_connect(ws_url, origin=origin, heartbeat=None) as ws:
                out.append(Outcome("websocket", True, "connected with the token"))
                if questions:
                    out.append(await _questions(ws, questions, timeout))
        except aiohttp.WSServerHandshakeError as e:
            out.append(Outcome("websocket", False, f"refused the token (HTTP {e.status})"))
        except (aiohttp.ClientError, TimeoutError, CheckFailed) as e:
            out.append(Outcome("websocket", False, f"{e.__class__.__name__}: {e}"))
    return out


async def _questions(ws: aiohttp.ClientWebSocketResponse, questions: list[str], timeout: float) -> Outcome:
    tried = []
    for question in questions:
        try:
            frame = await _ask(ws, question, timeout)
        except TimeoutError:
            return Outcome("answer", False, f"no reply to {question!r} within {timeout:.0f} s")
        kind = frame.get("type")
        citations = frame.get("citations") or []
        if kind == "answer" and citations:
            title = citations[0].get("title") or citations[0].get("id")
            return Outcome("answer", True, f"{question!r} was answered citing {title!r}")
        reason = (frame.get("code") or frame.get("reason") or ("no citation" if kind == "answer" else "")
                  or " ".join(str(frame.get("message", "")).split())[:80])
        tried.append(f"{question!r}: {kind}{f' ({reason})' if reason else ''}")
    return Outcome("answer", False, "no cited answer: " + "; ".join(tried))


def check_aws(bucket: str, region: str, clients: ClientFactory | None = None) -> tuple[list[Outcome], str]:
    """The published index, hand-off subscriptions and alarms; also the first document's title."""
    clients = clients or ClientFactory(region)
    out: list[Outcome] = []
    first_title = ""
    store = S3BlobStore(clients.client("s3"), bucket, "index/")
    try:
        pointer = current_pointer(store)
    except AssistantError as e:
        pointer = None
        out.append(Outcome("knowledge", False, f"cannot read {store.location}: {e}"))
    else:
        if pointer is None:
            out.append(Outcome("knowledge", False, f"no index published in {store.location} (has fn-kb-sync run? "
                                                   "with retriever bedrock-kb this check does not apply)"))
        elif pointer.documents == 0:
            out.append(Outcome("knowledge", False, f"the index holds 0 documents (published {pointer.published_at}); "
                                                   "is the Drive folder shared and full?"))
        else:
            out.append(Outcome("knowledge", True, f"{pointer.documents} documents, {pointer.chunks} chunks, "
                                                  f"published {pointer.published_at}"))
            first_title = _first_title(store, pointer)
    out.append(_subscriptions(clients))
    out.append(_alarms(clients))
    return out, first_title


def _first_title(store: S3BlobStore, pointer: Any) -> str:
    try:
        raw = read_files(store, pointer.version, {"docs.json": pointer.extras["docs.json"]})["docs.json"]
        docs = json.loads(raw)
    except (AssistantError, KeyError, ValueError):
        return ""
    return next((d["title"] for _, d in sorted(docs.items()) if d.get("title")), "")


def _subscriptions(clients: ClientFactory) -> Outcome:
    sns = clients.client("sns")
    try:
        topics = [t["TopicArn"] for page in sns.get_paginator("list_topics").paginate() for t in page["Topics"]]
        topic = next((t for t in topics if t.rsplit(":", 1)[-1] == "t-handoffs"), "")
        if not topic:
            return Outcome("handoff e-mail", False, "topic t-handoffs not found in this account and Region")
        subs = [s for page in sns.get_paginator("list_subscriptions_by_topic").paginate(TopicArn=topic)
                for s in page["Subscriptions"]]
    except Exception as e:  # botocore raises many kinds; any of them means "could not check"
        return Outcome("handoff e-mail", True, f"not checked ({e.__class__.__name__})", warning=True)
    pending = [s.get("Endpoint", "?") for s in subs if s.get("SubscriptionArn") == "PendingConfirmation"]
    if pending:
        return Outcome("handoff e-mail", True, f"{len(pending)} subscription(s) not confirmed yet: "
                                               f"{', '.join(pending)} (each address must click the AWS e-mail)",
                       warning=True)
    return Outcome("handoff e-mail", True, f"{len(subs)} confirmed subscription(s)", warning=not subs)


def _alarms(clients: ClientFactory) -> Outcome:
    try:
        pages = clients.client("cloudwatch").get_paginator("describe_alarms").paginate(AlarmNamePrefix=ALARM_PREFIX)
        alarms = [a for page in pages for a in page["MetricAlarms"]]
    except Exception as e:  # as above
        return Outcome("alarms", True, f"not checked ({e.__class__.__name__})", warning=True)
    firing = sorted(a["AlarmName"] for a in alarms if a.get("StateValue") == "ALARM")
    if firing:
        return Outcome("alarms", True, f"{len(firing)} of {len(alarms)} firing: {', '.join(firing)}", warning=True)
    return Outcome("alarms", True, f"{len(alarms)} alarm(s), none firing", warning=not alarms)


def cmd_check(args: argparse.Namespace) -> int:
    questions = list(args.question or [])
    aws: list[Outcome] = []
    if args.bucket:
        aws, first_title = check_aws(args.bucket, args.region)
        if not questions and first_title:
            questions = [first_title]
    outcomes = asyncio.run(check_endpoints(args.token_url, args.origin, questions, args.timeout)) + aws
    if not questions:
        outcomes.append(Outcome("answer", False, "no question to ask: give --question (or --bucket, to ask "
                                                 "about the first document)"))
    for outcome in outcomes:
        print(outcome.line())
    failed = [o for o in outcomes if not o.ok]
    print(f"{'FAILED' if failed else 'OK'}: {len(outcomes) - len(failed)} of {len(outcomes)} checks passed")
    return 1 if failed else 0


def register(sub: Any) -> None:
    p = sub.add_parser("check", help="prove a deployment (or the local stack) works, as a visitor would")
    p.add_argument("--token-url", required=True, help="the stack's token_url output")
    p.add_argument("--origin", required=True, help="an allowed origin, e.g. https://www.example.com")
    p.add_argument("--question", action="append", help="a question the help docs answer (repeatable)")
    p.add_argument("--bucket", help="the stack's bucket output: also check the index, subscriptions and alarms")
    p.add_argument("--region", default="ap-southeast-1", help="the stack's Region (default: %(default)s)")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for each step")
    p.set_defaults(func=cmd_check)
