"""Evidence: everything a set of passages can back, built once per set of passages, and ``claim_supported``.

Every checkable token of the passages, read sentence by sentence, plus every numeral, phone digit run and code
anywhere in them, and their word stems and language profile; a claim is judged on its normalised key.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from fractions import Fraction

from assistant_core.answering.support.claims import (
    Claim,
    _phone_digits,
    _phones_match,
    _split_url_key,
    _squash_code,
    checkable_tokens,
)
from assistant_core.answering.support.language import _language_profile, _stem, _words
from assistant_core.answering.support.numbers import (
    _UNIT_MINUTES,
    _ascii_digits,
    _canon,
    _currencies_compatible,
    _parse_number,
)
from assistant_core.answering.support.patterns import _NUM_WORD, _SP
from assistant_core.answering.support.sentences import sentence_spans

# Loose readings of the passages: every digit run, spaced thousands, number word, digit-group run and code.
_PHONE_LOOSE_RX = re.compile(r"\+?\(?\d[\d \u00a0().\-–]*\d")
_DIGIT_RUN_RX = re.compile(r"(?<![\d.,])\d+(?:[.,]\d+)*")
_SPACED_THOUSANDS_RX = re.compile(rf"(?<!\d)\d{{1,3}}(?:{_SP}\d{{3}}(?!\d))+")
_NUM_WORD_RX = re.compile(rf"(?<![^\W\d_]){_NUM_WORD}(?![^\W\d_])")
_LOOSE_CODE_RX = re.compile(r"[^\W_]+(?:[\-_/.][^\W_]+)*")


@dataclass(frozen=True, slots=True)
class _Evidence:
    numbers: frozenset[str]
    money: dict[str, frozenset[str]]  # amount -> currencies
    percents: frozenset[str]
    durations: frozenset[str]
    duration_minutes: frozenset[Fraction]
    quantities: frozenset[str]
    dates: tuple[tuple[int | None, int | None, int | None], ...]
    times: frozenset[str]
    urls: frozenset[tuple[str, str]]
    url_rests: frozenset[str]
    schemeless_url_rests: frozenset[str]
    emails: frozenset[str]
    phones: frozenset[str]  # digits of phone numbers as written, leading digits included
    phone_parts: frozenset[str]  # digits of trailing parts of digit-group runs
    codes: frozenset[str]
    squashed_codes: frozenset[str]
    stems: frozenset[str]
    prefixes: frozenset[str]
    script: str | None
    language: str | None


def _decode_date(key: str) -> list[tuple[int | None, int | None, int | None]]:
    out: list[tuple[int | None, int | None, int | None]] = []
    for alt in key.split("|"):
        y, mo, d = (None if p == "?" else int(p) for p in alt.split("-"))
        out.append((y, mo, d))
    return out


def _duration_minutes(key: str) -> Fraction | None:
    value, _, unit = key.partition(" ")
    factor = _UNIT_MINUTES.get(unit)
    return None if factor is None else Fraction(value) * factor


def _build_evidence(passages: tuple[str, ...]) -> _Evidence:
    joined = "\n\n".join(passages)
    numbers: set[str] = set()
    money: dict[str, set[str]] = {}
    percents: set[str] = set()
    durations: set[str] = set()
    minutes: set[Fraction] = set()
    quantities: set[str] = set()
    dates: set[tuple[int | None, int | None, int | None]] = set()
    times: set[str] = set()
    urls: set[tuple[str, str]] = set()
    emails: set[str] = set()
    phones: set[str] = set()
    phone_parts: set[str] = set()
    codes: set[str] = set()

    # Claims are taken sentence by sentence, exactly as the answer's sentences are, so a sentence copied
    # from a passage yields the very same claims on both sides.
    for passage in passages:
        for start, end in sentence_spans(passage):
            for c in checkable_tokens(passage[start:end]):
                if c.kind == "number":
                    numbers.add(c.key)
                elif c.kind == "money":
                    amount, _, currency = c.key.partition(" ")
                    money.setdefault(amount, set()).add(currency)
                    numbers.add(amount)
                elif c.kind == "percent":
                    percents.add(c.key)
                elif c.kind == "duration":
                    durations.add(c.key)
                    value = _duration_minutes(c.key)
                    if value is not None:
                        minutes.add(value)
                elif c.kind == "quantity":
                    quantities.add(c.key)
                elif c.kind == "date":
                    dates.update(_decode_date(c.key))
                elif c.kind == "time":
                    times.update(c.key.split("|"))
                elif c.kind == "url":
                    urls.add(_split_url_key(c.key))
                elif c.kind == "email":
                    emails.add(c.key)
                elif c.kind == "phone":
                    phones.add(c.key)
                elif c.kind == "code":
                    codes.add(c.key)

    # "A bare number matches the same number anywhere in the passages, in any unit": every numeral, read
    # every plausible way ("4,50" as 4.5 and as 4 and 50; "1 000" as 1000), and every number word.
    for m in _DIGIT_RUN_RX.finditer(joined):
        raw = _ascii_digits(m.group())
        pieces = re.split(r"[.,]", raw)
        if len(pieces) == 1:
            numbers.add(_canon(raw))
            continue
        if len(pieces) == 2:
            numbers.add(_canon(pieces[0], pieces[1]))  # a decimal, with point or comma
        if "," in raw or len(pieces) > 2:
            numbers.update(_canon(p) for p in pieces)  # a list ("1,2,3"), a date or version ("3.3.2026")
        if all(len(p) == 3 for p in pieces[1:]):
            numbers.add(_canon("".join(pieces)))  # thousands ("1,000", "1.000")
    for m in _SPACED_THOUSANDS_RX.finditer(joined):
        numbers.add(_canon(re.sub(r"\D", "", _ascii_digits(m.group()))))
    for m in _NUM_WORD_RX.finditer(joined):
        value = _parse_number(m.group())
        if value is not None:
            numbers.add(value)
    # Phone numbers in any grouping: every run of consecutive digit groups, so "Hotline 1800 123 4567 8 am"
    # still backs "1800 123 4567".
    for m in _PHONE_LOOSE_RX.finditer(joined):
        groups = re.findall(r"\d+", m.group())[:16]
        for i in range(len(groups)):
            for j in range(i + 1, len(groups) + 1):
                digits = _phone_digits("".join(groups[i:j]))
                if len(digits) >= 7:
                    (phones if i == 0 else phone_parts).add(digits)
    # Codes anywhere, including inside URLs and e-mail addresses ("https://x.com/orders/RA30117").
    for m in _LOOSE_CODE_RX.finditer(joined):
        token = m.group()
        if any(c.isdecimal() for c in token) and any(c.isalpha() for c in token):
            codes.add(token.upper())
            for part in re.split(r"[\-_/.]", token):
                codes.add(part.upper())

    words = _words(joined)
    stems = {_stem(w) for w in words}
    script, language = _language_profile(words, joined)
    return _Evidence(
        numbers=frozenset(numbers),
        money={k: frozenset(v) for k, v in money.items()},
        percents=frozenset(percents),
        durations=frozenset(durations),
        duration_minutes=frozenset(minutes),
        quantities=frozenset(quantities),
        dates=tuple(sorted(dates, key=repr)),
        times=frozenset(times),
        urls=frozenset(urls),
        url_rests=frozenset(rest for _, rest in urls),
        schemeless_url_rests=frozenset(rest for scheme, rest in urls if not scheme),
        emails=frozenset(emails),
        phones=frozenset(phones),
        phone_parts=frozenset(phone_parts - phones),
        codes=frozenset(codes),
        squashed_codes=frozenset(_squash_code(c) for c in codes),
        stems=frozenset(stems),
        prefixes=frozenset(s[:6] for s in stems if len(s) >= 6),
        script=script,
        language=language,
    )


# Answers are checked against the same few passages many times (every sentence, every streamed chunk).
_evidence = functools.lru_cache(maxsize=16)(_build_evidence)


def _supported(claim: Claim, ev: _Evidence) -> bool:
    kind, key = claim.kind, claim.key
    if kind == "number":
        if key in ev.numbers:
            return True
        # A long unseparated digit run may be a phone number written in one piece ("61234567").
        return len(key) >= 7 and key.isdigit() and _phone_backed(key.lstrip("0"), ev)
    if kind == "money":
        amount, _, currency = key.partition(" ")
        return any(_currencies_compatible(currency, c) for c in ev.money.get(amount, ()))
    if kind == "percent":
        return key in ev.percents
    if kind == "duration":
        if key in ev.durations:
            return True
        value = _duration_minutes(key)
        return value is not None and value in ev.duration_minutes
    if kind == "quantity":
        return key in ev.quantities
    if kind == "date":
        return any(_date_backed(alt, ev) for alt in _decode_date(key))
    if kind == "time":
        return any(t in ev.times for t in key.split("|"))
    if kind == "url":
        scheme, rest = _split_url_key(key)
        # Exact, except that a URL may be written with or without its scheme on either side.
        return (scheme, rest) in ev.urls or (not scheme and rest in ev.url_rests) or rest in ev.schemeless_url_rests
    if kind == "email":
        return key in ev.emails
    if kind == "phone":
        return _phone_backed(key, ev)
    if kind == "code":
        return key in ev.codes or _squash_code(key) in ev.squashed_codes
    return False


def _phone_backed(digits: str, ev: _Evidence) -> bool:
    if digits in ev.phones or digits in ev.phone_parts:
        return True
    return any(_phones_match(digits, p) for p in ev.phones) or any(
        _phones_match(digits, p, passage_complete=False) for p in ev.phone_parts
    )


def _date_backed(alt: tuple[int | None, int | None, int | None], ev: _Evidence) -> bool:
    y, mo, d = alt
    for py, pm, pd in ev.dates:
        if mo is not None and pm != mo:
            continue
        if d is not None and pd != d:
            continue
        # A passage may name the year once ("Offers in 2026: ... 3 March") and omit it in the date itself.
        if y is not None and py != y and not (py is None and str(y) in ev.numbers):
            continue
        return True
    return False


def claim_supported(claim: Claim, passages_text: str) -> bool:
    """Whether ``claim`` occurs in ``passages_text``, compared on its normalised key.

    Money needs the same amount and a compatible currency (a bare "$" is compatible with any dollar, "USD"
    is not "SGD"); durations the same length ("30-day" = "30 days" = "720 hours", never "30 weeks"); times the
    same minute of the day ("2 pm" = "14:00"); URLs the exact address (scheme and host case aside, scheme
    optional); phone numbers the same digits, a country code of up to three digits aside; a bare number the
    same value anywhere in the passages, in any unit.
    """
    return _supported(claim, _evidence((passages_text,)))
