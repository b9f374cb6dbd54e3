"""Words and language: the letter-run words of a text, their light stem, and the writing system and language a
text is written in. Shared by the passages' evidence and the content-word measure."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

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

_WORD_RX = re.compile(r"[^\W\d_]+")


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
