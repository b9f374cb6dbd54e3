"""The regular expressions that find checkable tokens in a text.

Numerals and number words, ranges, months, currencies, and one pattern per token kind (URL, e-mail, dates,
times, money, percentages, durations, quantities, phone numbers, codes, bare numbers), plus the list and
citation markers that are not claims.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from assistant_core.answering.support.numbers import (
    _MONTHS,
    _ONES,
    _QUANTITY_LETTERS,
    _QUANTITY_WORDS,
    _TENS,
    _UNIT_BASE,
)

_SP = r"[ \u00a0\u202f\u2009]"  # a space inside a token; never a line break, as lines are separate sentences
# Scripts written without spaces (CJK, kana, hangul, Thai, Lao, Khmer, Myanmar): a digit run next to them is
# still a number of its own ("退货期限为30天"), not part of a word or a code.
_UNSPACED = r"\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff66-\uff9f"
_WORD_CHAR = rf"[^\W{_UNSPACED}]"
_ALNUM = rf"[^\W_{_UNSPACED}]"
_NUM = rf"(?:\d{{1,3}}(?:,\d{{3}}(?!\d))+(?:\.\d+)?|\d{{1,3}}(?:{_SP}\d{{3}}(?!\d))+(?:\.\d+)?|\d+(?:\.\d+)?)"
# Amounts and percentages may also use a decimal comma ("€12,50", "12,5 %") or dots for thousands.
_NUM_LOOSE = (
    rf"(?:\d{{1,3}}(?:\.\d{{3}}(?!\d))+,\d{{1,2}}(?!\d)|\d{{1,3}}(?:,\d{{3}}(?!\d))+(?:\.\d+)?"
    rf"|\d{{1,3}}(?:{_SP}\d{{3}}(?!\d))+(?:[.,]\d{{1,2}}(?!\d))?|\d+(?:[.,]\d+)?)"
)


def _alternation(words: Iterable[str]) -> str:
    # Longest first, so "seventeen" is not read as "seven" and "business days" not as "business".
    return "|".join(re.escape(w).replace(r"\ ", f"{_SP}+") for w in sorted(set(words), key=lambda w: (-len(w), w)))


_NUM_WORD = (
    rf"(?i:(?:{_alternation(_TENS)})(?:[-\u2010 ](?:{_alternation(k for k, v in _ONES.items() if v < 10)}))?"
    rf"|{_alternation(_ONES)}|hundred|dozen)(?:[- ](?i:hundred|thousand))?"
)
_NUM_ANY = rf"(?:{_NUM}|(?<![^\W\d_]){_NUM_WORD}(?![^\W\d_]))"
_NUM_ANY_LOOSE = rf"(?:{_NUM_LOOSE}|(?<![^\W\d_]){_NUM_WORD}(?![^\W\d_]))"
_RANGE = rf"{_SP}?(?:-|–|—|(?i:to|or|and|à|a|al|bis|y|et|até)(?={_SP})){_SP}?"
_DASH_RANGE = rf"{_SP}?(?:-|–|—|(?i:to)(?={_SP})){_SP}?"
_MONTH = rf"(?i:{_alternation(_MONTHS)})"
_CUR_SYMBOL = r"(?:SG\$|S\$|AU\$|A\$|NZ\$|US\$|CA\$|C\$|HK\$|\$|＄|£|€|¥|₹|₩|₱|฿)"
_CUR_CODE = r"(?:SGD|USD|AUD|NZD|GBP|EUR|MYR|CAD|HKD|JPY|INR|CHF|CNY|RMB|KRW|IDR|PHP|THB|RM|Rp)"
_CUR_WORD = r"(?i:dollars?|cents?|euros?|pounds?|sterling|ringgit|yen)"

_URL_RX = re.compile(
    r"(?<![\w@])(?:(?i:https?|ftp)://|(?i:www)\.)[^\s<>\"`\[\]{}|\\^]+"
    r"|(?<![\w@.\-/])(?i:(?:[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?\.)+"
    r"(?:com|net|org|io|co|sg|my|au|nz|uk|us|ca|de|fr|es|info|biz|app|dev|ai|gov|edu)(?:\.[a-z]{2})?)"
    r"(?::\d{1,5})?(?:/[^\s<>\"`\[\]{}|\\^]*)?(?![\w@\-])"
)
_EMAIL_RX = re.compile(r"(?<![\w.+\-])[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)*\.[^\W\d_]{2,}(?![\w\-])")
_ISO_DATE_RX = re.compile(r"(?<![\d.\-/])(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?![\d]|[-/.]\d)")
_NUMERIC_DATE_RX = re.compile(r"(?<![\d.,/\-])(\d{1,2})([/.\-])(\d{1,2})\2(\d{4}|\d{2})(?![\d]|[/.\-]\d)")
_DMY_RX = re.compile(
    rf"(?<![\w.,])(\d{{1,2}})(?:st|nd|rd|th|er|º|\.)?{_SP}?(?:de{_SP})?({_MONTH})\.?(?![^\W\d_])"
    rf"(?:,?{_SP}?(?:de{_SP})?(\d{{4}})(?!\d))?"
)
_MDY_RX = re.compile(
    rf"(?<![^\W\d_])({_MONTH})\.?{_SP}(\d{{1,2}})(?!\d)(?:st|nd|rd|th)?(?![\w:])(?:,?{_SP}(\d{{4}})(?!\d))?"
)
_MY_RX = re.compile(rf"(?<![^\W\d_])({_MONTH})\.?,?{_SP}(?:de{_SP})?(\d{{4}})(?!\d)")
_TIME12_RX = re.compile(rf"(?<![\w:.,])(\d{{1,2}})(?:[:.]([0-5]\d))?{_SP}?(?i:(a|p)\.?{_SP}?m\b\.?)(?![^\W\d_])")
_TIME24_RX = re.compile(
    rf"(?<![\w:.,])([01]?\d|2[0-3])[:hH]([0-5]\d)(?::[0-5]\d)?(?![\d:])(?:{_SP}?(?i:uhr|hrs|h)(?![^\W\d_]))?"
)
_TIME_UHR_RX = re.compile(rf"(?<![\w:.,])([01]?\d|2[0-3]){_SP}?(?i:uhr)(?![^\W\d_])")
_TIME_WORD_RX = re.compile(
    rf"(?<![^\W\d_])(?i:(?:12{_SP}?)?noon|midday|midnight|mediodía|medianoche|midi|minuit|mittag|mitternacht)"
    r"(?![^\W\d_])"
)
_MONEY_PREFIX_RX = re.compile(
    rf"(?:(?<![^\W\d_])(?P<c>{_CUR_SYMBOL}|{_CUR_CODE}(?![^\W\d_]))){_SP}?(?P<a>{_NUM_LOOSE})(?!\d)"
    rf"(?:{_DASH_RANGE}(?:{_CUR_SYMBOL}|{_CUR_CODE})?{_SP}?(?P<b>{_NUM_LOOSE})(?!\d))?"
)
_MONEY_SUFFIX_RX = re.compile(
    rf"(?<![\w.,])(?P<a>{_NUM_ANY_LOOSE})(?:{_DASH_RANGE}(?P<b>{_NUM_ANY_LOOSE}))?{_SP}?"
    rf"(?P<c>{_CUR_CODE}|{_CUR_SYMBOL}|{_CUR_WORD})(?![^\W\d_])"
)
_PERCENT_RX = re.compile(
    rf"(?<![\w.,])(?P<a>{_NUM_ANY_LOOSE})(?:{_RANGE}(?P<b>{_NUM_ANY_LOOSE}))?{_SP}?"
    rf"(?:%|％|(?i:per{_SP}?cent|pct|pour{_SP}cent|por{_SP}ciento|prozent|per{_SP}cento|procent)(?![^\W\d_]))"
)
_DURATION_RX = re.compile(
    rf"(?<![\w.,])(?P<a>{_NUM_ANY})(?:{_RANGE}(?P<b>{_NUM_ANY}))?(?:{_SP}?\({_SP}?\d+{_SP}?\))?"
    rf"(?:{_SP}?[-\u2010]{_SP}?|{_SP})?(?P<u>(?i:{_alternation(_UNIT_BASE)}))(?![^\W\d_])"
)
_QUANTITY_RX = re.compile(
    rf"(?<![\w.,])(?P<a>{_NUM})(?:{_SP}?(?P<u>(?i:{_alternation(_QUANTITY_WORDS)}))(?![^\W\d_])"
    rf"|(?P<v>(?i:{_alternation(_QUANTITY_LETTERS)}))(?!\w))"
)
_PHONE_RX = re.compile(r"(?<![\w+.,/])\+?\(?\d[\d \u00a0().\-–]{5,24}\d(?![\w])")
_CODE_RX = re.compile(rf"(?<!{_WORD_CHAR})(?<![\-/.@])(?:{_ALNUM}+[\-_/.])*{_ALNUM}+(?!{_WORD_CHAR})(?!@)")
_ORDINAL_RX = re.compile(r"(\d+)(?:st|nd|rd|th|er|e|ème|eme)", re.I)
_NUMBER_RX = re.compile(
    rf"(?<!{_WORD_CHAR})(?<!\.)(?:{_NUM}(?:st|nd|rd|th)?(?!{_WORD_CHAR})|(?<![^\W\d_]){_NUM_WORD}(?![^\W\d_]))"
)
# Not claims: ordered-list markers at line start and citation markers like "[p1]" or "[1, 2]".
_LIST_MARKER_RX = re.compile(r"(?m)^[ \t>#]*\(?\d{1,3}[.)](?=[ \t]|$)")
_CITE_ID = r"[A-Za-z_\-]{0,12}\d+[A-Za-z]?"
_CITATION_RX = re.compile(rf"\[\^?{_CITE_ID}(?:\s*[,;]\s*{_CITE_ID})*\]|【[^】]{{0,40}}】")
