"""Fixtures: dummy AWS credentials, and the wire-level doubles on 127.0.0.1 that boto3/urllib3 reach.

boto3 is pointed at the doubles only through the standard ``AWS_ENDPOINT_URL_<SERVICE>`` variables,
exactly as an operator would; nothing in botocore is patched.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant_core.aws import clients
from tests.doubles.bedrock_agent_runtime import RetrieveDouble
from tests.doubles.bedrock_runtime import ConverseStreamDouble
from tests.doubles.openai_sse import OpenAIDouble

REGION = "ap-southeast-1"


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_BEARER_TOKEN_BEDROCK", "AWS_ENDPOINT_URL",
                 "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                 "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDTESTTESTTESTTEST")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "dummy-secret-for-tests")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "dummy-session-token")
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    # A proxy from the environment must not swallow loopback requests.
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    _clear_client_cache()
    yield
    _clear_client_cache()


def _clear_client_cache() -> None:
    # Clients are cached per region for Lambda cold starts; each test's double has a new port.
    clients.bedrock_runtime.cache_clear()
    clients.bedrock_agent_runtime.cache_clear()


@pytest.fixture
def converse(aws_env: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[ConverseStreamDouble]:
    with ConverseStreamDouble() as double:
        monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", double.url)
        yield double


@pytest.fixture
def kb(aws_env: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[RetrieveDouble]:
    with RetrieveDouble() as double:
        monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK_AGENT_RUNTIME", double.url)
        yield double


@pytest.fixture
def openai() -> Iterator[OpenAIDouble]:
    with OpenAIDouble() as double:
        yield double
