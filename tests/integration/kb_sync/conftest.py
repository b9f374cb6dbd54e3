"""Fixtures: the Google OAuth and Drive doubles, moto's S3/Secrets Manager server, the bedrock-agent
double, and a ``World`` that composes kb_sync the way the Lambda does, but pointed at them."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from tests.doubles.kb_sync.bedrock_agent import BedrockAgentDouble
from tests.doubles.kb_sync.drive import DriveDouble
from tests.doubles.kb_sync.keys import service_account_key
from tests.doubles.kb_sync.oauth import GOOGLE_TOKEN_URI, OAuthDouble

from .world import AWS_KEYS, REGION, World

logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's server logs every request


@pytest.fixture(scope="session")
def oauth() -> Iterator[OAuthDouble]:
    double = OAuthDouble()
    with double.server:
        yield double


@pytest.fixture(scope="session")
def sa_key(oauth: OAuthDouble) -> tuple[dict[str, Any], bytes]:
    # token_uri is Google's: every test must reach the double through kb_sync's override.
    info, public = service_account_key(GOOGLE_TOKEN_URI)
    oauth.trust(info["client_email"], public)
    return info, public


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def drive(oauth: OAuthDouble) -> Iterator[DriveDouble]:
    oauth.revoked = False
    double = DriveDouble(oauth.is_valid)
    with double.server:
        yield double


@pytest.fixture
def agent() -> Iterator[BedrockAgentDouble]:
    double = BedrockAgentDouble()
    with double.server:
        yield double


@pytest.fixture
def s3(moto_url: str) -> Any:
    return boto3.client("s3", endpoint_url=moto_url, **AWS_KEYS)


@pytest.fixture
def bucket(s3: Any) -> str:
    name = f"chat-assistant-data-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    return name


@pytest.fixture
def key_file(tmp_path: Path, sa_key: tuple[dict[str, Any], bytes]) -> Path:
    path = tmp_path / "sa-key.json"
    path.write_text(json.dumps(sa_key[0]))
    return path


@pytest.fixture
def world(
    drive: DriveDouble, oauth: OAuthDouble, agent: BedrockAgentDouble, s3: Any, bucket: str, key_file: Path
) -> World:
    root = drive.add_folder("Help centre", file_id="ROOTFOLDER")
    return World(drive, oauth, agent, s3, bucket, key_file, root)
