"""One visitor turn: history ∥ retrieval → model stream → citation gate → frames → records.

Everything reaches the outside world through ports, so the same code runs in the Lambda, in the
local server, in ``assistant ask`` and in ``assistant eval``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

from assistant_core.answering.citation_gate import CitationGate, GateResult
from assistant_core.answering.follow_up import contextual_query, may_need_context
from assistant_core.answering.frame_sender import FrameSender
from assistant_core.answering.ports import (
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
    SiteTexts,
    TranscriptStore,
    TurnObserver,
    TurnRecord,
)
from assistant_core.answering.prompts import PROMPT_VERSION, build_messages, build_system_prompt
from assistant_core.answering.tool_schemas import ANSWER, HAND_OFF, tool_specs
from assistant_core.clock import week_iso
from assistant_core.errors import AssistantError, ConnectionGone, ModelError, RetrievalError
from assistant_core.ports import Clock
from assistant_core.retrieval.passages import Passage, number_passages
from assistant_core.retrieval.ports import Retriever

log = logging.getLogger(__name__)

LOW_CONFIDENCE = 0.30  # an answer whose best cited passage scores below this is logged as a gap
CANCEL_POLL_SECONDS = 0.25


@dataclass(frozen=True)
class TurnRequest:
    session_id: str
    connection_id: str
    turn_id: str  # "t3"
    turn_index: int  # 3
    question: str
    page_url: str = ""


@dataclass(frozen=True)
class AnswererConfig:
    site: SiteTexts = field(default_factory=SiteTexts)
    top_k: int = 5
    history_turns: int = 6
    max_tokens: int = 1024
    temperature: float = 0.0


@dataclass(frozen=True)
class TurnOutcome:
    result: GateResult
    passages: list[Passage]
    record: TurnRecord
    visitor_gone: bool
    cancelled: bool


class Answerer:
    def __init__(
        self,
        *,
        model: Model,
        retriever: Retriever,
        history: History,
        poster: Poster,
        transcripts: TranscriptStore,
        gaps: GapLog,
        handoffs: HandoffQueue,
        clock: Clock,
        config: AnswererConfig = AnswererConfig(),
        executor: ThreadPoolExecutor | None = None,
        observer: TurnObserver | None = None,
    ) -> None:
        self.model = model
        self.retriever = retriever
        self.history = history
        self.observer = observer  # metrics and audit; told after the turn is saved
        self.poster = poster
        self.transcripts = transcripts
        self.gaps = gaps
        self.handoffs = handoffs
        self.clock = clock
        self.config = config
        self._executor = executor or ThreadPoolExecutor(max_workers=2, thread_name_prefix="answerer")

    def run(self, req: TurnRequest, *, cancelled: Callable[[], bool] | None = None,
            reply_done: Callable[[], None] | None = None) -> TurnOutcome:
        """Answer one turn. ``reply_done`` runs once the visitor has the whole reply, before the
        records are written, so the connection can take the next question at once."""
        t0 = self.clock.monotonic()
        history_f: Future[list[HistoryTurn]] = self._executor.submit(
            self.history.recent_turns, req.session_id, self.config.history_turns
        )
        if may_need_context(req.question):
            # A short question may lean on the turn before ("and how much is it?"): search with that context.
            # Only these wait for the history first; a question that stands alone keeps both in parallel.
            history = self._history(history_f)
            query = contextual_query(req.question, history)
            passages, retrieval_error = self._retrieve(query)
        else:
            query = req.question
            passages, retrieval_error = self._retrieve(query)
            history = self._history(history_f)
        retrieve_ms = _ms(self.clock.monotonic() - t0)

        request = ModelRequest(
            system=build_system_prompt(self.config.site, passages),
            messages=build_messages(history, req.question),
            tools=tool_specs([p.id for p in passages]),
            question=req.question,
            passages=passages,
            search_query=query,
            site=self.config.site,
            max_tokens=self.config.max_tokens,
            temperature=self.config.temperature,
            metadata={"session_id": req.session_id, "turn_id": req.turn_id},
        )
        outbox = FrameSender(self.poster, req.connection_id)
        gate = CitationGate(turn_id=req.turn_id, passages=passages, emit=outbox.emit, clock=self.clock.monotonic)
        error, was_cancelled = self._consume(request, gate, cancelled)
        if was_cancelled:
            outbox.drop()  # the widget already stopped the turn; send nothing more
        if outbox.gone:
            error = "visitor_gone" if not was_cancelled else "stopped_by_visitor"
        try:
            result = gate.finish(error=error)
        except ConnectionGone:
            result = gate.finish(error="visitor_gone")  # frames are dropped from here on
        outbox.close()
        if reply_done is not None:
            _attempt("end the reply", lambda _: reply_done(), None)
        if retrieval_error and result.downgrade_reason == "":
            result.downgrade_detail = f"retrieval failed: {retrieval_error}"

        latencies = {
            "retrieve_ms": retrieve_ms,
            "first_token_ms": _ms(result.first_token_at - t0) if result.first_token_at else -1,
            "first_flush_ms": _ms(result.first_flush_at - t0) if result.first_flush_at else -1,
            "total_ms": _ms(self.clock.monotonic() - t0),
        }
        record = self._record(req, result, passages, latencies, outbox.gone)
        self._after_turn(req, result, passages, record, quiet=outbox.gone or was_cancelled)
        return TurnOutcome(result, passages, record, outbox.gone, was_cancelled)

    # -- steps ----------------------------------------------------------------------------
    def _retrieve(self, question: str) -> tuple[list[Passage], str]:
        try:
            return number_passages(self.retriever.retrieve(question, self.config.top_k)[: self.config.top_k]), ""
        except RetrievalError as e:
            # Without passages the model cannot call `answer`, so the visitor is still safe.
            log.warning("retrieval failed; continuing without passages", extra={"error": str(e)})
            return [], str(e) or type(e).__name__

    def _history(self, future: Future[list[HistoryTurn]]) -> list[HistoryTurn]:
        try:
            return future.result()
        except AssistantError as e:
            log.warning("could not load recent turns", extra={"error": str(e)})
            return []

    def _consume(
        self, request: ModelRequest, gate: CitationGate, cancelled: Callable[[], bool] | None
    ) -> tuple[str | None, bool]:
        """Feed the model stream to the gate; returns (error code or None, cancelled)."""
        stream: Iterator[ModelEvent] | None = None
        next_poll = self.clock.monotonic() + CANCEL_POLL_SECONDS
        try:
            stream = self.model.stream(request)
            for event in stream:
                gate.feed(event)
                if gate.done:
                    break
                if cancelled is not None and self.clock.monotonic() >= next_poll:
                    next_poll = self.clock.monotonic() + CANCEL_POLL_SECONDS
                    if cancelled():
                        return None, True
            return None, False
        except ConnectionGone:
            return "visitor_gone", False
        except ModelError as e:
            log.warning("model failed", extra={"code": e.code, "error": str(e)})
            return e.code, False
        finally:
            close = getattr(stream, "close", None)
            if close is not None:
                with suppress(Exception):
                    close()  # stops the HTTP stream: nobody pays for tokens nobody reads

    def _record(
        self,
        req: TurnRequest,
        result: GateResult,
        passages: list[Passage],
        latencies: Mapping[str, int],
        gone: bool,
    ) -> TurnRecord:
        return TurnRecord(
            session_id=req.session_id,
            turn_index=req.turn_index,
            turn_id=req.turn_id,
            connection_id=req.connection_id,
            question=req.question,
            page_url=req.page_url,
            tool=result.tool,
            model_tool=result.model_tool,
            text=result.text,
            citation_ids=result.citation_ids,
            retrieved=[_brief(p) for p in passages],
            downgrade_reason=result.downgrade_reason,
            downgrade_detail=result.downgrade_detail,
            model_id=getattr(self.model, "model_id", "unknown"),
            prompt_version=PROMPT_VERSION,
            latencies=dict(latencies),
            created_at=self.clock.now_iso(),
            tool_input=result.tool_input,
            visitor_gone=gone,
            usage=result.usage,
        )

    def _after_turn(
        self, req: TurnRequest, result: GateResult, passages: list[Passage], record: TurnRecord, *, quiet: bool
    ) -> None:
        # Each store is tried even if another fails: a lost transcript must not also lose the handoff.
        _attempt("save transcript", self.transcripts.save_turn, record)
        if not quiet:  # else the visitor left or pressed stop: nobody to hand off to, nothing to learn
            gap_reason = _gap_reason(result, passages)
            if gap_reason:
                _attempt("record gap", self.gaps.record, _gap(req, result, passages, record.created_at, gap_reason))
            if result.tool == HAND_OFF:
                _attempt("queue handoff", self.handoffs.request, _handoff(req, result, record.created_at))
        if self.observer is not None:
            try:
                self.observer.turn_finished(record)
            except Exception:  # telemetry is never worth failing a turn the visitor already saw
                log.exception("turn observer failed")


def _gap_reason(result: GateResult, passages: list[Passage]) -> str:
    if result.downgrade_reason == "model_error":
        return ""  # an outage says nothing about the docs; it is alarmed on, not reported to writers
    if result.downgraded:
        return f"downgrade:{result.downgrade_reason}"
    if result.tool == ANSWER:
        cited = [p.score for p in passages if p.id in result.citation_ids]
        return "low_confidence" if cited and max(cited) < LOW_CONFIDENCE else ""
    if result.tool == HAND_OFF:
        return "out_of_knowledge" if result.tool_input.get("reason") == "out_of_knowledge" else ""
    return str(result.tool_input.get("reason") or result.tool)


def _gap(req: TurnRequest, result: GateResult, passages: list[Passage], created_at: str, reason: str) -> GapRecord:
    return GapRecord(
        week_iso=week_iso(created_at),
        created_at=created_at,
        turn_id=req.turn_id,
        session_id=req.session_id,
        question=req.question,
        page_url=req.page_url,
        tool=result.tool,
        reason=reason,
        closest=[{"id": p.id, "title": p.title, "source": p.source, "score": round(p.score, 4)} for p in passages[:3]],
        detail=result.downgrade_detail,
    )


def _handoff(req: TurnRequest, result: GateResult, created_at: str) -> HandoffRequest:
    summary = str(result.tool_input.get("summary") or "")
    if result.downgraded:
        summary = f"The assistant could not answer safely ({result.downgrade_reason}). Visitor asked: {req.question}"
    return HandoffRequest(
        session_id=req.session_id,
        turn_id=req.turn_id,
        connection_id=req.connection_id,
        reason=str(result.tool_input.get("reason") or "out_of_knowledge"),
        summary=summary[:500],
        question=req.question,
        page_url=req.page_url,
        downgrade=result.downgrade_reason,
        created_at=created_at,
    )


def _brief(p: Passage) -> dict[str, Any]:
    return {"id": p.id, "chunk_id": p.chunk_id, "title": p.title, "source": p.source, "score": round(p.score, 4)}


def _attempt(what: str, fn: Callable[[Any], None], arg: Any) -> None:
    try:
        fn(arg)
    except AssistantError:
        log.exception("could not %s", what)


def _ms(seconds: float) -> int:
    return round(seconds * 1000)
