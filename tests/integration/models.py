"""Real adapters wired for tests: real clients and HTTP, but recorded (not slept) retry delays."""

from __future__ import annotations

from assistant_core.aws import clients
from assistant_core.aws.bedrock_model import BedrockConverseModel
from assistant_core.remote.openai_model import OpenAICompatibleModel
from assistant_core.resilience import CircuitBreaker, Retrier, RetryPolicy
from tests.fakes.clock import FakeClock

REGION = "ap-southeast-1"
MODEL_ID = "global.anthropic.claude-haiku-4-5-20251001-v1:0"


def retrier(sleeps: list[float], *, attempts: int = 3, threshold: int = 5, clock: FakeClock | None = None) -> Retrier:
    breaker = CircuitBreaker(failure_threshold=threshold, reset_after=60.0, clock=clock or FakeClock())
    return Retrier(RetryPolicy(attempts=attempts, base_delay=0.4, max_delay=3.0), breaker,
                   sleep=sleeps.append, rand=lambda: 0.5)


def bedrock(sleeps: list[float] | None = None, **kw: object) -> BedrockConverseModel:
    """The Bedrock adapter over the cached real boto3 client (endpoint from AWS_ENDPOINT_URL_BEDROCK_RUNTIME)."""
    return BedrockConverseModel(clients.bedrock_runtime(REGION), MODEL_ID,
                                retrier=retrier([] if sleeps is None else sleeps, **kw))  # type: ignore[arg-type]


def openai_model(base_url: str, sleeps: list[float] | None = None, *, api_key: str = "sk-test",
                 **kw: object) -> OpenAICompatibleModel:
    return OpenAICompatibleModel(base_url + "/v1", "qwen2.5-7b-instruct", api_key=api_key, read_timeout=10,
                                 retrier=retrier([] if sleeps is None else sleeps, **kw))  # type: ignore[arg-type]
