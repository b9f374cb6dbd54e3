"""Creates the tables, topic and secrets (signing key; on the laptop, a Slack webhook and a Slack app
pointing at the local gateway's stand-ins) in a fresh AWS double (moto), as Pulumi would.

Used by the local gateway at start and by the adapter tests; never against real AWS by itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urljoin, urlsplit

from assistant_core.archive.export import BY_DAY_INDEX
from assistant_core.aws.clients import ClientFactory
from assistant_core.conversation.tokens import new_key_set
from assistant_core.gateway.moto_process import LOOPBACK_HOSTS
from assistant_core.gateway.slack_standin import CHANNEL as LOCAL_SLACK_CHANNEL
from assistant_core.gateway.slack_standin import PATH as SLACK_APP_PATH
from assistant_core.gateway.slack_standin import LocalSlack
from assistant_core.settings import Settings

# Like Slack's own, the local webhook URL carries its secret in the path (a token new on every run).
LOCAL_SLACK_PATH = "/local-slack/{token}/webhook"
LOCAL_SLACK_SECRET = "chat-assistant/slack-webhook"
LOCAL_SLACK_APP_SECRET = "chat-assistant/slack-app"


def provision(settings: Settings, clients: ClientFactory | None = None, *, slack_token: str = "",
              slack_app: LocalSlack | None = None) -> Settings:
    """Create everything (through ``clients``, the gateway's factory pointed at moto; by default boto3's
    own configuration, which moto's in-process mock intercepts); returns settings with the topic ARN filled in."""
    clients = clients or ClientFactory(settings.region)
    ddb: Any = clients.client("dynamodb")
    tables = [
        (settings.sessions_table, [("connection_id", "S", "HASH")]),
        (settings.transcripts_table, [("session_id", "S", "HASH"), ("turn_index", "N", "RANGE")]),
        (settings.gaps_table, [("week_iso", "S", "HASH"), ("sk", "S", "RANGE")]),
    ]
    # tbl-transcripts' sparse by_day index (infra/data.py), which fn-archive exports a day from.
    by_day = [("day", "S", "HASH"), ("created_at", "S", "RANGE")]
    indexes = {settings.transcripts_table: [{
        "IndexName": BY_DAY_INDEX, "KeySchema": [{"AttributeName": k, "KeyType": r} for k, _, r in by_day],
        "Projection": {"ProjectionType": "ALL"}}]}
    existing = set(ddb.list_tables()["TableNames"])
    for name, keys in tables:
        if name in existing:
            continue
        attributes = {k: t for k, t, _ in keys + (by_day if name in indexes else [])}
        ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                         AttributeDefinitions=[{"AttributeName": k, "AttributeType": t} for k, t in attributes.items()],
                         KeySchema=[{"AttributeName": k, "KeyType": r} for k, _, r in keys],
                         **({"GlobalSecondaryIndexes": indexes[name]} if name in indexes else {}))
        ddb.update_time_to_live(TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "ttl"})
    topic = clients.client("sns").create_topic(Name="t-handoffs")["TopicArn"]
    secrets: Any = clients.client("secretsmanager")
    _ensure_secret(secrets, settings.signing_key_secret, lambda: new_key_set().to_json())
    slack = local_slack_url(settings, slack_token)
    if slack and not settings.slack_webhook_secret:
        _ensure_secret(secrets, LOCAL_SLACK_SECRET, lambda: slack, overwrite=True)  # the port changes per run
        settings = settings.with_(slack_webhook_secret=LOCAL_SLACK_SECRET)
    api = local_slack_url(settings, slack_app.token, SLACK_APP_PATH + "/api") if slack_app else ""
    if slack_app and api and not settings.slack_app_secret:  # the gateway's Slack app stand-in, with threads
        _ensure_secret(secrets, LOCAL_SLACK_APP_SECRET, slack_app.secret_json, overwrite=True)
        settings = settings.with_(slack_app_secret=LOCAL_SLACK_APP_SECRET, slack_channel=LOCAL_SLACK_CHANNEL,
                                  slack_api_base=api)
    return settings.with_(handoff_topic_arn=topic)


def local_slack_url(settings: Settings, token: str, path: str = LOCAL_SLACK_PATH) -> str:
    """The local gateway's Slack stand-in, served next to its ``@connections`` API; "" off the laptop."""
    endpoint = settings.ws_management_endpoint
    if not token or urlsplit(endpoint).hostname not in LOOPBACK_HOSTS:
        return ""
    return urljoin(endpoint, path.format(token=token))


def _ensure_secret(secrets: Any, name: str, value: Callable[[], str], *, overwrite: bool = False) -> None:
    try:
        secrets.describe_secret(SecretId=name)
    except secrets.exceptions.ResourceNotFoundException:
        secrets.create_secret(Name=name, SecretString=value())
        return
    if overwrite:
        secrets.put_secret_value(SecretId=name, SecretString=value())
