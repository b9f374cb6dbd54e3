"""The local stack end to end over real WebSockets: `assistant serve` on a free port."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
import websockets

from assistant_core.conversation.tokens import mint as mint_token
from assistant_core.conversation.tokens import new_key_set

from .local_stack import Server, ask, connect, http, mint, recv, start_server

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    s = start_server(tmp_path_factory.mktemp("state"))
    yield s
    s.stop()


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def healthy(server: Server) -> None:
    assert http("GET", server.base + "/healthz")[0] == 200
    assert server.proc.poll() is None


def test_page_widget_and_token(server: Server) -> None:
    import urllib.request

    with urllib.request.urlopen(server.base + "/") as r:
        assert b"/widget.js" in r.read()
    with urllib.request.urlopen(server.base + "/widget.js") as r:
        assert r.headers["content-type"].startswith("application/javascript") and b"WebSocket" in r.read()
    out = mint(server)
    assert out["ws_url"] == server.ws and out["expires_in"] == 300
    assert http("POST", server.base + "/token", {}, "https://evil.example")[0] == 403


def test_ask_streams_deltas_then_a_cited_answer(server: Server) -> None:
    async def go() -> list[dict]:
        async with await connect(server) as ws:
            return await ask(ws, "How do I reset my password?", "m1")

    frames = run(go())
    assert frames[0] == {"type": "ack", "id": "m1", "turn": "t1"}
    assert any(f["type"] == "delta" for f in frames)
    answer = frames[-1]
    assert answer["type"] == "answer" and answer["citations"] and answer["citations"][0]["title"]
    assert "".join(f["text"] for f in frames if f["type"] == "delta") == answer["text"]


@pytest.mark.parametrize("question,kind", [("returns", "clarify"), ("What is the capital of France?", "decline")])
def test_clarify_and_decline(server: Server, question: str, kind: str) -> None:
    async def go() -> list[dict]:
        async with await connect(server) as ws:
            return await ask(ws, question, "m1")

    assert run(go())[-1]["type"] == kind


def test_handoff_writes_an_outbox_file(server: Server) -> None:
    async def go() -> list[dict]:
        async with await connect(server) as ws:
            return await ask(ws, "I want to talk to a person", "m1")

    frames = run(go())
    assert frames[-1]["type"] == "handoff" and frames[-1]["ask_contact"] is True
    outbox = server.state_dir / "outbox"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not list(outbox.glob("*-email-*.json")):  # Slack's file may come first
        time.sleep(0.1)
    notes = [json.loads(p.read_text()) for p in outbox.glob("*.json")]
    assert any(n["payload"].get("question") == "I want to talk to a person" and n["sns_message_id"] for n in notes)


def _status(server: Server, token: str | None, origin: str | None = None) -> int:
    async def go() -> int:
        try:
            ws = await connect(server, token=token, origin=origin)
        except websockets.exceptions.InvalidStatus as e:
            return e.response.status_code
        await ws.close()
        return 101

    return run(go())


def test_every_bad_token_is_refused_at_connect(server: Server) -> None:
    good = mint(server)["token"]
    claims = jwt.decode(good, options={"verify_signature": False})
    forged = mint_token(new_key_set(), issuer=claims["iss"], origin=server.base, now=time.time()).token
    head = jwt.get_unverified_header(good)
    none = jwt.encode(claims, None, algorithm="none", headers={"kid": head["kid"]})
    hs = jwt.encode(claims, "k" * 32, algorithm="HS256", headers={"kid": head["kid"]})
    other_origin = mint(server, origin=server.base.replace("127.0.0.1", "localhost"))["token"]
    assert _status(server, "") == 401
    for bad in ("garbage", "a.b.c", forged, none, hs):
        assert _status(server, bad) == 403, bad
    assert _status(server, good, origin="https://evil.example") == 403
    assert _status(server, other_origin) == 403  # minted for another allowed origin
    assert _status(server, good) == 101
    healthy(server)


def test_burst_rate_limit_then_still_serving(server: Server) -> None:
    async def go() -> list[str]:
        got = []
        async with await connect(server) as ws:
            # The burst limit counts fixed 10-second windows: start at the top of one, so four quick
            # questions cannot straddle two windows.
            await asyncio.sleep(10 - time.time() % 10 + 0.05)
            for i in range(4):
                frames = await ask(ws, "How do I track my order?", f"r{i}")
                got.append(frames[-1].get("code") or frames[-1]["type"])
        return got

    assert run(go()) == ["answer", "answer", "answer", "rate_limited"]
    healthy(server)


def test_a_resend_is_acked_again_and_not_answered_twice(server: Server) -> None:
    async def go() -> tuple[list[dict], list[dict]]:
        async with await connect(server) as ws:
            first = await ask(ws, "How do I track my order?", "same")
            await ws.send(json.dumps({"action": "send", "id": "same", "text": "How do I track my order?"}))
            again = [await recv(ws)]
            try:
                while True:
                    again.append(await recv(ws, timeout=1.5))
            except TimeoutError:
                pass
            return first, again

    first, again = run(go())
    assert again == [first[0]]


def test_busy_while_answering_and_garbage_gets_error_frames(server: Server) -> None:
    async def go() -> list[str]:
        async with await connect(server) as ws:
            await ws.send("not json")
            codes = [(await recv(ws))["code"]]
            await ws.send(b"\x00\x01binary")
            codes.append((await recv(ws))["code"])
            await ws.send(json.dumps({"action": "send", "id": "l", "text": "x" * 1500}))
            codes.append((await recv(ws))["code"])
            await ws.send(json.dumps({"action": "ping"}))
            codes.append((await recv(ws))["type"])
            return codes

    assert run(go()) == ["bad_request", "bad_request", "too_long", "pong"]


def test_a_2mb_frame_closes_with_a_reason_and_others_are_unaffected(server: Server) -> None:
    async def go() -> tuple[int | None, str]:
        async with await connect(server) as other:
            ws = await connect(server)
            await ws.send("x" * 2_000_000)
            with pytest.raises(websockets.exceptions.ConnectionClosed):
                await recv(ws)
            frames = await ask(other, "How do I track my order?", "o1")
            return ws.close_code, frames[-1]["type"]

    code, kind = run(go())
    assert code == 1009 and kind == "answer"


def test_disconnect_mid_stream_then_server_still_healthy(server: Server) -> None:
    async def go() -> str:
        ws = await connect(server)
        await ws.send(json.dumps({"action": "send", "id": "gone", "text": "How do I reset my password?"}))
        assert (await recv(ws))["type"] == "ack"
        await ws.close()
        await asyncio.sleep(0.5)
        async with await connect(server) as again:
            return (await ask(again, "How do I track my order?", "n1"))[-1]["type"]

    assert run(go()) == "answer"
    healthy(server)


def test_an_expired_token_is_refused_and_refreshing_it_keeps_the_session(tmp_path: Any) -> None:
    from assistant_core.conversation.tokens import LEEWAY_SECONDS

    short = start_server(tmp_path, env={"ASSISTANT_TOKEN_TTL_SECONDS": "1"})
    try:
        old = mint(short)
        assert old["expires_in"] == 1
        time.sleep(LEEWAY_SECONDS + 2)  # past exp plus the verifier's clock leeway
        assert _status(short, old["token"]) == 403
        status, fresh = http("POST", short.base + "/token", {"previous": old["token"]}, short.base)
        assert status == 200
        before, after = (jwt.decode(t, options={"verify_signature": False}) for t in (old["token"], fresh["token"]))
        assert (after["sub"], after["sid"]) == (before["sub"], before["sid"]) and after["jti"] != before["jti"]

        async def go() -> list[dict[str, Any]]:
            ws = await connect(short, token=fresh["token"])
            try:
                return await ask(ws, "How do I reset my password?", "after-refresh")
            finally:
                await ws.close()

        assert run(go())[-1]["type"] == "answer"
    finally:
        short.stop()
