"""The handoff flow on the local stack: a visitor asks for a person over the WebSocket, staff get one
email and one Slack post in the outbox (Slack through the real HTTP adapter and the gateway's
webhook stand-in), then the visitor's contact details update that handoff instead of repeating it."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .local_stack import Server, ask, connect, recv, start_server

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    s = start_server(tmp_path_factory.mktemp("handoff-state"))
    yield s
    s.stop()


def outbox(server: Server) -> list[dict[str, Any]]:
    folder: Path = server.state_dir / "outbox"
    return [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))] if folder.exists() else []


def wait_for(server: Server, emails: int, slack: int, timeout: float = 15) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        notes = outbox(server)
        channels = [n["channel"] for n in notes]
        if channels.count("email") >= emails and channels.count("slack") >= slack:
            return notes
        time.sleep(0.1)
    raise AssertionError(f"outbox never reached {emails} email(s) + {slack} Slack post(s): {outbox(server)}")


def test_ask_for_a_person_then_leave_contact(server: Server) -> None:
    async def visit() -> tuple[list[dict[str, Any]], dict[str, Any], list[dict[str, Any]]]:
        async with await connect(server) as ws:
            first = await ask(ws, "I want to talk to a person", "m1")
            await asyncio.to_thread(wait_for, server, 1, 1)
            await ws.send(
                json.dumps(
                    {"action": "contact", "turn": first[-1]["turn"], "email": "ana@example.com", "note": "after 5pm"}
                )
            )
            saved = await recv(ws)
            again = await ask(ws, "Please, can a human call me?", "m2")
            return first, saved, again

    first, saved, again = asyncio.run(visit())
    assert first[-1]["type"] == "handoff" and first[-1]["ask_contact"] is True and first[-1]["message"]
    assert saved == {
        "type": "handoff",
        "turn": "t1",
        "reason": "contact_saved",
        "ask_contact": False,
        "message": "Thanks! Our team will reply to ana@example.com.",
    }
    assert again[-1]["type"] == "handoff"

    wait_for(server, 2, 2)
    time.sleep(1.5)  # room for the second handoff's invocation, which must not produce a notice
    notes = outbox(server)
    emails = [n for n in notes if n["channel"] == "email"]
    slack = [n["payload"] for n in notes if n["channel"] == "slack"]
    assert sorted(e["kind"] for e in emails) == ["contact", "notice"] and len(slack) == 2  # no second notice

    notice, contact = sorted(emails, key=lambda e: e["kind"] == "contact")
    assert notice["handoff_id"] == contact["handoff_id"] and notice["sns_message_id"]
    assert contact["subject"] == f"Re: {notice['subject']}" and len(notice["subject"]) <= 100
    assert "I want to talk to a person" in notice["body"] and "asked for a person" in notice["body"]
    assert "ana@example.com" in contact["body"] and "after 5pm" in contact["body"]

    post, follow = sorted(slack, key=lambda p: p["text"].startswith("Contact"))
    assert post["blocks"][0]["type"] == "header" and notice["handoff_id"] in post["text"]
    assert any("I want to talk to a person" in json.dumps(b) for b in post["blocks"])
    assert "<mailto:ana@example.com|ana@example.com>" in json.dumps(follow["blocks"])
