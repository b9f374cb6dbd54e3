"""The vocabulary of numeric claims and its normalisation.

Number words, month names, currency spellings, duration and measurement units, and the helpers that turn a
numeral, an amount or a currency into the canonical key claims are compared on.
"""

from __future__ import annotations

import re
import unicodedata
from fractions import Fraction

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
