"""The offline answer model (``--model extractive``): an honest stand-in that needs no network and no weights.

It chooses the tool the way a careful person would from the question and the retrieval scores,
answers with the most relevant sentences of the best passage(s), cites them, and emits its tool
input as JSON fragments of varied sizes, exactly like a streaming model, so the gate runs the same path.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from assistant_core.answering.ports import (
    ModelEvent,
    ModelRequest,
    SiteTexts,
    Stop,
    ToolInputDelta,
    ToolStart,
    Usage,
)
from assistant_core.answering.tool_schemas import ANSWER, CLARIFY, DECLINE, HAND_OFF, MAX_ANSWER_CHARS
from assistant_core.retrieval.passages import Passage
from assistant_core.retrieval.text_analysis import sentences, terms

_HUMAN = re.compile(
    r"\b(real|live|actual)\s+(person|human|agent|people)\b|\b(talk|speak|chat)\s+(to|with)\s+(a|an|some|your)?\s*"
    r"(one|body|person|human|agent|staff|team|manager|representative|rep|someone|somebody)\b|\bhuman\b"
    r"|\b(call|ring|phone) me\b|\bcustomer (service|support) (agent|rep)|\bescalate\b|\bsomeone from\b"
    r"|\bput me through\b|\bnot? (want|talk to) a bot\b|\bnot a bot\b|\bcan someone (look|check|call)\b"
    r"|\blook into (my|it|this)\b|\bcall me back\b|\bremote (into|in to|access)\b",
    re.I,
)
_ACCOUNT = re.compile(
    r"#\s?[A-Z]{0,4}-?\d{3,}|\border\s*(no\.?|number|#)|\border \d{4,}\b|\b[A-Z]{1,4}-\d{4,}\b"
    r"|\bmy (order|parcel|package|account|card|payment|refund|subscription|box|delivery)\b.*\b("
    r"where|hasn'?t|has not|didn'?t|not (arrived|received|come|working)|never arrived|missing|stuck|"
    r"twice|double|hacked)\b|\blocked out\b"
    r"|\b(charged|billed) (me )?(twice|double|two times)\b|\bcharged twice\b|\bwhere is my\b"
    r"|\bwhy (was|were|did|is) (i|my)\b|^(please )?(refund|cancel) my\b"
    r"|\b(please|can you|could you) (refund|cancel)\b|\b(delete|erase) (all )?(the )?(personal )?data\b"
    r"|\bgdpr\b|\b(tax )?receipt for\b|\bsend (me )?(a |my )?(receipt|invoice)\b",
    re.I,
)
_COMPLAINT = re.compile(
    r"\b(furious|angry|unacceptable|disgusted|outraged|ridiculous|terrible service|worst|"
    r"(make|file|lodge|raise) an? (formal )?complaint|soaked|ruined|"
    r"fed up|sick of|scam|rip-?off|lawyer|sue you|disappointed|appalling|useless|rude|nobody has|"
    r"i want answers|escalate)\b",
    re.I,
)
_UNSAFE = re.compile(
    r"\b(emergency|ambulance|allergic reaction|anaphyla\w*|can'?t breathe|poison\w*|overdose|chest pain|"
    r"suicid\w*|kill myself|self-harm|seizure|unconscious|burn(ed|t) (myself|my)|hospital|swelling|"
    r"struggling to breathe|trouble breathing|(started|is|was|keeps) smoking|smoke (is )?coming|burning smell|"
    r"smells? (like )?burn\w*|on fire|"
    r"electric shock|logged into my bank|bank account (was |got )?(hacked|emptied))\b",
    re.I,
)
_ABUSE = re.compile(r"\b(fuck\w*|shit\w*|bitch\w*|asshole|cunt|idiot bot|stupid bot|retard\w*)\b", re.I)

VAGUE_TERMS = 2  # questions with this few content terms and a pronoun ("can I change it?") need a subject
_PRONOUN = re.compile(r"\b(it|this|that|they|them|these|those)\b", re.I)
_URL_ONLY = re.compile(r"^(https?://|www\.)\S+$", re.I)  # a pasted link, with no question about it


@dataclass(frozen=True)
class Thresholds:
    """When the evidence is strong and unambiguous enough to answer, on the hybrid index's fused score.

    Fitted on examples/office-help and reported on examples/help-center by ``bench/fit_decisions.py``. The
    margin between the best and the second doc is the strongest single signal that the best doc is the
    right one (AUC 0.83 on the tuning set, against 0.75 for the best score alone).
    """

    decline_below: float = 0.32  # best doc weaker than this: nothing relevant, decline
    off_topic_below: float = 0.12  # ... and this weak: not about the site at all
    sole_margin: float = 0.12  # best doc ahead of the next by this much: answer from it alone
    pair_min: float = 0.4  # two docs both this strong, well ahead of the third: answer from both
    pair_gap: float = 0.08
    clarify_ratio: float = 0.85  # docs within this share of the best compete: ask which one is meant


FITTED = Thresholds()
DEFAULT_SITE = SiteTexts()


@dataclass(frozen=True)
class Decision:
    tool: str
    tool_input: dict[str, Any]


class ExtractiveModel:
    model_id = "extractive-v1"

    def __init__(self, *, pace_seconds: float = 0.0, seed: int = 7, thresholds: Thresholds = FITTED) -> None:
        self._pace = pace_seconds
        self._seed = seed
        self._thresholds = thresholds

    def stream(self, request: ModelRequest) -> Iterator[ModelEvent]:
        decision = decide(request.question, list(request.passages), self._thresholds,
                          search_query=request.search_query, site=request.site)
        payload = json.dumps(decision.tool_input, ensure_ascii=False)
        rng = random.Random(int(hashlib.sha1(f"{self._seed}:{request.question}".encode()).hexdigest()[:8], 16))
        yield ToolStart(decision.tool, f"tooluse_{rng.getrandbits(40):010x}")
        i = 0
        while i < len(payload):
            size = rng.choice((1, 2, 3, 4, 5, 6, 8, 12))
            if self._pace:
                time.sleep(self._pace)
            yield ToolInputDelta(payload[i : i + size])
            i += size
        yield Stop("tool_use")
        yield Usage(
            input_tokens=(len(request.system) + sum(len(m.text) for m in request.messages)) // 4,
            output_tokens=len(payload) // 4,
        )


def decide(question: str, passages: Sequence[Passage], thresholds: Thresholds = FITTED, *, search_query: str = "",
           site: SiteTexts = DEFAULT_SITE) -> Decision:
    """Pick the tool from the question's wording (people, complaints, safety) and the retrieval evidence.

    ``search_query`` is what retrieval searched for: for a follow-up it carries the previous turn's context,
    and the question is judged vague or not, and its answer sentences chosen, with that context.
    """
    q = question.strip()
    if _UNSAFE.search(q):
        return _hand_off("unsafe", f"Visitor may be unsafe and needs a person now: {q}")
    if _ABUSE.search(q):
        return _decline("abuse", f"I'm here to help with questions about {site.scope()}.")
    if _HUMAN.search(q):
        return _hand_off("visitor_request", f"Visitor asked to talk to a person: {q}")
    if _COMPLAINT.search(q):
        return _hand_off("complaint", f"Visitor is unhappy and complaining: {q}")
    if _ACCOUNT.search(q):
        return _hand_off("account_specific", f"Visitor needs their own order or account looked at: {q}")

    t = thresholds
    q_terms = list(dict.fromkeys(terms(q)))
    in_context = bool(search_query.strip()) and search_query.strip() != q
    if _URL_ONLY.match(q):
        return Decision(CLARIFY, {"question": "What would you like to know about that page?"})
    if not q_terms and q.isascii() and not in_context:  # "hi", "?", "ok thanks": nothing to look up yet
        return Decision(CLARIFY, {"question": "What can I help you with?"})
    if q_terms and len(q_terms) <= VAGUE_TERMS and _PRONOUN.search(q) and not in_context:
        return _clarify(passages)
    best = passages[0].score if passages else 0.0
    not_found = _decline("not_in_knowledge", f"Sorry, I couldn't find that in {site.name}.")
    if best < t.decline_below:
        if best < t.off_topic_below:
            return _decline("off_topic", f"Sorry, I can only help with questions about {site.scope()}.")
        return not_found
    # The answer's sentences are chosen by the question's own words first, then by its context's.
    wanted = (q_terms, [w for w in dict.fromkeys(terms(search_query)) if w not in q_terms] if in_context else [])
    scores = [p.score for p in passages[:3]] + [0.0, 0.0]
    if best - scores[1] >= t.sole_margin:
        return _answer(wanted, passages[:1])
    if scores[1] >= t.pair_min and scores[1] - scores[2] >= t.pair_gap:
        return _answer(wanted, passages[:2])
    competing = [p for p in passages[:4] if p.score >= t.clarify_ratio * best]
    if len(competing) >= 2:
        return _clarify(competing)
    return not_found


def _decline(reason: str, message: str) -> Decision:
    return Decision(DECLINE, {"reason": reason, "message": message})


def _answer(wanted: tuple[list[str], list[str]], chosen: Sequence[Passage]) -> Decision:
    """The question's most relevant sentences: up to three from the best passage, one from a second."""
    own, context = set(wanted[0]), set(wanted[1])
    picked: list[str] = []
    for n, p in enumerate(chosen):
        picked += _rank_sentences(p.text, own, context)[: 3 if n == 0 else 1]
    text = _join(picked) or chosen[0].text[:600]
    return Decision(ANSWER, {"citation_ids": [p.id for p in chosen], "text": text[:MAX_ANSWER_CHARS]})


def _rank_sentences(text: str, wanted: set[str], context: frozenset[str] | set[str] = frozenset()) -> list[str]:
    sents = [s for s in sentences(text) if len(s) > 2]
    scored = []
    for i, s in enumerate(sents):
        words_of = set(terms(s))
        scored.append((len(wanted & words_of), len(context & words_of), -i, s))
    best = [x for x in sorted(scored, reverse=True) if x[0] + x[1] > 0][:3]
    keep = {x[3] for x in best} or {x[3] for x in sorted(scored, reverse=True)[:2]}
    return [s for s in sents if s in keep]  # in document order, so the answer reads naturally


def _join(parts: list[str]) -> str:
    out: list[str] = []
    for part in parts:
        part = part.strip()
        if part.startswith(("- ", "* ", "• ")) or re.match(r"\d+\. ", part):
            out.append(("\n" if out else "") + part)
        else:
            out.append(("\n\n" if out and out[-1].lstrip().startswith(("- ", "* ")) else (" " if out else "")) + part)
    return "".join(out).strip()


def _clarify(passages: Sequence[Passage]) -> Decision:
    options: list[str] = []
    for p in passages:
        title = p.title.split(" › ")[0][:80]
        if title not in options:
            options.append(title)
        if len(options) == 4:
            break
    tool_input: dict[str, Any] = {"question": "Could you tell me a bit more about what you need help with?"}
    if len(options) >= 2:
        tool_input = {"question": "Which of these is your question about?", "options": options}
    return Decision(CLARIFY, tool_input)


def _hand_off(reason: str, summary: str) -> Decision:
    return Decision(HAND_OFF, {"reason": reason, "summary": summary[:500]})
