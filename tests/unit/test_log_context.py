"""Structured logs: one JSON object per line, carrying the ids of the invocation being served."""

from __future__ import annotations

import io
import json
import logging
import threading
from typing import Any

import pytest

from assistant_core.observability import log_context
from assistant_core.observability.log_context import JsonFormatter, bind, install_json_logging, scope


@pytest.fixture
def captured() -> Any:
    stream = io.StringIO()
    logger = logging.getLogger("test.log_context")
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    yield logger, lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)


def test_lines_carry_the_bound_ids_extras_and_the_exception(captured: Any) -> None:
    logger, lines = captured
    with scope(request_id="r-1", connection_id="c-1"):
        bind(session_id="s-1", turn="t3", connection_id="")  # empty values never erase known ones
        try:
            raise ValueError("boom")
        except ValueError:
            logger.exception("turn %s failed", "t3", extra={"code": "model_error"})
    logger.info("after")
    first, after = lines()
    assert {k: first[k] for k in ("request_id", "session_id", "turn", "connection_id", "level", "logger")} == {
        "request_id": "r-1",
        "session_id": "s-1",
        "turn": "t3",
        "connection_id": "c-1",
        "level": "ERROR",
        "logger": "test.log_context",
    }
    assert first["message"] == "turn t3 failed" and first["code"] == "model_error"
    assert "ValueError: boom" in first["exception"] and first["time"].endswith("+00:00")
    assert "session_id" not in after and log_context.current() == {}
    with pytest.raises(TypeError):
        bind(visitor_email="a@b.c")  # only the known ids: nothing else sneaks onto every line


def test_a_reused_thread_starts_each_scope_empty() -> None:
    seen: list[dict[str, str]] = []
    barrier = threading.Barrier(2)

    def serve(sid: str) -> None:
        with scope(request_id=sid):
            bind(session_id=sid)
            barrier.wait()  # both scopes open at once, in different threads
            seen.append(log_context.current())
        with scope(request_id="next"):
            seen.append(log_context.current())

    threads = [threading.Thread(target=serve, args=(s,)) for s in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(d["session_id"] for d in seen if "session_id" in d) == ["a", "b"]
    assert [d for d in seen if d.get("request_id") == "next"] == [{"request_id": "next"}] * 2


def test_install_switches_every_handler_of_a_logger_to_json() -> None:
    logger = logging.getLogger("test.install")
    stream = io.StringIO()
    logger.addHandler(logging.StreamHandler(stream))
    install_json_logging(logger)
    install_json_logging(logger)  # idempotent
    logger.info("hello %s", "world")
    assert len(logger.handlers) == 1 and json.loads(stream.getvalue())["message"] == "hello world"
    assert logger.level == logging.INFO
