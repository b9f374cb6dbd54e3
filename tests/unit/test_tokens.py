"""Visitor tokens: every way a token can be wrong is refused; rotation and refresh keep sessions."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import jwt
import pytest

from assistant_core.conversation.tokens import KeySet, mint, new_key_set, refresh, verify
from assistant_core.errors import AuthError, ConfigError

ISS, ORIGIN, NOW = "website-assistant", "https://shop.example", 1_800_000_000.0
ALLOWED = ("https://shop.example",)


@pytest.fixture(scope="module")
def keys() -> KeySet:
    return new_key_set()


def check(keys: KeySet, token: str, *, origin: str = ORIGIN, now: float = NOW, iss: str = ISS) -> dict:
    return verify(keys, token, issuer=iss, origin=origin, allowed_origins=ALLOWED, now=now)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims(**over: object) -> dict:
    base = {
        "iss": ISS,
        "aud": "wss-chat",
        "sub": "v1",
        "sid": "s1",
        "org": ORIGIN,
        "iat": int(NOW),
        "nbf": int(NOW),
        "exp": int(NOW) + 300,
        "jti": "j",
    }
    return {**base, **over}


def test_a_fresh_token_verifies_with_all_claims(keys: KeySet) -> None:
    m = mint(keys, issuer=ISS, origin=ORIGIN + "/", now=NOW)
    got = check(keys, m.token)
    assert got["sub"] == m.sub and got["sid"] == m.sid and got["org"] == ORIGIN and got["aud"] == "wss-chat"
    assert got["exp"] - got["iat"] == 300 and m.expires_in == 300
    assert jwt.get_unverified_header(m.token) == {"alg": "ES256", "kid": keys.kid, "typ": "JWT"}


@pytest.mark.parametrize("now", [NOW + 311, NOW - 20])
def test_expired_or_not_yet_valid_tokens_are_refused(keys: KeySet, now: float) -> None:
    token = mint(keys, issuer=ISS, origin=ORIGIN, now=NOW).token
    with pytest.raises(AuthError):
        check(keys, token, now=now)


def test_small_clock_skew_is_tolerated(keys: KeySet) -> None:
    token = mint(keys, issuer=ISS, origin=ORIGIN, now=NOW).token
    assert check(keys, token, now=NOW - 5)["sub"]
    assert check(keys, token, now=NOW + 305)["sub"]


def test_forged_signature_and_unknown_kid_are_refused(keys: KeySet) -> None:
    other = new_key_set()
    forged = jwt.encode(claims(), other.private_pem, algorithm="ES256", headers={"kid": keys.kid})
    with pytest.raises(AuthError, match="rejected"):
        check(keys, forged)
    with pytest.raises(AuthError, match="unknown kid"):
        check(keys, mint(other, issuer=ISS, origin=ORIGIN, now=NOW).token)


@pytest.mark.parametrize("field,value", [("aud", "other"), ("iss", "someone-else")])
def test_wrong_audience_or_issuer_is_refused(keys: KeySet, field: str, value: str) -> None:
    token = jwt.encode(claims(**{field: value}), keys.private_pem, algorithm="ES256", headers={"kid": keys.kid})
    with pytest.raises(AuthError):
        check(keys, token)


def test_missing_claim_is_refused(keys: KeySet) -> None:
    body = claims()
    del body["sid"]
    token = jwt.encode(body, keys.private_pem, algorithm="ES256", headers={"kid": keys.kid})
    with pytest.raises(AuthError):
        check(keys, token)


@pytest.mark.parametrize("origin", ["https://evil.example", "", "https://shop.example.evil"])
def test_origin_must_match_the_token_and_the_allowlist(keys: KeySet, origin: str) -> None:
    token = mint(keys, issuer=ISS, origin=ORIGIN, now=NOW).token
    with pytest.raises(AuthError):
        check(keys, token, origin=origin)
    evil = mint(keys, issuer=ISS, origin="https://evil.example", now=NOW).token
    with pytest.raises(AuthError):  # a token minted for another origin, replayed from that origin
        verify(keys, evil, issuer=ISS, origin="https://evil.example", allowed_origins=ALLOWED, now=NOW)


def test_alg_none_is_refused(keys: KeySet) -> None:
    token = f"{b64(json.dumps({'alg': 'none', 'kid': keys.kid}).encode())}.{b64(json.dumps(claims()).encode())}."
    with pytest.raises(AuthError, match="algorithm"):
        check(keys, token)


def test_hs256_signed_with_the_public_key_is_refused(keys: KeySet) -> None:
    head = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": keys.kid}).encode())
    body = b64(json.dumps(claims()).encode())
    sig = hmac.new(keys.public_pem().encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    with pytest.raises(AuthError, match="algorithm"):
        check(keys, f"{head}.{body}.{b64(sig)}")


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", "x" * 5000])
def test_garbage_is_refused(keys: KeySet, garbage: str) -> None:
    with pytest.raises(AuthError):
        check(keys, garbage)


def test_rotation_keeps_tokens_signed_with_the_previous_key_valid(keys: KeySet) -> None:
    old_token = mint(keys, issuer=ISS, origin=ORIGIN, now=NOW).token
    rotated = KeySet.from_json(new_key_set(keys).to_json())
    assert rotated.kid != keys.kid and keys.kid in rotated.previous
    assert check(rotated, old_token)["sub"]
    assert check(rotated, mint(rotated, issuer=ISS, origin=ORIGIN, now=NOW).token)["sub"]
    twice = new_key_set(new_key_set(rotated, keep=1), keep=1)
    with pytest.raises(AuthError):  # keys older than the kept window are gone
        check(twice, old_token)


def test_refresh_keeps_visitor_and_session_within_a_day(keys: KeySet) -> None:
    first = mint(keys, issuer=ISS, origin=ORIGIN, now=NOW)
    later = NOW + 3 * 3600
    again = refresh(keys, first.token, issuer=ISS, origin=ORIGIN, allowed_origins=ALLOWED, now=later)
    got = check(keys, again.token, now=later)
    assert (got["sub"], got["sid"]) == (first.sub, first.sid) and got["iat"] == int(later)
    with pytest.raises(AuthError, match="expired"):
        refresh(keys, first.token, issuer=ISS, origin=ORIGIN, allowed_origins=ALLOWED, now=NOW + 25 * 3600)
    with pytest.raises(AuthError):
        refresh(keys, first.token, issuer=ISS, origin="https://evil.example", allowed_origins=ALLOWED, now=later)


def test_a_broken_key_set_secret_is_a_config_error() -> None:
    with pytest.raises(ConfigError):
        KeySet.from_json('{"kid": 1}')


@pytest.mark.parametrize("field,value", [("exp", "tomorrow"), ("nbf", None), ("iat", [1]), ("exp", True),
                                         ("sub", 7), ("sid", {"a": 1}), ("org", None)])
def test_a_signed_claim_of_the_wrong_type_is_a_refusal(keys: KeySet, field: str, value: object) -> None:
    token = jwt.encode(claims(**{field: value}), keys.private_pem, algorithm="ES256", headers={"kid": keys.kid})
    with pytest.raises(AuthError):
        check(keys, token)
