"""The model port over Bedrock ConverseStream (``bedrock-runtime``), with the four tools forced.

``stream()`` sends the request (retrying throttling before any byte of the answer exists) and
returns an iterator of neutral events; closing it closes the HTTP response, so Bedrock stops
generating when the visitor is gone. Errors leave as ``ModelError`` subclasses carrying the AWS code.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from assistant_core.answering.ports import (
    ChatMessage,
    ModelEvent,
    ModelRequest,
    Stop,
    TextDelta,
    ToolInputDelta,
    ToolStart,
    Usage,
)

from ..errors import ModelUnavailable
from ..resilience import CircuitBreaker, Retrier, RetryPolicy
from ..settings import DEFAULT_BEDROCK_MODEL
from .clients import bedrock_runtime
from .translate import STREAM_FAILURES, is_retryable, model_error


def converse_request(model_id: str, request: ModelRequest) -> dict[str, Any]:
    """The ConverseStream arguments for one turn: system prompt, history, the tools, ``toolChoice.any``."""
    tools = [
        {"toolSpec": {"name": name, "description": spec["description"], "inputSchema": {"json": spec["schema"]}}}
        for name, spec in request.tools.items()
    ]
    return {
        "modelId": model_id,
        "system": [{"text": request.system}],
        "messages": _messages(request.messages),
        "inferenceConfig": {"maxTokens": request.max_tokens, "temperature": request.temperature},
        # `any` makes the model call one of the tools: there is no plain-text path to the visitor.
        "toolConfig": {"tools": tools, "toolChoice": {"any": {}}},
    }


def _messages(messages: Sequence[ChatMessage]) -> list[dict[str, Any]]:
    # Converse rejects two consecutive messages of one role; merge rather than fail the turn.
    out: list[dict[str, Any]] = []
    for m in messages:
        if out and out[-1]["role"] == m.role:
            out[-1]["content"].append({"text": m.text})
        else:
            out.append({"role": m.role, "content": [{"text": m.text}]})
    return out


class BedrockConverseModel:
    def __init__(self, client: Any, model_id: str = DEFAULT_BEDROCK_MODEL, *, retrier: Retrier | None = None) -> None:
        self.client = client
        self.model_id = model_id
        self.retrier = retrier or Retrier(RetryPolicy(), CircuitBreaker())

    @classmethod
    def for_region(cls, region: str, model_id: str = DEFAULT_BEDROCK_MODEL) -> BedrockConverseModel:
        return cls(bedrock_runtime(region), model_id)

    def stream(self, request: ModelRequest) -> Iterator[ModelEvent]:
        kwargs = converse_request(self.model_id, request)
        try:
            response = self.retrier.run(
                lambda: self.client.converse_stream(**kwargs),
                retryable=is_retryable,
                fail_fast=lambda: ModelUnavailable("bedrock: circuit open, not calling the model", code="circuit_open"),
            )
        except STREAM_FAILURES as e:
            raise model_error(e) from e
        return _BedrockEvents(response["stream"])


class _BedrockEvents:
    """Iterator of neutral events over botocore's EventStream; ``close()`` works even before the first read."""

    def __init__(self, event_stream: Any) -> None:
        self._stream = event_stream
        self._events = iter(event_stream)
        self._pending: list[ModelEvent] = []

    def __iter__(self) -> _BedrockEvents:
        return self

    def __next__(self) -> ModelEvent:
        while not self._pending:
            try:
                raw = next(self._events)
            except StopIteration:
                self.close()
                raise
            except STREAM_FAILURES as e:
                self.close()
                raise model_error(e) from e  # not retried: text may already be on the visitor's screen
            self._pending.extend(map_event(raw))
        return self._pending.pop(0)

    def close(self) -> None:
        self._stream.close()  # closes the socket: Bedrock stops generating (and billing) this answer


def map_event(raw: Mapping[str, Any]) -> list[ModelEvent]:
    """One ConverseStream union member → zero or more neutral events (unknown members are skipped)."""
    if "contentBlockStart" in raw:
        tool = raw["contentBlockStart"].get("start", {}).get("toolUse")
        return [ToolStart(tool["name"], tool.get("toolUseId", ""))] if tool else []
    if "contentBlockDelta" in raw:
        delta = raw["contentBlockDelta"].get("delta", {})
        if "toolUse" in delta:
            fragment = delta["toolUse"].get("input", "")
            return [ToolInputDelta(fragment)] if fragment else []
        return [TextDelta(delta["text"])] if delta.get("text") else []  # reasoning etc. are not ours
    if "messageStop" in raw:
        return [Stop(raw["messageStop"]["stopReason"])]
    if "metadata" in raw:
        usage = raw["metadata"].get("usage", {})
        metrics = raw["metadata"].get("metrics", {})
        return [Usage(usage.get("inputTokens", 0), usage.get("outputTokens", 0), metrics.get("latencyMs", 0))]
    return []  # messageStart, contentBlockStop
