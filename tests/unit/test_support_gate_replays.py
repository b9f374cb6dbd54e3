"""The support gate end to end: recorded model answers over one returns doc, through the real answerer.

Each replay cites the only passage (p1); what differs is whether its words are backed by that passage.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from assistant_core.answering.answerer import Answerer, TurnOutcome, TurnRequest
from assistant_core.answering.support import checkable_tokens
from assistant_core.clock import SystemClock
from assistant_core.local.embedder_wordllama import WordLlamaEmbedder
from assistant_core.local.memory_stores import CollectingPoster, MemoryGaps, MemoryHandoffs, MemoryTranscripts
from assistant_core.local.replay_model import ReplayModel
from assistant_core.retrieval.index import LocalIndex

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
REPLAYS = FIXTURES / "replay" / "support"
DOCS = FIXTURES / "support-docs"


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> LocalIndex:
    return LocalIndex.load_or_build(DOCS, tmp_path_factory.mktemp("index"), embedder=WordLlamaEmbedder())


def ask(index: LocalIndex, replay: str) -> tuple[TurnOutcome, list[dict[str, Any]], MemoryGaps]:
    frames: list[dict[str, Any]] = []
    transcripts, gaps = MemoryTranscripts(), MemoryGaps()
    answerer = Answerer(model=ReplayModel(REPLAYS / f"{replay}.jsonl"), retriever=index, history=transcripts,
                        poster=CollectingPoster(on_frame=frames.append), transcripts=transcripts, gaps=gaps,
                        handoffs=MemoryHandoffs(), clock=SystemClock())
    out = answerer.run(TurnRequest("s1", "c1", "t1", 1, "Can I return something I bought?"))
    return out, frames, gaps


def shown(frames: list[dict[str, Any]]) -> str:
    return "".join(f["text"] for f in frames if f["type"] == "delta")


def replay_text(name: str) -> str:
    """The answer text a replay file carries (its input fragments joined, then parsed)."""
    import json

    raw = "".join(json.loads(line)["input"] for line in (REPLAYS / f"{name}.jsonl").read_text().splitlines()
                  if line.startswith('{"input"'))
    return str(json.loads(raw)["text"])


@pytest.mark.parametrize("replay", ["paraphrase", "currency_format", "translated"])
def test_supported_answers_are_shown_whole(index: LocalIndex, replay: str) -> None:
    out, frames, _ = ask(index, replay)
    assert out.result.tool == "answer" and not out.result.downgraded, out.result.downgrade_detail
    assert frames[-1]["type"] == "answer" and shown(frames) == frames[-1]["text"] == replay_text(replay)


@pytest.mark.parametrize(
    ("replay", "bad"),
    [
        ("days_365", "365"),
        ("invented_url", "https://shop.example/returns-portal"),
        ("invented_phone", "6999"),
        ("translated_wrong", "60"),
    ],
)
def test_unsupported_claims_never_reach_the_visitor(index: LocalIndex, replay: str, bad: str) -> None:
    out, frames, gaps = ask(index, replay)
    text = replay_text(replay)
    assert out.result.tool == "hand_off" and out.result.downgrade_reason == "unsupported_claim"
    assert frames[-1] == {"type": "handoff", "turn": "t1", "message": frames[-1]["message"],
                          "reason": "out_of_knowledge", "ask_contact": True}
    visible = shown(frames)
    assert bad not in visible
    # Not one byte of the offending sentence was shown: whatever streamed is a prefix of the sentences before it.
    offending = next(s for s in re.split(r"(?<=[.!?])\s+", text) if bad in s)
    assert text.startswith(visible) and len(visible) <= text.index(offending)
    if visible:
        assert "retract" in [f["type"] for f in frames]
    # The offending sentence is kept for staff and writers: in the transcript and in the gap log.
    assert bad in out.record.downgrade_detail
    assert [g.detail for g in gaps.gaps] == [out.record.downgrade_detail]


def test_no_unsupported_checkable_token_is_ever_shown(index: LocalIndex) -> None:
    """Across the whole replay suite: every checkable token a visitor saw occurs in the cited passage."""
    passage = (DOCS / "returns.md").read_text()
    for replay in sorted(p.stem for p in REPLAYS.glob("*.jsonl")):
        _, frames, _ = ask(index, replay)
        for claim in checkable_tokens(shown(frames)):
            from assistant_core.answering.support import claim_supported

            assert claim_supported(claim, passage), (replay, claim)
