"""The citation gate: no answer text reaches a visitor before its citations check out.

The gate consumes the model's neutral events for one turn and emits server→visitor frames:
- an ``answer``'s text is held until ``citation_ids`` is complete and every id was retrieved this
  turn; then it is released as ``delta`` frames (every ~24 chars or ~80 ms) and closed by ``answer``;
- an invalid id, no tool call, two tool calls, an unknown tool, a bad stop reason or a stream that
  ends early downgrade the turn to ``hand_off`` — with ``retract`` first if any text was shown;
- after the stream ends the whole input is validated against the schema (late failures retract);
- **support**: every answer sentence must be backed by its cited passages (``support.py``): each
  checkable token (number, price, duration, date, URL, e-mail, phone, code) occurs in them and most of
  its content words do. Text streams a sentence at a time, each released once it is complete and
  verified, so not one byte of an unsupported sentence is shown (a figure can arrive at a sentence's
  end, after words that looked harmless). An unsupported sentence makes the turn a ``hand_off``
  (downgrade ``unsupported_claim``, the sentence kept in the detail), retracting earlier sentences.

It is pure: frames go to an ``emit`` callable, time comes from a ``clock`` callable.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import jiter

from assistant_core.answering.ports import ModelEvent, Stop, TextDelta, ToolInputDelta, ToolStart, Usage
from assistant_core.answering.support import SupportGuard, Unsupported, Verdict
from assistant_core.answering.tool_schemas import (
    ANSWER,
    CLARIFY,
    DECLINE,
    HAND_OFF,
    MAX_ANSWER_CHARS,
    MAX_CITATIONS,
    invalid_citations,
    validate_tool_input,
)
from assistant_core.conversation import frames
from assistant_core.conversation.frames import Frame
from assistant_core.retrieval.passages import Passage

FLUSH_CHARS = 24
FLUSH_SECONDS = 0.080
MAX_FRAME_BYTES = 32 * 1024
# A JSON-escaped code point takes at most 6 bytes (\u001f); chunking by this many chars can never
# produce a delta frame over the limit, and Python strings never split a UTF-8 sequence.
_FRAME_OVERHEAD = 128
MAX_DELTA_CHARS = (MAX_FRAME_BYTES - _FRAME_OVERHEAD) // 6

# Stop reasons after which the tool input cannot be trusted.
BAD_STOPS = frozenset(
    {
        "max_tokens",
        "malformed_tool_use",
        "malformed_model_output",
        "content_filtered",
        "guardrail_intervened",
        "model_context_window_exceeded",
    }
)
GOOD_STOPS = frozenset({"tool_use", "end_turn", "stop_sequence"})
# Ends where nobody is listening any more; recorded as such rather than as model errors.
QUIET_ENDS = frozenset({"visitor_gone", "stopped_by_visitor"})


@dataclass
class GateResult:
    """What happened in one turn, for the transcript, the gap log and the handoff queue."""

    tool: str  # what the visitor got: answer | clarify | hand_off | decline
    model_tool: str  # the tool the model called ("" when none)
    tool_input: dict[str, Any]
    text: str  # visitor-facing text (answer text, question, or message)
    citation_ids: list[str]
    downgrade_reason: str = ""
    downgrade_detail: str = ""
    released_chars: int = 0
    retracted: bool = False
    stop_reason: str = ""
    usage: dict[str, int] = field(default_factory=dict)
    first_token_at: float | None = None
    first_flush_at: float | None = None

    @property
    def downgraded(self) -> bool:
        return bool(self.downgrade_reason)


class _Downgrade(Exception):
    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


class CitationGate:
    def __init__(
        self,
        *,
        turn_id: str,
        passages: Sequence[Passage],
        emit: Callable[[Frame], None],
        clock: Callable[[], float],
        flush_chars: int = FLUSH_CHARS,
        flush_seconds: float = FLUSH_SECONDS,
    ) -> None:
        self._turn = turn_id
        self._passages = {p.id: p for p in passages}
        self._ids = [p.id for p in passages]
        self._allowed_tools = {CLARIFY, HAND_OFF, DECLINE} | ({ANSWER} if passages else set())
        self._emit = emit
        self._clock = clock
        self._flush_chars = flush_chars
        self._flush_seconds = flush_seconds
        self._tools: list[str] = []
        self._fragments: list[str] = []
        self._citations_ok = False
        self._guard: SupportGuard | None = None  # built once the cited passages are known
        self._shown = ""  # answer text already posted to the visitor
        self._last_flush = clock()
        self._stop: str | None = None
        self._usage: dict[str, int] = {}
        self._early: _Downgrade | None = None
        self._first_token_at: float | None = None
        self._first_flush_at: float | None = None

    @property
    def done(self) -> bool:
        """True once the outcome is decided and further events cannot change it (stop reading)."""
        return self._early is not None

    # -- consuming the stream -------------------------------------------------------------
    def feed(self, event: ModelEvent) -> None:
        if self._early is not None:
            return
        try:
            self._feed(event)
        except _Downgrade as d:
            self._early = d

    def _feed(self, event: ModelEvent) -> None:
        if isinstance(event, ToolStart):
            if self._first_token_at is None:
                self._first_token_at = self._clock()
            self._tools.append(event.name)
            if len(self._tools) > 1:
                raise _Downgrade("multiple_tool_calls", ",".join(self._tools))
            if event.name not in self._allowed_tools:
                raise _Downgrade("unknown_tool", event.name)
        elif isinstance(event, ToolInputDelta):
            if not self._tools:
                raise _Downgrade("no_tool_call", "tool input without a tool call")
            if self._first_token_at is None:
                self._first_token_at = self._clock()
            self._fragments.append(event.fragment)
            if self._tools[0] == ANSWER:
                self._advance_answer()
        elif isinstance(event, Stop):
            self._stop = event.reason
            if event.reason in BAD_STOPS:
                raise _Downgrade(event.reason)
        elif isinstance(event, Usage):
            self._usage = {
                "input_tokens": event.input_tokens,
                "output_tokens": event.output_tokens,
                "latency_ms": event.latency_ms,
            }
        elif isinstance(event, TextDelta) and self._first_token_at is None:
            self._first_token_at = self._clock()
        # Free text outside a tool call is never shown: tools are forced.

    def _advance_answer(self) -> None:
        buf = "".join(self._fragments).encode("utf-8", "surrogatepass")
        try:
            partial = jiter.from_json(buf, partial_mode="trailing-strings")
        except ValueError:
            return  # not decidable yet; the final parse judges the whole input
        if not isinstance(partial, dict):
            raise _Downgrade("malformed_tool_input", "tool input is not an object")
        if not self._citations_ok:
            if not self._citations_complete(partial, buf):
                return
            bad = invalid_citations(partial.get("citation_ids"), self._ids)
            cited = partial.get("citation_ids")
            if bad or not (1 <= len(cited) <= MAX_CITATIONS) or len(set(cited)) != len(cited):
                raise _Downgrade("invalid_citation", ",".join(bad) or repr(cited))
            self._citations_ok = True
            self._guard = self._support_guard(cited)
        text = partial.get("text")
        if not isinstance(text, str):
            return
        if len(text) > MAX_ANSWER_CHARS:
            raise _Downgrade("schema_violation", f"text longer than {MAX_ANSWER_CHARS} chars")
        text = _safe_prefix(text)
        if self._guard is None:  # set together with _citations_ok; kept explicit for the type checker
            return
        try:
            if _text_closed(partial, buf):  # a later key began: the text is whole, its last sentence too
                failed = self._guard.finish(text)
                if failed is not None:
                    raise _unsupported(failed)
                releasable = len(text)
            else:
                releasable = self._guard.releasable(text)
        except Unsupported as u:
            raise _unsupported(u.verdict) from None
        self._maybe_flush(text[:releasable])

    def _support_guard(self, cited: Sequence[str]) -> SupportGuard:
        return SupportGuard([_support_text(self._passages[c]) for c in cited], hold_sentences=True)

    @staticmethod
    def _citations_complete(partial: dict[str, Any], buf: bytes) -> bool:
        keys = list(partial)
        if "citation_ids" not in keys:
            return False
        if keys.index("citation_ids") < len(keys) - 1:
            return True  # a later key has started, so the array is closed
        if not buf.rstrip().endswith(b"}"):
            return False
        try:
            jiter.from_json(buf)
        except ValueError:
            return False
        return True

    def _maybe_flush(self, text: str, *, force: bool = False) -> None:
        pending = len(text) - len(self._shown)
        if pending <= 0:
            return
        now = self._clock()
        if force or pending >= self._flush_chars or now - self._last_flush >= self._flush_seconds:
            self._post_text(text[len(self._shown) :])
            self._shown = text
            self._last_flush = now

    def _post_text(self, text: str) -> None:
        for start in range(0, len(text), MAX_DELTA_CHARS):
            self._emit(frames.delta(self._turn, text[start : start + MAX_DELTA_CHARS]))
            if self._first_flush_at is None:
                self._first_flush_at = self._clock()

    # -- ending the turn ------------------------------------------------------------------
    def finish(self, *, error: str | None = None) -> GateResult:
        """Decide the outcome after the stream ended (or failed with ``error``) and emit the rest."""
        name = self._tools[0] if self._tools else ""
        try:
            if self._early is not None:
                raise self._early
            if error:
                raise _Downgrade(error if error in QUIET_ENDS else "model_error", error)
            tool_input = self._final_input(name)
        except _Downgrade as d:
            return self._downgrade(name, d)
        return self._complete(name, tool_input)

    def _final_input(self, name: str) -> dict[str, Any]:
        if not name:
            raise _Downgrade("no_tool_call")
        if self._stop is None:
            raise _Downgrade("stream_ended_early", "no stop event")
        if self._stop not in GOOD_STOPS:
            raise _Downgrade("bad_stop_reason", self._stop)
        raw = "".join(self._fragments).encode("utf-8", "surrogatepass")
        try:
            tool_input = jiter.from_json(raw or b"{}", catch_duplicate_keys=True)
        except ValueError as e:
            raise _Downgrade("malformed_tool_input", str(e)[:200]) from None
        problems = validate_tool_input(name, tool_input, self._ids)
        if problems:
            reason = "invalid_citation" if any("citation_ids" in p for p in problems) else "schema_violation"
            raise _Downgrade(reason, "; ".join(problems)[:500])
        return tool_input

    def _complete(self, name: str, tool_input: dict[str, Any]) -> GateResult:
        turn = self._turn
        if name == ANSWER:
            text = tool_input["text"]
            if not text.startswith(self._shown):
                # Cannot happen with a well-behaved parser; never leave a visitor with wrong text.
                return self._downgrade(name, _Downgrade("schema_violation", "streamed text diverged"))
            guard = self._guard or self._support_guard(tool_input["citation_ids"])
            try:
                failed = guard.finish(text)
            except Unsupported as u:
                failed = u.verdict
            if failed is not None:
                return self._downgrade(name, _unsupported(failed))
            self._maybe_flush(text, force=True)
            cited = [self._passages[c] for c in tool_input["citation_ids"]]
            self._emit(frames.answer(turn, text, cited))
            return self._result(name, tool_input, text, list(tool_input["citation_ids"]))
        if name == CLARIFY:
            text = tool_input["question"]
            self._emit(frames.clarify(turn, text, tool_input.get("options", [])))
        elif name == DECLINE:
            text = tool_input["message"]
            self._emit(frames.decline(turn, text))
        else:
            text = frames.HANDOFF_MESSAGE
            self._emit(frames.handoff(turn, tool_input["reason"]))
        return self._result(name, tool_input, text, [])

    def _downgrade(self, name: str, d: _Downgrade) -> GateResult:
        retracted = bool(self._shown)
        if retracted:
            self._emit(frames.retract(self._turn))
        # A model outage is not a gap in the knowledge: staff should not read it as one.
        reason = "other" if d.reason == "model_error" else "out_of_knowledge"
        self._emit(frames.handoff(self._turn, reason))
        result = self._result(HAND_OFF, {"reason": reason}, frames.HANDOFF_MESSAGE, [])
        result.model_tool = name
        result.downgrade_reason = d.reason
        result.downgrade_detail = d.detail
        result.retracted = retracted
        return result

    def _result(self, tool: str, tool_input: Mapping[str, Any], text: str, cited: list[str]) -> GateResult:
        return GateResult(
            tool=tool,
            model_tool=self._tools[0] if self._tools else "",
            tool_input=dict(tool_input),
            text=text,
            citation_ids=cited,
            released_chars=len(self._shown),
            stop_reason=self._stop or "",
            usage=dict(self._usage),
            first_token_at=self._first_token_at,
            first_flush_at=self._first_flush_at,
        )


def _text_closed(partial: dict[str, Any], buf: bytes) -> bool:
    keys = list(partial)
    if keys.index("text") < len(keys) - 1:
        return True
    if not buf.rstrip().endswith(b"}"):
        return False
    try:  # a "}" inside the unfinished string is not the end of the object
        jiter.from_json(buf)
    except ValueError:
        return False
    return True


def _support_text(p: Passage) -> str:
    # An answer may name the doc it cites ("see Returns and refunds"), so the title counts as support too.
    return f"{p.title}\n{p.text}"


def _unsupported(verdict: Verdict) -> _Downgrade:
    return _Downgrade("unsupported_claim", f"{verdict.reason}: {verdict.sentence}"[:500])


def _safe_prefix(text: str) -> str:
    """Drop a trailing lone surrogate: it cannot be sent as UTF-8 and its pair may follow."""
    if text and "\ud800" <= text[-1] <= "\udfff":
        return text[:-1]
    return text
