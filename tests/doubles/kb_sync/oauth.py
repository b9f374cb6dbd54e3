"""Google's OAuth 2.0 token endpoint for the JWT-bearer grant (service accounts).

Verifies each assertion like Google does (RS256 with the service account's key, ``aud`` =
Google's token URI, not expired) and records its claims so tests can check scope and subject.
"""

from __future__ import annotations

import itertools
import threading
from typing import Any
from urllib.parse import parse_qs

import jwt

from .server import LocalServer, Reply, Request

GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"


class OAuthDouble:
    def __init__(self) -> None:
        self.public_keys: dict[str, bytes] = {}  # client_email -> PEM
        self.grants: list[dict[str, Any]] = []  # verified claims, in order
        self.headers: list[dict[str, Any]] = []
        self.assertions: list[str] = []  # raw JWTs, for tests to verify independently
        self.issued: set[str] = set()
        self.revoked = False  # the admin removed the domain-wide delegation
        self._counter = itertools.count(1)
        self._lock = threading.Lock()
        self.server = LocalServer(self._handle)

    @property
    def token_uri(self) -> str:
        return f"{self.server.url}/token"

    def trust(self, email: str, public_pem: bytes) -> None:
        self.public_keys[email] = public_pem

    def is_valid(self, token: str) -> bool:
        with self._lock:
            return token in self.issued

    def expire_all(self) -> None:
        with self._lock:
            self.issued.clear()

    def _handle(self, req: Request) -> Reply:
        if req.method != "POST" or req.path != "/token":
            return Reply.json(404, {"error": "not_found"})
        form = {k: v[-1] for k, v in parse_qs(req.body.decode()).items()}
        if form.get("grant_type") != JWT_BEARER:
            return Reply.json(400, {"error": "unsupported_grant_type"})
        assertion = form.get("assertion", "")
        try:
            unverified = jwt.decode(assertion, options={"verify_signature": False})
            key = self.public_keys[unverified["iss"]]
            header = jwt.get_unverified_header(assertion)
            claims = jwt.decode(
                assertion, key, algorithms=["RS256"], audience=GOOGLE_TOKEN_URI, options={"require": ["exp", "iat"]}
            )
        except (jwt.PyJWTError, KeyError) as exc:
            return Reply.json(400, {"error": "invalid_grant", "error_description": f"Invalid JWT: {exc}"})
        if self.revoked:
            return Reply.json(
                401,
                {
                    "error": "unauthorized_client",
                    "error_description": "Client is unauthorized to retrieve access tokens using this method, "
                    "or client not authorized for any of the scopes requested.",
                },
            )
        token = f"ya29.test-{next(self._counter)}"
        with self._lock:
            self.grants.append(claims)
            self.assertions.append(assertion)
            self.headers.append(header)
            self.issued.add(token)
        return Reply.json(200, {"access_token": token, "expires_in": 3599, "token_type": "Bearer"})
