"""A minimal Server-Sent Events reader: the ``data`` of each event, as the bytes arrive.

Only what chat-completion streams use: ``data:`` lines (joined with newlines when an event has
several), blank-line event boundaries, ``:`` comments (keep-alives) and other fields ignored.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator


def sse_data(chunks: Iterable[bytes]) -> Iterator[str]:
    buffer = bytearray()
    data: list[str] = []
    for chunk in chunks:
        buffer += chunk
        start = 0
        while (end := buffer.find(b"\n", start)) >= 0:
            line = bytes(buffer[start:end]).rstrip(b"\r")
            start = end + 1
            if not line:
                if data:
                    yield "\n".join(data)
                    data = []
            elif not line.startswith(b":"):
                name, _, value = line.partition(b":")
                if name == b"data":
                    # A whole line never splits a UTF-8 sequence: "\n" is never inside one.
                    data.append(value.removeprefix(b" ").decode("utf-8", "replace"))
        del buffer[:start]
    # A server that ends without the final newline or blank line still meant its last event.
    tail = bytes(buffer).rstrip(b"\r")
    if tail.startswith(b"data:"):
        data.append(tail[5:].removeprefix(b" ").decode("utf-8", "replace"))
    if data:
        yield "\n".join(data)
