"""The offline model's choice of tool: defined for awkward questions and for each shape of evidence."""

from __future__ import annotations

import pytest

from assistant_core.local.extractive_model import FITTED, decide
from assistant_core.retrieval.passages import Passage, number_passages


def evidence(*scores: float) -> list[Passage]:
    """Passages from different docs with these fused scores, best first."""
    return number_passages(
        Passage(text=f"Doc {i} says something useful about topic {i}.", title=f"Topic {i} › Section",
                url=f"https://help.example/{i}", source=f"doc-{i}.md", score=s)
        for i, s in enumerate(scores, start=1)
    )


@pytest.mark.parametrize(
    ("question", "tool"),
    [
        ("hi", "clarify"),  # nothing to look up yet
        ("?", "clarify"),
        ("https://help.example/returns", "clarify"),  # a pasted link: ask what they need about it
        ("JP-20431", "hand_off"),  # an order number alone: staff can look it up
        ("order #58213", "hand_off"),
        ("I want to speak to a real person", "hand_off"),
        ("my laptop started smoking while printing", "hand_off"),
    ],
)
def test_awkward_questions_have_a_defined_tool(question: str, tool: str) -> None:
    assert decide(question, evidence(0.9, 0.2)).tool == tool


def test_a_clear_leader_is_answered_from_it_alone() -> None:
    d = decide("how do refunds work", evidence(0.6, 0.6 - FITTED.sole_margin - 0.01, 0.2))
    assert d.tool == "answer" and d.tool_input["citation_ids"] == ["p1"]


def test_two_docs_leading_together_are_both_cited() -> None:
    d = decide("how do refunds work", evidence(0.62, 0.6, 0.6 - FITTED.pair_gap - 0.01))
    assert d.tool == "answer" and d.tool_input["citation_ids"] == ["p1", "p2"]


def test_competing_docs_are_offered_as_options() -> None:
    d = decide("refunds", evidence(0.6, 0.59, 0.58, 0.2))
    assert d.tool == "clarify" and d.tool_input["options"] == ["Topic 1", "Topic 2", "Topic 3"]


def test_weak_evidence_declines_and_says_why() -> None:
    assert decide("how do refunds work", evidence(FITTED.decline_below - 0.01)).tool_input["reason"] == (
        "not_in_knowledge")
    assert decide("weather in paris tomorrow", evidence(FITTED.off_topic_below - 0.01)).tool_input["reason"] == (
        "off_topic")
    assert decide("weather in paris tomorrow", []).tool == "decline"


def test_a_one_word_question_is_answered_or_clarified_never_guessed() -> None:
    assert decide("refunds", evidence(0.7, 0.3)).tool == "answer"
    assert decide("refunds", evidence(0.7, 0.69, 0.68)).tool == "clarify"
