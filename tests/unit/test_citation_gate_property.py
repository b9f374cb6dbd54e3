"""Property: any chunking of the same tool-input JSON gives the same visible text and outcome."""

from __future__ import annotations

import itertools
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from assistant_core.answering.ports import Stop, ToolInputDelta, ToolStart
from tests.fakes.clock import FakeClock
from tests.fakes.gate import delta_text, run_gate

ids = st.sampled_from(["p1", "p2", "p3", "p4", "p5", "p6", "p9", "x"])
texts = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=0, max_size=300)
answer_inputs = st.fixed_dictionaries({"citation_ids": st.lists(ids, min_size=0, max_size=4), "text": texts})
clarify_inputs = st.fixed_dictionaries({"question": texts}, optional={"options": st.lists(texts, max_size=5)})


@st.composite
def payloads(draw: st.DrawFn) -> tuple[str, str]:
    tool = draw(st.sampled_from(["answer", "answer", "clarify"]))
    obj = draw(answer_inputs if tool == "answer" else clarify_inputs)
    if tool == "answer" and draw(st.booleans()):
        obj = dict(reversed(list(obj.items())))  # text before citation_ids
    raw = json.dumps(obj, ensure_ascii=draw(st.booleans()))
    if draw(st.integers(0, 9)) == 0:
        raw = raw[: draw(st.integers(0, len(raw)))]  # a stream cut short
    return tool, raw


def split(raw: str, cuts: list[int]) -> list[str]:
    points = sorted({c % (len(raw) + 1) for c in cuts} | {0, len(raw)})
    return [raw[a:b] for a, b in itertools.pairwise(points) if raw[a:b]]


def outcome(tool: str, fragments: list[str], step: float) -> tuple[str, str, list[str], str]:
    events = [ToolStart(tool, "t"), *(ToolInputDelta(f) for f in fragments), Stop("tool_use")]
    frames, result = run_gate(events, clock=FakeClock(step=step))
    final_types = [f["type"] for f in frames if f["type"] not in ("delta", "retract")]
    for f in frames:
        json.dumps(f, ensure_ascii=False).encode("utf-8")  # never a lone surrogate
    # What the visitor is left with: withdrawn text counts as never shown (how much was shown
    # before the retract depends on timing, which is allowed to differ).
    shown = delta_text(frames) if "retract" not in [f["type"] for f in frames] else ""
    return shown, result.tool, final_types, result.downgrade_reason


@settings(max_examples=300, deadline=None)
@given(payloads(), st.lists(st.integers(0, 10_000), max_size=40), st.sampled_from([0.0, 0.03, 0.2]))
def test_any_chunking_gives_the_same_text_and_outcome(payload: tuple[str, str], cuts: list[int], step: float) -> None:
    tool, raw = payload
    whole = outcome(tool, [raw] if raw else [], 0.0)
    assert outcome(tool, split(raw, cuts), step) == whole
    one_byte = outcome(tool, list(raw), step)
    assert one_byte[1:] == whole[1:]
    if whole[1] == "answer":
        assert one_byte[0] == whole[0] == json.loads(raw)["text"]
