"""Properties of the support gate: it never crashes, the guard is monotonic and chunking-independent, and an
answer copied sentence by sentence from the passages is never blocked."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant_core.answering.support import (
    SupportGuard,
    Unsupported,
    Verdict,
    check_answer,
    checkable_tokens,
    sentence_spans,
)

# Everything a str can hold, lone surrogates included (st.text() leaves them out by default).
any_char = st.one_of(
    st.characters(),
    st.characters(categories=["Cs"]),
    st.sampled_from("0123456789 .,:;!?…-–/@$£€%\n\t#*[]()+"),
    st.sampled_from(["👍", "🏳️‍🌈", "مرحبا", "שלום", "é", "e\u0301", "\u200f", "\u202e", "好的。", "٣٠", "３０"]),
)
cut_points = st.lists(st.integers(min_value=0, max_value=40_000), max_size=30)


def chunks(text: str, cuts: list[int]) -> list[int]:
    """Increasing prefix lengths ending at len(text)."""
    return sorted({c % (len(text) + 1) for c in cuts} | {len(text)})


def run_guard(
    passages: tuple[str, ...], text: str, ends: list[int], hold: bool
) -> tuple[list[int], Verdict | None, bool]:
    guard = SupportGuard(passages, hold_sentences=hold)
    released: list[int] = []
    for end in ends:
        try:
            released.append(guard.releasable(text[:end]))
        except Unsupported as exc:
            assert guard.finish(text) == exc.verdict
            return released, exc.verdict, True
    return released, guard.finish(text), False


def failing_span(text: str, passages: tuple[str, ...]) -> tuple[int, int] | None:
    for (s, e), v in zip(sentence_spans(text), check_answer(text, passages), strict=True):
        if not v.supported:
            return s, e
    return None


def check_guard_run(
    passages: tuple[str, ...], text: str, ends: list[int], holds: tuple[bool, ...] = (False, True)
) -> Verdict | None:
    outcomes = []
    span = failing_span(text, passages)
    for hold in holds:
        released, outcome, raised = run_guard(passages, text, ends, hold)
        assert released == sorted(released)
        for end, r in zip(ends, released, strict=False):
            assert 0 <= r <= end
        if raised and span is not None and released:
            s, _ = span
            if hold:
                assert released[-1] <= s  # nothing of a failing sentence is ever shown
            elif outcome is not None and outcome.reason.startswith("unsupported token"):
                # Never a character of the failing token: it, or a word before it, held the sentence.
                sentence = text[s : span[1]]
                bad = next(c for c in checkable_tokens(sentence) if f"token {c.text!r}" in outcome.reason)
                assert released[-1] <= s + bad.start
        outcomes.append(outcome)
    assert len(set(outcomes)) == 1
    return outcomes[0]


words = st.one_of(
    st.sampled_from(
        "return refund items order delivery shipping members discount store account password reset card "
        "the a to of and for with your our within after before is are can will you we please customer "
        "warranty exchange gift voucher label parcel courier pickup".split()
    ),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzéüñø", min_size=2, max_size=9),
)
n = st.integers(min_value=0, max_value=99_999)
small = st.integers(min_value=1, max_value=28)
figures = st.one_of(
    n.map(str),
    n.map(lambda v: f"{v:,}"),
    st.tuples(n, st.integers(0, 99)).map(lambda t: f"S${t[0]}.{t[1]:02d}"),
    st.tuples(n, st.integers(0, 99)).map(lambda t: f"{t[0]}.{t[1]:02d} SGD"),
    st.tuples(n, st.integers(0, 99)).map(lambda t: f"€{t[0]},{t[1]:02d}"),
    small.map(lambda v: f"{v}%"),
    st.tuples(small, st.sampled_from(["days", "day", "business days", "hours", "weeks", "months"])).map(
        lambda t: f"{t[0]} {t[1]}"
    ),
    small.map(lambda v: f"{v}-day"),
    st.tuples(small, small).map(lambda t: f"{min(t)}–{max(t)} business days"),
    st.tuples(small, st.sampled_from(["March", "April", "Dec"]), st.integers(2000, 2040)).map(
        lambda t: f"{t[0]} {t[1]} {t[2]}"
    ),
    st.tuples(st.integers(1, 12), st.sampled_from(["am", "pm", "a.m.", "p.m."])).map(lambda t: f"{t[0]} {t[1]}"),
    st.tuples(st.integers(0, 23), st.integers(0, 59)).map(lambda t: f"{t[0]:02d}:{t[1]:02d}"),
    n.map(lambda v: f"https://shop.example/help/{v}"),
    n.map(lambda v: f"help{v}@shop.example"),
    st.tuples(st.integers(1000, 9999), st.integers(1000, 9999)).map(lambda t: f"+65 {t[0]} {t[1]}"),
    n.map(lambda v: f"JP-{v}"),
    n.map(lambda v: f"RA{v}"),
    st.sampled_from(["twenty", "thirty days", "noon", "one week"]),
)

# Text that looks like answers: words, figures and punctuation in any order, spaced or glued together.
answer_like = st.lists(
    st.one_of(words, figures, st.sampled_from([" ", " ", ". ", "\n", "e.g. ", "No. ", "1. ", "? ", "…", "[p1]"])),
    max_size=40,
).map("".join)
any_text = st.lists(any_char, max_size=200).map("".join) | st.text(max_size=200) | answer_like
passages_st = st.lists(any_text, max_size=3).map(tuple)


@settings(max_examples=150, deadline=None)
@given(text=any_text, passages=passages_st, cuts=cut_points)
def test_any_text_never_crashes_and_the_guard_is_monotonic_and_bounded(
    text: str, passages: tuple[str, ...], cuts: list[int]
) -> None:
    for claim in checkable_tokens(text):
        assert text[claim.start : claim.end] == claim.text
    for s, e in sentence_spans(text):
        assert 0 <= s < e <= len(text)
    verdicts = check_answer(text, passages)
    outcome = check_guard_run(passages, text, chunks(text, cuts))
    # However it was chunked, the guard ends where the batch check does.
    assert outcome == next((v for v in verdicts if not v.supported), None)
    assert outcome == check_guard_run(passages, text, list(range(1, len(text) + 1)) or [0])


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(piece=any_text.filter(bool), passages=passages_st, cuts=cut_points)
def test_32kb_answers_never_crash(piece: str, passages: tuple[str, ...], cuts: list[int]) -> None:
    text = (piece * (32 * 1024 // len(piece) + 1))[: 32 * 1024]
    outcome = check_guard_run(passages, text, chunks(text, cuts), holds=(False,))
    assert outcome == next((v for v in check_answer(text, passages) if not v.supported), None)


# ------------------------------------------------------------------------------------------------ extractive


@st.composite
def sentences(draw: st.DrawFn) -> str:
    parts = draw(st.lists(st.one_of(words, words, figures), min_size=1, max_size=14))
    first = draw(words)
    return f"{first.capitalize()} {' '.join(parts)}{draw(st.sampled_from(['.', '!', '?', '.']))}"


@st.composite
def extractive(draw: st.DrawFn) -> tuple[tuple[str, ...], str, list[int]]:
    pool = draw(st.lists(sentences(), min_size=1, max_size=12))
    split = sorted(draw(st.lists(st.integers(0, len(pool)), max_size=2)))
    bounds = [0, *split, len(pool)]
    passages = tuple(
        draw(st.sampled_from([" ", "\n", "\n\n"])).join(pool[a:b]) for a, b in itertools.pairwise(bounds) if a < b
    )
    chosen = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=6))
    answer = draw(st.sampled_from([" ", "\n", "\n- "])).join(chosen)
    return passages, answer, draw(cut_points)


@settings(max_examples=80, deadline=None)
@given(case=extractive())
def test_an_answer_copied_from_the_passages_is_always_fully_supported(
    case: tuple[tuple[str, ...], str, list[int]],
) -> None:
    passages, answer, cuts = case
    for v in check_answer(answer, passages):
        assert v.supported, v
    assert check_guard_run(passages, answer, chunks(answer, cuts)) is None
