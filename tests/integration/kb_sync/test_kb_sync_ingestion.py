"""BedrockIngestion through the real boto3 bedrock-agent client against the local double."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.config import Config

from kb_sync.errors import IngestionError
from kb_sync.ingestion import BedrockIngestion
from tests.doubles.kb_sync.bedrock_agent import BedrockAgentDouble

from .world import AWS_KEYS

TOKEN = "kb-sync-0123456789abcdef-000000000001"


@pytest.fixture
def ingestion(agent: BedrockAgentDouble) -> BedrockIngestion:
    client: Any = boto3.client("bedrock-agent", endpoint_url=agent.url, **AWS_KEYS)
    return BedrockIngestion(client, "KB12345678", "DS12345678")


def test_start_puts_to_the_ingestionjobs_collection_with_the_client_token(
    ingestion: BedrockIngestion, agent: BedrockAgentDouble
) -> None:
    result = ingestion.publish(TOKEN)
    assert result.started and result.detail == "STARTING" and result.job_id == "JOB000001"
    (request,) = [r for r in agent.server.log if r.method == "PUT"]
    assert request.path == "/knowledgebases/KB12345678/datasources/DS12345678/ingestionjobs/"
    assert agent.starts[0]["clientToken"] == TOKEN
    assert "Credential=testing/" in request.headers["authorization"]
    assert "/ap-southeast-1/bedrock/aws4_request" in request.headers["authorization"]


def test_a_running_job_means_busy_and_the_same_token_is_idempotent(
    ingestion: BedrockIngestion, agent: BedrockAgentDouble
) -> None:
    first = ingestion.publish(TOKEN)
    again = ingestion.publish(TOKEN)
    assert again.started and again.job_id == first.job_id  # a retried start is the same job
    busy = ingestion.publish(TOKEN.replace("0001", "0002"))
    assert not busy.started and busy.detail.startswith("ConflictException")
    assert len(agent.jobs) == 1


def test_check_and_wait_report_status_and_statistics(ingestion: BedrockIngestion, agent: BedrockAgentDouble) -> None:
    agent.scan = lambda: {"numberOfDocumentsScanned": 12, "numberOfDocumentsFailed": 1}
    agent.polls_to_complete = 3
    job = ingestion.publish(TOKEN).job_id
    checked = ingestion.check(job)
    assert checked is not None and checked.detail == "IN_PROGRESS"
    sleeps: list[float] = []
    done = ingestion.wait(job, interval=2.0, sleep=sleeps.append)
    assert done.detail == "COMPLETE"
    assert done.stats == {"numberOfDocumentsScanned": 12, "numberOfDocumentsFailed": 1}
    assert sleeps == [2.0]


def test_throttling_is_busy_but_access_denied_is_an_error(agent: BedrockAgentDouble) -> None:
    # botocore retries throttling itself; with retries off we see what the engine sees at the end.
    client = boto3.client(
        "bedrock-agent", endpoint_url=agent.url, config=Config(retries={"total_max_attempts": 1}), **AWS_KEYS
    )
    ingestion = BedrockIngestion(client, "KB12345678", "DS12345678")
    agent.fail_next = [(429, "ThrottlingException"), (403, "AccessDeniedException")]
    assert not ingestion.publish(TOKEN).started
    with pytest.raises(IngestionError, match="AccessDeniedException"):
        ingestion.publish(TOKEN)


def test_unknown_job_is_an_error(ingestion: BedrockIngestion) -> None:
    with pytest.raises(IngestionError, match="GetIngestionJob"):
        ingestion.check("JOB999999")
