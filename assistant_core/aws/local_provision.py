"""Creates the tables, topic and signing key secret in a fresh AWS double (moto), as Pulumi would.

Used by the local gateway at start and by the adapter tests; never against real AWS by itself.
"""

from __future__ import annotations

from typing import Any

import boto3

from ..settings import Settings
from ..tokens import new_key_set


def provision(settings: Settings, endpoint_url: str | None = None) -> Settings:
    """Create everything; returns settings with the topic ARN filled in."""
    session = boto3.session.Session(region_name=settings.region)
    ddb: Any = session.client("dynamodb", endpoint_url=endpoint_url)
    tables = [
        (settings.sessions_table, [("connection_id", "S", "HASH")]),
        (settings.transcripts_table, [("session_id", "S", "HASH"), ("turn_index", "N", "RANGE")]),
        (settings.gaps_table, [("week_iso", "S", "HASH"), ("sk", "S", "RANGE")]),
    ]
    existing = set(ddb.list_tables()["TableNames"])
    for name, keys in tables:
        if name in existing:
            continue
        ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                         AttributeDefinitions=[{"AttributeName": k, "AttributeType": t} for k, t, _ in keys],
                         KeySchema=[{"AttributeName": k, "KeyType": r} for k, _, r in keys])
        ddb.update_time_to_live(TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "ttl"})
    topic = session.client("sns", endpoint_url=endpoint_url).create_topic(Name="t-handoffs")["TopicArn"]
    secrets: Any = session.client("secretsmanager", endpoint_url=endpoint_url)
    try:
        secrets.describe_secret(SecretId=settings.signing_key_secret)
    except secrets.exceptions.ResourceNotFoundException:
        secrets.create_secret(Name=settings.signing_key_secret, SecretString=new_key_set().to_json())
    return settings.with_(handoff_topic_arn=topic)
