"""Frames to visitors (PostToConnection), async Lambda invokes, SNS handoff notices, cached secrets."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from botocore.exceptions import ClientError

from ..answering.ports import HandoffRequest
from ..errors import ConfigError, ConnectionGone, StorageError, Throttled
from .retry import call, code_of, storage_error

log = logging.getLogger(__name__)
MAX_FRAME_BYTES = 32 * 1024  # API Gateway closes the socket with 1009 above this


class ConnectionPoster:
    """``Poster``: anything that cannot reach the visitor ends their turn quietly (``ConnectionGone``)."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def post(self, connection_id: str, frame: Mapping[str, Any]) -> None:
        data = json.dumps(frame, ensure_ascii=False, separators=(",", ":")).encode()
        if len(data) > MAX_FRAME_BYTES:
            log.error("frame of %d bytes for %s refused (type %s)", len(data), connection_id, frame.get("type"))
            raise ConnectionGone(f"{connection_id}: frame too large to deliver")
        try:
            call("post frame", lambda: self.client.post_to_connection(ConnectionId=connection_id, Data=data))
        except ClientError as e:
            if code_of(e) != "GoneException":
                log.error("post to %s failed: %s", connection_id, e)
            raise ConnectionGone(connection_id) from e
        except (Throttled, StorageError) as e:
            log.error("post to %s failed: %s", connection_id, e)
            raise ConnectionGone(connection_id) from e


class LambdaInvoker:
    """``Invoker``: ``InvocationType=Event`` so the caller never waits for the work."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def invoke_async(self, function: str, payload: Mapping[str, Any]) -> None:
        body = json.dumps(payload).encode()
        try:
            call(f"invoke {function}",
                 lambda: self.client.invoke(FunctionName=function, InvocationType="Event", Payload=body))
        except ClientError as e:
            raise storage_error(f"invoke {function}", e) from e


class LambdaHandoffQueue:
    """``HandoffQueue`` for the answerer: the handoff function does the slow sending."""

    def __init__(self, invoker: LambdaInvoker, function: str) -> None:
        self.invoker = invoker
        self.function = function

    def request(self, handoff: HandoffRequest) -> None:
        self.invoker.invoke_async(self.function, {"kind": "handoff", **asdict(handoff)})


class SnsNotifier:
    def __init__(self, client: Any, topic_arn: str) -> None:
        self.client = client
        self.topic_arn = topic_arn

    def publish(self, subject: str, message: str) -> str:
        if not self.topic_arn:
            raise ConfigError("no handoff topic configured")
        try:
            out = call("publish", lambda: self.client.publish(TopicArn=self.topic_arn, Subject=_subject(subject),
                                                              Message=message))
        except ClientError as e:
            raise storage_error("publish", e) from e
        return str(out.get("MessageId", ""))


def _subject(text: str) -> str:
    # SNS subjects: ≤ 100 chars, printable ASCII, no newlines.
    clean = "".join(c if 32 <= ord(c) < 127 else " " for c in text).strip()
    return clean[:100] or "Website assistant"


class SecretReader:
    """Reads a secret once per cold start (rotation takes effect on the next cold start)."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self._cache: dict[str, str] = {}

    def get(self, secret_id: str) -> str:
        if secret_id not in self._cache:
            try:
                out = call("read secret", lambda: self.client.get_secret_value(SecretId=secret_id))
            except ClientError as e:
                if code_of(e) == "ResourceNotFoundException":
                    raise ConfigError(f"secret {secret_id!r} does not exist") from e
                raise storage_error("read secret", e) from e
            self._cache[secret_id] = str(out.get("SecretString", ""))
        return self._cache[secret_id]
