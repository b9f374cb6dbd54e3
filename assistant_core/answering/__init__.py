"""Answering one visitor turn: retrieve, force exactly one tool call, gate it, stream frames, record.

``Answerer.run(TurnRequest)`` loads history while it retrieves, streams the model, passes the stream through
the ``CitationGate`` and posts frames through a ``FrameSender``; it returns a ``TurnOutcome``. ``SupportGuard``
and ``check_sentence`` judge whether the cited passages back a sentence. ``ports`` holds what the package
talks to: ``Model`` and its events (every model adapter in ``aws/``, ``remote/``, ``local/`` implements it), and
the stores and channels of a turn (``Poster``, ``History``, ``TranscriptStore``, ``GapLog``, ``HandoffQueue``,
``TurnObserver``) with their records; ``tool_schemas`` holds the four
tools and ``prompts`` the versioned system prompt. ``run_eval`` scores labelled questions (``assistant eval``).
"""

from assistant_core.answering.answerer import Answerer, AnswererConfig, TurnOutcome, TurnRequest
from assistant_core.answering.citation_gate import CitationGate, GateResult
from assistant_core.answering.evaluation import format_report, load_questions, run_eval
from assistant_core.answering.frame_sender import FrameSender
from assistant_core.answering.ports import (
    ChatMessage,
    GapLog,
    GapRecord,
    HandoffQueue,
    HandoffRequest,
    History,
    HistoryTurn,
    Model,
    ModelEvent,
    ModelRequest,
    Poster,
    Stop,
    TextDelta,
    ToolInputDelta,
    ToolStart,
    TranscriptStore,
    TurnObserver,
    TurnRecord,
    Usage,
)
from assistant_core.answering.prompts import PROMPT_VERSION, build_messages, build_system_prompt
from assistant_core.answering.support import SupportGuard, check_sentence
from assistant_core.answering.tool_schemas import (
    ANSWER,
    CLARIFY,
    DECLINE,
    HAND_OFF,
    MAX_ANSWER_CHARS,
    TOOL_NAMES,
    tool_specs,
)

__all__ = [
    "ANSWER",
    "CLARIFY",
    "DECLINE",
    "HAND_OFF",
    "MAX_ANSWER_CHARS",
    "PROMPT_VERSION",
    "TOOL_NAMES",
    "Answerer",
    "AnswererConfig",
    "ChatMessage",
    "CitationGate",
    "FrameSender",
    "GapLog",
    "GapRecord",
    "GateResult",
    "HandoffQueue",
    "HandoffRequest",
    "History",
    "HistoryTurn",
    "Model",
    "ModelEvent",
    "ModelRequest",
    "Poster",
    "Stop",
    "SupportGuard",
    "TextDelta",
    "ToolInputDelta",
    "ToolStart",
    "TranscriptStore",
    "TurnObserver",
    "TurnOutcome",
    "TurnRecord",
    "TurnRequest",
    "Usage",
    "build_messages",
    "build_system_prompt",
    "check_sentence",
    "format_report",
    "load_questions",
    "run_eval",
    "tool_specs",
]
