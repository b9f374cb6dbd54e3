"""The answering capability's ports: the model it streams, and the stores and channels a turn touches.

The model port is a neutral event stream every model adapter maps its wire format onto: Bedrock
ConverseStream, OpenAI-compatible streaming, the offline extractive model and replay files all become
the same few events, so the citation gate runs one code path for all of them. The other ports are what
one turn reads and writes around the model: the visitor's connection (``Poster``), the session's
history, the transcript and gap tables, the hand-off queue, and the observers told about each turn.
Adapters live in ``aws/``, ``remote/`` and ``local/``; the retriever port is ``retrieval/ports.py``'s.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from assistant_core.retrieval.passages import Passage

# -- the model: one forced tool call, streamed as neutral events ------------------------------------


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
class SiteTexts:
    """How the assistant names the site and what its help centre covers, for replies that are not answers."""

    name: str = "our help centre"
    topics: str = ""  # e.g. "orders, delivery, returns and our teas"; "" when the owner did not say

    def scope(self) -> str:
        return f"{self.name} ({self.topics})" if self.topics else self.name


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
    # What retrieval searched for: the question, or for a follow-up ("and how much is it?") the question
    # with the previous turn's question and cited docs as context. Offline models decide from it too.
    search_query: str = ""
    site: SiteTexts = field(default_factory=SiteTexts)
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


# -- around the model: what one turn reads and writes --------------------------------------------


class Poster(Protocol):
    """Sends one server→visitor frame (conversation/frames.py). Raises ``ConnectionGone`` when the visitor left."""

    def post(self, connection_id: str, frame: Mapping[str, Any]) -> None: ...


@dataclass(frozen=True)
class HistoryTurn:
    question: str
    reply: str  # what the visitor was shown (answer text, question, message)
    tool: str = ""  # the tool of that reply
    cited_titles: tuple[str, ...] = ()  # the docs an answer cited: what a follow-up is likely about
    options: tuple[str, ...] = ()  # a clarify's options: the visitor may answer with one of them

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> HistoryTurn:
        """From a saved ``TurnRecord`` (as a dict, or a tbl-transcripts item with the same attributes)."""
        titles = {str(r.get("id")): str(r.get("title", "")) for r in record.get("retrieved") or ()
                  if isinstance(r, Mapping)}
        cited = tuple(dict.fromkeys(t for c in record.get("citation_ids") or () if (t := titles.get(str(c)))))
        tool_input = record.get("tool_input") or {}
        options = tool_input.get("options") if isinstance(tool_input, Mapping) else None
        return cls(str(record.get("question", "")), str(record.get("text", "")), str(record.get("tool", "")),
                   cited, tuple(str(o) for o in options or () if isinstance(o, str)))


class History(Protocol):
    def recent_turns(self, session_id: str, limit: int) -> list[HistoryTurn]: ...


@dataclass(frozen=True)
class TurnRecord:
    """One row of tbl-transcripts (infra/data.py)."""

    session_id: str
    turn_index: int
    turn_id: str
    connection_id: str
    question: str
    page_url: str
    tool: str  # the tool the visitor's reply came from (after any downgrade)
    model_tool: str  # what the model called ("" if none)
    text: str  # visitor-facing text of the reply
    citation_ids: Sequence[str]
    retrieved: Sequence[Mapping[str, Any]]  # [{"id","chunk_id","title","score"}]
    downgrade_reason: str
    downgrade_detail: str
    model_id: str
    prompt_version: str
    latencies: Mapping[str, int]  # retrieve_ms, first_token_ms, first_flush_ms, total_ms
    created_at: str  # ISO-8601 UTC
    tool_input: Mapping[str, Any] = field(default_factory=dict)
    visitor_gone: bool = False
    usage: Mapping[str, int] = field(default_factory=dict)


class TranscriptStore(Protocol):
    def save_turn(self, record: TurnRecord) -> None: ...


@dataclass(frozen=True)
class GapRecord:
    """One row of tbl-gaps: a question the knowledge did not answer well."""

    week_iso: str
    created_at: str
    turn_id: str
    session_id: str
    question: str
    page_url: str
    tool: str
    reason: str
    closest: Sequence[Mapping[str, Any]]  # [{"id","title","source","score"}]
    detail: str = ""  # why an answer was withheld, e.g. the unsupported sentence


class GapLog(Protocol):
    def record(self, gap: GapRecord) -> None: ...


@dataclass(frozen=True)
class HandoffRequest:
    session_id: str
    turn_id: str
    connection_id: str
    reason: str
    summary: str
    question: str
    page_url: str
    downgrade: str = ""
    created_at: str = ""


class HandoffQueue(Protocol):
    def request(self, handoff: HandoffRequest) -> None: ...


class TurnObserver(Protocol):
    """Told about every finished turn after it is saved (metrics, audit). Must not slow the turn much."""

    def turn_finished(self, record: TurnRecord) -> None: ...
