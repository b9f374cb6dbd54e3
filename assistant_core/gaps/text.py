"""Question text → comparable token sets, for grouping knowledge gaps (no external service, no stemmer library).

Deliberately crude and deterministic so a writer can be told why two questions were grouped:
NFKC + lowercase, apostrophes dropped ("don't" → "dont"), anything not a letter or digit → space,
a short list of question-framing stop words removed, and a few English endings folded
(plural, -ing, -ed, final -e, doubled final consonant): "Shipping to Norway?" and "do you ship to
norway" both become {ship, norway}.
"""

from __future__ import annotations

import re
import unicodedata

_NOT_WORD = re.compile(r"[^\w]+|_+")
_APOSTROPHES = re.compile(r"['’`´]")

STOP_WORDS = frozenset(
    """
    a an the is are am be been being was were do does did done can could would should will shall may might must
    i me my mine we us our you your yours it its this that these those there here to of in on at by for from with
    into onto about as and or but if so than then also just too very how what when where why which who whom whose
    please pls hi hello hey thanks thank ok okay yes any some get got have has had having want wanted need needs
    like know tell much many dont cant wont im ive id youre whats hows theres isnt arent doesnt didnt
    possible possibly able way question questions wondering anyone someone
    """.split()
)
_CONSONANTS = frozenset("bcdfghjklmnpqrtvwxz")  # 's' is left out: "pass", "address" keep their double s


def normalise(text: str) -> str:
    """Lowercased words separated by single spaces (what counts as "the same phrasing")."""
    text = _APOSTROPHES.sub("", unicodedata.normalize("NFKC", text).lower())
    return " ".join(_NOT_WORD.sub(" ", text).split())


def stem(word: str) -> str:
    """Fold a few English endings; short words and anything with a digit stay as they are."""
    if len(word) <= 3 or any(c.isdigit() for c in word):
        return word
    # Plural first, then -ing/-ed, so "settings" → "setting" → "set" meets "setting" → "set".
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("sses"):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if word.endswith("ing") and len(word) >= 6:
        word = word[:-3]
    elif word.endswith("ed") and not word.endswith("eed") and len(word) >= 5:
        word = word[:-2]
    if len(word) >= 4 and word[-1] == word[-2] and word[-1] in _CONSONANTS:
        word = word[:-1]  # shipp(ing) → ship, cancell(ed) → cancel, bill → bil (same for "billing")
    if len(word) >= 4 and word.endswith("e"):
        word = word[:-1]  # charge / charged / charging → charg
    return word


def tokens(normalised: str) -> frozenset[str]:
    """Content tokens of a normalised question; falls back to all its words (or the text) if none are left."""
    words = normalised.split()
    content = frozenset(stem(w) for w in words if w not in STOP_WORDS)
    return content or frozenset(words) or frozenset({normalised})


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a and not b:
        return 1.0
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared)
