"""The OpenSearch vector-index dynamic provider against a loopback HTTP double (SigV4, retries)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from infra.opensearch import INDEX_NAME, VECTOR_FIELD, VectorIndexProvider, iam_principal


class _Double(BaseHTTPRequestHandler):
    requests: list[tuple[str, str, dict[str, str], bytes]] = []
    forbidden_first = 0

    def _handle(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        type(self).requests.append((self.command, self.path, dict(self.headers), body))
        if type(self).forbidden_first > 0:
            type(self).forbidden_first -= 1
            self.send_response(403)
            self.end_headers()
            self.wfile.write(b'{"status":403}')
            return
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b'{"acknowledged":true}')

    do_PUT = do_DELETE = _handle

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def double(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setattr("time.sleep", lambda s: None)
    _Double.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Double)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_create_puts_a_signed_bedrock_mapping_and_retries_while_policy_propagates(double: str) -> None:
    _Double.forbidden_first = 2
    props = {"endpoint": double, "index_name": INDEX_NAME, "dimensions": 1024, "region": "ap-southeast-1"}
    result = VectorIndexProvider().create(props)
    assert result.id == f"{double}/{INDEX_NAME}"
    assert len(_Double.requests) == 3  # two 403s while the data-access policy propagates, then 200
    method, path, headers, body = _Double.requests[-1]
    assert (method, path) == ("PUT", f"/{INDEX_NAME}")
    auth = headers["Authorization"]
    assert auth.startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
    assert "/ap-southeast-1/aoss/aws4_request" in auth
    mapping = json.loads(body)["mappings"]["properties"]
    assert mapping[VECTOR_FIELD]["dimension"] == 1024 and mapping[VECTOR_FIELD]["method"]["engine"] == "faiss"


def test_create_gives_up_on_other_errors(double: str) -> None:
    _Double.forbidden_first = 100
    props = {"endpoint": double, "index_name": "x", "dimensions": 8, "region": "ap-southeast-1", "wait_s": 0}
    with pytest.raises(RuntimeError, match="HTTP 403"):
        VectorIndexProvider().create(props)


def test_delete(double: str) -> None:
    _Double.forbidden_first = 0
    VectorIndexProvider().delete(f"{double}/{INDEX_NAME}", {"region": "ap-southeast-1"})
    assert _Double.requests[-1][:2] == ("DELETE", f"/{INDEX_NAME}")


def test_iam_principal_turns_sessions_into_roles() -> None:
    assert iam_principal("arn:aws:sts::123456789012:assumed-role/Deployer/ci-run") == \
        "arn:aws:iam::123456789012:role/Deployer"
    assert iam_principal("arn:aws:iam::123456789012:user/alice") == "arn:aws:iam::123456789012:user/alice"
