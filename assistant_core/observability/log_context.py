"""Structured logs: the ids of the request being served, on every log line as one JSON object.

Handlers open a ``scope`` per invocation (handlers/_compose.py ``lambda_entry``) and ``bind`` ids as
they learn them; ``JsonFormatter`` adds them to each record. Context variables, not globals: the
local gateway serves many invocations at once from pooled threads, and a scope always starts empty
so a reused thread never carries the previous request's ids.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from types import MappingProxyType

FIELDS = ("request_id", "session_id", "turn", "connection_id")
_EMPTY: Mapping[str, str] = MappingProxyType({})
_context: ContextVar[Mapping[str, str]] = ContextVar("assistant_log_context", default=_EMPTY)
# Attributes every LogRecord has; anything else came in through ``extra=`` and is worth keeping.
_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "aws_request_id",
    "taskName",
}


def bind(**ids: object) -> None:
    """Add ids to the current scope (empty values are ignored, so callers need not check)."""
    unknown = set(ids) - set(FIELDS)
    if unknown:
        raise TypeError(f"unknown log context fields: {sorted(unknown)}")
    merged = dict(_context.get())
    merged.update({k: str(v) for k, v in ids.items() if v not in (None, "")})
    _context.set(MappingProxyType(merged))


def current() -> dict[str, str]:
    return dict(_context.get())


@contextmanager
def scope(**ids: object) -> Iterator[None]:
    """A fresh context for one invocation; restored on exit."""
    token = _context.set(_EMPTY)
    try:
        bind(**ids)
        yield
    finally:
        _context.reset(token)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        out.update(_context.get())
        out.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD and k not in out})
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            out["stack"] = self.formatStack(record.stack_info)
        return json.dumps(out, ensure_ascii=False, default=str)


def install_json_logging(root: logging.Logger | None = None, level: int = logging.INFO) -> None:
    """Every handler of the root logger writes JSON (Lambda's own handler included); idempotent."""
    root = root or logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.StreamHandler(sys.stdout))
    for handler in root.handlers:
        handler.setFormatter(JsonFormatter())
    if root.level == logging.NOTSET or root.level > level:
        root.setLevel(level)
