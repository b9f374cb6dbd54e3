"""SNS, Secrets Manager and PostToConnection adapters against moto."""

from __future__ import annotations

import json

import boto3
import pytest

from assistant_core.aws.messaging import SnsNotifier
from assistant_core.bootstrap.lambdas import Runtime
from assistant_core.conversation.tokens import KeySet
from assistant_core.errors import ConfigError, ConnectionGone


def test_sns_publish_reaches_a_subscriber_with_a_clean_subject(rt: Runtime) -> None:
    sqs = boto3.client("sqs", region_name="ap-southeast-1")
    url = sqs.create_queue(QueueName="q")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    boto3.client("sns", region_name="ap-southeast-1").subscribe(
        TopicArn=rt.settings.handoff_topic_arn, Protocol="sqs", Endpoint=arn)
    assert rt.notifier.publish("Handoff:\nrefund ✓ " + "x" * 200, "body text")
    body = json.loads(sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"])
    assert body["Message"] == "body text" and "\n" not in body["Subject"] and len(body["Subject"]) == 100


def test_sns_without_a_topic_is_a_config_error(rt: Runtime) -> None:
    with pytest.raises(ConfigError):
        SnsNotifier(rt.notifier.client, "").publish("s", "m")


def test_the_signing_key_set_is_read_once_per_cold_start(rt: Runtime) -> None:
    keys = rt.keys()
    assert isinstance(keys, KeySet) and keys.private_pem.startswith("-----BEGIN")
    boto3.client("secretsmanager", region_name="ap-southeast-1").put_secret_value(
        SecretId=rt.settings.signing_key_secret, SecretString="rotated")
    assert rt.keys() == keys  # cached until the next cold start
    with pytest.raises(ConfigError):
        rt.secrets.get("no/such/secret")


def test_poster_sends_compact_json_and_refuses_oversized_frames(rt: Runtime) -> None:
    poster = rt.poster()
    poster.post("conn-1", {"type": "delta", "turn": "t1", "text": "héllo"})
    with pytest.raises(ConnectionGone):
        poster.post("conn-1", {"type": "answer", "turn": "t1", "text": "x" * 40_000, "citations": []})
