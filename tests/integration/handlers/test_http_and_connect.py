"""fn-mint-token and fn-ws-connect with recorded API Gateway event shapes."""

from __future__ import annotations

import json
import time

import jwt
import pytest

from assistant_core.bootstrap.lambdas import Runtime
from assistant_core.conversation.tokens import mint, new_key_set
from handlers import mint_token, ws_connect

from .conftest import ORIGIN, event


def minted(rt: Runtime, **over: object) -> dict:
    out = mint_token.handler(event("mint_token", **over), None)
    return {"status": out["statusCode"], "headers": out["headers"], **json.loads(out["body"] or "{}")}


def test_mint_returns_a_token_for_the_allowed_origin(rt: Runtime) -> None:
    out = minted(rt)
    assert out["status"] == 200 and out["expires_in"] == 300
    assert out["ws_url"] == "wss://abc123.execute-api.ap-southeast-1.amazonaws.com/prod"
    assert out["headers"]["access-control-allow-origin"] == ORIGIN
    claims = jwt.decode(out["token"], options={"verify_signature": False})
    assert claims["org"] == ORIGIN and claims["aud"] == "wss-chat"


def test_mint_refuses_other_origins_bad_bodies_and_floods(rt: Runtime) -> None:
    assert minted(rt, headers={"origin": "https://evil.example"})["status"] == 403
    assert minted(rt, headers={})["status"] == 403
    assert minted(rt, body="[1,2]")["status"] == 400
    assert minted(rt, body="{nope")["status"] == 400
    statuses = [minted(rt)["status"] for _ in range(4)]
    assert statuses == [200, 200, 200, 429]  # 3 per IP per minute in this test's settings


def test_refresh_keeps_the_session_and_refuses_forgeries(rt: Runtime) -> None:
    first = minted(rt)
    again = minted(rt, body=json.dumps({"previous": first["token"]}))
    c1, c2 = (jwt.decode(t, options={"verify_signature": False}) for t in (first["token"], again["token"]))
    assert again["status"] == 200 and (c1["sub"], c1["sid"]) == (c2["sub"], c2["sid"])
    forged = mint(new_key_set(), issuer="website-assistant", origin=ORIGIN, now=time.time()).token
    assert minted(rt, body=json.dumps({"previous": forged}))["status"] == 401


def authorize(rt: Runtime, token: str | None, origin: str = ORIGIN) -> dict:
    ev = event("ws_authorizer")
    ev["queryStringParameters"] = {"token": token} if token is not None else None
    ev["headers"]["Origin"] = origin
    return ws_connect.handler(ev, None)


def test_authorizer_allows_a_good_token_with_string_context(rt: Runtime) -> None:
    out = authorize(rt, minted(rt)["token"])
    stmt = out["policyDocument"]["Statement"][0]
    assert stmt == {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": event("ws_authorizer")["methodArn"]}
    assert set(out["context"]) == {"sub", "sid", "org"} and all(isinstance(v, str) for v in out["context"].values())
    assert out["principalId"] == out["context"]["sub"]


@pytest.mark.parametrize("case", ["missing", "garbage", "forged", "expired", "wrong_aud", "wrong_origin",
                                  "alg_none", "hs256"])
def test_authorizer_denies_every_bad_token(rt: Runtime, case: str) -> None:
    keys, now = rt.keys(), time.time()
    good = {"iss": "website-assistant", "aud": "wss-chat", "sub": "v", "sid": "s", "org": ORIGIN, "iat": int(now),
            "nbf": int(now), "exp": int(now) + 300, "jti": "j"}
    sign = lambda c: jwt.encode(c, keys.private_pem, algorithm="ES256", headers={"kid": keys.kid})  # noqa: E731
    token, origin = {
        "missing": (None, ORIGIN), "garbage": ("x.y.z", ORIGIN),
        "forged": (mint(new_key_set(), issuer="website-assistant", origin=ORIGIN, now=now).token, ORIGIN),
        "expired": (sign({**good, "iat": int(now) - 900, "nbf": int(now) - 900, "exp": int(now) - 600}), ORIGIN),
        "wrong_aud": (sign({**good, "aud": "other"}), ORIGIN),
        "wrong_origin": (sign(good), "https://evil.example"),
        "alg_none": (jwt.encode(good, None, algorithm="none", headers={"kid": keys.kid}), ORIGIN),
        "hs256": (jwt.encode(good, "s" * 32, algorithm="HS256", headers={"kid": keys.kid}), ORIGIN),
    }[case]
    out = authorize(rt, token, origin)
    assert out["policyDocument"]["Statement"][0]["Effect"] == "Deny" and "context" not in out


def test_connect_route_writes_the_session_row(rt: Runtime) -> None:
    assert ws_connect.handler(event("ws_connect"), None) == {"statusCode": 200}
    conn = rt.sessions.get_connection("Xk1aBcD2SQ0CF3g=")
    assert conn is not None and (conn.session_id, conn.visitor_id, conn.origin) == ("s-1", "v-1", ORIGIN)
    ev = event("ws_connect")
    del ev["requestContext"]["authorizer"]
    assert ws_connect.handler(ev, None) == {"statusCode": 403}
