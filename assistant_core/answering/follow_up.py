"""Follow-ups keep their context: what retrieval searches for when a question leans on the turn before it.

"and how much is it?" after an answer about pack sizes says nothing a search can use on its own; with the
previous question and the titles of the docs that answer cited, it finds the price list. A visitor who
answers a clarify by picking one of its options ("Delivery times and carriers") means that doc. Every
retriever and every model gets the same contextual query, so this works the same for Bedrock, an
OpenAI-compatible model and the offline ones.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant_core.answering.ports import HistoryTurn
from assistant_core.retrieval.text_analysis import terms, words

# Questions with at most this many content terms may lean on the turn before; longer ones stand alone.
# The answerer loads the history before retrieving only for these, so most turns keep both in parallel.
MAY_FOLLOW_UP_TERMS = 6
# A follow-up proper: this short, and either led by a connective (with words after it: a bare "ok" is not)
# or pointing back with a pronoun.
FOLLOW_UP_TERMS = 4
_LEADS = re.compile(r"^\s*(and|but|also|so|then|ok(ay)?( and| so)?|what about|how about|and what about|what if|"
                    r"same for|is that|does that|do they|does it|is it|are they|can i|will it)\b\W*\w", re.I)
_POINTS_BACK = frozenset("it its it's that this they them their these those one ones there then".split())
_OPTION_MATCH = 0.8  # share of an option's words the reply must contain to count as picking it


def may_need_context(question: str) -> bool:
    """Cheap test on the question alone: could it be a follow-up? (Only then is history awaited first.)"""
    return len(terms(question)) <= MAY_FOLLOW_UP_TERMS


def contextual_query(question: str, history: Sequence[HistoryTurn]) -> str:
    """The text to search for: the question itself, or the question with the context it leans on."""
    previous = next((t for t in reversed(history) if t.question.strip()), None)
    if previous is None:
        return question
    option = picked_option(question, previous)
    if option is not None:
        # The option is a doc's title: searched alone it leads to that doc. The vague question that needed
        # the clarify would only pull its competitors back in.
        return option
    if is_follow_up(question):
        context = " ".join([previous.question, *previous.cited_titles])
        return f"{context}\n{question}"
    return question


def is_follow_up(question: str) -> bool:
    content = terms(question)
    if len(content) > FOLLOW_UP_TERMS:
        return False
    leans_back = bool(_LEADS.search(question)) or bool(_POINTS_BACK & set(words(question)))
    if not content:
        return leans_back  # "how much is it?" leans on the turn before; "thanks!" asks nothing
    return leans_back or len(content) <= 1


def picked_option(question: str, previous: HistoryTurn) -> str | None:
    """The option of the previous clarify that this reply picks, if it picks one."""
    if previous.tool != "clarify" or not previous.options:
        return None
    said = set(words(question))
    for option in previous.options:
        wanted = words(option)
        if wanted and len(said & set(wanted)) >= _OPTION_MATCH * len(set(wanted)):
            return option
    return None
