"""The one validation boundary for JSON that arrives from outside: WebSocket frames and ``/token`` bodies.

Before anything reads a payload it must be: text or UTF-8 bytes (invalid UTF-8 is refused), within a
size limit, nested no deeper than a small limit (checked by a scan *before* parsing, so a deeply
nested body can never exhaust the parser's recursion), valid JSON, and free of lone surrogates in any
key or string (``"\\ud800"`` is valid JSON but no store, log or socket can encode it). Every failure is
a ``BadInput``; callers turn it into their documented error frame or 4xx.
"""

from __future__ import annotations

import json
from typing import Any

from assistant_core.errors import BadInput

MAX_DEPTH = 8  # our frames are flat objects; a token body is one object


def parse_json(raw: object, *, max_bytes: int, max_depth: int = MAX_DEPTH) -> Any:
    """The parsed value, or ``BadInput`` saying which rule the payload broke."""
    if isinstance(raw, bytes | bytearray):
        if len(raw) > max_bytes:
            raise BadInput(f"payload larger than {max_bytes} bytes")
        try:
            text = bytes(raw).decode("utf-8")
        except UnicodeDecodeError as e:
            raise BadInput("payload is not valid UTF-8") from e
    elif isinstance(raw, str):
        text = raw
        try:
            size = len(text.encode("utf-8"))
        except UnicodeEncodeError as e:
            raise BadInput("payload contains a lone surrogate") from e
        if size > max_bytes:
            raise BadInput(f"payload larger than {max_bytes} bytes")
    else:
        raise BadInput("payload missing or not text")
    if nesting_depth(text) > max_depth:
        raise BadInput(f"payload nested deeper than {max_depth}")
    try:
        value = json.loads(text)
    except (ValueError, RecursionError) as e:
        raise BadInput("payload is not JSON") from e
    _check_strings(value)
    return value


def nesting_depth(text: str) -> int:
    """How deep ``[``/``{`` nest in ``text``, ignoring brackets inside JSON strings (a linear scan)."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def _check_strings(value: Any) -> None:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            _encodable(item)
        elif isinstance(item, dict):
            for key, inner in item.items():
                _encodable(key)
                stack.append(inner)
        elif isinstance(item, list):
            stack.extend(item)


def _encodable(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as e:
        raise BadInput("payload contains a lone surrogate") from e
