"""The one validation boundary for inbound JSON."""

from __future__ import annotations

import pytest

from assistant_core.conversation.payloads import nesting_depth, parse_json
from assistant_core.errors import BadInput


def test_depth_ignores_brackets_inside_strings() -> None:
    assert nesting_depth('{"a": "[[[[{{{{", "b": ["\\"[["]}') == 2
    assert nesting_depth("[" * 50 + "]" * 50) == 50


@pytest.mark.parametrize("raw", [
    "[" * 9 + "]" * 9, "[" * 5000, b"\xff\xfe{}", '{"a": "\\ud800"}', '{"\\udc00": 1}', "x" * 2000, None, 12, "{",
    '"\ud800"',
])
def test_bad_payloads_are_bad_input(raw: object) -> None:
    with pytest.raises(BadInput):
        parse_json(raw, max_bytes=1024)


def test_good_payloads_parse() -> None:
    assert parse_json('{"action": "send", "text": "caf\\u00e9 [sic]"}', max_bytes=1024) == {
        "action": "send", "text": "café [sic]"}
    assert parse_json(b'{"previous": "x.y.z"}', max_bytes=1024) == {"previous": "x.y.z"}
    assert parse_json("[" * 8 + "]" * 8, max_bytes=1024) == [[[[[[[[]]]]]]]]
