from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from moto import mock_aws

from assistant_core.bootstrap.lambdas import Runtime
from assistant_core.bootstrap.local import build_model, build_retriever, lambda_runtime
from assistant_core.gateway.provision import provision
from assistant_core.settings import Settings

DOCS = Path(__file__).resolve().parents[3] / "examples" / "help-center"


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for k, v in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
                 "AWS_DEFAULT_REGION": "ap-southeast-1"}.items():
        monkeypatch.setenv(k, v)
    for k in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(k, raising=False)


@pytest.fixture
def rt(aws_env: None) -> Iterator[Runtime]:
    with mock_aws():
        settings = provision(Settings(region="ap-southeast-1",
                                      ws_management_endpoint="https://abc123.execute-api.ap-southeast-1.amazonaws.com/prod"))
        # The Lambda runtime with the laptop's model and index given (its settings name none).
        yield lambda_runtime(settings, model=build_model("extractive"), retriever=build_retriever("local", DOCS))
