"""Fuzz: any frame or /token body, through the real handlers over moto, gets a documented reply and
leaves the connection usable (no exception, no lease left behind)."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant_core.bootstrap.lambdas import Runtime, install
from handlers import mint_token, ws_connect, ws_message

from .conftest import ORIGIN, event, posted

CID = "Xk1aBcD2SQ0CF3g="
ERROR_CODES = {"bad_request", "too_long", "busy", "unavailable", "rate_limited", "unauthorized"}
FRAME_TYPES = {"ack", "pong", "error", "contact_saved"}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20)
actions = st.sampled_from(["send", "contact", "stop", "ping", "feedback", "", "SEND"])
frames_like = st.fixed_dictionaries(
    {"action": actions | json_values},
    optional={"id": st.text(max_size=70) | json_values, "text": st.text(max_size=1200) | json_values,
              "turn": st.from_regex(r"t[0-9]{1,3}", fullmatch=True) | json_values,
              "email": st.emails() | st.text(max_size=30), "page": st.text(max_size=50), "note": json_values})
surrogates = st.sampled_from(['{"action":"send","id":"\\ud800","text":"hi"}',
                              '{"action":"send","id":"a","text":"caf\\udce9?"}',
                              '{"action":"ping","\\udfff":1}', '"\\ud83d"'])
deep = st.integers(min_value=9, max_value=3000).map(lambda n: "[" * n + "]" * n)
deep_objects = st.integers(min_value=9, max_value=600).map(lambda n: '{"action":' + '{"a":' * n + "1" + "}" * n + "}")
bodies = st.one_of(
    st.text(max_size=200), frames_like.map(json.dumps), json_values.map(json.dumps), surrogates, deep, deep_objects,
    st.binary(max_size=200).map(lambda b: ("b64", base64.b64encode(b).decode())),
    st.sampled_from(['{"action":[]}', '{"action":{}}', "", "null", "[]", '{"action":"send"}', "{" * 40]))


@pytest.fixture
def open_rt(rt: Runtime) -> Runtime:
    # Limits out of the way: the fuzz is about shapes, not rates (rate limits have their own tests).
    relaxed = rt.with_(rt.settings.with_(rate_limit_per_minute=10**6, rate_limit_burst=10**6))
    install(relaxed)
    assert ws_connect.handler(event("ws_connect"), None) == {"statusCode": 200}
    return relaxed


def _send(body: Any) -> None:
    if isinstance(body, tuple):
        result = ws_message.handler(event("ws_message", body=body[1], isBase64Encoded=True), None)
    else:
        result = ws_message.handler(event("ws_message", body=body), None)
    assert result == {"statusCode": 200}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=bodies, n=st.integers(min_value=0, max_value=10**9))
def test_any_frame_gets_a_documented_reply_and_the_connection_stays_usable(open_rt: Runtime, body: Any,
                                                                          n: int) -> None:
    before = len(posted(CID))
    _send(body)
    replies = posted(CID)[before:]
    assert len(replies) <= 1, replies
    for frame in replies:
        assert frame["type"] in FRAME_TYPES, frame
        if frame["type"] == "error":
            assert frame["code"] in ERROR_CODES, frame
    if replies and replies[0]["type"] == "ack":
        open_rt.sessions.end_turn(CID, replies[0]["turn"])  # the answerer's finally
    # Usable: a fresh, valid question is acknowledged, never "busy".
    before = len(posted(CID))
    _send(json.dumps({"action": "send", "id": f"probe-{n}", "text": "Where is my parcel?"}))
    [reply] = posted(CID)[before:]
    assert reply["type"] == "ack", reply
    open_rt.sessions.end_turn(CID, reply["turn"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=bodies, method=st.sampled_from(["POST", "POST", "POST", "GET", "PUT", "DELETE", "OPTIONS"]))
def test_any_token_body_or_method_gets_a_documented_status(rt: Runtime, body: Any, method: str) -> None:
    install(rt.with_(rt.settings.with_(mint_per_ip_per_minute=10**6)))
    ev = event("mint_token")
    ev["requestContext"]["http"]["method"] = method
    if isinstance(body, tuple):
        ev.update(body=body[1], isBase64Encoded=True)
    else:
        ev.update(body=body)
    out = mint_token.handler(ev, None)
    assert out["statusCode"] in {200, 204, 400, 401, 405}, out
    if method not in ("POST", "OPTIONS"):
        assert out["statusCode"] == 405
    assert json.loads(out["body"]) is not None
    assert ev["headers"]["origin"] == ORIGIN


@pytest.mark.parametrize("body", ['{"action":[]}', '{"action":{}}', "[" * 500 + "]" * 500,
                                  '{"action":"send","id":"\\ud800","text":"hi"}',
                                  '{"action":"send","id":"a","text":"\\ud800 where is it?"}'])
def test_the_probes_that_once_crashed_get_bad_request(open_rt: Runtime, body: str) -> None:
    before = len(posted(CID))
    _send(body)
    assert posted(CID)[before:] == [{"type": "error", "code": "bad_request",
                                     "message": posted(CID)[-1].get("message", "")}]


def test_invalid_utf8_and_deep_token_bodies_are_400(rt: Runtime) -> None:
    for body, b64 in ((base64.b64encode(b'{"previous": "\xff\xfe"}').decode(), True), ("[" * 1000 + "]" * 1000, False),
                      ("not base64!", True)):
        ev = event("mint_token", body=body, isBase64Encoded=b64)
        assert mint_token.handler(ev, None)["statusCode"] == 400
