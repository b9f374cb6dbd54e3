"""A ``bedrock-runtime`` double: ``POST /model/{modelId}/converse-stream`` answered with real event-stream frames.

Point boto3 at it with ``AWS_ENDPOINT_URL_BEDROCK_RUNTIME``. Script replies with ``Stream`` (a list
of events, in-stream exceptions and corrupt frames, sent ``pace`` seconds apart) or ``HttpError``
(an error before the stream, e.g. 429 ``ThrottlingException``); inspect ``requests`` and ``streams``.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

from .eventstream import corrupt, event_frame, exception_frame
from .http_double import Handler, HttpDouble, HttpError, Recorded, StreamLog

CONTENT_TYPE = "application/vnd.amazon.eventstream"
_PATH = re.compile(r"^/model/(?P<model>.+)/converse-stream$")


@dataclass(frozen=True)
class Event:
    type: str  # messageStart, contentBlockStart, contentBlockDelta, ...
    payload: dict[str, Any]


@dataclass(frozen=True)
class StreamException:
    type: str  # throttlingException, internalServerException, ...
    message: str = "injected by the double"


@dataclass(frozen=True)
class Corrupt:
    """An event whose frame arrives with a broken CRC."""

    event: Event


@dataclass
class Stream:
    items: list[Event | StreamException | Corrupt]
    pace: float = 0.0  # seconds between frames (a token's worth of generation)
    log: StreamLog = field(default_factory=StreamLog)


def aws_error(status: int, error_type: str, message: str = "injected by the double") -> HttpError:
    return HttpError(status, {"message": message}, {"x-amzn-ErrorType": error_type})


class ConverseStreamDouble(HttpDouble):
    def __init__(self) -> None:
        super().__init__()
        self.model_ids: list[str] = []  # from the decoded path, per request

    def handle(self, handler: Handler, request: Recorded) -> None:
        match = _PATH.match(request.path)
        if request.method != "POST" or not match:
            handler.send_error_reply(aws_error(404, "UnknownOperationException", request.path))
            return
        self.model_ids.append(match["model"])
        reply = self.next_reply()
        if reply is None:
            handler.send_error_reply(aws_error(500, "InternalServerException", "the test scripted no reply"))
        elif isinstance(reply, HttpError):
            handler.send_error_reply(reply)
        else:
            self.streams.append(reply.log)
            handler.stream(CONTENT_TYPE, [(_encode(item), item) for item in reply.items], reply.pace, reply.log)

    def bodies(self) -> list[dict[str, Any]]:
        return [r.json for r in self.requests]


def _encode(item: Event | StreamException | Corrupt) -> bytes:
    if isinstance(item, StreamException):
        return exception_frame(item.type, item.message)
    if isinstance(item, Corrupt):
        return corrupt(event_frame(item.event.type, item.event.payload))
    return event_frame(item.type, item.payload)


# -- building scripted streams ----------------------------------------------------------------
def tokens(raw: str, size: int = 4) -> list[str]:
    """Split text into token-sized fragments (Claude streams tool input a few characters at a time)."""
    return [raw[i : i + size] for i in range(0, len(raw), size)]


def tool_block(name: str, tool_input: str | dict[str, Any], *, index: int = 0, size: int = 4,
               tool_use_id: str = "tooluse_1") -> list[Event]:
    raw = tool_input if isinstance(tool_input, str) else json.dumps(tool_input, ensure_ascii=False)
    events = [Event("contentBlockStart", {"contentBlockIndex": index,
                                          "start": {"toolUse": {"toolUseId": tool_use_id, "name": name}}})]
    events += [Event("contentBlockDelta", {"contentBlockIndex": index, "delta": {"toolUse": {"input": t}}})
               for t in tokens(raw, size)]
    events.append(Event("contentBlockStop", {"contentBlockIndex": index}))
    return events


def text_block(text: str, *, index: int = 0) -> list[Event]:
    return [Event("contentBlockDelta", {"contentBlockIndex": index, "delta": {"text": t}}) for t in tokens(text)] + [
        Event("contentBlockStop", {"contentBlockIndex": index})
    ]


def message(*blocks: list[Event], stop: str | None = "tool_use", usage: tuple[int, int] = (950, 60),
            latency_ms: int = 700) -> list[Event]:
    """A whole assistant message: messageStart, the blocks, messageStop and metadata."""
    events = [Event("messageStart", {"role": "assistant"})]
    for block in blocks:
        events += block
    if stop is not None:
        events.append(Event("messageStop", {"stopReason": stop}))
        events.append(Event("metadata", {
            "usage": {"inputTokens": usage[0], "outputTokens": usage[1], "totalTokens": sum(usage)},
            "metrics": {"latencyMs": latency_ms},
        }))
    return events


def tool_reply(name: str, tool_input: str | dict[str, Any], *, stop: str = "tool_use", pace: float = 0.0,
               size: int = 4) -> Stream:
    return Stream(message(tool_block(name, tool_input, size=size), stop=stop), pace=pace)


# -- InvokeModel for Titan Text Embeddings V2 ------------------------------------------------------
_INVOKE = re.compile(r"^/model/(?P<model>.+)/invoke$")


@dataclass(frozen=True)
class Embedding:
    """One Titan V2 reply: the vector as the service sends it (the double fills both fields the wire has)."""

    vector: list[float]
    token_count: int = 7


class InvokeModelDouble(HttpDouble):
    """``POST /model/{modelId}/invoke`` answered like Titan Text Embeddings V2: a JSON body with ``embedding``,
    ``inputTextTokenCount`` and ``embeddingsByType`` (always present). Script ``Embedding`` or ``HttpError``;
    with nothing scripted it derives a deterministic unit vector of the requested ``dimensions`` from the
    text, so a whole corpus can be embedded."""

    def __init__(self) -> None:
        super().__init__()
        self.model_ids: list[str] = []

    def handle(self, handler: Handler, request: Recorded) -> None:
        match = _INVOKE.match(request.path)
        if request.method != "POST" or not match:
            handler.send_error_reply(aws_error(404, "UnknownOperationException", request.path))
            return
        self.model_ids.append(match["model"])
        body = request.json if request.body else {}
        dims = body.get("dimensions", 1024)
        if not isinstance(body.get("inputText"), str) or dims not in (256, 512, 1024):
            handler.send_error_reply(aws_error(400, "ValidationException", "Malformed input request"))
            return
        reply = self.next_reply()
        if isinstance(reply, HttpError):
            handler.send_error_reply(reply)
            return
        vector = reply.vector if isinstance(reply, Embedding) else derived_vector(body["inputText"], dims)
        handler.send_json(200, {"embedding": vector, "inputTextTokenCount": len(body["inputText"].split()),
                                "embeddingsByType": {"float": vector}})

    def bodies(self) -> list[dict[str, Any]]:
        return [r.json for r in self.requests]


def derived_vector(text: str, dims: int) -> list[float]:
    """A unit vector from the text's words (hashed into buckets): equal texts give equal vectors and texts
    sharing words point the same way, which is all a retrieval test needs from a model."""
    v = [0.0] * dims
    for word in text.lower().split():
        h = int(hashlib.sha1(word.encode()).hexdigest(), 16)
        v[h % dims] += 1.0 if (h >> 20) & 1 else -1.0
    norm = math.sqrt(sum(x * x for x in v)) or 1.0
    return [x / norm for x in v]
