"""Staff reply from Slack on the local stack: the hand-off notice starts a thread (the gateway's Slack app
stand-in, reached through the real adapter); a reply in it is signed like Slack's and goes through the real
fn-slack-events and fn-handoff; the visitor sees it at once, or when they come back; meanwhile their own
messages go to the thread instead of the assistant."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .local_stack import Server, ask, connect, http, recv, staff_reply, staff_reply_url, start_server

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    s = start_server(tmp_path_factory.mktemp("staff-state"), env={"ASSISTANT_STAFF_QUIET_SECONDS": "600"})
    yield s
    s.stop()


def slack_posts(server: Server) -> list[dict[str, Any]]:
    folder: Path = server.state_dir / "outbox"
    notes = [json.loads(p.read_text()) for p in sorted(folder.glob("*-slack-*.json"))] if folder.exists() else []
    return [n for n in notes if n.get("ts")]


def wait_post(server: Server, match: Any, timeout: float = 15) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [p for p in slack_posts(server) if match(p)]
        if found:
            return found[-1]
        time.sleep(0.1)
    raise AssertionError(f"no such Slack post: {slack_posts(server)}")


async def until(ws: Any, kind: str) -> dict[str, Any]:
    while True:
        f = await recv(ws, timeout=15)
        if f["type"] == kind:
            return f


def test_staff_reply_in_the_thread_reaches_the_visitor_now_and_later(server: Server) -> None:
    async def visit() -> None:
        status, minted = await asyncio.to_thread(http, "POST", server.base + "/token", {}, server.base)
        assert status == 200
        async with await connect(server, minted["token"]) as ws:
            first = await ask(ws, "I want to talk to a person", "m1")
            assert first[-1]["type"] == "handoff"
            notice = await asyncio.to_thread(wait_post, server, lambda p: not p["thread_ts"] and
                                             "Reply in this thread" in json.dumps(p["payload"]))
            thread = notice["ts"]
            assert await asyncio.to_thread(staff_reply, server, thread, "Hi, this is Ana. *Checking* now.") == 200
            frame = await until(ws, "staff")
            assert (frame["turn"], frame["name"], frame["text"]) == ("t1", "Staff", "Hi, this is Ana. *Checking* now.")
            await asyncio.to_thread(wait_post, server, lambda p: p["thread_ts"] == thread and "Shown" in
                                    p["payload"]["text"])
            relayed = await ask(ws, "Is my parcel insured?", "m2")  # staff are talking: not the assistant
            assert relayed[-1]["type"] == "handoff" and relayed[-1]["reason"] == "staff_active"
            await asyncio.to_thread(wait_post, server, lambda p: p["thread_ts"] == thread and
                                    p["payload"]["text"] == "*Visitor:* Is my parcel insured?")
        # The visitor has left; staff answer anyway.
        assert await asyncio.to_thread(staff_reply, server, thread, "Yes, up to S$100.") == 200
        await asyncio.to_thread(wait_post, server, lambda p: p["thread_ts"] == thread and
                                "not in the chat" in p["payload"]["text"])
        status, again = await asyncio.to_thread(http, "POST", server.base + "/token",
                                                {"previous": minted["token"]}, server.base)
        assert status == 200
        async with await connect(server, again["token"]) as ws:  # the same session, a new connection
            await ws.send(json.dumps({"action": "ping"}))
            assert (await recv(ws))["type"] == "pong"
            back = await recv(ws)
            assert back["type"] == "staff" and back["text"] == "Yes, up to S$100."
            await asyncio.to_thread(wait_post, server, lambda p: p["thread_ts"] == thread and
                                    "has now seen" in p["payload"]["text"])

    asyncio.run(visit())


def test_forged_events_are_refused(server: Server) -> None:
    body = {"type": "event_callback", "event": {"type": "message", "channel": "C0LOCALHELP", "user": "U1",
                                                "text": "pay here", "ts": "2.2", "thread_ts": "1.1"}}
    req = urllib.request.Request(server.base + "/slack/events", data=json.dumps(body).encode(), method="POST",
                                 headers={"content-type": "application/json", "x-slack-request-timestamp":
                                          str(int(time.time())), "x-slack-signature": "v0=" + "0" * 64})
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req, timeout=10)
    assert e.value.code == 401
    wrong = staff_reply_url(server).replace("/local-slack/", "/local-slack/x")
    req = urllib.request.Request(wrong, data=b'{"thread": "1.1", "text": "hi"}', method="POST")
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req, timeout=10)
    assert e.value.code == 404
