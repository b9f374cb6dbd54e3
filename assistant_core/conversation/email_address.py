"""The one rule for what may be an e-mail address: the intake checks a visitor's contact frame with
it, and fn-handoff checks the event again with it (the event may come from elsewhere than the intake).

Deliberately loose (something@something.tld, no spaces): staff read the address, nothing sends to it
automatically, and a stricter rule would turn away real addresses.
"""

from __future__ import annotations

import re

MAX_LENGTH = 254  # RFC 5321's limit on a forward path, less the angle brackets
PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"  # also the JSON Schema "pattern" of the contact frame
_EMAIL = re.compile(PATTERN)


def is_email(text: str) -> bool:
    return len(text) <= MAX_LENGTH and _EMAIL.match(text) is not None
