"""The small pure pieces under the adapters: the SSE reader, retry backoff and the circuit breaker."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistant_core.remote.sse import sse_data
from assistant_core.resilience import CircuitBreaker, Retrier, RetryPolicy
from tests.fakes.clock import FakeClock

STREAM = (
    b": keep-alive\r\n\r\n"
    b'data: {"a": "Gr\xc3\xbc\xc3\x9fe"}\r\n\r\n'
    b"event: ping\ndata: line one\ndata: line two\n\n"
    b"data: [DONE]"  # no trailing newline: the server closed right after
)


def test_sse_events_comments_multiline_and_unterminated_tail() -> None:
    assert list(sse_data([STREAM])) == ['{"a": "Grüße"}', "line one\nline two", "[DONE]"]


@given(st.lists(st.integers(min_value=1, max_value=7), min_size=1, max_size=200))
def test_sse_is_independent_of_how_bytes_are_chunked(sizes: list[int]) -> None:
    chunks, i = [], 0
    for size in sizes * (len(STREAM) // len(sizes) + 1):
        if i >= len(STREAM):
            break
        chunks.append(STREAM[i : i + size])
        i += size
    assert list(sse_data(chunks)) == list(sse_data([STREAM]))


def test_backoff_is_exponential_capped_and_jittered() -> None:
    policy = RetryPolicy(attempts=5, base_delay=0.4, max_delay=3.0)
    assert [policy.delay(n, 1.0) for n in range(5)] == [0.4, 0.8, 1.6, 3.0, 3.0]
    assert policy.delay(2, 0.25) == pytest.approx(0.4)
    with pytest.raises(ValueError):
        RetryPolicy(attempts=0)


class Flaky:
    def __init__(self, failures: int, error: Exception) -> None:
        self.failures, self.error, self.calls = failures, error, 0

    def __call__(self) -> str:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error
        return "ok"


def retry(fn: Flaky, retrier: Retrier) -> str:
    return retrier.run(fn, retryable=lambda e: isinstance(e, TimeoutError), fail_fast=lambda: RuntimeError("open"))


def test_retrier_retries_only_retryable_errors_within_its_attempts() -> None:
    sleeps: list[float] = []
    retrier = Retrier(RetryPolicy(attempts=3), sleep=sleeps.append, rand=lambda: 1.0)
    assert retry(Flaky(2, TimeoutError()), retrier) == "ok" and sleeps == [0.4, 0.8]
    flaky = Flaky(5, TimeoutError())
    with pytest.raises(TimeoutError):
        retry(flaky, retrier)
    assert flaky.calls == 3
    fatal = Flaky(5, KeyError("no"))
    with pytest.raises(KeyError):
        retry(fatal, retrier)
    assert fatal.calls == 1


def test_breaker_opens_fails_fast_then_half_opens_for_one_probe() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=2, reset_after=60, clock=clock)
    retrier = Retrier(RetryPolicy(attempts=2), breaker, sleep=lambda s: None)
    with pytest.raises(TimeoutError):
        retry(Flaky(9, TimeoutError()), retrier)
    assert breaker.state == "open"
    never = Flaky(0, TimeoutError())
    with pytest.raises(RuntimeError, match="open"):
        retry(never, retrier)
    assert never.calls == 0

    clock.advance(60)
    assert breaker.allow() and breaker.state == "half_open"
    assert not breaker.allow()  # only one probe at a time
    breaker.record_failure()
    assert breaker.state == "open" and not breaker.allow()  # a failed probe re-opens for another minute

    clock.advance(60)
    assert retry(Flaky(0, TimeoutError()), retrier) == "ok" and breaker.state == "closed"


def test_non_retryable_error_means_the_service_is_alive() -> None:
    breaker = CircuitBreaker(failure_threshold=2, clock=FakeClock())
    breaker.record_failure()
    with pytest.raises(KeyError):
        retry(Flaky(1, KeyError("bad request")), Retrier(RetryPolicy(), breaker))
    breaker.record_failure()
    assert breaker.state == "closed"  # the count restarted: failures must be consecutive
