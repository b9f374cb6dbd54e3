"""The Lambda handler and ``python -m kb_sync``, configured only through environment variables."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import pytest

import handlers.kb_sync as lambda_module
from assistant_core.bootstrap import lambdas
from kb_sync.__main__ import main

from .world import AWS_KEYS, REGION, SUBJECT, World

REPO = Path(__file__).resolve().parents[3]


class FakeContext:
    def __init__(self, remaining_ms: int = 900_000) -> None:
        self.remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


@pytest.fixture
def env(
    world: World, moto_url: str, sa_key: tuple[dict[str, Any], bytes], monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    secrets = boto3.client("secretsmanager", endpoint_url=moto_url, **AWS_KEYS)
    secret = f"drive-key-{world.bucket}"
    secrets.create_secret(Name=secret, SecretString=json.dumps(sa_key[0]))
    values = {
        "AWS_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_ENDPOINT_URL_S3": moto_url,
        "AWS_ENDPOINT_URL_SECRETS_MANAGER": moto_url,
        "AWS_ENDPOINT_URL_BEDROCK_AGENT": world.agent.url,
        "ASSISTANT_STAGE": "test",
        "ASSISTANT_DATA_BUCKET": world.bucket,
        "ASSISTANT_KB_ID": "KB12345678",
        "ASSISTANT_KB_DATA_SOURCE_ID": "DS12345678",
        "ASSISTANT_DRIVE_FOLDER_ID": world.root,
        "ASSISTANT_DRIVE_SUBJECT": SUBJECT,
        "ASSISTANT_DRIVE_CREDENTIALS_SECRET": secret,
        "ASSISTANT_DRIVE_API_BASE": world.drive.url,
        "ASSISTANT_DRIVE_TOKEN_URI": world.oauth.token_uri,
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setattr(lambdas, "_runtime", None)  # a cold start per test
    return values


def _emf(out: str) -> dict[str, Any]:
    line = next(json.loads(x) for x in out.splitlines() if x.startswith('{"_aws"'))
    metrics = line["_aws"]["CloudWatchMetrics"][0]
    assert metrics["Namespace"] == "WebsiteAssistant" and metrics["Dimensions"] == [["Stage"]]
    assert all(m["Name"] in line for m in metrics["Metrics"])  # EMF: every metric is a root key
    return line


def test_handler_runs_one_tick_and_returns_a_summary(world: World, env: dict[str, str], capsys: Any) -> None:
    fid = world.drive.add_doc("Rates", world.root, "# Rates\n\n$5")
    result = lambda_module.handler({"source": "aws.events"}, FakeContext())
    assert result["ok"] and result["added"] == ["Rates"] and result["job_id"]
    assert f"kb/{fid}.md" in world.kb_objects()
    line = _emf(capsys.readouterr().out)
    assert (line["Stage"], line["KbDocsAdded"], line["KbSyncFailed"]) == ("test", 1, 0)

    world.drive.edit_doc(fid, "# Rates\n\n$6")
    result = lambda_module.handler({}, FakeContext())
    assert result["mode"] == "incremental" and result["updated"] == ["Rates"]
    assert lambda_module.handler({"full": True}, FakeContext())["mode"] == "full"


def test_handler_with_little_time_left_writes_nothing_and_says_so(world: World, env: dict[str, str]) -> None:
    world.drive.add_doc("Rates", world.root, "# Rates\n\n$5")
    result = lambda_module.handler({}, FakeContext(remaining_ms=10_000))
    assert result["ok"] and result["incomplete"] and result["added"] == []
    assert world.kb_objects() == {}


def test_handler_reports_bad_configuration(env: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    monkeypatch.delenv("ASSISTANT_DRIVE_CREDENTIALS_SECRET")
    result = lambda_module.handler({}, FakeContext())
    assert not result["ok"] and "ASSISTANT_DRIVE_CREDENTIALS_SECRET" in result["error"]
    assert _emf(capsys.readouterr().out)["KbSyncFailed"] == 1


def test_handler_is_off_without_a_drive_folder(
    world: World, env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_DRIVE_FOLDER_ID", "")
    result = lambda_module.handler({}, FakeContext())
    assert result["ok"] and result["mode"] == "off" and result["warnings"] == ["no Drive folder configured"]
    assert world.objects() == {} and world.drive.server.log == []


def test_cli_prints_what_changed(world: World, env: dict[str, str], capsys: Any) -> None:
    world.drive.add_doc("Rates", world.root, "# Rates\n\n$5")
    assert main(["--dry-run"]) == 0
    assert "full sync (dry run: nothing written): 1 added" in capsys.readouterr().out
    assert world.kb_objects() == {}
    world.agent.polls_to_complete = 1
    assert main(["--wait"]) == 0
    out = capsys.readouterr().out
    assert "  + Rates" in out and "ingestion: started job JOB000001" in out
    assert "ingestion job JOB000001: COMPLETE" in out
    assert main(["--full"]) == 0
    assert capsys.readouterr().out.startswith("full sync: 0 added")


def test_cli_can_sync_into_a_local_folder(world: World, env: dict[str, str], tmp_path: Path, capsys: Any) -> None:
    fid = world.drive.add_doc("Rates", world.root, "# Rates\n\nShipping costs $5.")
    assert main(["--dest", str(tmp_path / "docs")]) == 0
    assert (tmp_path / "docs" / f"{fid}.md").is_file()
    assert world.kb_objects() == {}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"ASSISTANT_DRIVE_FOLDER_ID": ""}, "set ASSISTANT_DRIVE_FOLDER_ID"),
        ({"ASSISTANT_DATA_BUCKET": ""}, "set ASSISTANT_DATA_BUCKET"),
        ({"ASSISTANT_KB_SITE_URLS": "[1]"}, "ASSISTANT_KB_SITE_URLS must be a JSON object"),
        ({"ASSISTANT_KB_WORKERS": "many"}, "ASSISTANT_KB_WORKERS must be a number"),
        ({"ASSISTANT_DRIVE_FOLDER_ID": "NOPE"}, "Drive folder 'NOPE' does not exist"),
    ],
)
def test_cli_bad_configuration_exits_2_with_one_clear_message(
    env: dict[str, str], change: dict[str, str], message: str
) -> None:
    run_env = {**os.environ, **change}
    proc = subprocess.run(
        [sys.executable, "-m", "kb_sync"], cwd=REPO, env=run_env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 2, proc.stderr
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr.count("kb_sync:") == 1


def test_cli_drive_outage_exits_1(world: World, env: dict[str, str], capsys: Any) -> None:
    world.drive.fail("*", 429, retry_after="0", times=1000)  # Retry-After: 0 keeps the test fast
    assert main([]) == 1
    assert "FAILED: DriveUnavailable" in capsys.readouterr().out
