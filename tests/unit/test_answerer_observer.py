"""The answerer tells its observer (metrics, audit) about every turn, after saving, and never fails for it."""

from __future__ import annotations

from assistant_core.answering.answerer import Answerer, AnswererConfig
from assistant_core.answering.ports import TurnRecord
from assistant_core.errors import ModelThrottled
from tests.fakes.answering import FixedRetriever, ListPoster, ScriptedModel, Stores
from tests.fakes.clock import FakeClock
from tests.fakes.gate import tool_events

from .test_answerer import DOCS, REQ


class Observer:
    def __init__(self, stores: Stores, fail: Exception | None = None) -> None:
        self.stores, self.fail = stores, fail
        self.seen: list[tuple[TurnRecord, int, int]] = []

    def turn_finished(self, record: TurnRecord) -> None:
        self.seen.append((record, len(self.stores.turns), len(self.stores.handoffs)))
        if self.fail:
            raise self.fail


def run(model: ScriptedModel, *, fail: Exception | None = None, gone_after: int | None = None):
    stores, poster = Stores(), ListPoster(gone_after=gone_after)
    observer = Observer(stores, fail)
    answerer = Answerer(
        model=model,
        retriever=FixedRetriever(DOCS),
        history=stores,
        poster=poster,
        transcripts=stores,
        gaps=stores,
        handoffs=stores,
        clock=FakeClock(step=0.001),
        config=AnswererConfig(),
        observer=observer,
    )
    return answerer.run(REQ), stores, poster, observer


def test_the_observer_sees_the_saved_record_after_the_handoff_is_queued() -> None:
    out, stores, _, observer = run(ScriptedModel(tool_events("answer", {"citation_ids": ["p7"], "text": "x"})))
    [(record, saved, handoffs)] = observer.seen
    assert record is out.record is stores.turns[0]
    assert (saved, handoffs) == (1, 1) and record.downgrade_reason == "invalid_citation"


def test_a_failing_observer_does_not_fail_the_turn() -> None:
    model = ScriptedModel([], fail_on_start=ModelThrottled("slow", code="ThrottlingException"))
    out, stores, poster, observer = run(model, fail=RuntimeError("stdout closed"))
    assert len(observer.seen) == 1 and out.record.downgrade_reason == "model_error"
    assert [f["type"] for f in poster.frames] == ["handoff"] and len(stores.handoffs) == 1


def test_turns_whose_visitor_left_are_observed_too() -> None:
    model = ScriptedModel(tool_events("answer", {"citation_ids": ["p1"], "text": "Within two working days."}))
    out, stores, _, observer = run(model, gone_after=0)
    assert out.visitor_gone and len(observer.seen) == 1 and stores.handoffs == []
