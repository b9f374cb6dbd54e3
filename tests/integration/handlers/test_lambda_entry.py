"""``lambda_entry``: every handler logs with its invocation's ids; JSON only inside Lambda."""

from __future__ import annotations

import io
import json
import logging
from types import SimpleNamespace
from typing import Any

import pytest

from assistant_core.bootstrap.lambdas import Runtime, install
from assistant_core.observability import log_context
from assistant_core.observability.log_context import JsonFormatter
from handlers import _compose, ws_connect, ws_message
from handlers._compose import event_ids, lambda_entry

from .conftest import RecordingInvoker, event


def test_event_ids_cover_socket_events_and_async_payloads() -> None:
    ctx = SimpleNamespace(aws_request_id="req-9")
    ws = {"requestContext": {"connectionId": "c-1", "requestId": "api-1", "authorizer": {"sid": "s-1"}}}
    assert event_ids(ws, None) == {"request_id": "api-1", "connection_id": "c-1", "session_id": "s-1"}
    job = {"kind": "turn", "session_id": "s-2", "turn_id": "t4", "connection_id": "c-2"}
    assert event_ids(job, ctx) == {"request_id": "req-9", "session_id": "s-2", "turn": "t4", "connection_id": "c-2"}
    assert event_ids({"kind": "contact", "turn": "t1"}, ctx) == {"request_id": "req-9", "turn": "t1"}
    assert event_ids(None, None) == {} and event_ids({"requestContext": "junk", "turn": {"x": 1}}, None) == {}


def test_lambda_entry_scopes_each_invocation_and_passes_arguments(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)
    monkeypatch.setattr(_compose, "_json_logs", [])
    root_formatters = [h.formatter for h in logging.getLogger().handlers]

    @lambda_entry
    def handler(event: dict, context: Any, clock: Any = None) -> dict:
        return {**log_context.current(), "clock": clock}

    out = handler({"session_id": "s-1", "turn_id": "t2"}, SimpleNamespace(aws_request_id="r-1"), clock="c")
    assert out == {"request_id": "r-1", "session_id": "s-1", "turn": "t2", "clock": "c"}
    assert log_context.current() == {} and handler.__name__ == "handler"
    assert [h.formatter for h in logging.getLogger().handlers] == root_formatters  # the CLI keeps plain logs


def test_in_lambda_the_root_logger_writes_json(monkeypatch: pytest.MonkeyPatch) -> None:
    root = logging.getLogger()
    saved = [(h, h.formatter) for h in root.handlers], root.level
    stream = io.StringIO()
    extra = logging.StreamHandler(stream)
    root.addHandler(extra)
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "fn-answerer")
    monkeypatch.setattr(_compose, "_json_logs", [])
    try:
        lambda_entry(lambda event, context: logging.getLogger("handlers.x").warning("hi"))(
            {"connection_id": "c-7"}, SimpleNamespace(aws_request_id="r-7")
        )
        line = json.loads(stream.getvalue())
        assert (line["message"], line["connection_id"], line["request_id"]) == ("hi", "c-7", "r-7")
    finally:
        root.removeHandler(extra)
        for h, f in saved[0]:
            h.setFormatter(f)
        root.setLevel(saved[1])


def test_a_real_handler_logs_with_the_connection_session_and_turn(rt: Runtime) -> None:
    stream = io.StringIO()
    capture = logging.StreamHandler(stream)
    capture.setFormatter(JsonFormatter())
    logger = logging.getLogger("handlers.ws_message")
    logger.addHandler(capture)
    try:
        ws_connect.handler(event("ws_connect"), None)
        install(rt.with_(invoker=RecordingInvoker(fail=True)))  # logs "could not start the answerer"
        ws_message.handler(event("ws_message"), SimpleNamespace(aws_request_id="req-1"))
    finally:
        logger.removeHandler(capture)
    [line] = [json.loads(x) for x in stream.getvalue().splitlines()]
    assert line["level"] == "ERROR" and "lambda unavailable" in line["exception"]
    assert (line["request_id"], line["connection_id"], line["session_id"], line["turn"]) == (
        "req-1",
        "Xk1aBcD2SQ0CF3g=",
        "s-1",
        "t1",
    )


def test_every_lambda_entry_point_wears_the_decorator() -> None:
    import importlib
    import pkgutil

    import handlers

    names = [m.name for m in pkgutil.iter_modules(handlers.__path__) if not m.name.startswith("_")]
    assert {"answerer", "archive", "ws_message", "kb_sync"} <= set(names)
    for name in names:
        entry = importlib.import_module(f"handlers.{name}").handler
        assert getattr(entry, "__wrapped__", None) is not None, f"handlers.{name}.handler lacks @lambda_entry"
