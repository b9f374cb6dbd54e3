"""``--model replay:FILE``: replays a recorded model event stream from JSON Lines.

One event per line (blank lines and lines starting with ``//`` are ignored):
  {"tool_start": "answer", "id": "tooluse_1"}      a tool call begins ("id" optional)
  {"input": "{\\"citation_ids\\":[\\"p1\\"],"}        a fragment of the tool input JSON
  {"text": "..."}                                   free text outside a tool (never shown)
  {"stop": "tool_use"}                              the stop reason
  {"usage": {"input_tokens": 900, "output_tokens": 60}}
  {"error": "throttlingException"}                  the stream fails here (a model error)
  {"sleep_ms": 40}                                  pause, to replay realistic pacing
The file is checked when loaded, so a malformed file fails before any visitor sees anything.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from assistant_core.answering.ports import (
    ModelEvent,
    ModelRequest,
    Stop,
    TextDelta,
    ToolInputDelta,
    ToolStart,
    Usage,
)

from ..errors import BadInput, ModelError, ModelThrottled, ModelUnavailable

_KINDS = ("tool_start", "input", "text", "stop", "usage", "error", "sleep_ms")


def _event(line_no: int, obj: Any) -> ModelEvent | tuple[str, Any]:
    if not isinstance(obj, dict):
        raise BadInput(f"line {line_no}: expected a JSON object")
    kinds = [k for k in _KINDS if k in obj]
    if len(kinds) != 1:
        raise BadInput(f"line {line_no}: expected exactly one of {', '.join(_KINDS)}")
    kind = kinds[0]
    value = obj[kinds[0]]
    if kind in ("tool_start", "input", "text", "stop", "error") and not isinstance(value, str):
        raise BadInput(f"line {line_no}: {kind!r} must be a string")
    if kind == "tool_start":
        return ToolStart(value, str(obj.get("id", "")))
    if kind == "input":
        return ToolInputDelta(value)
    if kind == "text":
        return TextDelta(value)
    if kind == "stop":
        return Stop(value)
    if kind == "usage":
        if not isinstance(value, dict) or not all(isinstance(v, int) for v in value.values()):
            raise BadInput(f"line {line_no}: 'usage' must map names to integers")
        return Usage(value.get("input_tokens", 0), value.get("output_tokens", 0), value.get("latency_ms", 0))
    if kind == "sleep_ms" and not (isinstance(value, int | float) and 0 <= value <= 60_000):
        raise BadInput(f"line {line_no}: 'sleep_ms' must be a number from 0 to 60000")
    return (kind, value)


def load_replay(path: Path) -> list[ModelEvent | tuple[str, Any]]:
    try:
        lines = path.read_text("utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise BadInput(f"cannot read replay file {path}: {e}") from e
    events = []
    for n, line in enumerate(lines, start=1):
        if not line.strip() or line.lstrip().startswith("//"):
            continue
        try:
            obj = json.loads(line)
        except ValueError as e:
            raise BadInput(f"{path}: line {n}: not JSON ({e.msg})") from e
        try:
            events.append(_event(n, obj))
        except BadInput as e:
            raise BadInput(f"{path}: {e}") from e
    if not events:
        raise BadInput(f"{path}: no events")
    return events


class ReplayModel:
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.model_id = f"replay:{self.path.name}"
        self._events = load_replay(self.path)

    def stream(self, request: ModelRequest) -> Iterator[ModelEvent]:
        for event in self._events:
            if isinstance(event, tuple):
                kind, value = event
                if kind == "sleep_ms":
                    time.sleep(value / 1000)
                    continue
                raise _error(value)
            yield event


def _error(code: str) -> ModelError:
    lowered = code.lower()
    if "throttl" in lowered:
        return ModelThrottled(f"replayed {code}", code=code)
    if "unavailable" in lowered or "internal" in lowered:
        return ModelUnavailable(f"replayed {code}", code=code)
    return ModelError(f"replayed {code}", code=code)
