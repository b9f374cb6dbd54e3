"""The model port: a neutral event stream every model adapter maps its wire format onto.

Bedrock ConverseStream, OpenAI-compatible streaming, the offline extractive model and replay files
all become the same few events, so the citation gate runs one code path for all of them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from assistant_core.retrieval.passages import Passage


@dataclass(frozen=True)
class ToolStart:
    name: str
    tool_use_id: str = ""


@dataclass(frozen=True)
class ToolInputDelta:
    """A fragment of the current tool call's input JSON; fragments concatenate to one object."""

    fragment: str


@dataclass(frozen=True)
class TextDelta:
    """Free text outside a tool call (never shown to visitors: tools are forced)."""

    text: str


@dataclass(frozen=True)
class Stop:
    reason: str  # end_turn, tool_use, max_tokens, malformed_tool_use, content_filtered, ...


@dataclass(frozen=True)
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0
    latency_ms: int = 0


ModelEvent = ToolStart | ToolInputDelta | TextDelta | Stop | Usage


@dataclass(frozen=True)
class ChatMessage:
    role: str  # "user" | "assistant"
    text: str


@dataclass(frozen=True)
class ModelRequest:
    """What one turn asks of a model.

    ``system``/``messages``/``tools`` are the rendered prompt that remote models receive;
    ``question`` and ``passages`` are the same content in structured form for offline models.
    """

    system: str
    messages: Sequence[ChatMessage]
    tools: Mapping[str, Mapping[str, Any]]  # name -> {"description": str, "schema": dict}
    question: str
    passages: Sequence[Passage] = ()
    max_tokens: int = 1024
    temperature: float = 0.0
    metadata: Mapping[str, str] = field(default_factory=dict)


class Model(Protocol):
    """A model that is made to call exactly one of the request's tools.

    ``stream`` returns an iterator of events. Closing the iterator (``close()``, as generators
    have) must stop the underlying request so nobody pays for tokens nobody will read. Errors are
    raised as ``ModelError`` subclasses, before or during iteration.
    """

    model_id: str

    def stream(self, request: ModelRequest) -> Iterator[ModelEvent]: ...
