"""botocore errors → what the domain needs to know: the AWS code, and whether a retry may help.

The Bedrock adapters retry (before a stream starts) only what ``is_retryable`` accepts, then turn
the last error into a domain error with ``raise ... from`` so the cause stays in the logs.
"""

from __future__ import annotations

from botocore.eventstream import ParserError
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)
from urllib3.exceptions import HTTPError as Urllib3Error

from ..errors import ModelError, ModelThrottled, ModelUnavailable

# Codes after which the same request may well succeed a moment later (pre-stream and in-stream
# spellings: HTTP errors are PascalCase, event-stream exception members camelCase).
THROTTLING = frozenset({"ThrottlingException", "throttlingException", "TooManyRequestsException",
                        "ModelNotReadyException"})
UNAVAILABLE = frozenset({"ServiceUnavailableException", "serviceUnavailableException", "InternalServerException",
                         "internalServerException", "ModelTimeoutException", "modelStreamErrorException",
                         "BadGatewayException", "DependencyFailedException", "RequestTimeout"})
# Transport failures: the request may never have reached the service.
TRANSPORT = (EndpointConnectionError, ConnectTimeoutError, ConnectionClosedError, ReadTimeoutError)


def error_code(error: BaseException) -> str:
    """The AWS error code (``ThrottlingException``, ``throttlingException`` ...) or a short local one."""
    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Code") or "ClientError")
    if isinstance(error, ReadTimeoutError):
        return "timeout"
    if isinstance(error, Urllib3Error):
        return "stream_interrupted"  # the connection broke while the stream was being read
    if isinstance(error, ParserError):
        return "stream_corrupt"
    if isinstance(error, BotoCoreError):
        return "connection_failed"
    return type(error).__name__


def status_code(error: ClientError) -> int:
    return int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)


def is_retryable(error: Exception) -> bool:
    if isinstance(error, ClientError):
        return error_code(error) in THROTTLING | UNAVAILABLE or status_code(error) >= 500
    return isinstance(error, TRANSPORT)


def model_error(error: BaseException) -> ModelError:
    """A domain ModelError for any failure of a Bedrock model call (before or during the stream)."""
    code = error_code(error)
    message = f"bedrock: {code}: {error}"[:500]
    if code in THROTTLING:
        return ModelThrottled(message, code=code)
    if (
        code in UNAVAILABLE
        or isinstance(error, BotoCoreError | Urllib3Error | ParserError)
        or (isinstance(error, ClientError) and status_code(error) >= 500)
    ):
        return ModelUnavailable(message, code=code)
    return ModelError(message, code=code)


STREAM_FAILURES = (ClientError, BotoCoreError, Urllib3Error, ParserError)
