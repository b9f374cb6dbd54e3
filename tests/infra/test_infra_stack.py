"""The whole stack under Pulumi mocks: names, Region, wiring, guard rails, outputs."""

from __future__ import annotations

import json
import re
from dataclasses import fields
from pathlib import Path

import pytest
import yaml

from assistant_core.settings import Settings

from .conftest import MODEL, ORIGINS, REGION, ROOT, Res, StackRun, run_program

FN = "aws:lambda/function:Function"
CARD_FUNCTIONS = {
    "fn-mint-token": "handlers.mint_token.handler", "fn-ws-connect": "handlers.ws_connect.handler",
    "fn-ws-message": "handlers.ws_message.handler", "fn-ws-disconnect": "handlers.ws_disconnect.handler",
    "fn-answerer": "handlers.answerer.handler", "fn-handoff": "handlers.handoff.handler",
    "fn-gaps-batch": "handlers.gaps_batch.handler", "fn-archive": "handlers.archive.handler",
    "fn-kb-sync": "handlers.kb_sync.handler", "fn-drive-notify": "handlers.drive_notify.handler",
    "fn-slack-events": "handlers.slack_events.handler",
}


def functions(stack: StackRun) -> dict[str, Res]:
    return {r.inputs["name"]: r for r in stack.of_type(FN)}


def test_card_names_exist(stack: StackRun) -> None:
    assert functions(stack).keys() == CARD_FUNCTIONS.keys()
    assert {t.inputs["name"] for t in stack.of_type("aws:dynamodb/table:Table")} == {
        "tbl-sessions", "tbl-transcripts", "tbl-gaps"}
    assert {t.inputs["name"] for t in stack.of_type("aws:sns/topic:Topic")} == {"t-handoffs", "t-alarms"}
    assert stack.one("aws:apigatewayv2/api:Api", "wss-chat").inputs["protocolType"] == "WEBSOCKET"
    assert re.fullmatch(r"chat-assistant-data-[a-z0-9]+", stack.outputs["bucket"])


def test_everything_is_in_the_configured_region_with_tags(stack: StackRun) -> None:
    providers = stack.of_type("pulumi:providers:aws")
    assert len(providers) == 1
    provider = providers[0]
    assert provider.inputs["region"] == REGION
    assert json.loads(provider.inputs["defaultTags"])["tags"]["app"] == "website-assistant"
    aws_resources = [r for r in stack.resources if r.typ.startswith("aws:")]
    assert len(aws_resources) > 100
    for r in aws_resources:
        assert r.provider and "::aws-provider::" in r.provider, f"{r.name} uses another provider"


def test_every_resource_belongs_to_a_component(stack: StackRun) -> None:
    for urn in stack.urns:
        typ = urn.split("::")[2]
        if typ.startswith(("pulumi:pulumi:Stack$aws:", "pulumi:pulumi:Stack$pulumi-python")):
            pytest.fail(f"resource outside any component: {urn}")


def test_tables_match_design(stack: StackRun) -> None:
    sessions = stack.one("aws:dynamodb/table:Table", "tbl-sessions").inputs
    assert sessions["hashKey"] == "connection_id" and "rangeKey" not in sessions
    assert sessions["ttl"] == {"attributeName": "ttl", "enabled": True}
    transcripts = stack.one("aws:dynamodb/table:Table", "tbl-transcripts").inputs
    assert (transcripts["hashKey"], transcripts["rangeKey"]) == ("session_id", "turn_index")
    assert {"name": "turn_index", "type": "N"} in transcripts["attributes"]
    assert transcripts["pointInTimeRecovery"] == {"enabled": True}
    assert transcripts["ttl"]["enabled"] is True
    gaps = stack.one("aws:dynamodb/table:Table", "tbl-gaps").inputs
    assert (gaps["hashKey"], gaps["rangeKey"]) == ("week_iso", "sk")
    for t in stack.of_type("aws:dynamodb/table:Table"):
        assert t.inputs["billingMode"] == "PAY_PER_REQUEST"
        assert t.inputs["serverSideEncryption"] == {"enabled": True}


def test_data_bucket_is_private_encrypted_with_lifecycle(stack: StackRun) -> None:
    block = stack.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "chat-assistant-data-public-block")
    assert all(block.inputs[k] for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls",
                                         "restrictPublicBuckets"))
    assert stack.one("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                     "chat-assistant-data-sse")
    rules = {r["id"]: r for r in stack.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
                                           "chat-assistant-data-lifecycle").inputs["rules"]}
    assert rules["transcripts"]["filter"] == {"prefix": "transcripts/"}
    assert [t["storageClass"] for t in rules["transcripts"]["transitions"]] == ["STANDARD_IA", "GLACIER_IR"]
    assert rules["archive"]["transitions"][0]["storageClass"] == "GLACIER_IR"
    assert not any(r["filter"].get("prefix", "").startswith("kb") for r in rules.values())  # kb/ is kept


def test_the_index_retriever_creates_no_knowledge_base_and_alarms_on_bad_versions(stack: StackRun) -> None:
    """The default: no Knowledge Base, vector store or ingestion role; retired versions expire."""
    for typ in ("aws:bedrock/agentKnowledgeBase:AgentKnowledgeBase", "aws:bedrock/agentDataSource:AgentDataSource",
                "aws:s3/vectorsVectorBucket:VectorsVectorBucket", "aws:s3/vectorsIndex:VectorsIndex",
                "aws:opensearch/serverlessCollection:ServerlessCollection"):
        assert not stack.of_type(typ), typ
    assert not [r for r in stack.of_type("aws:iam/role:Role") if r.inputs["name"].startswith("kb-website")]
    rules = {r["id"]: r for r in stack.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
                                           "chat-assistant-data-lifecycle").inputs["rules"]}
    assert rules["index-retired"]["filter"] == {"and": {"prefix": "index/", "tags": {"retired": "true"}}}
    assert rules["index-retired"]["expiration"] == {"days": 1}
    alarm = stack.one("aws:cloudwatch/metricAlarm:MetricAlarm", "alarm-index-reload-failed").inputs
    assert (alarm["namespace"], alarm["metricName"]) == ("WebsiteAssistant", "IndexReloadFailed")
    fns = functions(stack)
    bucket = stack.outputs["bucket"]
    for name in ("fn-answerer", "fn-kb-sync"):  # kb-sync publishes where the answerer reads, same embedder
        env = fns[name].inputs["environment"]["variables"]
        assert env["ASSISTANT_KB"] == f"index:s3://{bucket}/index/" and env["ASSISTANT_EMBEDDER"] == "titan:512"
    assert stack.outputs["retriever"] == "index" and "knowledge_base_id" not in stack.outputs


def test_drive_notifications_reach_a_public_function_url_that_kb_sync_watches_with(stack: StackRun) -> None:
    url = stack.one("aws:lambda/functionUrl:FunctionUrl", "fn-drive-notify-url")
    assert url.inputs["authorizationType"] == "NONE"
    perms = {p.name: p.inputs for p in stack.of_type("aws:lambda/permission:Permission")
             if p.name.startswith("fn-drive-notify-url")}
    assert perms["fn-drive-notify-url-public"]["action"] == "lambda:InvokeFunctionUrl"
    assert perms["fn-drive-notify-url-public"]["functionUrlAuthType"] == "NONE"
    assert perms["fn-drive-notify-url-invoke"]["action"] == "lambda:InvokeFunction"
    assert perms["fn-drive-notify-url-invoke"]["invokedViaFunctionUrl"] is True
    env = functions(stack)["fn-kb-sync"].inputs["environment"]["variables"]
    assert env["ASSISTANT_DRIVE_NOTIFY_URL"] == url.state["functionUrl"] == stack.outputs["drive_notify_url"]


def test_slack_events_reach_a_public_function_url_and_the_app_is_off_until_a_channel_is_set(
        stack: StackRun, tmp_path: Path) -> None:
    from .conftest import BASE_CONFIG

    url = stack.one("aws:lambda/functionUrl:FunctionUrl", "fn-slack-events-url")
    assert url.inputs["authorizationType"] == "NONE" and stack.outputs["slack_events_url"] == url.state["functionUrl"]
    env = functions(stack)["fn-handoff"].inputs["environment"]["variables"]
    assert env["ASSISTANT_SLACK_APP_SECRET"] == "" and "ASSISTANT_SLACK_CHANNEL" not in env  # the webhook only
    run = run_program({**BASE_CONFIG, "website-assistant:slack_channel": "C0HANDOFF",
                       "website-assistant:staff_names": "slack", "website-assistant:staff_quiet_seconds": "300"},
                      tmp_path)
    app = run.one("aws:secretsmanager/secret:Secret", "chat-assistant-slack-app").state["arn"]
    for name in ("fn-handoff", "fn-answerer", "fn-ws-message", "fn-slack-events"):
        env = {r.inputs["name"]: r for r in run.of_type(FN)}[name].inputs["environment"]["variables"]
        assert env["ASSISTANT_SLACK_APP_SECRET"] == app and env["ASSISTANT_SLACK_CHANNEL"] == "C0HANDOFF", name
    handoff_env = {r.inputs["name"]: r for r in run.of_type(FN)}["fn-handoff"].inputs["environment"]["variables"]
    assert (handoff_env["ASSISTANT_STAFF_NAMES"], handoff_env["ASSISTANT_STAFF_QUIET_SECONDS"]) == ("slack", "300")
    assert handoff_env["ASSISTANT_WS_MANAGEMENT_ENDPOINT"].startswith("https://")


def test_a_mistyped_retriever_or_embedder_stops_the_deploy() -> None:
    from infra.backend import Retrieval

    with pytest.raises(ValueError, match="retriever"):
        Retrieval(mode="kendra")
    with pytest.raises(ValueError, match="embedder"):
        Retrieval(embedder="titan:300")


def test_knowledge_base_uses_titan_v2_and_s3_vectors(kb_stack: StackRun) -> None:
    stack = kb_stack
    assert not stack.of_type("aws:cloudwatch/metricAlarm:MetricAlarm") or not [
        a for a in stack.of_type("aws:cloudwatch/metricAlarm:MetricAlarm") if a.name == "alarm-index-reload-failed"]
    kb = stack.one("aws:bedrock/agentKnowledgeBase:AgentKnowledgeBase", "kb-website-knowledge").inputs
    vec = kb["knowledgeBaseConfiguration"]["vectorKnowledgeBaseConfiguration"]
    assert vec["embeddingModelArn"] == f"arn:aws:bedrock:{REGION}::foundation-model/amazon.titan-embed-text-v2:0"
    assert kb["storageConfiguration"]["type"] == "S3_VECTORS"
    index = stack.of_type("aws:s3/vectorsIndex:VectorsIndex")[0].inputs
    assert index["dimension"] == 1024
    assert set(index["metadataConfiguration"]["nonFilterableMetadataKeys"]) == {
        "AMAZON_BEDROCK_TEXT", "AMAZON_BEDROCK_METADATA"}
    ds = stack.one("aws:bedrock/agentDataSource:AgentDataSource", "kb-website-knowledge-s3").inputs
    assert ds["dataSourceConfiguration"]["s3Configuration"]["inclusionPrefixes"] == ["kb/"]


def test_functions_are_arm64_current_python_with_their_handlers(stack: StackRun) -> None:
    for name, fn in functions(stack).items():
        i = fn.inputs
        assert i["handler"] == CARD_FUNCTIONS[name]
        assert i["architectures"] == ["arm64"] and i["runtime"] == "python3.13"
        assert i["memorySize"] >= 128 and 1 <= i["timeout"] <= 900
        assert i["reservedConcurrentExecutions"] >= 1, f"{name} has no reserved concurrency"
        tracing = i["tracingConfig"]["mode"]
        assert tracing == ("Active" if name in {"fn-answerer", "fn-handoff"} else "PassThrough"), name
        assert i["s3Key"].startswith("artifacts/lambda/") and i["sourceCodeHash"]
    # Socket handlers must finish well within API Gateway's 29 s integration timeout.
    for name in ("fn-mint-token", "fn-ws-connect", "fn-ws-message", "fn-ws-disconnect"):
        assert functions(stack)[name].inputs["timeout"] <= 29


def test_every_log_group_has_retention_and_every_function_logs_to_its_own(stack: StackRun) -> None:
    groups = {g.inputs["name"]: g.inputs for g in stack.of_type("aws:cloudwatch/logGroup:LogGroup")}
    assert all(g.get("retentionInDays", 0) > 0 for g in groups.values())
    for name, fn in functions(stack).items():
        assert fn.inputs["loggingConfig"]["logGroup"] == f"/aws/lambda/{name}"
        assert f"/aws/lambda/{name}" in groups


def _invoked_async(stack: StackRun) -> set[str]:
    """Functions something invokes asynchronously: by lambda:InvokeFunction grants or schedules."""
    targets = set()
    for p in stack.of_type("aws:iam/rolePolicy:RolePolicy"):
        for s in json.loads(p.inputs["policy"])["Statement"]:
            if "lambda:InvokeFunction" in s["Action"]:
                targets |= {r.rsplit(":", 1)[1] for r in s["Resource"]}
    return targets


def test_every_async_target_has_a_failure_destination(stack: StackRun) -> None:
    targets = _invoked_async(stack)
    assert targets == {"fn-answerer", "fn-handoff", "fn-gaps-batch", "fn-archive", "fn-kb-sync"}
    dlq = stack.one("aws:sqs/queue:Queue", "q-assistant-dlq").state["arn"]
    configs = {c.inputs["functionName"]: c.inputs for c in
               stack.of_type("aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig")}
    assert configs.keys() == targets
    for name, c in configs.items():
        assert c["destinationConfig"]["onFailure"]["destination"] == dlq, name
    assert configs["fn-answerer"]["maximumRetryAttempts"] == 0  # a retry would stream a second answer
    for sched in stack.of_type("aws:scheduler/schedule:Schedule"):
        assert sched.inputs["target"]["deadLetterConfig"]["arn"] == dlq


def test_schedules(stack: StackRun) -> None:
    by_target = {s.inputs["target"]["arn"].rsplit(":", 1)[1]: s.inputs
                 for s in stack.of_type("aws:scheduler/schedule:Schedule")}
    assert by_target["fn-kb-sync"]["scheduleExpression"] == "rate(5 minutes)"
    assert by_target["fn-gaps-batch"]["scheduleExpression"] == "cron(0 9 ? * MON *)"
    assert by_target["fn-archive"]["scheduleExpression"].startswith("cron(")
    assert all(s["scheduleExpressionTimezone"] == "Asia/Singapore" for s in by_target.values())


def test_alarms_exist_and_notify_t_alarms(stack: StackRun) -> None:
    topic = stack.one("aws:sns/topic:Topic", "t-alarms").state["arn"]
    alarms = {a.inputs["name"]: a.inputs for a in stack.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")}
    wanted = {"fn-answerer-errors", "fn-answerer-throttles", "fn-answerer-duration-p99", "dlq-depth",
              "bedrock-throttles", "token-api-5xx", "fn-handoff-errors", "fn-kb-sync-errors"}
    assert {f"chat-assistant-{w}" for w in wanted} <= alarms.keys()
    for name, a in alarms.items():
        assert a["alarmActions"] == [topic], name
    assert alarms["chat-assistant-fn-answerer-duration-p99"]["extendedStatistic"] == "p99"
    assert alarms["chat-assistant-bedrock-throttles"]["dimensions"] == {"ModelId": MODEL}
    budget = stack.of_type("aws:budgets/budget:Budget")[0].inputs
    assert budget["timeUnit"] == "MONTHLY"
    assert all(n["subscriberSnsTopicArns"] == [topic] for n in budget["notifications"])


def test_authorizer_guards_connect_only(stack: StackRun) -> None:
    auth = stack.of_type("aws:apigatewayv2/authorizer:Authorizer")
    assert len(auth) == 1
    assert auth[0].inputs["authorizerType"] == "REQUEST"
    assert auth[0].inputs["identitySources"] == ["route.request.querystring.token"]
    assert "fn-ws-connect" in auth[0].inputs["authorizerUri"]
    routes = {r.inputs["routeKey"]: r.inputs for r in stack.of_type("aws:apigatewayv2/route:Route")}
    assert routes.keys() == {"$connect", "$default", "$disconnect", "POST /token"}
    assert routes["$connect"]["authorizationType"] == "CUSTOM"
    assert routes["$connect"]["authorizerId"] == auth[0].id
    for key in ("$default", "$disconnect", "POST /token"):
        assert routes[key].get("authorizationType", "NONE") == "NONE" and "authorizerId" not in routes[key]
    ws = stack.one("aws:apigatewayv2/api:Api", "wss-chat").inputs
    assert ws["routeSelectionExpression"] == "$request.body.action"
    stage = stack.one("aws:apigatewayv2/stage:Stage", "wss-chat-prod").inputs
    assert stage["defaultRouteSettings"]["throttlingRateLimit"] > 0


def test_token_api_cors_is_exactly_the_configured_origins(stack: StackRun) -> None:
    cors = stack.one("aws:apigatewayv2/api:Api", "token-api").inputs["corsConfiguration"]
    assert cors["allowOrigins"] == ORIGINS
    assert cors["allowMethods"] == ["POST"]
    stage = stack.one("aws:apigatewayv2/stage:Stage", "token-api-default").inputs
    assert stage["defaultRouteSettings"]["throttlingBurstLimit"] > 0


def test_environment_matches_settings(stack: StackRun) -> None:
    known = {f.name for f in fields(Settings)}
    fns = functions(stack)
    for name, fn in fns.items():
        env = fn.inputs["environment"]["variables"]
        for key in env:
            assert key.startswith("ASSISTANT_") and key.removeprefix("ASSISTANT_").lower() in known, (name, key)
        settings = Settings.from_env(env)  # every value parses (ints, floats, origins)
        assert settings.stage == "prod"
    answerer = fns["fn-answerer"].inputs["environment"]["variables"]
    assert answerer["ASSISTANT_MODEL"] == f"bedrock:{MODEL}"
    assert answerer["ASSISTANT_WS_MANAGEMENT_ENDPOINT"].startswith("https://")
    mint = Settings.from_env(fns["fn-mint-token"].inputs["environment"]["variables"])
    assert mint.allowed_origins == tuple(ORIGINS)
    # The mint handler derives the ws_url it hands out from the management endpoint.
    assert "wss://" + mint.ws_management_endpoint.removeprefix("https://") == stack.outputs["websocket_url"]
    # Least exposure: only the functions that need a secret get its name.
    assert "ASSISTANT_SIGNING_KEY_SECRET" not in answerer
    assert "ASSISTANT_DRIVE_CREDENTIALS_SECRET" in fns["fn-kb-sync"].inputs["environment"]["variables"]
    assert "ASSISTANT_MODEL" not in fns["fn-ws-disconnect"].inputs["environment"]["variables"]
    # The owner's doc path -> public URL map reaches kb-sync, which puts the URLs in the sidecars.
    from kb_sync.config import SyncConfig

    sync = SyncConfig.from_settings(Settings.from_env(fns["fn-kb-sync"].inputs["environment"]["variables"]))
    assert sync.site_urls == {"shipping/Rates": "https://www.example.com/shipping", "*": "https://help.example.com/{slug}"}


def test_the_knowledge_base_retriever_is_wired_to_its_kb(kb_stack: StackRun) -> None:
    fns = functions(kb_stack)
    kb_id = kb_stack.outputs["knowledge_base_id"]
    assert fns["fn-answerer"].inputs["environment"]["variables"]["ASSISTANT_KB"] == f"bedrock:{kb_id}"
    sync = fns["fn-kb-sync"].inputs["environment"]["variables"]
    assert sync["ASSISTANT_KB_ID"] == kb_id and sync["ASSISTANT_KB_DATA_SOURCE_ID"]
    assert kb_stack.outputs["retriever"] == "bedrock-kb" and kb_stack.outputs["data_source_id"]


def test_outputs_and_embed_snippet(stack: StackRun) -> None:
    out = stack.outputs
    for key in ("token_url", "websocket_url", "widget_url", "embed_snippet", "bucket"):
        assert out.get(key), key
    assert out["token_url"].startswith("https://") and out["token_url"].endswith("/token")
    assert out["websocket_url"].startswith("wss://") and out["websocket_url"].endswith("/prod")
    assert out["widget_url"].startswith("https://") and out["widget_url"].endswith(".js")
    snippet = out["embed_snippet"]
    assert f'src="{out["widget_url"]}"' in snippet and f'data-token-url="{out["token_url"]}"' in snippet
    assert 'data-greeting="Hi &amp; &quot;welcome&quot;"' in snippet  # escaped, not injected
    # Every owner choice from the stack config is in the tag, so nothing has to be typed by hand.
    assert 'data-title="Hilfe &lt;b&gt;"' in snippet and 'data-accent="#ffd54f"' in snippet
    assert 'data-position="left"' in snippet and 'data-open="true"' in snippet
    assert 'data-strings="{&quot;send&quot;: &quot;Senden&quot;, &quot;close&quot;: &quot;Schließen&quot;}"' in snippet
    # The host page's CSP entries, from the same URLs.
    host = out["widget_url"].split("/")[2]
    api = out["token_url"].split("/")[2]
    ws_host = out["websocket_url"].split("/")[2]
    assert out["csp"] == f"script-src https://{host}; connect-src https://{api} wss://{ws_host}"


def test_a_mistyped_widget_position_stops_the_deploy() -> None:
    from infra.widget import WidgetOptions

    with pytest.raises(ValueError, match="widget_position"):
        WidgetOptions(position="centre")


def test_widget_history_reaches_the_snippet_and_a_typo_stops_the_deploy() -> None:
    from infra.widget import WidgetOptions, embed_snippet

    snippet = embed_snippet("https://cdn.example/w.js", "https://api.example/token",
                            WidgetOptions(history="local", history_days=3))
    assert 'data-history="local"' in snippet and 'data-history-days="3"' in snippet
    assert "data-history" not in embed_snippet("https://cdn.example/w.js", "https://api.example/token",
                                               WidgetOptions(history="tab"))
    with pytest.raises(ValueError, match="widget_history"):
        WidgetOptions(history="forever")


def test_widget_is_served_through_cloudfront_with_oac(stack: StackRun) -> None:
    obj = stack.one("aws:s3/bucketObjectv2:BucketObjectv2", "widget-js").inputs
    assert obj["key"] == "assistant-widget.js" and obj["contentType"].startswith("text/javascript")
    dist = stack.of_type("aws:cloudfront/distribution:Distribution")[0].inputs
    assert dist["origins"][0]["originAccessControlId"]
    assert dist["defaultCacheBehavior"]["viewerProtocolPolicy"] == "redirect-to-https"


def test_prod_stack_file_is_complete_and_holds_no_clear_secrets() -> None:
    config = yaml.safe_load(Path(ROOT / "Pulumi.prod.yaml").read_text())["config"]
    assert config["aws:region"] == "ap-southeast-1"
    keys = {k.split(":", 1)[1] for k in config if k.startswith("website-assistant:")}
    assert {"allowed_origins", "site_name", "greeting", "model_id", "embedding_model", "vector_store",
            "drive_folder_id", "drive_subject", "handoff_emails", "retention_days", "rate_limit_per_minute",
            "monthly_budget_usd"} <= keys
    for secret in ("signing_key", "slack_webhook_url", "drive_service_account_json"):
        value = config.get(f"website-assistant:{secret}")
        assert value is None or (isinstance(value, dict) and "secure" in value), secret
    project = yaml.safe_load(Path(ROOT / "Pulumi.yaml").read_text())
    assert project["name"] == "website-assistant" and project["runtime"]["name"] == "python"


def _yaml_config_as_pulumi(path: Path) -> dict[str, str]:
    raw = yaml.safe_load(path.read_text())["config"]
    return {k: v if isinstance(v, str) else json.dumps(v) for k, v in raw.items()}


def test_the_prod_stack_file_itself_deploys_under_mocks(tmp_path: Path) -> None:
    run = run_program(_yaml_config_as_pulumi(ROOT / "Pulumi.prod.yaml"), tmp_path)
    assert {r.inputs["name"] for r in run.of_type(FN)} == CARD_FUNCTIONS.keys()
    assert run.of_type("pulumi:providers:aws")[0].inputs["region"] == "ap-southeast-1"


def test_opensearch_vector_store_variant(tmp_path: Path) -> None:
    from .conftest import BASE_CONFIG

    run = run_program({**BASE_CONFIG, "website-assistant:retriever": "bedrock-kb",
                       "website-assistant:vector_store": "opensearch"}, tmp_path)
    kb = run.one("aws:bedrock/agentKnowledgeBase:AgentKnowledgeBase", "kb-website-knowledge").inputs
    assert kb["storageConfiguration"]["type"] == "OPENSEARCH_SERVERLESS"
    coll = run.of_type("aws:opensearch/serverlessCollection:ServerlessCollection")[0]
    assert coll.inputs["type"] == "VECTORSEARCH"
    kb_policy = json.loads(run.one("aws:iam/rolePolicy:RolePolicy", "kb-website-knowledge-policy").inputs["policy"])
    aoss = [s for s in kb_policy["Statement"] if s["Action"] == ["aoss:APIAccessAll"]]
    assert aoss and aoss[0]["Resource"] == [coll.state["arn"]]
    assert not run.of_type("aws:s3/vectorsIndex:VectorsIndex")


def test_new_accounts_can_turn_off_reserved_concurrency(tmp_path: Path) -> None:
    from .conftest import BASE_CONFIG

    run = run_program({**BASE_CONFIG, "website-assistant:reserved_concurrency": "false"}, tmp_path)
    assert {f.inputs["reservedConcurrentExecutions"] for f in run.of_type(FN)} == {-1}
