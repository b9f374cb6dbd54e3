"""The one place boto3 clients and resources are made: region, endpoint overrides, credentials, botocore Config.

Every adapter gets its client from a ``ClientFactory``: the Lambda runtime, kb_sync, the local
gateway (which points the factory at moto and at itself, with fake credentials, instead of
writing ``AWS_*`` variables into the process environment) and the Bedrock model and retriever.
Without overrides boto3's own configuration applies, so ``AWS_ENDPOINT_URL_<SERVICE>`` still
points a client at a local double and real credentials still reach real AWS unchanged.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import boto3
from botocore.config import Config

# The Lambda runtime's clients: short timeouts (API Gateway gives a socket handler 29 s), a few
# SDK retries, and a pool wide enough for the local gateway's many handler threads.
DEFAULT_CONFIG = Config(connect_timeout=3, read_timeout=10, retries={"mode": "standard", "max_attempts": 3},
                        max_pool_connections=50)
# The audit event is sent inside every fn-answerer invocation: a slow EventBridge must not stretch the turns.
AUDIT_CONFIG = Config(connect_timeout=1, read_timeout=2, retries={"mode": "standard", "max_attempts": 2},
                      max_pool_connections=50)
# kb_sync moves whole documents (up to its max file size) to S3: a longer read timeout than a turn's.
SYNC_CONFIG = Config(connect_timeout=5, read_timeout=60, retries={"mode": "standard", "max_attempts": 3})

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


@dataclass(frozen=True)
class StaticCredentials:
    """Explicit keys (the local gateway's fake ones); None in production, where boto3 finds the role's."""

    access_key_id: str
    secret_access_key: str
    session_token: str | None = None


@dataclass
class ClientFactory:
    """boto3 clients and DynamoDB tables for one region.

    ``endpoint_url`` sends every service there (moto); ``endpoints`` overrides it per service
    (``{"lambda": gateway_url}``). boto3 sessions are not thread-safe to build clients from, and
    the local gateway calls handlers from many threads: creation is serialised by a lock.
    """

    region: str
    endpoint_url: str | None = None
    endpoints: Mapping[str, str] = field(default_factory=dict)
    credentials: StaticCredentials | None = None
    config: Config = DEFAULT_CONFIG
    _lock: threading.RLock = field(default_factory=threading.RLock, init=False, repr=False)
    _session: Any = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        creds = self.credentials
        self._session = boto3.session.Session(
            region_name=self.region,
            aws_access_key_id=creds.access_key_id if creds else None,
            aws_secret_access_key=creds.secret_access_key if creds else None,
            aws_session_token=creds.session_token if creds else None,
        )

    def _endpoint(self, service: str, explicit: str | None) -> dict[str, str]:
        url = explicit or self.endpoints.get(service) or self.endpoint_url
        return {"endpoint_url": url} if url else {}

    def client(self, service: str, *, config: Config | None = None, endpoint_url: str | None = None) -> Any:
        with self._lock:
            return self._session.client(service, config=config or self.config,
                                        **self._endpoint(service, endpoint_url))

    def resource(self, service: str, *, config: Config | None = None) -> Any:
        with self._lock:
            return self._session.resource(service, config=config or self.config, **self._endpoint(service, None))

    def table(self, name: str) -> Any:
        return self.resource("dynamodb").Table(name)


@lru_cache(maxsize=8)
def bedrock_runtime(region: str) -> Any:
    """A ``bedrock-runtime`` client (cached: a Lambda cold start pays for it once)."""
    return ClientFactory(region).client("bedrock-runtime", config=STREAMING_CONFIG)


@lru_cache(maxsize=8)
def bedrock_agent_runtime(region: str) -> Any:
    return ClientFactory(region).client("bedrock-agent-runtime", config=RETRIEVE_CONFIG)
