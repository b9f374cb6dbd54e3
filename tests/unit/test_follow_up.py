"""Follow-ups keep their context: which questions lean on the turn before, and what is searched for then."""

from __future__ import annotations

from dataclasses import asdict

import pytest

from assistant_core.answering.answerer import Answerer, AnswererConfig, TurnRequest
from assistant_core.answering.follow_up import contextual_query, is_follow_up, may_need_context, picked_option
from assistant_core.answering.ports import HistoryTurn, SiteTexts, TurnRecord
from assistant_core.local.extractive_model import ExtractiveModel, decide
from assistant_core.retrieval.passages import Passage, number_passages
from tests.fakes.answering import FixedRetriever, ListPoster, Stores
from tests.fakes.clock import FakeClock

SIZES = HistoryTurn("What pack sizes do your teas come in?", "50 g, 100 g and 250 g.", "answer",
                    ("Pack sizes, samples and restocks",))
CLARIFY = HistoryTurn("how long does it take?", "Which of these is your question about?", "clarify", (),
                      ("Delivery times and carriers", "Refunds"))


@pytest.mark.parametrize("question", ["and how much does that cost?", "what about Australia?", "do they expire?",
                                      "how much is it?", "Australia?", "is PayNow one of them?"])
def test_short_questions_that_lean_back_are_follow_ups(question: str) -> None:
    assert may_need_context(question) and is_follow_up(question)


@pytest.mark.parametrize("question", ["thanks!", "How do I reset my password?", "ok",
                                      "Can I return a tea I opened but didn't like the taste of it at all?"])
def test_greetings_and_questions_that_stand_alone_are_not(question: str) -> None:
    assert not is_follow_up(question)


def test_a_follow_up_is_searched_with_the_previous_question_and_its_cited_docs() -> None:
    query = contextual_query("and how much does that cost?", [HistoryTurn("hi", "Hello!"), SIZES])
    assert query.startswith("What pack sizes do your teas come in? Pack sizes, samples and restocks")
    assert query.endswith("and how much does that cost?")


def test_a_question_that_stands_alone_is_searched_as_it_is() -> None:
    assert contextual_query("How do I reset my password?", [SIZES]) == "How do I reset my password?"
    assert contextual_query("how much is it?", []) == "how much is it?"


def test_picking_a_clarify_option_searches_for_that_doc() -> None:
    assert picked_option("Delivery times and carriers", CLARIFY) == "Delivery times and carriers"
    assert picked_option("delivery times and carriers please", CLARIFY) == "Delivery times and carriers"
    assert picked_option("something else", CLARIFY) is None
    assert picked_option("Refunds", SIZES) is None  # only a clarify has options
    assert contextual_query("delivery times and carriers please", [CLARIFY]) == "Delivery times and carriers"


def test_history_turns_carry_the_cited_titles_and_options_of_a_saved_record() -> None:
    record = TurnRecord("s1", 1, "t1", "c1", "q", "", "answer", "answer", "text", ["p2"],
                        [{"id": "p1", "title": "A"}, {"id": "p2", "title": "B"}], "", "", "m", "v", {}, "now",
                        tool_input={"options": ["X", 3]})
    turn = HistoryTurn.from_record(asdict(record))
    assert (turn.tool, turn.cited_titles, turn.options) == ("answer", ("B",), ("X",))
    assert HistoryTurn.from_record({}) == HistoryTurn("", "")


PRICES = Passage("The 50 g pouch costs SGD 12. The 100 g tin costs SGD 22. Tins are airtight.",
                 "Pack sizes, samples and restocks", "https://help.example/sizes", "products/sizes.md", 0.7, "s#0")
OTHER = Passage("Gift wrapping costs SGD 5.", "Gift wrapping", "https://help.example/wrap", "products/wrap.md", 0.3,
                "w#0")


def test_the_offline_model_answers_a_follow_up_in_context_but_asks_without_it() -> None:
    passages = number_passages([PRICES, OTHER])
    alone = decide("how much is it?", passages)
    assert alone.tool == "clarify"
    query = contextual_query("how much is it?", [SIZES])
    within = decide("how much is it?", passages, search_query=query)
    assert within.tool == "answer" and "SGD 12" in within.tool_input["text"]


def test_the_answerer_searches_a_follow_up_with_its_context_and_keeps_the_visitor_words() -> None:
    retriever = FixedRetriever([PRICES, OTHER])
    stores = Stores([SIZES])
    answerer = Answerer(model=ExtractiveModel(), retriever=retriever, history=stores, poster=ListPoster(),
                        transcripts=stores, gaps=stores, handoffs=stores, clock=FakeClock(step=0.001),
                        config=AnswererConfig(site=SiteTexts("Juniper & Pine")))
    out = answerer.run(TurnRequest("s1", "c1", "t2", 2, "and how much is it?"))
    assert retriever.queries[-1].startswith("What pack sizes do your teas come in?")
    assert out.record.question == "and how much is it?" and out.result.tool == "answer"


def test_decline_texts_name_the_site_and_what_it_covers() -> None:
    site = SiteTexts("Juniper & Pine", "orders, delivery and our teas")
    d = decide("Who won the football last night?", [], site=site)
    assert d.tool == "decline" and d.tool_input["message"] == (
        "Sorry, I can only help with questions about Juniper & Pine (orders, delivery and our teas).")
