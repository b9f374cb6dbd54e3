"""The support gate: an answer sentence reaches a visitor only if the cited passages back it.

Two independent measures judge each sentence:

1. **Checkable tokens** (numbers, money, percentages, durations, quantities, dates, times, URLs, e-mail
   addresses, phone numbers, product/order codes) must each occur in the passages, compared on a normalised
   key ("S$4.50" and "SGD 4.50" are the same claim, "30 days" and "365 days" are not). These are the facts a
   visitor acts on, and the ones a model most often invents, so a single unsupported token blocks the sentence.
2. **Content words**: the share of the sentence's content words (stop words dropped, lightly stemmed) found in
   the passages must reach ``MIN_CONTENT_SUPPORT``. Sentences with fewer than ``MIN_CONTENT_WORDS`` content
   words ("Hi!", "Here's how:") are not judged on this measure. Nor are sentences plainly written in another
   language than the passages: we cannot judge a translation offline, so a French answer to English passages
   is judged on its tokens only.

``SupportGuard`` applies the check incrementally while the answer streams. Everything here is pure: standard
library only, no I/O, no imports from the rest of the project.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

__all__ = [
    "MIN_CONTENT_SUPPORT",
    "MIN_CONTENT_WORDS",
    "Claim",
    "SupportGuard",
    "Unsupported",
    "Verdict",
    "check_answer",
    "check_sentence",
    "checkable_tokens",
    "claim_supported",
    "content_support",
    "sentence_spans",
    "split_sentences",
]

# An extractive copy scores 1.0 and a faithful paraphrase keeps most of its nouns and verbs (the stemmer and
# the 6-letter prefix match absorb inflection), typically landing around 0.6-0.9; a sentence about something
# the passages do not discuss shares only incidental words and scores well under 0.3. Half is the line where
# the majority of what the sentence talks about must come from the passages.
MIN_CONTENT_SUPPORT = 0.5
# Below three content words there is no claim to weigh ("Hi!", "Here's how:", "Sure, happy to help.").
MIN_CONTENT_WORDS = 3


@dataclass(frozen=True, slots=True)
class Claim:
    """One checkable token: ``kind`` (number, money, percent, duration, quantity, date, time, url, email,
    phone, code), its surface ``text``, its normalised ``key`` and its span in the text it came from."""

    kind: str
    text: str
    key: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Verdict:
    """The judgement on one sentence; ``tokens`` are the surface texts of its checkable tokens."""

    supported: bool
    sentence: str
    reason: str
    tokens: tuple[str, ...] = ()


class Unsupported(Exception):
    """Raised by ``SupportGuard.releasable`` when a complete sentence is not backed by the passages."""

    def __init__(self, verdict: Verdict) -> None:
        super().__init__(verdict.reason)
        self.verdict = verdict


# --------------------------------------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------------------------------------

_ONES = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_MULTIPLIERS = {"hundred": 100, "thousand": 1000, "dozen": 12}

_MONTH_NAMES = (
    "january jan janvier enero januar jänner",
    "february feb février fevrier febrero februar",
    "march mar mars marzo märz maerz marz",
    "april apr avril abril",
    "may mai mayo",
    "june jun juin junio juni",
    "july jul juillet julio juli",
    "august aug août aout agosto",
    "september sep sept septembre septiembre setiembre",
    "october oct octobre octubre oktober",
    "november nov novembre noviembre",
    "december dec décembre decembre diciembre dezember",
)
_MONTHS = {name: number for number, names in enumerate(_MONTH_NAMES, start=1) for name in names.split()}

# Currency spellings -> ISO code; "$" is a dollar of unknown country.
_CURRENCY = {
    "s$": "SGD", "sg$": "SGD", "sgd": "SGD",
    "a$": "AUD", "au$": "AUD", "aud": "AUD",
    "nz$": "NZD", "nzd": "NZD",
    "us$": "USD", "usd": "USD",
    "c$": "CAD", "ca$": "CAD", "cad": "CAD",
    "hk$": "HKD", "hkd": "HKD",
    "$": "$", "＄": "$", "dollar": "$", "dollars": "$", "cent": "$", "cents": "$",
    "£": "GBP", "gbp": "GBP", "pound": "GBP", "pounds": "GBP", "sterling": "GBP",
    "€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR",
    "rm": "MYR", "myr": "MYR", "ringgit": "MYR",
    "¥": "JPY", "jpy": "JPY", "yen": "JPY",
    "₹": "INR", "inr": "INR", "chf": "CHF", "cny": "CNY", "rmb": "CNY",
    "₩": "KRW", "krw": "KRW", "idr": "IDR", "rp": "IDR", "php": "PHP", "₱": "PHP", "thb": "THB", "฿": "THB",
}  # fmt: skip
_DOLLARS = frozenset({"SGD", "AUD", "NZD", "USD", "CAD", "HKD", "$"})

# Duration units -> base unit. "Business day" counts as "day": the passages' wording varies more than the
# meaning, and "30 business days" vs "30 days" is a nuance the content-word measure still sees.
_DURATION_UNITS: dict[str, tuple[str, ...]] = {
    "day": (
        "business days", "business day", "business-days", "business-day", "working days", "working day",
        "calendar days", "calendar day", "days", "day", "jours ouvrables", "jour ouvrable", "jours ouvrés",
        "jour ouvré", "jours", "jour", "días hábiles", "dias úteis", "días", "día", "dias", "dia",
        "werktagen", "werktage", "werktag", "arbeitstagen", "arbeitstage", "tagen", "tage", "tag", "giorni",
        "giorno", "dagen", "dag",
    ),
    "hour": ("hours", "hour", "hrs", "hr", "h", "heures", "heure", "horas", "hora", "stunden", "stunde", "uur"),
    "minute": ("minutes", "minute", "mins", "min", "minutos", "minuto", "minuten", "minuti"),
    "second": ("seconds", "second", "secs", "sec", "secondes", "segundos", "sekunden"),
    "week": ("weeks", "week", "wks", "wk", "semaines", "semaine", "semanas", "semana", "wochen", "woche",
             "settimane", "settimana", "weken"),
    "month": ("months", "month", "mois", "meses", "mes", "monaten", "monate", "monat", "mesi", "mese", "maanden"),
    "year": ("years", "year", "yrs", "yr", "ans", "années", "année", "años", "año", "anos", "ano", "jahren",
             "jahre", "jahr", "anni", "anno", "jaar"),
}  # fmt: skip
_UNIT_BASE = {syn: base for base, syns in _DURATION_UNITS.items() for syn in syns}
# Minutes per unit, so "48 hours" and "2 days" are the same claim; months and years have no fixed length.
_UNIT_MINUTES = {"second": Fraction(1, 60), "minute": Fraction(1), "hour": Fraction(60), "day": Fraction(1440),
                 "week": Fraction(10080)}  # fmt: skip

# Measurement units that make a number a quantity ("10 GB", "1080p"); single letters only when attached.
_QUANTITY_WORDS = ("kb", "mb", "gb", "tb", "kg", "mg", "km", "cm", "mm", "ml", "mah", "kwh", "kw", "khz", "mhz",
                   "ghz", "hz", "px", "dpi", "lbs", "lb", "oz", "ft", "gbps", "mbps")  # fmt: skip
_QUANTITY_LETTERS = ("k", "p", "x", "g", "w", "v", "m", "l")

_STOP_EN = frozenset(
    """
    a about above across after afterwards again against all almost along already also although always am
    among an and another any anyone anything anyway anywhere are around as at back be became because become
    been before being below beside besides between both but by can cannot could did do does doing done down
    during each either else elsewhere enough etc even ever every everyone everything few for from further
    get gets getting got had has have having he hence her here hers herself him himself his how however i if
    in inside into is it its itself just least less let lets like many may me meanwhile might mine more
    moreover most mostly much must my myself near need needs neither never nevertheless next no nobody none
    nor not nothing now of off often on once one only onto or other others otherwise our ours ourselves out
    over own per perhaps please quite rather really same see seem seems several she should simply since so
    some somehow someone something sometimes somewhere still such sure than thank thanks that the their
    theirs them themselves then there thereafter thereby therefore these they this those though through
    throughout thus to together too toward towards under until up upon us use used uses using very via was
    we well were what whatever when whenever where whereas wherever whether which while who whoever whole
    whom whose why will with within without would yes yet you your yours yourself yourselves
    able hi hello hey okay ok great happy glad help helps make makes made want wants know let's sorry
    welcome note noted below above following follow simply just feel free regarding kindly certainly
    definitely absolutely basically actually question questions answer
    don doesn didn isn aren wasn weren won wouldn couldn shouldn hasn haven hadn ll re ve
    """.split()
)

# Function words per language, to tell which language a sentence is written in.
_LANG_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset(
        "the and of to is are for with you your this that it be can will our we have has from by at or not if "
        "within after before how what when which was were there their they them been would should these those "
        "its into than then also any all each".split()
    ),
    "fr": frozenset(
        "le la les un une des du de et est sont pour dans sur avec par pas ne que qui vous votre vos nous notre "
        "nos au aux ce cette ces il elle ils elles ou mais sous chez être avez pouvez peut jusqu leur dès après "
        "avant aussi très sans d l qu n".split()
    ),
    "es": frozenset(
        "el la los las un una unos unas de del y es son para por con en que se su sus usted ustedes nuestro "
        "nuestra nuestros al lo como pero más muy está están hasta desde dentro puede puedes tiene tienes "
        "después antes sin también".split()
    ),
    "de": frozenset(
        "der die das den dem des ein eine einen einem einer und ist sind für mit von zu im in auf bei nicht sie "
        "ihr ihre ihren wir unser unsere innerhalb oder aber auch nach wird werden kann können es sich zum zur "
        "bis vom dass wie".split()
    ),
    "it": frozenset(
        "il lo gli le della delle dei degli di e è sono per con nel nella che non una uno al alla entro dopo "
        "puoi può vostro tuo".split()
    ),
    "pt": frozenset(
        "o os as um uma do da dos das e é são para com em no na não que você seu sua ao pelo pela até após".split()
    ),
    "nl": frozenset(
        "de het een en is zijn voor met van op niet je u uw wij ons binnen na of maar ook kan worden wordt".split()
    ),
}
# Words of exactly one language are the evidence for it ("de" is French, Spanish, Dutch... so it proves none).
_LANG_EXCLUSIVE = {
    lang: frozenset(w for w in words if not any(w in other for o, other in _LANG_WORDS.items() if o != lang))
    for lang, words in _LANG_WORDS.items()
}
# Words that show a sentence is *not* in ``lang``: function words of other languages that ``lang`` lacks.
_LANG_FOREIGN = {
    lang: frozenset().union(*(o for k, o in _LANG_WORDS.items() if k != lang)) - words
    for lang, words in _LANG_WORDS.items()
}

# Words after which "." does not end a sentence.
_ABBREVIATIONS = frozenset(
    "e.g i.e p.m a.m mr mrs ms dr prof sr jr st vs cf approx incl esp dept z.b d.h u.a bzw ca".split()
)
# Words after which "." does not end a sentence when a number follows ("No. 5", "Tel. 6123 4567").
_NUMBER_ABBREVIATIONS = frozenset("no nos nr núm num tel ph fig vol ext p pp art sec ch op".split())

# --------------------------------------------------------------------------------------------------------
# Token patterns
# --------------------------------------------------------------------------------------------------------

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
_PHONE_LOOSE_RX = re.compile(r"\+?\(?\d[\d \u00a0().\-–]*\d")
_CODE_RX = re.compile(rf"(?<!{_WORD_CHAR})(?<![\-/.@])(?:{_ALNUM}+[\-_/.])*{_ALNUM}+(?!{_WORD_CHAR})(?!@)")
_ORDINAL_RX = re.compile(r"(\d+)(?:st|nd|rd|th|er|e|ème|eme)", re.I)
_NUMBER_RX = re.compile(
    rf"(?<!{_WORD_CHAR})(?<!\.)(?:{_NUM}(?:st|nd|rd|th)?(?!{_WORD_CHAR})|(?<![^\W\d_]){_NUM_WORD}(?![^\W\d_]))"
)
# Not claims: ordered-list markers at line start and citation markers like "[p1]" or "[1, 2]".
_LIST_MARKER_RX = re.compile(r"(?m)^[ \t>#]*\(?\d{1,3}[.)](?=[ \t]|$)")
_CITE_ID = r"[A-Za-z_\-]{0,12}\d+[A-Za-z]?"
_CITATION_RX = re.compile(rf"\[\^?{_CITE_ID}(?:\s*[,;]\s*{_CITE_ID})*\]|【[^】]{{0,40}}】")

_WORD_RX = re.compile(r"[^\W\d_]+")
_DIGIT_RUN_RX = re.compile(r"(?<![\d.,])\d+(?:[.,]\d+)*")
_SPACED_THOUSANDS_RX = re.compile(rf"(?<!\d)\d{{1,3}}(?:{_SP}\d{{3}}(?!\d))+")
_NUM_WORD_RX = re.compile(rf"(?<![^\W\d_]){_NUM_WORD}(?![^\W\d_])")
_LOOSE_CODE_RX = re.compile(r"[^\W_]+(?:[\-_/.][^\W_]+)*")


# --------------------------------------------------------------------------------------------------------
# Normalisation helpers
# --------------------------------------------------------------------------------------------------------


def _ascii_digits(s: str) -> str:
    # Any Unicode decimal digit ("٣", "３") reads as its ASCII value, so keys compare across scripts.
    return "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in s)


def _canon(int_part: str, frac_part: str = "") -> str:
    # Exact string canonicalisation ("04.50" -> "4.5"); Decimal would round long digit strings.
    int_part = int_part.lstrip("0") or "0"
    frac_part = frac_part.rstrip("0")
    return f"{int_part}.{frac_part}" if frac_part else int_part


def _parse_number(raw: str, loose: bool = False) -> str | None:
    """Canonical decimal string of a numeral or an English number word, or None."""
    s = _ascii_digits(raw).replace("\u00a0", " ").replace("\u202f", " ").replace("\u2009", " ")
    if not any(c.isdigit() for c in s):
        value = _word_value(s)
        return None if value is None else str(value)
    s = s.replace(" ", "")
    if loose and re.fullmatch(r"\d{1,3}(?:\.\d{3})+,\d+", s):
        s = s.replace(".", "").replace(",", ".")
    elif re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", s):
        s = s.replace(",", "")
    elif loose:
        s = s.replace(",", ".")
    if not re.fullmatch(r"\d+(?:\.\d+)?", s):
        return None
    int_part, _, frac_part = s.partition(".")
    return _canon(int_part, frac_part)


def _word_value(s: str) -> int | None:
    total = 0
    seen = False
    for part in re.split(r"[-\u2010\s]+", s.strip().lower()):
        if part in _ONES or part in _TENS:
            total += _ONES.get(part, 0) + _TENS.get(part, 0)
            seen = True
        elif part in _MULTIPLIERS:
            total = max(total, 1) * _MULTIPLIERS[part]
            seen = True
        elif part:
            return None
    return total if seen else None


def _div100(canon: str) -> str:
    int_part, _, frac_part = canon.partition(".")
    int_part = int_part.rjust(3, "0")
    return _canon(int_part[:-2], int_part[-2:] + frac_part)


def _currency(raw: str) -> str:
    return _CURRENCY.get(raw.lower(), raw.upper())


def _currencies_compatible(a: str, b: str) -> bool:
    # A bare "$" is a dollar of unknown country: it neither contradicts nor confirms "S$" or "US$".
    return a == b or (a == "$" and b in _DOLLARS) or (b == "$" and a in _DOLLARS)


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


# --------------------------------------------------------------------------------------------------------
# Evidence: everything the passages can back, built once per set of passages
# --------------------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------------------
# Content words and language
# --------------------------------------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    return _WORD_RX.findall(unicodedata.normalize("NFKC", text).casefold())


def _stem(word: str) -> str:
    # Light, language-agnostic-enough suffix stripping: enough for "returns/returned/returning" to meet.
    w = word
    if len(w) > 4:
        if w.endswith("ies"):
            w = w[:-3] + "y"
        else:
            for suffix in ("ingly", "edly", "ings", "ing", "ed", "es", "ly", "s"):
                if w.endswith(suffix) and len(w) - len(suffix) >= 3 and not (suffix == "s" and w.endswith("ss")):
                    w = w[: -len(suffix)]
                    break
        if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "aeiouls":
            w = w[:-1]  # "shipp(ing)" -> "ship"
    if len(w) > 3 and w.endswith("e"):
        w = w[:-1]  # "use"/"using" and "base"/"based" meet at "us"/"bas"
    return w


def _content_words(sentence: str) -> list[str]:
    # Checkable tokens are judged on their own; their words ("https", "days", "SGD") are not content.
    claims = checkable_tokens(sentence)
    if claims:
        parts, pos = [], 0
        for c in claims:
            if c.start >= pos:
                parts.append(sentence[pos : c.start])
                pos = c.end
        parts.append(sentence[pos:])
        sentence = " ".join(parts)
    sentence = _CITATION_RX.sub(" ", sentence)
    seen: dict[str, None] = {}
    for w in _words(sentence):
        if len(w) > 1 and w not in _STOP_EN:
            seen.setdefault(w)
    return list(seen)


def _word_backed(word: str, ev: _Evidence) -> bool:
    stem = _stem(word)
    return stem in ev.stems or (len(stem) >= 6 and stem[:6] in ev.prefixes)


def _content_share(words: Sequence[str], ev: _Evidence) -> float:
    return sum(_word_backed(w, ev) for w in words) / len(words) if words else 1.0


def content_support(sentence: str, passages_text: str) -> float:
    """Share of the sentence's content words found in ``passages_text`` (1.0 for an extractive copy).

    Content words are lower-cased letter runs minus stop words and the words of checkable tokens, matched
    after light stemming or on a common 6-letter prefix. A sentence with fewer than ``MIN_CONTENT_WORDS``
    content words makes no claim on this measure and scores 1.0. This function does not look at language;
    ``check_sentence`` skips the measure for sentences in another language than the passages.
    """
    words = _content_words(sentence)
    if len(words) < MIN_CONTENT_WORDS:
        return 1.0
    return _content_share(words, _evidence((passages_text,)))


def _script(ch: str) -> str | None:
    if ch < "\u0250":
        return "LATIN"
    try:
        name = unicodedata.name(ch)
    except ValueError:
        return None
    first = name.split(" ", 1)[0]
    # Japanese mixes kana with kanji; treat all of East Asian ideographic writing as one profile.
    return "CJK" if first in ("CJK", "HIRAGANA", "KATAKANA", "HALFWIDTH", "IDEOGRAPHIC") else first


def _dominant_script(text: str, limit: int = 4000) -> str | None:
    counts: dict[str, int] = {}
    seen = 0
    for ch in text:
        if ch.isalpha():
            script = _script(ch)
            if script:
                counts[script] = counts.get(script, 0) + 1
            seen += 1
            if seen >= limit:
                break
    return max(counts, key=lambda k: (counts[k], k)) if counts else None


def _language_profile(words: Sequence[str], text: str) -> tuple[str | None, str | None]:
    script = _dominant_script(text, limit=20000)
    hits = {lang: sum(w in excl for w in words) for lang, excl in _LANG_EXCLUSIVE.items()}
    best = max(hits, key=lambda k: (hits[k], k))
    return script, (best if hits[best] >= 2 else None)


def _other_language(sentence: str, ev: _Evidence) -> bool:
    """Whether the sentence is plainly in a different language than the passages: a different writing system,
    or (for Latin script) no exclusive function word of the passages' language but function words of others."""
    letters = sum(ch.isalpha() for ch in sentence)
    if ev.script is None or letters < 2:
        return False
    script = _dominant_script(sentence)
    if script is not None and script != ev.script:
        return True
    if ev.language is None:
        return False
    words = _words(sentence)
    if any(w in _LANG_EXCLUSIVE[ev.language] for w in words):
        return False
    # One foreign function word and none of the passages' language: English sentences of any length almost
    # always carry one of "the, and, to, of, is, for, you, with...".
    return any(w in _LANG_FOREIGN[ev.language] for w in words)


# --------------------------------------------------------------------------------------------------------
# Checking sentences
# --------------------------------------------------------------------------------------------------------


def _check(sentence: str, ev: _Evidence) -> Verdict:
    claims = checkable_tokens(sentence)
    tokens = tuple(dict.fromkeys(c.text for c in claims))
    for c in claims:
        if not _supported(c, ev):
            return Verdict(False, sentence, f"unsupported token {c.text!r}", tokens)
    if _other_language(sentence, ev):
        return Verdict(True, sentence, "tokens supported; other language, content words not judged", tokens)
    words = _content_words(sentence)
    if len(words) < MIN_CONTENT_WORDS:
        return Verdict(True, sentence, "tokens supported; too few content words to judge", tokens)
    share = _content_share(words, ev)
    if share < MIN_CONTENT_SUPPORT:
        return Verdict(False, sentence, f"content words {share:.2f} < {MIN_CONTENT_SUPPORT}", tokens)
    return Verdict(True, sentence, f"supported; content words {share:.2f}", tokens)


def check_sentence(sentence: str, passages: Sequence[str]) -> Verdict:
    """Judge one sentence against the cited passages.

    Every checkable token must be backed (see ``claim_supported``). Then, unless the sentence is plainly in
    another language than the passages (translation cannot be judged offline, so only its tokens count) or
    has fewer than ``MIN_CONTENT_WORDS`` content words, at least ``MIN_CONTENT_SUPPORT`` of its content words
    must occur in the passages.
    """
    return _check(sentence.strip(), _evidence(tuple(passages)))


def check_answer(text: str, passages: Sequence[str]) -> list[Verdict]:
    """A verdict for every sentence of ``text``, in order."""
    ev = _evidence(tuple(passages))
    return [_check(text[s:e], ev) for s, e in sentence_spans(text)]


# --------------------------------------------------------------------------------------------------------
# Sentence splitting
# --------------------------------------------------------------------------------------------------------

_LINE_BREAKS = "\n\r\u2028\u2029\x85\x0b\x0c"
_CLOSERS = "\"'”’»)]*_`"
_TERMINATOR_RX = re.compile(rf"[{_LINE_BREAKS}]|[.!?…‼⁇⁈⁉]+[{re.escape(_CLOSERS)}]*|[。！？｡]+[」』”’\"')\]）】》]*")
_WAIT = object()  # not decidable until more text arrives
_MAX_LOOKAHEAD = 64  # whitespace we are willing to look across for "No. 5"


def _decide(text: str, m: re.Match[str], final: bool) -> tuple[int, int] | object | None:
    """(cut, next_start) when ``m`` ends a sentence, None when it does not, ``_WAIT`` when the text so far
    cannot tell. Decisions only look a bounded distance ahead, so once made they never change as text grows."""
    s, e, n = m.start(), m.end(), len(text)
    first = text[s]
    if first in _LINE_BREAKS:
        return (s, e)
    if first in "。！？｡":
        return (e, e) if e < n or final else _WAIT
    if e == n:
        return (e, e) if final else _WAIT
    if not text[e].isspace():
        return None  # "4.50", "e.g.,", "example.com", "?!x"
    run = m.group()
    if run[0] == "." and (len(run) == 1 or run[1] not in ".!?…"):
        j = s
        while j > 0 and s - j < 16 and not text[j - 1].isspace():
            j -= 1
        word = text[j:s].lstrip("([{\"'“‘*_").lower()
        if word in _ABBREVIATIONS:
            return None
        if word.isdecimal() and len(word) <= 3 and _at_line_start(text, s - len(word)):
            return None  # "1. " list marker
        if word in _NUMBER_ABBREVIATIONS:
            k = e
            while k < n and text[k].isspace() and text[k] not in _LINE_BREAKS and k - e < _MAX_LOOKAHEAD:
                k += 1
            if k == n:
                return (e, e) if final else _WAIT
            if text[k].isdecimal() or text[k] in "#+":
                return None
    return (e, e)


def _at_line_start(text: str, i: int) -> bool:
    k = i
    while k > 0 and text[k - 1] in " \t>#(" and i - k < _MAX_LOOKAHEAD:
        k -= 1
    return k == 0 or text[k - 1] in _LINE_BREAKS


def _boundaries(text: str, pos: int, final: bool) -> tuple[list[tuple[int, int]], int]:
    """Sentence boundaries decidable from ``pos`` on, and where to resume once more text has arrived."""
    found: list[tuple[int, int]] = []
    while True:
        m = _TERMINATOR_RX.search(text, pos)
        if m is None:
            return found, len(text)
        decision = _decide(text, m, final)
        if decision is _WAIT:
            return found, m.start()
        if isinstance(decision, tuple):
            found.append(decision)
        pos = m.end()


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every non-blank sentence, whitespace trimmed.

    A sentence ends at . ! ? … followed by whitespace or the end (closing quotes, brackets and Markdown
    emphasis stay with it), at 。！？, and at every line break, so list items and headings stand alone. No
    split after "e.g.", "i.e.", "a.m.", "p.m.", "Mr." and the like, after "No." before a number, after a list
    marker "1.", or inside "4.50", URLs and e-mail addresses.
    """
    spans: list[tuple[int, int]] = []
    bounds, _ = _boundaries(text, 0, final=True)
    start = 0
    for cut, nxt in [*bounds, (len(text), len(text))]:
        s, e = _trimmed(text, start, cut)
        if s < e:
            spans.append((s, e))
        start = nxt
    return spans


def split_sentences(text: str) -> list[str]:
    """The non-blank sentences of ``text`` (see ``sentence_spans``)."""
    return [text[s:e] for s, e in sentence_spans(text)]


# --------------------------------------------------------------------------------------------------------
# Streaming guard
# --------------------------------------------------------------------------------------------------------

# Characters that start or may become a checkable token: digits, '@', currency signs, "://", "www.", and a dot
# between letters ("example.com"). A sentence containing any of them is held whole until verified.
_HOT_CHARS_RX = re.compile(r"[\d@$¢£¤¥֏؋৲৳৻૱௹฿៛₠-₿﷼﹩＄￠￡￥￦%％]|://|(?i:www)\.|[^\W_]\.[^\W_]")
# Whole words that start a checkable token without a digit ("thirty days", "SGD 4", "March 3", "noon").
_HOT_WORDS_RX = re.compile(
    r"(?<![^\W\d_])(?:"
    + _alternation(
        [*_ONES, *_TENS, *_MULTIPLIERS, *_MONTHS, "percent", "noon", "midday", "midnight", "mediodía"]
        + ["medianoche", "midi", "minuit", "mittag", "mitternacht"]
        + [k for k in _CURRENCY if k.isalpha()]
    )
    + r")(?![^\W\d_])",
    re.IGNORECASE,
)
_SPACE_RUN_RX = re.compile(r"\s+")


class SupportGuard:
    """Decides, while an answer streams, how much of it may be shown.

    ``releasable(text)`` is called with the whole text received so far (it only grows). It returns how many
    leading characters may be shown: every complete sentence verified supported, plus, for the unfinished
    last sentence, its text up to the last whitespace, as long as it holds nothing that is or may become a
    checkable token (digit, '@', currency sign, "://", "www.", a number or month word, a code). A sentence
    holding one is shown only once it is complete and verified. When a complete sentence fails, ``Unsupported``
    is raised (again on every later call). The returned value never decreases.

    Note: an unfinished sentence with no token in sight is shown word by word, so a sentence that later fails
    (a wrong figure arriving late, or too few content words backed) may already be partly visible; the caller
    retracts it. Pass ``hold_sentences=True`` to show only complete, verified sentences.

    Each call costs O(new text): verified sentences are never rescanned.
    """

    def __init__(self, passages: Sequence[str], *, hold_sentences: bool = False) -> None:
        self._ev = _evidence(tuple(passages))
        self._hold_sentences = hold_sentences
        self._seen = 0
        self._released = 0
        self._resume = 0  # where boundary scanning continues
        self._start = 0  # start of the open (unfinished) sentence
        self._failed: Verdict | None = None
        self._done = False
        self._last_space_end = -1  # end of the last whitespace run seen
        self._space_scan = 0
        self._hot = False
        self._hot_char_scan = 0
        self._hot_word_scan = 0

    @property
    def released(self) -> int:
        """Characters released so far."""
        return self._released

    def releasable(self, text: str) -> int:
        if self._failed is not None:
            raise Unsupported(self._failed)
        if self._done:
            return self._released
        self._grow(text)
        self._advance(text, final=False)
        if not self._hold_sentences:
            self._release_open_part(text)
        return self._released

    def finish(self, text: str) -> Verdict | None:
        """Check everything not yet checked, the last sentence included; the first failing verdict or None."""
        if self._failed is not None:
            return self._failed
        if self._done:
            return None
        self._grow(text)
        try:
            self._advance(text, final=True)
        except Unsupported as exc:
            return exc.verdict
        s, e = _trimmed(text, self._start, len(text))
        if s < e:
            verdict = _check(text[s:e], self._ev)
            if not verdict.supported:
                self._failed = verdict
                return verdict
        self._released = max(self._released, len(text))
        self._done = True
        return None

    def _grow(self, text: str) -> None:
        if len(text) < self._seen:
            raise ValueError("SupportGuard: the text may only grow between calls")
        self._seen = len(text)

    def _advance(self, text: str, final: bool) -> None:
        bounds, self._resume = _boundaries(text, self._resume, final)
        for cut, nxt in bounds:
            s, e = _trimmed(text, self._start, cut)
            if s < e:
                verdict = _check(text[s:e], self._ev)
                if not verdict.supported:
                    self._failed = verdict
                    raise Unsupported(verdict)
                self._released = max(self._released, e)
            self._start = nxt
            self._hot = False
            self._hot_char_scan = nxt
            self._hot_word_scan = nxt

    def _release_open_part(self, text: str) -> None:
        n, start = len(text), self._start
        for m in _SPACE_RUN_RX.finditer(text, max(self._space_scan - 1, 0)):
            self._last_space_end = m.end()
        self._space_scan = n
        if not self._hot:
            # Back up a few characters: "://", "www." and "a.b" may straddle two calls.
            pos = max(start, self._hot_char_scan - 3)
            self._hot = _HOT_CHARS_RX.search(text, pos) is not None
            self._hot_char_scan = n
        if not self._hot and self._last_space_end > self._hot_word_scan:
            # Only words followed by whitespace are complete; the word being typed is not released anyway.
            pos = max(start, self._hot_word_scan)
            self._hot = _HOT_WORDS_RX.search(text, pos, self._last_space_end) is not None
            self._hot_word_scan = self._last_space_end
        if not self._hot and self._last_space_end > start:
            self._released = max(self._released, self._last_space_end)
