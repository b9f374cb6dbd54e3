"""Checkable tokens: the ``Claim`` a text makes and ``checkable_tokens``, which extracts them.

Each token kind has a handler turning a pattern match into claims with a normalised key; the passes run in a
fixed order so that earlier kinds claim their span first. The URL, phone and code key helpers live here too,
as the evidence compares on the same keys.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from assistant_core.answering.support.numbers import (
    _MONTHS,
    _UNIT_BASE,
    _ascii_digits,
    _canon,
    _currency,
    _div100,
    _parse_number,
)
from assistant_core.answering.support.patterns import (
    _CITATION_RX,
    _CODE_RX,
    _DMY_RX,
    _DURATION_RX,
    _EMAIL_RX,
    _ISO_DATE_RX,
    _LIST_MARKER_RX,
    _MDY_RX,
    _MONEY_PREFIX_RX,
    _MONEY_SUFFIX_RX,
    _MY_RX,
    _NUMBER_RX,
    _NUMERIC_DATE_RX,
    _ORDINAL_RX,
    _PERCENT_RX,
    _PHONE_RX,
    _QUANTITY_RX,
    _SP,
    _TIME12_RX,
    _TIME24_RX,
    _TIME_UHR_RX,
    _TIME_WORD_RX,
    _URL_RX,
)


@dataclass(frozen=True, slots=True)
class Claim:
    """One checkable token: ``kind`` (number, money, percent, duration, quantity, date, time, url, email,
    phone, code), its surface ``text``, its normalised ``key`` and its span in the text it came from."""

    kind: str
    text: str
    key: str
    start: int
    end: int


# --------------------------------------------------------------------------------------------------------
# Key helpers for URLs, phone numbers and codes
# --------------------------------------------------------------------------------------------------------

_OPENERS = {")": "(", "]": "[", "}": "{", ">": "<"}


def _trim_url(url: str) -> str:
    # Trailing punctuation belongs to the prose ("see https://x.com/a."), closing brackets only when unbalanced
    # ("(https://x.com/a)" or a Markdown link).
    counts = {c: url.count(c) for c in "()[]{}<>"}
    end = len(url)
    while end:
        last = url[end - 1]
        opener = _OPENERS.get(last)
        if opener is not None and counts[last] > counts[opener]:
            counts[last] -= 1
        elif last not in ".,;:!?'\"*_~…":
            break
        end -= 1
    return url[:end]


def _url_key(url: str) -> str:
    # Scheme and host are case-insensitive by RFC 3986; everything else must match exactly.
    scheme, sep, rest = url.partition("://")
    if not sep:
        scheme, rest = "", url
    host, slash, path = rest.partition("/")
    return f"{scheme.lower()}://{host.lower()}{slash}{path}" if scheme else f"{host.lower()}{slash}{path}"


def _split_url_key(key: str) -> tuple[str, str]:
    scheme, sep, rest = key.partition("://")
    return (scheme, rest) if sep else ("", key)


def _phone_digits(raw: str) -> str:
    # Leading zeros are trunk or international prefixes ("(02) ...", "0065 ..."), not part of the number.
    return _ascii_digits("".join(c for c in raw if c.isdecimal())).lstrip("0")


def _phones_match(answer: str, passage: str, passage_complete: bool = True) -> bool:
    """Same number when equal, or when one ends with the other and the extra leading digits (at most 3) are a
    country code: "+65 6123 4567" and "6123-4567" match, any differing digit does not. The answer may add a
    country code only where the passage shows none (``passage_complete``: nothing stood before its digits)."""
    if answer == passage:
        return True
    if len(answer) < len(passage):
        return len(answer) >= 7 and len(passage) - len(answer) <= 3 and passage.endswith(answer)
    return passage_complete and len(passage) >= 7 and len(answer) - len(passage) <= 3 and answer.endswith(passage)


def _squash_code(code: str) -> str:
    return re.sub(r"[\-_/.\s]", "", code.upper())


# --------------------------------------------------------------------------------------------------------
# Extraction
# --------------------------------------------------------------------------------------------------------

_Handler = Callable[[re.Match[str], str], "list[Claim] | None"]


def _claim(kind: str, m: re.Match[str], key: str, start: int | None = None, end: int | None = None) -> Claim:
    s = m.start() if start is None else start
    e = m.end() if end is None else end
    return Claim(kind, m.string[s:e], key, s, e)


def _on_url(m: re.Match[str], _: str) -> list[Claim] | None:
    url = _trim_url(m.group())
    if "." not in url or len(url) < 4:
        return None
    return [_claim("url", m, _url_key(url), end=m.start() + len(url))]


def _on_email(m: re.Match[str], _: str) -> list[Claim] | None:
    return [_claim("email", m, m.group().lower())]


def _date_key(alternatives: Iterable[tuple[int | None, int | None, int | None]]) -> str | None:
    keys = []
    for y, mo, d in alternatives:
        if mo is not None and not 1 <= mo <= 12:
            continue
        if d is not None and not 1 <= d <= 31:
            continue
        keys.append(f"{'?' if y is None else y}-{'?' if mo is None else mo}-{'?' if d is None else d}")
    return "|".join(dict.fromkeys(keys)) or None


def _year(raw: str) -> int:
    y = int(_ascii_digits(raw))
    # Two-digit years: 00-69 are this century, 70-99 the last (the POSIX convention).
    if len(raw) == 2:
        y += 2000 if y < 70 else 1900
    return y


def _on_iso_date(m: re.Match[str], _: str) -> list[Claim] | None:
    key = _date_key([(_year(m.group(1)), int(_ascii_digits(m.group(3))), int(_ascii_digits(m.group(4))))])
    return [_claim("date", m, key)] if key else None


def _on_numeric_date(m: re.Match[str], _: str) -> list[Claim] | None:
    a, b, y = int(_ascii_digits(m.group(1))), int(_ascii_digits(m.group(3))), _year(m.group(4))
    # "03/04/2026" is 3 April in most of the world and March 4 in the US: keep both readings unless one is
    # impossible; dotted dates ("3.4.2026") are always day first.
    alternatives = [(y, b, a)] if m.group(2) == "." else [(y, b, a), (y, a, b)]
    key = _date_key(alternatives)
    return [_claim("date", m, key)] if key else None


def _on_dmy(m: re.Match[str], _: str) -> list[Claim] | None:
    y = _year(m.group(3)) if m.group(3) else None
    key = _date_key([(y, _MONTHS[_month_name(m.group(2))], int(_ascii_digits(m.group(1))))])
    return [_claim("date", m, key)] if key else None


def _on_mdy(m: re.Match[str], _: str) -> list[Claim] | None:
    y = _year(m.group(3)) if m.group(3) else None
    key = _date_key([(y, _MONTHS[_month_name(m.group(1))], int(_ascii_digits(m.group(2))))])
    return [_claim("date", m, key)] if key else None


def _on_month_year(m: re.Match[str], _: str) -> list[Claim] | None:
    key = _date_key([(_year(m.group(2)), _MONTHS[_month_name(m.group(1))], None)])
    return [_claim("date", m, key)] if key else None


def _month_name(raw: str) -> str:
    return re.sub(r"\s+", " ", raw.lower())


def _time_key(minutes: Iterable[int]) -> str:
    return "|".join(f"{v // 60:02d}:{v % 60:02d}" for v in sorted(set(minutes)))


def _on_time12(m: re.Match[str], _: str) -> list[Claim] | None:
    hour = int(_ascii_digits(m.group(1)))
    minute = int(_ascii_digits(m.group(2))) if m.group(2) else 0
    if not 1 <= hour <= 12:
        return None
    hour = hour % 12 + (12 if m.group(3).lower() == "p" else 0)
    return [_claim("time", m, _time_key([hour * 60 + minute]))]


def _on_time24(m: re.Match[str], _: str) -> list[Claim] | None:
    hour, minute = int(_ascii_digits(m.group(1))), int(_ascii_digits(m.group(2)))
    value = hour * 60 + minute
    # "9:30" without am/pm could be either half of the day; "14:00" or "09:30" written with a zero cannot.
    both = 1 <= hour <= 12 and not m.group(1).startswith("0")
    return [_claim("time", m, _time_key([value, (value + 720) % 1440] if both else [value]))]


def _on_time_uhr(m: re.Match[str], _: str) -> list[Claim] | None:
    return [_claim("time", m, _time_key([int(_ascii_digits(m.group(1))) * 60]))]


def _on_time_word(m: re.Match[str], _: str) -> list[Claim] | None:
    word = m.group().lower()
    midnight = word in ("midnight", "medianoche", "minuit", "mitternacht")
    return [_claim("time", m, _time_key([0 if midnight else 720]))]


def _amounts(m: re.Match[str], loose: bool) -> list[str] | None:
    values = [_parse_number(m.group(g), loose) for g in ("a", "b") if m.group(g)]
    return None if any(v is None for v in values) or not values else [v for v in values if v is not None]


def _on_money(m: re.Match[str], _: str) -> list[Claim] | None:
    amounts = _amounts(m, loose=True)
    if amounts is None:
        return None
    raw_currency = re.sub(r"\s+", "", m.group("c"))
    currency = _currency(raw_currency)
    if raw_currency.lower().startswith("cent"):
        amounts = [_div100(a) for a in amounts]
    return [_claim("money", m, f"{a} {currency}") for a in amounts]


def _on_percent(m: re.Match[str], _: str) -> list[Claim] | None:
    amounts = _amounts(m, loose=True)
    return None if amounts is None else [_claim("percent", m, f"{a}%") for a in amounts]


def _on_duration(m: re.Match[str], _: str) -> list[Claim] | None:
    amounts = _amounts(m, loose=False)
    unit = _UNIT_BASE.get(re.sub(r"\s+", " ", m.group("u").lower()))
    if amounts is None or unit is None:
        return None
    return [_claim("duration", m, f"{a} {unit}") for a in amounts]


def _on_quantity(m: re.Match[str], _: str) -> list[Claim] | None:
    value = _parse_number(m.group("a"))
    unit = (m.group("u") or m.group("v") or "").lower()
    return None if value is None else [_claim("quantity", m, f"{value} {unit}")]


def _on_phone(m: re.Match[str], _: str) -> list[Claim] | None:
    raw = m.group()
    groups = re.findall(r"\d+", raw)
    digits = sum(len(g) for g in groups)
    if not 7 <= digits <= 15 or len(groups) > 5:
        return None
    plain = raw.lstrip("+(").replace(")", "")
    international = raw.startswith(("+", "("))
    if not international:
        # Space-grouped thousands ("1 000 000"), year ranges ("1999-2005"), decimals ("4.50 6.25") and short
        # number lists ("1 2 3 4 5 6 7") are numbers, not phone numbers.
        if re.fullmatch(rf"\d{{1,3}}(?:{_SP}\d{{3}})+", plain):
            return None
        if re.fullmatch(r"(?:19|20)\d\d[-–](?:19|20)\d\d", plain):
            return None
        if "." in plain and " " in plain:
            return None
        if len(groups) > 1 and sum(len(g) >= 3 for g in groups) < 2:
            return None
        if len(groups) == 1:
            return None  # an unseparated digit run is a number; numbers still match phone evidence
    return [_claim("phone", m, _phone_digits(raw))]


def _on_code(m: re.Match[str], _: str) -> list[Claim] | None:
    token = m.group()
    ordinal = _ORDINAL_RX.fullmatch(token)
    if ordinal:
        return [_claim("number", m, _canon(_ascii_digits(ordinal.group(1))))]
    if not (any(c.isdecimal() for c in token) and any(c.isalpha() for c in token)):
        return None
    return [_claim("code", m, token.upper())]


def _on_number(m: re.Match[str], _: str) -> list[Claim] | None:
    raw = m.group()
    if raw.lower() == "one":
        return None  # "one of our stores", "the one you need": a pronoun far more often than a count
    digits = re.sub(r"(?i)(st|nd|rd|th)$", "", raw) if raw[:1].isdecimal() else raw
    value = _parse_number(digits)
    return None if value is None else [_claim("number", m, value)]


# Order matters: earlier kinds claim their span first (a URL's digits are not numbers, "30-day" is a duration
# and not a code, "14:00" is a time and not two numbers).
_PASSES: tuple[tuple[re.Pattern[str], _Handler], ...] = (
    (_URL_RX, _on_url),
    (_EMAIL_RX, _on_email),
    (_ISO_DATE_RX, _on_iso_date),
    (_NUMERIC_DATE_RX, _on_numeric_date),
    (_DMY_RX, _on_dmy),
    (_MDY_RX, _on_mdy),
    (_MY_RX, _on_month_year),
    (_TIME12_RX, _on_time12),
    (_TIME24_RX, _on_time24),
    (_TIME_UHR_RX, _on_time_uhr),
    (_TIME_WORD_RX, _on_time_word),
    (_MONEY_PREFIX_RX, _on_money),
    (_MONEY_SUFFIX_RX, _on_money),
    (_PERCENT_RX, _on_percent),
    (_DURATION_RX, _on_duration),
    (_QUANTITY_RX, _on_quantity),
    (_PHONE_RX, _on_phone),
    (_CODE_RX, _on_code),
    (_NUMBER_RX, _on_number),
)


def _masked(text: str) -> bytearray:
    taken = bytearray(len(text))
    for rx in (_LIST_MARKER_RX, _CITATION_RX):
        for m in rx.finditer(text):
            taken[m.start() : m.end()] = b"\x01" * (m.end() - m.start())
    return taken


def checkable_tokens(text: str) -> list[Claim]:
    """Every checkable token in ``text``, in order of appearance.

    A range ("2–5 business days") yields one claim per end; ordered-list markers at line start ("1. ", "2) ")
    and citation markers ("[p1]") are not claims.
    """
    taken = _masked(text)
    claims: list[Claim] = []
    n = len(text)
    for rx, handler in _PASSES:
        pos = 0
        while pos <= n:
            m = rx.search(text, pos)
            if m is None:
                break
            s, e = m.start(), m.end()
            if taken[s : s + 1] == b"\x01":
                # Starts inside an earlier claim: resume after it.
                free = taken.find(0, s)
                pos = n + 1 if free == -1 else free
                continue
            if taken.find(1, s, e) != -1:
                # Runs into an earlier claim ("4.50 or 15%" after "S$4.50"): a later start may still fit.
                pos = s + 1
                continue
            pos = max(e, s + 1)
            found = handler(m, text)
            if not found:
                continue
            start, end = min(c.start for c in found), max(c.end for c in found)
            taken[start:end] = b"\x01" * (end - start)
            claims.extend(found)
    claims.sort(key=lambda c: (c.start, c.end))
    return claims
