"""boto3 clients for the Bedrock adapters, configured for streaming and created once per process.

Endpoints come from the standard AWS configuration, so ``AWS_ENDPOINT_URL_BEDROCK_RUNTIME`` and
``AWS_ENDPOINT_URL_BEDROCK_AGENT_RUNTIME`` point them at local doubles without any code path of
their own; with real credentials and no override they reach real AWS unchanged.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import boto3
from botocore.config import Config

# botocore's own retries are switched off (one attempt): ``resilience.Retrier`` retries throttling
# before the stream with jitter and a circuit breaker, and two stacked retry loops would multiply
# the wait a visitor sees (3 x 3 attempts). "standard" mode still classifies errors consistently.
_NO_SDK_RETRIES = {"mode": "standard", "total_max_attempts": 1}

# read_timeout is the longest silence between two chunks of the response, not the whole stream:
# first tokens come within a few seconds even for long prompts; a longer silence is a dead stream.
STREAMING_CONFIG = Config(
    connect_timeout=3,
    read_timeout=30,
    retries=_NO_SDK_RETRIES,
    tcp_keepalive=True,
    user_agent_extra="website-assistant",
)
RETRIEVE_CONFIG = Config(
    connect_timeout=3,
    read_timeout=10,
    retries=_NO_SDK_RETRIES,
    user_agent_extra="website-assistant",
)


@lru_cache(maxsize=8)
def bedrock_runtime(region: str) -> Any:
    """A ``bedrock-runtime`` client (cached: a Lambda cold start pays for it once)."""
    return boto3.session.Session().client("bedrock-runtime", region_name=region, config=STREAMING_CONFIG)


@lru_cache(maxsize=8)
def bedrock_agent_runtime(region: str) -> Any:
    return boto3.session.Session().client("bedrock-agent-runtime", region_name=region, config=RETRIEVE_CONFIG)
