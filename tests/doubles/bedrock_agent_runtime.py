"""A ``bedrock-agent-runtime`` double: ``POST /knowledgebases/{id}/retrieve`` with scripted results.

Point boto3 at it with ``AWS_ENDPOINT_URL_BEDROCK_AGENT_RUNTIME``. Script ``RetrieveReply`` (the
``retrievalResults`` to return) or ``HttpError`` (``aws_error(429, "ThrottlingException")`` ...).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .bedrock_runtime import aws_error
from .http_double import Handler, HttpDouble, HttpError, Recorded

_PATH = re.compile(r"^/knowledgebases/(?P<kb>[^/]+)/retrieve$")


@dataclass(frozen=True)
class RetrieveReply:
    results: list[dict[str, Any]]


class RetrieveDouble(HttpDouble):
    def __init__(self) -> None:
        super().__init__()
        self.kb_ids: list[str] = []

    def handle(self, handler: Handler, request: Recorded) -> None:
        match = _PATH.match(request.path)
        if request.method != "POST" or not match:
            handler.send_error_reply(aws_error(404, "UnknownOperationException", request.path))
            return
        self.kb_ids.append(match["kb"])
        reply = self.next_reply()
        if reply is None:
            handler.send_error_reply(aws_error(500, "InternalServerException", "the test scripted no reply"))
        elif isinstance(reply, HttpError):
            handler.send_error_reply(reply)
        else:
            handler.send_json(200, {"retrievalResults": reply.results})


def s3_result(text: str, score: float, *, key: str, bucket: str = "chat-assistant-data-a1b2",
              title: str | None = None, url: str | None = None, chunk: int = 0,
              extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """One retrieval result as Bedrock returns it for an S3 data source with a metadata sidecar."""
    uri = f"s3://{bucket}/{key}"
    metadata: dict[str, Any] = {
        "x-amz-bedrock-kb-source-uri": uri,
        "x-amz-bedrock-kb-chunk-id": f"{key}-chunk-{chunk}",
        "x-amz-bedrock-kb-data-source-id": "DSABCDEFGH",
        **(extra or {}),
    }
    if title is not None:
        metadata["title"] = title
    if url is not None:
        metadata["url"] = url
    return {
        "content": {"text": text, "type": "TEXT"},
        "location": {"type": "S3", "s3Location": {"uri": uri}},
        "score": score,
        "metadata": metadata,
    }
