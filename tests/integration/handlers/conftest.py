from __future__ import annotations

import copy
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from moto import mock_aws
from moto.apigatewaymanagementapi.models import apigatewaymanagementapi_backends

from assistant_core.bootstrap.lambdas import Runtime, install
from assistant_core.bootstrap.local import lambda_runtime
from assistant_core.errors import StorageError
from assistant_core.gateway.provision import provision
from assistant_core.settings import Settings

ROOT = Path(__file__).resolve().parents[3]
EVENTS = ROOT / "tests" / "events"
ORIGIN = "https://shop.example"
ENDPOINT = "https://abc123.execute-api.ap-southeast-1.amazonaws.com/prod"


def event(name: str, **over: Any) -> dict[str, Any]:
    data = json.loads((EVENTS / f"{name}.json").read_text())
    return {**copy.deepcopy(data), **over}


class RecordingInvoker:
    def __init__(self, fail: bool = False) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.fail = fail

    def invoke_async(self, function: str, payload: Mapping[str, Any]) -> None:
        if self.fail:
            raise StorageError("lambda unavailable")
        self.calls.append((function, dict(payload)))


def posted(connection_id: str) -> list[dict[str, Any]]:
    """Frames moto's management API received for a connection (it concatenates the bodies)."""
    backend = apigatewaymanagementapi_backends["123456789012"]["ap-southeast-1"]
    raw = backend.connections[quote(connection_id, safe="")].data.decode()  # moto keys the path as sent
    out, pos, dec = [], 0, json.JSONDecoder()
    while pos < len(raw):
        obj, pos = dec.raw_decode(raw, pos)
        out.append(obj)
    return out


@pytest.fixture
def rt(monkeypatch: pytest.MonkeyPatch) -> Iterator[Runtime]:
    env = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
           "AWS_DEFAULT_REGION": "ap-southeast-1", "AWS_REGION": "ap-southeast-1",
           "ASSISTANT_ALLOWED_ORIGINS": ORIGIN, "ASSISTANT_WS_MANAGEMENT_ENDPOINT": ENDPOINT,
           "ASSISTANT_DOCS_DIR": str(ROOT / "examples" / "help-center"), "ASSISTANT_MINT_PER_IP_PER_MINUTE": "3"}
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        # As the local gateway runs the handlers; moto cannot run Lambdas without Docker: invokes are recorded.
        yield install(lambda_runtime(provision(Settings.local()), invoker=RecordingInvoker()))
