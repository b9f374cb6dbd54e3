"""The offline answer model (DESIGN §8): an honest stand-in that needs no network and no weights.

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
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from assistant_core.answering.model_events import ModelEvent, ModelRequest, Stop, ToolInputDelta, ToolStart, Usage
from assistant_core.answering.tool_schemas import ANSWER, CLARIFY, DECLINE, HAND_OFF, MAX_ANSWER_CHARS
from assistant_core.retrieval.passages import Passage
from assistant_core.retrieval.text_analysis import sentences, terms

_HUMAN = re.compile(
    r"\b(real|live|actual)\s+(person|human|agent|people)\b|\b(talk|speak|chat)\s+(to|with)\s+(a|an|some|your)?\s*"
    r"(one|body|person|human|agent|staff|team|manager|representative|rep|someone|somebody)\b|\bhuman\b"
    r"|\b(call|ring|phone) me\b|\bcustomer (service|support) (agent|rep)|\bescalate\b|\bsomeone from\b"
    r"|\bput me through\b|\bnot? (want|talk to) a bot\b|\bcan someone (look|check)\b|\blook into (my|it|this)\b",
    re.I,
)
_ACCOUNT = re.compile(
    r"#\s?[A-Z]{0,4}-?\d{3,}|\border\s*(no\.?|number|#)|\b[A-Z]{2}-\d{4,}\b"
    r"|\bmy (order|parcel|package|account|card|payment|refund|subscription|box|delivery)\b.*\b("
    r"where|hasn'?t|has not|didn'?t|not (arrived|received|come|working)|never arrived|missing|stuck|"
    r"twice|double|hacked)\b|\blocked out\b"
    r"|\b(charged|billed) (me )?(twice|double|two times)\b|\bwhere is my\b|\bwhy (was|were|did|is) (i|my)\b",
    re.I,
)
_COMPLAINT = re.compile(
    r"\b(furious|angry|unacceptable|disgusted|outraged|ridiculous|terrible service|worst|"
    r"(make|file|lodge|raise) an? (formal )?complaint|soaked|ruined|"
    r"fed up|sick of|scam|rip-?off|lawyer|sue you|disappointed|appalling|useless)\b",
    re.I,
)
_UNSAFE = re.compile(
    r"\b(emergency|ambulance|allergic reaction|anaphyla\w*|can'?t breathe|poison\w*|overdose|chest pain|"
    r"suicid\w*|kill myself|self-harm|seizure|unconscious|burn(ed|t) (myself|my)|hospital|swelling|"
    r"struggling to breathe|trouble breathing)\b",
    re.I,
)
_ABUSE = re.compile(r"\b(fuck\w*|shit\w*|bitch\w*|asshole|cunt|idiot bot|stupid bot|retard\w*)\b", re.I)

ANSWER_MIN = 0.30  # a passage this strong answers whatever the wording
# Weaker matches still answer when (nearly) every word of the question is shop vocabulary.
ANSWER_IF_KNOWN = ((0.8, 0.11), (0.66, 0.22))  # (share of query terms the docs use, best score)
OFF_TOPIC_KNOWN = 0.5  # below this share of known terms, a miss is off-topic rather than a gap
VAGUE_TERMS = 2  # questions with this few content terms may be too vague to answer
TIE_RATIO = 0.9
_PRONOUN = re.compile(r"\b(it|this|that|they|them|these|those)\b", re.I)


@dataclass(frozen=True)
class Decision:
    tool: str
    tool_input: dict[str, Any]


class ExtractiveModel:
    model_id = "extractive-v1"

    def __init__(self, *, pace_seconds: float = 0.0, seed: int = 7, vocabulary: Callable[[str], bool] | None = None):
        self._pace = pace_seconds
        self._seed = seed
        self._in_docs = vocabulary  # "does this term occur in the docs?"; None: assume it does

    def _known_share(self, question: str) -> float:
        q = list(dict.fromkeys(terms(question)))
        if not q or self._in_docs is None:
            return 1.0
        return sum(1 for t in q if self._in_docs(t)) / len(q)

    def stream(self, request: ModelRequest) -> Iterator[ModelEvent]:
        decision = decide(request.question, list(request.passages), self._known_share(request.question))
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


def decide(question: str, passages: Sequence[Passage], known: float = 1.0) -> Decision:
    """Pick the tool; ``known`` is the share of the question's terms that occur in the docs at all."""
    q = question.strip()
    if _UNSAFE.search(q):
        return _hand_off("unsafe", f"Visitor may be unsafe and needs a person now: {q}")
    if _ABUSE.search(q):
        return Decision(DECLINE, {"reason": "abuse", "message": "I'm here to help with questions about our shop."})
    if _HUMAN.search(q):
        return _hand_off("visitor_request", f"Visitor asked to talk to a person: {q}")
    if _COMPLAINT.search(q):
        return _hand_off("complaint", f"Visitor is unhappy and complaining: {q}")
    if _ACCOUNT.search(q):
        return _hand_off("account_specific", f"Visitor needs their own order or account looked at: {q}")

    q_terms = list(dict.fromkeys(terms(q)))
    if not q_terms or (len(q_terms) <= VAGUE_TERMS and _PRONOUN.search(q)) or (len(q_terms) == 1 and _spread(passages)):
        return _clarify(passages)
    best = passages[0].score if passages else 0.0
    if best >= ANSWER_MIN or any(known >= k and best >= b for k, b in ANSWER_IF_KNOWN):
        return _answer(q_terms, passages)
    if known < OFF_TOPIC_KNOWN or not passages:
        return Decision(
            DECLINE,
            {
                "reason": "off_topic",
                "message": "Sorry, I can only help with questions about our shop, orders and products.",
            },
        )
    return Decision(
        DECLINE, {"reason": "not_in_knowledge", "message": "Sorry, I couldn't find that in our help centre."}
    )


def _spread(passages: Sequence[Passage]) -> bool:
    """Strong matches spread over three or more documents: the question fits many topics."""
    if not passages or passages[0].score < 0.5:
        return False
    close = {p.source for p in passages if p.score >= TIE_RATIO * passages[0].score}
    return len(close) >= 3


def _answer(q_terms: list[str], passages: Sequence[Passage]) -> Decision:
    top = passages[0]
    chosen = [top]
    for p in passages[1:3]:
        if p.source != top.source and p.score >= 0.85 * top.score and len(chosen) < 2:
            chosen.append(p)
    wanted = set(q_terms)
    picked: list[str] = []
    for p in chosen:
        ranked = _rank_sentences(p.text, wanted)
        picked += ranked[: 3 if p is top else 1]
    text = _join(picked) or top.text[:600]
    return Decision(ANSWER, {"citation_ids": [p.id for p in chosen], "text": text[:MAX_ANSWER_CHARS]})


def _rank_sentences(text: str, wanted: set[str]) -> list[str]:
    sents = [s for s in sentences(text) if len(s) > 2]
    scored = []
    for i, s in enumerate(sents):
        overlap = len(wanted & set(terms(s)))
        scored.append((overlap, -i, s))
    best = [x for x in sorted(scored, reverse=True) if x[0] > 0][:3]
    keep = {s for _, _, s in best} or {s for _, _, s in sorted(scored, reverse=True)[:2]}
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
