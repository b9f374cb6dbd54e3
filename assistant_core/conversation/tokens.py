"""Short-lived visitor tokens: ES256 JWTs signed with a rotating key set.

Pure: the caller passes the key set, the clock reading and the origins. The algorithm is pinned
(no ``alg: none``, no HS256 with the public key as secret) and time claims are checked here
against the injected ``now`` so tests need no sleeping.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from assistant_core.errors import AuthError, ConfigError

ALGORITHM = "ES256"
AUDIENCE = "wss-chat"
LEEWAY_SECONDS = 10
REFRESH_WINDOW_SECONDS = 24 * 3600
_REQUIRED = ("iss", "aud", "sub", "sid", "org", "iat", "nbf", "exp", "jti")


@dataclass(frozen=True)
class KeySet:
    """The current private key (and its ``kid``) plus public keys of earlier ones, for rotation."""

    kid: str
    private_pem: str
    previous: Mapping[str, str] = field(default_factory=dict)  # kid → public PEM

    def to_json(self) -> str:
        return json.dumps({"kid": self.kid, "private_pem": self.private_pem, "previous": dict(self.previous)})

    @classmethod
    def from_json(cls, raw: str) -> KeySet:
        try:
            data = json.loads(raw)
            previous = dict(data.get("previous", {}))
            return cls(kid=str(data["kid"]), private_pem=str(data["private_pem"]), previous=previous)
        except (ValueError, KeyError, TypeError) as e:
            raise ConfigError("the signing key secret is not a key set") from e

    def public_pem(self) -> str:
        key = serialization.load_pem_private_key(self.private_pem.encode(), password=None)
        return key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode()

    def public_keys(self) -> dict[str, str]:
        return {**self.previous, self.kid: self.public_pem()}


def new_key_set(previous: KeySet | None = None, keep: int = 2) -> KeySet:
    """A fresh P-256 key; the old current key and up to ``keep`` earlier ones stay verifiable."""
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    kept: dict[str, str] = {}
    if previous is not None:
        kept = dict(list(previous.previous.items())[-keep + 1 :]) if keep > 1 else {}
        kept[previous.kid] = previous.public_pem()
    return KeySet(kid=uuid.uuid4().hex[:16], private_pem=pem, previous=kept)


@dataclass(frozen=True)
class Minted:
    token: str
    expires_in: int
    sub: str
    sid: str


def normalise_origin(origin: str) -> str:
    return origin.strip().rstrip("/").lower()


def check_origin(origin: str, allowed: Sequence[str]) -> str:
    o = normalise_origin(origin or "")
    if not o or o not in {normalise_origin(a) for a in allowed}:
        raise AuthError(f"origin {origin!r} is not allowed")
    return o


def mint(keys: KeySet, *, issuer: str, origin: str, now: float, ttl: int = 300,
         sub: str | None = None, sid: str | None = None) -> Minted:
    sub = sub or f"v-{uuid.uuid4().hex}"
    sid = sid or f"s-{uuid.uuid4().hex}"
    iat = int(now)
    claims = {"iss": issuer, "aud": AUDIENCE, "sub": sub, "sid": sid, "org": normalise_origin(origin),
              "iat": iat, "nbf": iat, "exp": iat + ttl, "jti": uuid.uuid4().hex}
    token = jwt.encode(claims, keys.private_pem, algorithm=ALGORITHM, headers={"kid": keys.kid})
    return Minted(token=token, expires_in=ttl, sub=sub, sid=sid)


def verify(keys: KeySet, token: str, *, issuer: str, origin: str, allowed_origins: Sequence[str],
           now: float, expired_grace: int = 0) -> dict[str, Any]:
    """The token's claims, or ``AuthError`` naming what failed (for logs, never for visitors)."""
    if not token or not isinstance(token, str):
        raise AuthError("no token")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as e:
        raise AuthError(f"malformed token: {e}") from e
    if header.get("alg") != ALGORITHM:
        raise AuthError(f"algorithm {header.get('alg')!r} refused")
    public = keys.public_keys().get(str(header.get("kid", "")))
    if public is None:
        raise AuthError(f"unknown kid {header.get('kid')!r}")
    try:
        # Time claims are checked below against the injected clock.
        claims = jwt.decode(token, public, algorithms=[ALGORITHM], audience=AUDIENCE, issuer=issuer,
                            options={"verify_exp": False, "verify_nbf": False, "verify_iat": False,
                                     "require": list(_REQUIRED)})
    except jwt.PyJWTError as e:
        raise AuthError(f"token rejected: {type(e).__name__}: {e}") from e
    for claim in ("exp", "nbf", "iat"):  # signed by us or not, a claim of the wrong type is a refusal
        if not isinstance(claims[claim], int | float) or isinstance(claims[claim], bool):
            raise AuthError(f"claim {claim} is not a number")
    for claim in ("sub", "sid", "org"):
        if not isinstance(claims.get(claim), str):
            raise AuthError(f"claim {claim} is not text")
    if now + LEEWAY_SECONDS < claims["nbf"] or now + LEEWAY_SECONDS < claims["iat"]:
        raise AuthError("token not yet valid")
    if now - LEEWAY_SECONDS - expired_grace >= claims["exp"]:
        raise AuthError("token expired")
    org = check_origin(origin, allowed_origins)
    if normalise_origin(str(claims["org"])) != org:
        raise AuthError(f"token origin {claims['org']!r} does not match {origin!r}")
    return claims


def refresh(keys: KeySet, previous: str, *, issuer: str, origin: str, allowed_origins: Sequence[str],
            now: float, ttl: int = 300) -> Minted:
    """A new token for the same visitor and session; the old one may have expired up to 24 h ago."""
    claims = verify(keys, previous, issuer=issuer, origin=origin, allowed_origins=allowed_origins, now=now,
                    expired_grace=REFRESH_WINDOW_SECONDS)
    return mint(keys, issuer=issuer, origin=origin, now=now, ttl=ttl, sub=claims["sub"], sid=claims["sid"])
