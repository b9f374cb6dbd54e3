"""Run the real Pulumi program (``__main__.py``) in-process under ``pulumi.runtime.set_mocks``.

The mocks record every resource with its resolved inputs and invent the outputs AWS would
return (ARNs, endpoints), so policies can be checked against exact ARNs. No cloud, no CLI.
The program runs once per session (Pulumi's runtime state is process-global).
"""

from __future__ import annotations

import asyncio
import json
import runpy
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import pytest

ROOT = Path(__file__).resolve().parents[2]
ACCOUNT = "123456789012"
REGION = "ap-southeast-1"
ORIGINS = ["https://www.example.com", "https://help.example.com"]
MODEL = "global.anthropic.claude-haiku-4-5-20251001-v1:0"


@dataclass
class Res:
    typ: str
    name: str
    inputs: dict[str, Any]
    provider: str | None
    id: str
    state: dict[str, Any]


def _arn(service: str, resource: str, region: str = REGION, account: str = ACCOUNT) -> str:
    return f"arn:aws:{service}:{region}:{account}:{resource}"


def fake_outputs(typ: str, name: str, inputs: dict[str, Any], rid: str) -> dict[str, Any]:
    """What AWS would report for a new resource, enough for ARNs and endpoints downstream."""
    n = inputs.get("name") or name
    if typ == "aws:dynamodb/table:Table":
        return {"arn": _arn("dynamodb", f"table/{n}"), "streamArn": _arn("dynamodb", f"table/{n}/stream/2026")}
    if typ == "aws:s3/bucket:Bucket":
        bucket = inputs.get("bucket") or f"{name}-abc1234"
        return {"bucket": bucket, "arn": f"arn:aws:s3:::{bucket}",
                "bucketRegionalDomainName": f"{bucket}.s3.{REGION}.amazonaws.com"}
    if typ == "aws:cloudwatch/eventBus:EventBus":
        return {"arn": _arn("events", f"event-bus/{n}")}
    if typ == "aws:sns/topic:Topic":
        return {"arn": _arn("sns", n)}
    if typ == "aws:sqs/queue:Queue":
        return {"arn": _arn("sqs", n), "url": f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{n}"}
    if typ == "aws:secretsmanager/secret:Secret":
        return {"arn": _arn("secretsmanager", f"secret:{n}-AbCdEf")}
    if typ == "aws:iam/role:Role":
        return {"arn": f"arn:aws:iam::{ACCOUNT}:role/{n}"}
    if typ == "aws:lambda/function:Function":
        arn = _arn("lambda", f"function:{n}")
        return {"arn": arn,
                "invokeArn": f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{arn}/invocations"}
    if typ == "aws:lambda/functionUrl:FunctionUrl":
        return {"functionUrl": f"https://{rid}.lambda-url.{REGION}.on.aws/"}
    if typ == "aws:cloudwatch/logGroup:LogGroup":
        return {"arn": _arn("logs", f"log-group:{n}")}
    if typ == "aws:apigatewayv2/api:Api":
        scheme = "wss" if inputs.get("protocolType") == "WEBSOCKET" else "https"
        return {"apiEndpoint": f"{scheme}://{rid}.execute-api.{REGION}.amazonaws.com",
                "executionArn": _arn("execute-api", rid)}
    if typ == "aws:bedrock/agentKnowledgeBase:AgentKnowledgeBase":
        return {"arn": _arn("bedrock", f"knowledge-base/{rid}")}
    if typ == "aws:bedrock/agentDataSource:AgentDataSource":
        return {"dataSourceId": "DS12345678"}
    if typ == "aws:s3/vectorsVectorBucket:VectorsVectorBucket":
        return {"vectorBucketArn": _arn("s3vectors", f"bucket/{inputs['vectorBucketName']}")}
    if typ == "aws:s3/vectorsIndex:VectorsIndex":
        return {"indexArn": _arn("s3vectors", f"bucket/{inputs['vectorBucketName']}/index/{inputs['indexName']}")}
    if typ == "aws:cloudfront/distribution:Distribution":
        return {"domainName": "d111111abcdef8.cloudfront.net", "arn": f"arn:aws:cloudfront::{ACCOUNT}:distribution/E1"}
    if typ == "aws:opensearch/serverlessCollection:ServerlessCollection":
        return {"arn": _arn("aoss", f"collection/{rid}"),
                "collectionEndpoint": f"https://{rid}.{REGION}.aoss.amazonaws.com"}
    return {}


class RecordingMocks(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.resources: list[Res] = []
        self.calls: list[str] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        rid = "".join(c for c in f"{args.name}" if c.isalnum())[:10].lower() + "id"
        state = {**args.inputs, **fake_outputs(args.typ, args.name, args.inputs, rid)}
        self.resources.append(Res(args.typ, args.name, dict(args.inputs), args.provider, rid, state))
        return rid, state

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:
        self.calls.append(args.token)
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {"accountId": ACCOUNT, "arn": f"arn:aws:iam::{ACCOUNT}:user/deployer", "userId": "AIDAX",
                    "id": ACCOUNT}
        raise AssertionError(f"unexpected provider call {args.token}")


@dataclass
class StackRun:
    resources: list[Res]
    outputs: dict[str, Any]
    urns: list[str] = field(default_factory=list)
    config: dict[str, str] = field(default_factory=dict)

    def of_type(self, typ: str) -> list[Res]:
        return [r for r in self.resources if r.typ == typ]

    def one(self, typ: str, name: str) -> Res:
        found = [r for r in self.resources if r.typ == typ and r.name == name]
        assert len(found) == 1, f"expected one {typ} named {name}, found {len(found)}"
        return found[0]


def fake_package(tmp: Path) -> Path:
    path = tmp / "lambda.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("handlers/__init__.py", "")
    return path


def run_program(config: dict[str, str], tmp: Path) -> StackRun:
    widget = tmp / "assistant-widget.js"
    widget.write_text("/* test widget */\n")
    full = {
        "aws:region": REGION,
        "website-assistant:lambda_package": str(fake_package(tmp)),
        "website-assistant:widget_file": str(widget),
        **config,
    }
    # Earlier async tests in the same session may have closed the default loop; Pulumi needs one.
    asyncio.set_event_loop(asyncio.new_event_loop())
    pulumi.runtime.set_all_config(full, secret_keys=["website-assistant:slack_webhook_url"])
    mocks = RecordingMocks()
    pulumi.runtime.set_mocks(mocks, project="website-assistant", stack="prod", preview=False)
    outputs: dict[str, Any] = {}

    @pulumi.runtime.test
    def program() -> pulumi.Output:
        runpy.run_path(str(ROOT / "__main__.py"), run_name="__main__")
        root = pulumi.runtime.get_root_resource()
        return pulumi.Output.all(**root.outputs).apply(outputs.update)

    program()
    monitor = pulumi.runtime.settings.get_monitor()
    urns = list(monitor.resources) if hasattr(monitor, "resources") else []
    return StackRun(mocks.resources, outputs, urns, full)


BASE_CONFIG = {
    "website-assistant:allowed_origins": json.dumps(ORIGINS),
    "website-assistant:model_id": MODEL,
    "website-assistant:handoff_emails": json.dumps(["support@example.com"]),
    "website-assistant:alarm_emails": json.dumps(["ops@example.com"]),
    "website-assistant:drive_folder_id": "folder123",
    "website-assistant:drive_subject": "writer@example.com",
    "website-assistant:kb_site_urls": json.dumps({"shipping/Rates": "https://www.example.com/shipping",
                                                  "*": "https://help.example.com/{slug}"}),
    "website-assistant:slack_webhook_url": "https://hooks.slack.invalid/T/B/x",
    "website-assistant:greeting": 'Hi & "welcome"',
    "website-assistant:widget_title": "Hilfe <b>",
    "website-assistant:widget_accent": "#ffd54f",
    "website-assistant:widget_position": "left",
    "website-assistant:widget_open": "true",
    "website-assistant:widget_strings": json.dumps({"send": "Senden", "close": "Schließen"}),
}


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> StackRun:
    """The default stack: retriever ``index`` (no Knowledge Base)."""
    return run_program(dict(BASE_CONFIG), tmp_path_factory.mktemp("stack"))


@pytest.fixture(scope="session")
def kb_stack(tmp_path_factory: pytest.TempPathFactory) -> StackRun:
    """The same stack with ``retriever: bedrock-kb`` (a Bedrock Knowledge Base on S3 Vectors)."""
    return run_program({**BASE_CONFIG, "website-assistant:retriever": "bedrock-kb"}, tmp_path_factory.mktemp("kb"))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "network: reaches the package registry with pip (set ASSISTANT_SKIP_NETWORK_TESTS=1 to skip)")
