"""An OpenAI-compatible double: ``POST /v1/chat/completions`` streaming ``chat.completion.chunk`` SSE events.

Script ``SSEStream`` (chunks as dicts or raw strings such as ``"[DONE]"``, sent ``pace`` apart) or
``HttpError`` (``openai_error(429, "rate_limit_exceeded")`` ...); inspect ``requests`` and ``streams``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .bedrock_runtime import tokens
from .http_double import Handler, HttpDouble, HttpError, Recorded, StreamLog

PATH = "/v1/chat/completions"


@dataclass
class SSEStream:
    chunks: list[dict[str, Any] | str]
    pace: float = 0.0
    log: StreamLog = field(default_factory=StreamLog)


def openai_error(status: int, code: str, message: str = "injected by the double", type_: str = "") -> HttpError:
    return HttpError(status, {"error": {"message": message, "type": type_ or code, "code": code, "param": None}})


class OpenAIDouble(HttpDouble):
    def handle(self, handler: Handler, request: Recorded) -> None:
        if request.method != "POST" or request.path != PATH:
            handler.send_error_reply(openai_error(404, "not_found", request.path))
            return
        reply = self.next_reply()
        if reply is None:
            handler.send_error_reply(openai_error(500, "server_error", "the test scripted no reply"))
        elif isinstance(reply, HttpError):
            handler.send_error_reply(reply)
        else:
            self.streams.append(reply.log)
            events = [(_sse(c), c) for c in reply.chunks]
            handler.stream("text/event-stream; charset=utf-8", events, reply.pace, reply.log)


def _sse(chunk: dict[str, Any] | str) -> bytes:
    data = chunk if isinstance(chunk, str) else json.dumps(chunk, ensure_ascii=False)
    return f"data: {data}\n\n".encode()


# -- building scripted streams ----------------------------------------------------------------
def chunk(delta: dict[str, Any] | None = None, finish: str | None = None) -> dict[str, Any]:
    return {"id": "chatcmpl-double", "object": "chat.completion.chunk", "created": 1_790_000_000,
            "model": "double-model", "choices": [{"index": 0, "delta": delta or {}, "finish_reason": finish}]}


def tool_call_chunks(name: str, tool_input: str | dict[str, Any], *, index: int = 0, size: int = 4,
                     call_id: str = "call_1") -> list[dict[str, Any]]:
    raw = tool_input if isinstance(tool_input, str) else json.dumps(tool_input, ensure_ascii=False)
    first = {"index": index, "id": call_id, "type": "function", "function": {"name": name, "arguments": ""}}
    chunks = [chunk({"role": "assistant", "content": None, "tool_calls": [first]})]
    chunks += [chunk({"tool_calls": [{"index": index, "function": {"arguments": t}}]}) for t in tokens(raw, size)]
    return chunks


def completion(*calls: list[dict[str, Any]], finish: str | None = "tool_calls",
               usage: tuple[int, int] = (950, 60), done: bool = True) -> list[dict[str, Any] | str]:
    out: list[dict[str, Any] | str] = []
    for call in calls:
        out += call
    if finish is not None:
        out.append(chunk({}, finish))
        out.append({"id": "chatcmpl-double", "object": "chat.completion.chunk", "choices": [],
                    "usage": {"prompt_tokens": usage[0], "completion_tokens": usage[1], "total_tokens": sum(usage)}})
    if done:
        out.append("[DONE]")
    return out


def tool_reply(name: str, tool_input: str | dict[str, Any], *, finish: str = "tool_calls", pace: float = 0.0,
               size: int = 4) -> SSEStream:
    return SSEStream(completion(tool_call_chunks(name, tool_input, size=size), finish=finish), pace=pace)
