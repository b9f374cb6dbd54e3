"""The model port over an OpenAI-compatible ``/chat/completions`` stream (OpenAI, Ollama, vLLM, llama.cpp).

Plain ``urllib3`` (already present: botocore depends on it) keeps the Lambda package free of an SDK.
Tools are forced with ``tool_choice: "required"``; streamed ``tool_calls[].function.arguments``
become the same neutral events as Bedrock's, so the citation gate judges both alike.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import urllib3

from assistant_core.answering.ports import ModelEvent, ModelRequest

from ..clock import SYSTEM_CLOCK
from ..errors import ModelError, ModelThrottled, ModelUnavailable
from ..ports import Clock
from ..resilience import CircuitBreaker, Retrier, RetryPolicy
from .openai_events import OpenAIStreamMapper, error_from_body
from .sse import sse_data


def chat_request(model: str, request: ModelRequest) -> dict[str, Any]:
    """The streaming chat-completions body for one turn."""
    messages = [{"role": "system", "content": request.system}]
    messages += [{"role": m.role, "content": m.text} for m in request.messages]
    tools = [
        {"type": "function", "function": {"name": n, "description": s["description"], "parameters": s["schema"]}}
        for n, s in request.tools.items()
    ]
    return {
        "model": model,
        "messages": messages,
        "tools": tools,
        "tool_choice": "required",  # no plain-text path to the visitor
        "parallel_tool_calls": False,
        "max_tokens": request.max_tokens,
        "temperature": request.temperature,
        "stream": True,
        "stream_options": {"include_usage": True},
    }


class OpenAICompatibleModel:
    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str = "",
        connect_timeout: float = 3.0,
        read_timeout: float = 60.0,  # local models on a CPU can take a while over a long prompt
        retrier: Retrier | None = None,
        pool: urllib3.PoolManager | None = None,
        clock: Clock = SYSTEM_CLOCK,  # times the stream for the Usage event's latency
    ) -> None:
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model = model
        self.model_id = f"openai:{model}"
        self._api_key = api_key
        self._timeout = urllib3.Timeout(connect=connect_timeout, read=read_timeout)
        self._pool = pool or urllib3.PoolManager(num_pools=2, maxsize=8, retries=False)
        self.retrier = retrier or Retrier(RetryPolicy(), CircuitBreaker())
        self._clock = clock

    def stream(self, request: ModelRequest) -> Iterator[ModelEvent]:
        body = json.dumps(chat_request(self.model, request), ensure_ascii=False).encode("utf-8")
        started = self._clock.monotonic()
        response = self.retrier.run(
            lambda: self._open(body),
            retryable=lambda e: isinstance(e, ModelError) and e.retryable,
            fail_fast=lambda: ModelUnavailable("openai: circuit open, not calling the model", code="circuit_open"),
        )
        return _OpenAIEvents(response, OpenAIStreamMapper(started, self._clock))

    def _open(self, body: bytes) -> urllib3.BaseHTTPResponse:
        headers = {"Content-Type": "application/json", "Accept": "text/event-stream", "Accept-Encoding": "identity"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        try:
            response = self._pool.request(
                "POST", self.url, body=body, headers=headers, preload_content=False, timeout=self._timeout
            )
        except urllib3.exceptions.HTTPError as e:
            raise ModelUnavailable(f"openai: cannot reach {self.url}: {e}", code="connection_failed") from e
        if response.status == 200:
            return response
        try:
            detail = response.read(4096)
        except urllib3.exceptions.HTTPError:
            detail = b""
        finally:
            response.close()
        raise http_error(response.status, detail)


def http_error(status: int, body: bytes) -> ModelError:
    """An HTTP error before the stream → a domain error; retryable only where waiting may help."""
    error = error_from_body(body)
    code = str(error.get("code") or error.get("type") or f"http_{status}")
    message = f"openai: HTTP {status}: {error.get('message') or body[:200]!r}"[:500]
    if status == 429 and code != "insufficient_quota":  # an empty balance does not refill in seconds
        return ModelThrottled(message, code=code)
    if status in (408, 409) or status >= 500:
        return ModelUnavailable(message, code=code)
    return ModelError(message, code=code)


class _OpenAIEvents:
    """Neutral events from the SSE body; ``close()`` drops the connection so generation stops."""

    def __init__(self, response: urllib3.BaseHTTPResponse, mapper: OpenAIStreamMapper) -> None:
        self._response = response
        self._mapper = mapper
        self._data = sse_data(_chunks(response))
        self._pending: list[ModelEvent] = []

    def __iter__(self) -> _OpenAIEvents:
        return self

    def __next__(self) -> ModelEvent:
        while not self._pending:
            try:
                data = next(self._data)
            except StopIteration:
                self.close()
                raise
            except urllib3.exceptions.HTTPError as e:
                self.close()  # not retried: text may already be on the visitor's screen
                raise ModelUnavailable(f"openai: stream broken: {e}", code="stream_interrupted") from e
            try:
                self._pending.extend(self._mapper.feed(data))
            except ModelError:
                self.close()
                raise
            if self._mapper.finished and not self._pending:
                # [DONE]: stop here rather than wait for a server that might keep the body open.
                self.close()
                raise StopIteration
        return self._pending.pop(0)

    def close(self) -> None:
        self._response.close()  # closes the socket, not just releases it to the pool


def _chunks(response: Any) -> Iterator[bytes]:
    # Chunked bodies (what every SSE server sends) yield each chunk as it arrives; otherwise read1
    # returns what is there instead of waiting for a full buffer (urllib3 >= 2; older: small reads).
    if response.chunked:
        yield from response.stream(None)
    elif hasattr(response, "read1"):
        yield from iter(lambda: response.read1(8192), b"")
    else:
        yield from response.stream(256)
