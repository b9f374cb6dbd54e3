"""The support gate: answer sentences are shown only when the cited passages back their tokens and words."""

from __future__ import annotations

import pytest

from assistant_core.answering.support import (
    MIN_CONTENT_SUPPORT,
    SupportGuard,
    Unsupported,
    Verdict,
    check_answer,
    check_sentence,
    checkable_tokens,
    claim_supported,
    content_support,
    split_sentences,
)

PASSAGES = (
    "Returns: You can return unworn items within 30 days of delivery for a full refund. "
    "Return shipping costs S$4.50 and is deducted from the refund. Start a return at "
    "https://shop.example/returns or call our support team on +65 6123 4567 (Monday to Friday, 9 am to 6 pm). "
    "Orders over S$80 ship free. Standard delivery takes 2–5 business days. Members get 15% off full-priced items.",
    "Order numbers look like JP-20431. Email help@shop.example with your order number. "
    "The spring sale starts on 3 March 2026 at 2 pm.",
)


def verdict(sentence: str) -> Verdict:
    return check_sentence(sentence, PASSAGES)


def tokens(text: str) -> list[tuple[str, str]]:
    return [(c.kind, c.key) for c in checkable_tokens(text)]


def supported(answer_token: str, passage: str) -> bool:
    claims = checkable_tokens(answer_token)
    assert len(claims) == 1, claims
    return claim_supported(claims[0], passage)


# ---------------------------------------------------------------------------------------------- tokens


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("It costs SGD 4.50", [("money", "4.5 SGD")]),
        ("It costs S$4.50", [("money", "4.5 SGD")]),
        ("It costs 4.50 SGD", [("money", "4.5 SGD")]),
        ("It costs $4.50", [("money", "4.5 $")]),
        ("It costs £3, €12,50 or A$9", [("money", "3 GBP"), ("money", "12.5 EUR"), ("money", "9 AUD")]),
        (
            "NZ$5, US$5, RM 5 and 50 cents",
            [("money", "5 NZD"), ("money", "5 USD"), ("money", "5 MYR"), ("money", "0.5 $")],
        ),
        ("1,000 and 1 000 and 4.50", [("number", "1000"), ("number", "1000"), ("number", "4.5")]),
        ("twenty-five or seventeen", [("number", "25"), ("number", "17")]),
        ("15%, 15 percent, 15 per cent", [("percent", "15%")] * 3),
        (
            "30 days, 30-day, 48 hrs, 1 week",
            [("duration", "30 day")] * 2 + [("duration", "48 hour"), ("duration", "1 week")],
        ),
        ("2–5 business days", [("duration", "2 day"), ("duration", "5 day")]),
        ("thirty days", [("duration", "30 day")]),
        ("3 March 2026", [("date", "2026-3-3")]),
        ("March 3", [("date", "?-3-3")]),
        ("2026-03-03", [("date", "2026-3-3")]),
        ("03/04/2026", [("date", "2026-4-3|2026-3-4")]),
        ("2 pm, 2:00 p.m., 14:00, noon", [("time", "14:00")] * 3 + [("time", "12:00")]),
        ("see https://shop.example/returns.", [("url", "https://shop.example/returns")]),
        ("[the form](https://shop.example/returns)", [("url", "https://shop.example/returns")]),
        ("mail Help@Shop.Example.", [("email", "help@shop.example")]),
        ("call +65 6123 4567", [("phone", "6561234567")]),
        ("call 6123-4567", [("phone", "61234567")]),
        ("JP-20431, RA30117 and SKU-77A", [("code", "JP-20431"), ("code", "RA30117"), ("code", "SKU-77A")]),
        ("2–5", [("number", "2"), ("number", "5")]),
        ("10 GB", [("quantity", "10 gb")]),
    ],
)
def test_checkable_tokens_are_found_and_normalised(text: str, expected: list[tuple[str, str]]) -> None:
    assert tokens(text) == expected


def test_list_markers_and_citation_markers_are_not_claims() -> None:
    assert tokens("1. Open the returns page [p1]") == []
    assert tokens("2) Print the label [p2, p3]") == []
    assert tokens("   3. Drop it off") == []
    assert tokens("Open the returns page [p1] within 30 days") == [("duration", "30 day")]


def test_claims_carry_their_span() -> None:
    text = "Ships in 2–5 business days for S$4.50."
    for claim in checkable_tokens(text):
        assert text[claim.start : claim.end] == claim.text


# ---------------------------------------------------------------------------------------------- matching


@pytest.mark.parametrize(
    ("answer", "passage", "expected"),
    [
        ("SGD 4.50", "Shipping is S$4.50.", True),
        ("S$4.50", "Shipping is SGD 4.50.", True),
        ("$4.50", "Shipping is S$4.50.", True),
        ("USD 4.50", "Shipping is S$4.50.", False),
        ("S$4.50", "Shipping is S$4.05.", False),
        ("30 days", "A 30-day return window.", True),
        ("30-day", "Returns within 30 days.", True),
        ("30 weeks", "Returns within 30 days.", False),
        ("48 hours", "Dispatch within 2 days.", True),
        ("15%", "Save 15 percent today.", True),
        ("15 per cent", "Save 15% today.", True),
        ("16%", "Save 15% today.", False),
        ("2 pm", "The sale opens at 14:00.", True),
        ("2 pm", "The sale opens at 2:00 p.m.", True),
        ("2 am", "The sale opens at 2:00 p.m.", False),
        ("3 March 2026", "Starts on 2026-03-03.", True),
        ("March 3", "Starts on 3 March 2026.", True),
        ("March 4", "Starts on 3 March 2026.", False),
        ("https://shop.example/returns", "Go to https://shop.example/returns.", True),
        ("https://shop.example/returns/new", "Go to https://shop.example/returns.", False),
        ("https://shop.example/ret", "Go to https://shop.example/returns.", False),
        ("https://shop.example/returns", "Go to https://shop.example/returns?step=2.", False),
        ("help@shop.example", "Mail HELP@shop.example.", True),
        ("helpdesk@shop.example", "Mail help@shop.example.", False),
        ("6123 4567", "Call +65 6123 4567.", True),
        ("+65 6123 4567", "Call 6123-4567.", True),
        ("+65 6123 4568", "Call 6123-4567.", False),
        ("+44 6123 4567", "Call +65 6123 4567.", False),
        ("JP-20431", "Order JP-20431.", True),
        ("JP-20432", "Order JP-20431.", False),
        ("2026", "Starts on 3 March 2026.", True),
        ("4.5", "Shipping is S$4.50.", True),
        ("80", "Orders over S$80 ship free.", True),
        ("81", "Orders over S$80 ship free.", False),
    ],
)
def test_claims_match_the_passages_after_normalising(answer: str, passage: str, expected: bool) -> None:
    assert supported(answer, passage) is expected


# ---------------------------------------------------------------------------------------------- sentences


def test_faithful_paraphrases_pass() -> None:
    for sentence in (
        "You have 30 days after delivery to return unworn items for a full refund [p1].",
        "Return shipping is S$4.50, deducted from your refund.",
        "Standard delivery usually takes 2 to 5 business days.",
        "Members save 15 percent on full-priced items.",
        "The spring sale starts at 14:00 on March 3.",
    ):
        assert verdict(sentence).supported, verdict(sentence)


def test_a_changed_duration_fails() -> None:
    v = verdict("You have 365 days after delivery to return unworn items for a full refund.")
    assert not v.supported
    assert v.reason == "unsupported token '365 days'"
    assert v.tokens == ("365 days",)


def test_an_invented_url_fails() -> None:
    assert not verdict("Start your return at https://shop.example/returns/new.").supported
    assert not verdict("Start your return at https://shop.example/return.").supported
    assert verdict("Start your return at [the returns page](https://shop.example/returns).").supported


def test_an_invented_phone_number_fails() -> None:
    assert not verdict("Call our support team on 6123 4568.").supported
    assert not verdict("Call our support team on +65 6999 4567.").supported
    assert verdict("Call our support team on 6123-4567.").supported


def test_currencies_are_compared_by_meaning() -> None:
    assert verdict("Return shipping costs SGD 4.50.").supported
    assert verdict("Return shipping costs $4.50.").supported
    v = verdict("Return shipping costs USD 4.50.")
    assert not v.supported and v.reason == "unsupported token 'USD 4.50'"


@pytest.mark.parametrize(
    ("good", "bad"),
    [
        (
            "Vous pouvez retourner les articles non portés sous 30 jours pour un remboursement complet.",
            "Vous pouvez retourner les articles non portés sous 60 jours pour un remboursement complet.",
        ),
        (
            "Los gastos de envío de la devolución son de 4,50 SGD y se descuentan del reembolso.",
            "Los gastos de envío de la devolución son de 5,50 SGD y se descuentan del reembolso.",
        ),
        (
            "Die Lieferung dauert 2–5 Werktage, Mitglieder erhalten 15 % Rabatt.",
            "Die Lieferung dauert 2–5 Werktage, Mitglieder erhalten 20 % Rabatt.",
        ),
    ],
)
def test_translated_answers_are_judged_on_their_figures(good: str, bad: str) -> None:
    ok = verdict(good)
    assert ok.supported and "other language" in ok.reason
    assert not verdict(bad).supported


def test_greetings_and_lead_ins_are_not_claims() -> None:
    for sentence in ("Hi there!", "Here's how:", "Sure, happy to help.", "Thanks for asking!"):
        assert verdict(sentence).supported


def test_list_items_are_sentences_of_their_own() -> None:
    answer = (
        "Here's how:\n1. Open https://shop.example/returns.\n2. Enter your order number, e.g. JP-20431.\n3. Pay S$4.50."
    )
    assert split_sentences(answer) == [
        "Here's how:",
        "1. Open https://shop.example/returns.",
        "2. Enter your order number, e.g. JP-20431.",
        "3. Pay S$4.50.",
    ]
    assert all(v.supported for v in check_answer(answer, PASSAGES))
    bad = check_answer(answer.replace("S$4.50", "S$5.50"), PASSAGES)
    assert [v.supported for v in bad] == [True, True, True, False]


def test_a_sentence_about_something_else_fails_on_content_words() -> None:
    v = verdict("Our downtown cafe serves organic coffee and fresh pastries every morning.")
    assert not v.supported
    assert v.reason.startswith("content words 0.") and v.reason.endswith(f"< {MIN_CONTENT_SUPPORT}")


def test_content_support_scores() -> None:
    text = " ".join(PASSAGES)
    assert content_support("You can return unworn items within 30 days of delivery for a full refund.", text) == 1.0
    assert content_support("Returned items are refunded in full.", text) >= MIN_CONTENT_SUPPORT
    assert content_support("Our cafe serves organic coffee and fresh pastries.", text) < MIN_CONTENT_SUPPORT
    assert content_support("Hello there!", text) == 1.0  # nothing to judge


def test_sentence_splitting_respects_abbreviations_numbers_and_addresses() -> None:
    text = (
        "Bring ID, e.g. a passport, i.e. photo ID. It costs S$4.50 now! Use form No. 5 here. "
        "Mr. Tan opens at 9 a.m. and closes at 6 p.m. on weekdays. See https://shop.example/a.b or mail "
        "help@shop.example. Really? Yes… 好的。谢谢！\n## Returns\n- 30 days"
    )
    assert split_sentences(text) == [
        "Bring ID, e.g. a passport, i.e. photo ID.",
        "It costs S$4.50 now!",
        "Use form No. 5 here.",
        "Mr. Tan opens at 9 a.m. and closes at 6 p.m. on weekdays.",
        "See https://shop.example/a.b or mail help@shop.example.",
        "Really?",
        "Yes…",
        "好的。",
        "谢谢！",
        "## Returns",
        "- 30 days",
    ]


def test_different_script_skips_the_content_measure_but_not_the_tokens() -> None:
    assert verdict("退货期限为30天。").supported  # "30天" is not a recognised unit: the bare 30 is backed
    assert not verdict("退货期限为45天。").supported


# ---------------------------------------------------------------------------------------------- guard


def stream(answer: str, passages: tuple[str, ...] = PASSAGES, step: int = 1, **kw: bool) -> list[int]:
    """Feed ``answer`` in steps; the released count after each step (stops at Unsupported)."""
    guard = SupportGuard(passages, **kw)
    out: list[int] = []
    for i in range(step, len(answer) + step, step):
        out.append(guard.releasable(answer[:i]))
    return out


def test_the_guard_holds_a_sentence_with_a_number_until_it_is_complete_and_verified() -> None:
    first = "You can return unworn items within 30 days of delivery."
    answer = first + " Members get 15% off."
    guard = SupportGuard(PASSAGES)
    seen = []
    for i in range(1, len(answer) + 1):
        seen.append(guard.releasable(answer[:i]))
    # Words before the number may be shown; nothing from the number on until the sentence is complete.
    number_at = answer.index("30")
    before_end = [r for i, r in enumerate(seen, 1) if number_at < i <= len(first)]
    assert all(r <= number_at for r in before_end)
    assert seen[len(first) + 1] >= len(first)  # complete (a space follows) and verified
    assert guard.finish(answer) is None
    assert guard.released == len(answer)


def test_the_guard_never_shows_a_failing_token_or_anything_after_it() -> None:
    ok = "You can return unworn items within 30 days of delivery. "
    for bad in (
        "Return shipping costs S$9.50 and is deducted from the refund.",
        "Call us on +65 6123 9999 any time.",
        "Visit https://shop.example/returns/new to start.",
        "Thirty-one days is the limit for unworn items.",
        "Email refunds@shop.example with your order number.",
    ):
        answer = ok + bad + " More text follows here."
        guard = SupportGuard(PASSAGES)
        failing_at = len(ok) + checkable_tokens(bad)[0].start
        released = 0
        with pytest.raises(Unsupported) as info:
            for i in range(1, len(answer) + 1):
                released = guard.releasable(answer[:i])
        assert released <= failing_at, (bad, released, failing_at)
        assert info.value.verdict.sentence == bad
        # Sticky: the guard keeps refusing, and finish reports the same verdict.
        with pytest.raises(Unsupported):
            guard.releasable(answer)
        assert guard.finish(answer) == info.value.verdict


def test_holding_whole_sentences_never_shows_any_character_of_a_failing_sentence() -> None:
    ok = "You can return unworn items within 30 days of delivery."
    bad = " Our downtown cafe serves organic coffee and fresh pastries every morning."
    answer = ok + bad + " Bye."
    guard = SupportGuard(PASSAGES, hold_sentences=True)
    released = 0
    with pytest.raises(Unsupported) as info:
        for i in range(1, len(answer) + 1):
            released = guard.releasable(answer[:i])
    assert released == len(ok)
    assert info.value.verdict.reason.startswith("content words")


def test_releasable_is_monotonic_and_bounded() -> None:
    answer = "Sure! Standard delivery takes 2–5 business days. Orders over S$80 ship free.\n- Members get 15% off."
    for step in (1, 2, 3, 7, 50):
        got = stream(answer, step=step)
        assert got == sorted(got)
        assert all(r <= min(len(answer), (i + 1) * step) for i, r in enumerate(got))


def test_streaming_char_by_char_gives_the_same_result_as_all_at_once() -> None:
    answers = [
        "Sure! Standard delivery takes 2–5 business days. Orders over S$80 ship free. Call 6123 4567.",
        "Hi. Returns within 30 days. Shipping costs S$4.50. The sale starts at 3 pm.",
        "Bring ID, e.g. a passport. Use form No. 5 here. Done…",
        "好的。退货期限为30天。",
    ]
    for answer in answers:
        whole = SupportGuard(PASSAGES).finish(answer)
        guard = SupportGuard(PASSAGES)
        failed = None
        for i in range(1, len(answer) + 1):
            try:
                guard.releasable(answer[:i])
            except Unsupported as exc:
                failed = exc.verdict
                break
        final = failed if failed is not None else guard.finish(answer)
        assert final == whole, answer
        first_bad = next((v for v in check_answer(answer, PASSAGES) if not v.supported), None)
        assert final == first_bad


def test_finish_checks_the_last_sentence() -> None:
    guard = SupportGuard(PASSAGES)
    text = "Standard delivery takes 2–5 business days. Shipping costs S$7"
    assert guard.releasable(text) == len("Standard delivery takes 2–5 business days.")
    v = guard.finish(text)
    assert v is not None and v.reason == "unsupported token 'S$7'"
    assert SupportGuard(PASSAGES).finish("Standard delivery takes 2–5 business days") is None


def test_the_guard_refuses_a_shrinking_text() -> None:
    guard = SupportGuard(PASSAGES)
    guard.releasable("Hello there")
    with pytest.raises(ValueError):
        guard.releasable("Hello")


def test_a_32kb_answer_streams_in_small_chunks() -> None:
    sentence = "Standard delivery takes 2–5 business days and members get 15% off full-priced items. "
    answer = (sentence * (32 * 1024 // len(sentence) + 1))[: 32 * 1024]
    guard = SupportGuard(PASSAGES)
    last = 0
    for i in range(16, len(answer) + 16, 16):
        r = guard.releasable(answer[:i])
        assert last <= r <= min(i, len(answer))
        last = r
    assert guard.finish(answer) is None
    # One long run-on sentence without any break is held whole (it has digits) and still checks fine.
    run_on = "delivery " * 3000 + "takes 2–5 business days"
    assert SupportGuard(PASSAGES).finish(run_on) is None
