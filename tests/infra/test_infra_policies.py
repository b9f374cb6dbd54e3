"""Least privilege, checked statement by statement against exact ARNs.

``EXPECTED`` is written here independently of ``infra/backend.py``: a role that gains an action
or a resource fails until both places agree (and a reviewer sees why).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from .conftest import ACCOUNT, MODEL, REGION, StackRun

ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
# Resource "*" is allowed only where AWS offers no resource-level permission.
STAR_RESOURCE_OK = {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}  # X-Ray: no resource types


def policies(stack: StackRun) -> dict[str, list[dict[str, Any]]]:
    """role name -> statements (roles are named ``<x>-role`` or ``<x>-scheduler``)."""
    roles = {r.id: r.inputs["name"] for r in stack.of_type("aws:iam/role:Role")}
    out: dict[str, list[dict[str, Any]]] = {}
    for p in stack.of_type(ROLE_POLICY):
        out.setdefault(roles[p.inputs["role"]], []).extend(json.loads(p.inputs["policy"])["Statement"])
    return out


def pairs(statements: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(a, r) for s in statements for a in s["Action"] for r in s["Resource"]}


def arn(stack: StackRun, typ: str, name: str, attr: str = "arn") -> str:
    return stack.one(typ, name).state[attr]


def expected_grants(stack: StackRun, mode: str) -> dict[str, set[tuple[str, str]]]:
    table = lambda n: f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{n}"  # noqa: E731
    fn = lambda n: f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{n}"  # noqa: E731
    secret = lambda n: arn(stack, "aws:secretsmanager/secret:Secret", n)  # noqa: E731
    api_id = stack.one("aws:apigatewayv2/api:Api", "wss-chat").id
    sockets = f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api_id}/prod/POST/@connections/*"
    bucket = stack.outputs["bucket"]
    titan = f"arn:aws:bedrock:{REGION}::foundation-model/amazon.titan-embed-text-v2:0"
    index = f"arn:aws:s3:::{bucket}/index/*"
    handoffs = arn(stack, "aws:sns/topic:Topic", "t-handoffs")
    dlq = arn(stack, "aws:sqs/queue:Queue", "q-assistant-dlq")
    signing = secret("chat-assistant-signing-key")
    base_model = MODEL.removeprefix("global.")
    profile = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:inference-profile/{MODEL}"
    ddb = lambda t, *acts: {(f"dynamodb:{a}", table(t)) for a in acts}  # noqa: E731

    def logs(name: str) -> set[tuple[str, str]]:
        lg = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/{name}:*"
        return {("logs:CreateLogStream", lg), ("logs:PutLogEvents", lg)}

    xray = {(a, "*") for a in STAR_RESOURCE_OK}
    failure = {("sqs:SendMessage", dlq)}
    grants = {
        "fn-mint-token-role": logs("fn-mint-token") | {("secretsmanager:GetSecretValue", signing)}
        | ddb("tbl-sessions", "UpdateItem"),
        "fn-ws-connect-role": logs("fn-ws-connect") | {("secretsmanager:GetSecretValue", signing)}
        | ddb("tbl-sessions", "PutItem"),
        "fn-ws-message-role": logs("fn-ws-message")
        | ddb("tbl-sessions", "GetItem", "PutItem", "UpdateItem", "DeleteItem")
        | {("execute-api:ManageConnections", sockets), ("lambda:InvokeFunction", fn("fn-answerer")),
           ("lambda:InvokeFunction", fn("fn-handoff"))}
        | ddb("tbl-transcripts", "UpdateItem") | ddb("tbl-gaps", "PutItem"),
        "fn-ws-disconnect-role": logs("fn-ws-disconnect") | ddb("tbl-sessions", "DeleteItem"),
        "fn-answerer-role": logs("fn-answerer") | xray | failure
        | {("bedrock:InvokeModelWithResponseStream", profile),
           ("bedrock:InvokeModelWithResponseStream", f"arn:aws:bedrock:*::foundation-model/{base_model}"),
           ("bedrock:InvokeModelWithResponseStream", f"arn:aws:bedrock:::foundation-model/{base_model}"),
           ("execute-api:ManageConnections", sockets),
           ("lambda:InvokeFunction", fn("fn-handoff")),
           ("events:PutEvents", f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/chat-assistant-audit")}
        | ddb("tbl-sessions", "GetItem", "UpdateItem") | ddb("tbl-transcripts", "PutItem", "Query")
        | ddb("tbl-gaps", "PutItem"),
        "fn-handoff-role": logs("fn-handoff") | xray | failure
        | {("sns:Publish", handoffs), ("secretsmanager:GetSecretValue", secret("chat-assistant-slack-webhook")),
           ("secretsmanager:GetSecretValue", secret("chat-assistant-slack-app")),
           ("execute-api:ManageConnections", sockets)}
        | ddb("tbl-sessions", "GetItem", "PutItem", "UpdateItem") | ddb("tbl-transcripts", "Query"),
        "fn-slack-events-role": logs("fn-slack-events")
        | {("secretsmanager:GetSecretValue", secret("chat-assistant-slack-app")),
           ("lambda:InvokeFunction", fn("fn-handoff"))},
        "fn-gaps-batch-role": logs("fn-gaps-batch") | failure | ddb("tbl-gaps", "Query")
        | {("s3:PutObject", f"arn:aws:s3:::{bucket}/reports/*"), ("sns:Publish", handoffs)},
        "fn-archive-role": logs("fn-archive") | failure
        | {("dynamodb:Query", table("tbl-transcripts") + "/index/by_day"),
           ("s3:ListBucket", f"arn:aws:s3:::{bucket}"),
           ("s3:GetObject", f"arn:aws:s3:::{bucket}/transcripts/*"),
           ("s3:PutObject", f"arn:aws:s3:::{bucket}/transcripts/*")},
        "fn-kb-sync-role": logs("fn-kb-sync") | failure
        | {("secretsmanager:GetSecretValue", secret("chat-assistant-drive-service-account")),
           ("s3:ListBucket", f"arn:aws:s3:::{bucket}")}
        | {(f"s3:{a}", f"arn:aws:s3:::{bucket}/kb/*") for a in ("GetObject", "PutObject", "DeleteObject")}
        | {(f"s3:{a}", f"arn:aws:s3:::{bucket}/kb-sync/*") for a in ("GetObject", "PutObject")}
        | ddb("tbl-sessions", "DeleteItem"),
        "fn-drive-notify-role": logs("fn-drive-notify")
        | {("s3:GetObject", f"arn:aws:s3:::{bucket}/kb-sync/watch.json"), ("lambda:InvokeFunction", fn("fn-kb-sync"))}
        | ddb("tbl-sessions", "PutItem"),
        "kb-sync-every-5-min-scheduler": {("lambda:InvokeFunction", fn("fn-kb-sync")), ("sqs:SendMessage", dlq)},
        "gaps-batch-weekly-scheduler": {("lambda:InvokeFunction", fn("fn-gaps-batch")), ("sqs:SendMessage", dlq)},
        "archive-every-6-hours-scheduler": {("lambda:InvokeFunction", fn("fn-archive")), ("sqs:SendMessage", dlq)},
    }
    if mode == "index":  # the answerer reads versions and embeds questions; kb-sync publishes versions
        grants["fn-answerer-role"] |= {("s3:GetObject", index), ("bedrock:InvokeModel", titan)}
        grants["fn-kb-sync-role"] |= {(f"s3:{a}", index) for a in ("GetObject", "PutObject", "PutObjectTagging")}
        grants["fn-kb-sync-role"] |= {("bedrock:InvokeModel", titan)}
        return grants
    kb = arn(stack, "aws:bedrock/agentKnowledgeBase:AgentKnowledgeBase", "kb-website-knowledge")
    grants["fn-answerer-role"] |= {("bedrock:Retrieve", kb)}
    grants["fn-kb-sync-role"] |= {(f"bedrock:{a}", kb) for a in ("StartIngestionJob", "GetIngestionJob")}
    grants["kb-website-knowledge-role"] = {
        ("bedrock:InvokeModel", titan), ("s3:ListBucket", f"arn:aws:s3:::{bucket}"),
        ("s3:GetObject", f"arn:aws:s3:::{bucket}/kb/*")} | {
        (f"s3vectors:{a}", arn(stack, "aws:s3/vectorsIndex:VectorsIndex", "kb-website-knowledge-index", "indexArn"))
        for a in ("GetIndex", "PutVectors", "GetVectors", "DeleteVectors", "QueryVectors")}
    return grants


@pytest.fixture(scope="module", params=["index", "bedrock-kb"])
def mode_stack(request: pytest.FixtureRequest) -> tuple[str, StackRun]:
    return request.param, request.getfixturevalue("stack" if request.param == "index" else "kb_stack")


def test_each_role_grants_exactly_what_its_code_uses(mode_stack: tuple[str, StackRun]) -> None:
    mode, stack = mode_stack
    expected = expected_grants(stack, mode)
    actual = policies(stack)
    assert actual.keys() == expected.keys()
    for role, statements in actual.items():
        got = pairs(statements)
        assert got == expected[role], f"{role}: extra {got - expected[role]}, missing {expected[role] - got}"


def test_no_wildcard_actions_anywhere(stack: StackRun) -> None:
    for role, statements in policies(stack).items():
        for s in statements:
            assert s["Effect"] == "Allow"
            for action in s["Action"]:
                assert "*" not in action, f"{role}: {action}"


def test_resource_star_only_where_aws_requires_it(stack: StackRun) -> None:
    for role, statements in policies(stack).items():
        for action, resource in pairs(statements):
            if resource == "*":
                assert action in STAR_RESOURCE_OK, f"{role}: {action} on *"


def test_model_access_only_through_the_inference_profile(stack: StackRun) -> None:
    statements = policies(stack)["fn-answerer-role"]
    profile = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:inference-profile/{MODEL}"
    for s in statements:
        if any(r.endswith(f":foundation-model/{MODEL.removeprefix('global.')}") for r in s["Resource"]):
            assert s["Condition"] == {"StringEquals": {"bedrock:InferenceProfileArn": profile}}


def test_knowledge_base_lists_only_its_prefix(kb_stack: StackRun) -> None:
    listing = [s for s in policies(kb_stack)["kb-website-knowledge-role"] if "s3:ListBucket" in s["Action"]]
    assert len(listing) == 1
    assert set(listing[0]["Condition"]["StringLike"]["s3:prefix"]) == {"kb/", "kb/*"}


def test_kb_sync_state_and_documents_match_its_configuration(stack: StackRun) -> None:
    env = next(f for f in stack.of_type("aws:lambda/function:Function")
               if f.inputs["name"] == "fn-kb-sync").inputs["environment"]["variables"]
    bucket = stack.outputs["bucket"]
    granted = pairs(policies(stack)["fn-kb-sync-role"])
    assert ("s3:PutObject", f"arn:aws:s3:::{bucket}/{env['ASSISTANT_KB_STATE_KEY'].split('/')[0]}/*") in granted
    assert ("s3:PutObject", f"arn:aws:s3:::{bucket}/{env['ASSISTANT_KB_PREFIX']}*") in granted
    assert not env["ASSISTANT_KB_STATE_KEY"].startswith(env["ASSISTANT_KB_PREFIX"])  # never ingested


def test_trust_policies(stack: StackRun) -> None:
    for role in stack.of_type("aws:iam/role:Role"):
        trust = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
        assert len(trust) == 1
        service = trust[0]["Principal"]["Service"]
        name = role.inputs["name"]
        if name.startswith("fn-"):
            assert service == "lambda.amazonaws.com"
        elif name.endswith("-scheduler"):
            assert service == "scheduler.amazonaws.com"
            assert trust[0]["Condition"]["StringEquals"]["aws:SourceAccount"] == ACCOUNT
        else:
            assert name == "kb-website-knowledge-role" and service == "bedrock.amazonaws.com"
            assert trust[0]["Condition"]["ArnLike"]["aws:SourceArn"].endswith(":knowledge-base/*")


def test_bucket_policies(stack: StackRun) -> None:
    data = json.loads(stack.one("aws:s3/bucketPolicy:BucketPolicy", "chat-assistant-data-tls-only").inputs["policy"])
    assert [s["Effect"] for s in data["Statement"]] == ["Deny"]
    assert data["Statement"][0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    widget = json.loads(stack.one("aws:s3/bucketPolicy:BucketPolicy", "chat-assistant-widget-policy").inputs["policy"])
    allows = [s for s in widget["Statement"] if s["Effect"] == "Allow"]
    assert len(allows) == 1 and allows[0]["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert allows[0]["Action"] == "s3:GetObject"
    dist_arn = stack.of_type("aws:cloudfront/distribution:Distribution")[0].state["arn"]
    assert allows[0]["Condition"] == {"StringEquals": {"AWS:SourceArn": dist_arn}}


def test_lambda_invoke_permissions_are_scoped_to_the_apis(stack: StackRun) -> None:
    perms = stack.of_type("aws:lambda/permission:Permission")
    public = [p for p in perms if p.inputs["principal"] == "*"]
    # The public functions: Drive's notifications and Slack's events, through their function URLs only (each
    # verifies the request: the channel token, Slack's signature).
    assert {p.inputs["function"] for p in public} == {"fn-drive-notify", "fn-slack-events"}
    assert all(p.inputs.get("functionUrlAuthType") == "NONE" or p.inputs.get("invokedViaFunctionUrl") is True
               for p in public)
    perms = [p for p in perms if p not in public]
    assert {p.inputs["function"] for p in perms} == {"fn-ws-connect", "fn-ws-message", "fn-ws-disconnect",
                                                     "fn-mint-token"}
    for p in perms:
        assert p.inputs["principal"] == "apigateway.amazonaws.com"
        src = p.inputs["sourceArn"]
        assert src.startswith(f"arn:aws:execute-api:{REGION}:{ACCOUNT}:") and not src.endswith(":*"), src
