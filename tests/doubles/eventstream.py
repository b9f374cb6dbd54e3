"""AWS event-stream frames (``application/vnd.amazon.eventstream``), built byte by byte.

Frame: total length (u32 BE) | headers length (u32 BE) | CRC32 of those 8 bytes | headers |
payload | CRC32 of everything before it. Header: name length (u8) | name | type (u8, 7 = string)
| value length (u16 BE) | UTF-8 value. Written from the format, not from botocore, so that
botocore's decoder checks our bytes rather than its own.
"""

from __future__ import annotations

import json
import struct
import zlib
from collections.abc import Mapping
from typing import Any

STRING = 7
PRELUDE = 12  # total length + headers length + prelude CRC
MESSAGE_CRC = 4


def encode_headers(headers: Mapping[str, str]) -> bytes:
    out = bytearray()
    for name, value in headers.items():
        raw_name, raw_value = name.encode("utf-8"), value.encode("utf-8")
        out += struct.pack(">B", len(raw_name)) + raw_name
        out += struct.pack(">BH", STRING, len(raw_value)) + raw_value
    return bytes(out)


def frame(headers: Mapping[str, str], payload: bytes) -> bytes:
    raw_headers = encode_headers(headers)
    total = PRELUDE + len(raw_headers) + len(payload) + MESSAGE_CRC
    prelude = struct.pack(">II", total, len(raw_headers))
    head = prelude + struct.pack(">I", zlib.crc32(prelude)) + raw_headers + payload
    return head + struct.pack(">I", zlib.crc32(head))


def event_frame(event_type: str, body: Mapping[str, Any]) -> bytes:
    headers = {":message-type": "event", ":event-type": event_type, ":content-type": "application/json"}
    return frame(headers, json.dumps(body).encode("utf-8"))


def exception_frame(exception_type: str, message: str) -> bytes:
    headers = {":message-type": "exception", ":exception-type": exception_type, ":content-type": "application/json"}
    return frame(headers, json.dumps({"message": message}).encode("utf-8"))


def error_frame(code: str, message: str) -> bytes:
    return frame({":message-type": "error", ":error-code": code, ":error-message": message}, b"")


def corrupt(raw_frame: bytes) -> bytes:
    """The same frame with its message CRC broken (what a damaged connection looks like)."""
    return raw_frame[:-4] + struct.pack(">I", (struct.unpack(">I", raw_frame[-4:])[0] ^ 0xFFFF))
