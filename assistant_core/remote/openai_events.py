"""Chat-completion stream chunks → the model port's neutral events.

Servers differ in small ways (Ollama sends a whole call in one chunk, some omit ``index``, vLLM
reports errors as ``{"object": "error"}``); the mapper accepts all of them and lets the citation
gate judge the result, so a sloppy server can cost a hand-off but never an uncited answer.
"""

from __future__ import annotations

import json
from typing import Any

from assistant_core.answering.ports import ModelEvent, Stop, TextDelta, ToolInputDelta, ToolStart, Usage

from ..clock import SYSTEM_CLOCK
from ..errors import ModelError, ModelThrottled, ModelUnavailable
from ..ports import Clock

# OpenAI finish_reason → the stop reasons the gate knows (Bedrock's vocabulary).
FINISH_REASONS = {
    "tool_calls": "tool_use",
    "function_call": "tool_use",
    "stop": "end_turn",
    "length": "max_tokens",
    "content_filter": "content_filtered",
}


class OpenAIStreamMapper:
    def __init__(self, started: float, clock: Clock = SYSTEM_CLOCK) -> None:
        self._started = started  # the clock's monotonic time of the request
        self._clock = clock
        self._calls: dict[Any, bool] = {}  # key -> ToolStart emitted
        self._early_args: dict[Any, list[str]] = {}  # arguments seen before the call's name
        self.finished = False

    def feed(self, data: str) -> list[ModelEvent]:
        if data.strip() == "[DONE]":
            self.finished = True
            return []
        try:
            chunk = json.loads(data)
        except ValueError as e:
            raise ModelUnavailable(f"openai: unreadable stream chunk {data[:100]!r}", code="stream_corrupt") from e
        if not isinstance(chunk, dict):
            raise ModelUnavailable("openai: stream chunk is not an object", code="stream_corrupt")
        if "error" in chunk or chunk.get("object") == "error":
            raise stream_error(chunk.get("error") if isinstance(chunk.get("error"), dict) else chunk)
        events: list[ModelEvent] = []
        for choice in chunk.get("choices") or []:
            events += self._choice(choice)
        usage = chunk.get("usage")
        if isinstance(usage, dict):
            latency = round((self._clock.monotonic() - self._started) * 1000)
            tokens_in = int(usage.get("prompt_tokens") or 0)
            tokens_out = int(usage.get("completion_tokens") or 0)
            events.append(Usage(tokens_in, tokens_out, latency))
        return events

    def _choice(self, choice: dict[str, Any]) -> list[ModelEvent]:
        events: list[ModelEvent] = []
        delta = choice.get("delta") or {}
        if delta.get("content"):
            events.append(TextDelta(delta["content"]))
        for position, call in enumerate(delta.get("tool_calls") or []):
            events += self._tool_call(call, position)
        reason = choice.get("finish_reason")
        if reason:
            events.append(Stop(FINISH_REASONS.get(reason, reason)))
        return events

    def _tool_call(self, call: dict[str, Any], position: int) -> list[ModelEvent]:
        key = call.get("index", call.get("id") or position)
        function = call.get("function") or {}
        events: list[ModelEvent] = []
        if not self._calls.get(key) and function.get("name"):
            self._calls[key] = True
            events.append(ToolStart(function["name"], str(call.get("id") or "")))
            events += [ToolInputDelta(a) for a in self._early_args.pop(key, [])]
        arguments = function.get("arguments")
        if isinstance(arguments, dict):  # a few servers send the arguments already parsed
            arguments = json.dumps(arguments, ensure_ascii=False)
        if arguments:
            if self._calls.get(key):
                events.append(ToolInputDelta(arguments))
            else:
                self._early_args.setdefault(key, []).append(arguments)
        return events


def error_from_body(body: bytes) -> dict[str, Any]:
    """The ``error`` object of an OpenAI-style error body (``{}`` when there is none)."""
    try:
        parsed = json.loads(body or b"{}")
    except ValueError:
        return {}
    if isinstance(parsed, dict) and isinstance(parsed.get("error"), dict):
        return parsed["error"]
    return parsed if isinstance(parsed, dict) else {}


def stream_error(error: dict[str, Any]) -> ModelError:
    """An error reported inside the stream, after it started."""
    code = str(error.get("code") or error.get("type") or "stream_error")
    message = f"openai: error in stream: {error.get('message', '')}"[:500]
    lowered = code.lower()
    if "rate" in lowered or code == "429":
        return ModelThrottled(message, code=code)
    if "server" in lowered or "overload" in lowered or code.startswith("5"):
        return ModelUnavailable(message, code=code)
    return ModelError(message, code=code)
