"""Checks on what a visitor types, shared by the CLI and the WebSocket handler."""

from __future__ import annotations

import re
import unicodedata

from assistant_core.errors import BadInput

MAX_QUESTION_CHARS = 1000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class TooLong(BadInput):
    pass


def clean_question(text: object, max_chars: int = MAX_QUESTION_CHARS) -> str:
    """The question, normalised (NFC, trimmed), or ``BadInput`` with a message fit for the sender."""
    if not isinstance(text, str):
        raise BadInput("the question must be text")
    if _CONTROL.search(text):
        raise BadInput("the question contains control characters")
    text = unicodedata.normalize("NFC", text).strip()
    if not text:
        raise BadInput("the question is empty")
    if len(text) > max_chars:
        raise TooLong(f"the question is longer than {max_chars} characters ({len(text)})")
    return text
