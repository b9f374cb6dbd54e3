"""The double's event-stream encoder against botocore's decoder: real frames, real CRCs."""

from __future__ import annotations

import json
import struct
import zlib

import pytest
from botocore.eventstream import ChecksumMismatch, EventStreamBuffer

from tests.doubles.eventstream import corrupt, event_frame, exception_frame, frame


def decode(raw: bytes) -> list:
    buffer = EventStreamBuffer()
    buffer.add_data(raw)
    return list(buffer)


def test_event_frame_round_trips_through_botocore() -> None:
    body = {"contentBlockIndex": 0, "delta": {"toolUse": {"input": '{"citation_ids":["p1"],"text":"Grüße'}}}
    [message] = decode(event_frame("contentBlockDelta", body))
    assert message.headers == {
        ":message-type": "event", ":event-type": "contentBlockDelta", ":content-type": "application/json",
    }
    assert json.loads(message.payload) == body


def test_prelude_and_message_crcs_are_the_ones_the_format_defines() -> None:
    raw = frame({":message-type": "event"}, b"{}")
    total, headers_len, prelude_crc = struct.unpack(">III", raw[:12])
    assert total == len(raw) and headers_len == len(raw) - 12 - 2 - 4
    assert prelude_crc == zlib.crc32(raw[:8])
    assert struct.unpack(">I", raw[-4:])[0] == zlib.crc32(raw[:-4])


def test_exception_frame_and_split_delivery() -> None:
    raw = event_frame("messageStart", {"role": "assistant"}) + exception_frame("throttlingException", "slow down")
    buffer = EventStreamBuffer()
    messages = []
    for i in range(len(raw)):  # one byte at a time, as a slow network might deliver it
        buffer.add_data(raw[i : i + 1])
        messages.extend(buffer)  # a frame is yielded only once all its bytes are in
    assert [m.headers.get(":event-type") or m.headers.get(":exception-type") for m in messages] == [
        "messageStart", "throttlingException",
    ]
    assert json.loads(messages[1].payload) == {"message": "slow down"}


def test_a_corrupt_frame_is_rejected_by_botocore() -> None:
    with pytest.raises(ChecksumMismatch):
        decode(corrupt(event_frame("messageStop", {"stopReason": "tool_use"})))
