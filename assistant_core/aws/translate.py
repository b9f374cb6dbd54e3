"""botocore errors → what the domain needs to know, in one place: the AWS code, whether a retry may
help, and the domain error to raise (always with ``raise ... from``, so the cause stays in the logs).

Used by the store calls (``retry.call``: DynamoDB, S3, SNS, Secrets Manager, API Gateway, Lambda,
EventBridge) and the Bedrock adapters, which retry (before a stream starts) only what
``is_retryable`` accepts and then translate the last error.
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

from ..errors import ModelError, ModelThrottled, ModelUnavailable, StorageError

# Codes after which the same request may well succeed a moment later. Pre-stream (HTTP) errors are
# PascalCase, Bedrock's event-stream exception members camelCase; the services disagree on names.
THROTTLING = frozenset({
    "ThrottlingException", "throttlingException", "Throttling", "TooManyRequestsException",
    "ProvisionedThroughputExceededException", "RequestLimitExceeded", "LimitExceededException",
    "ModelNotReadyException",
})
UNAVAILABLE = frozenset({
    "ServiceUnavailableException", "serviceUnavailableException", "ServiceUnavailable",
    "InternalServerException", "internalServerException", "InternalServerError",
    "ModelTimeoutException", "modelStreamErrorException", "BadGatewayException", "DependencyFailedException",
    "RequestTimeout",
})
CONFLICT = frozenset({"TransactionConflictException"})  # another writer won this time; the next try may not
RETRYABLE = THROTTLING | UNAVAILABLE | CONFLICT
# Transport failures: the request may never have reached the service.
TRANSPORT = (EndpointConnectionError, ConnectTimeoutError, ConnectionClosedError, ReadTimeoutError)
STREAM_FAILURES = (ClientError, BotoCoreError, Urllib3Error, ParserError)


def code_of(error: ClientError) -> str:
    """The AWS error code of a ClientError, "" when the reply had none (callers compare it to codes)."""
    return str(error.response.get("Error", {}).get("Code") or "")


def error_code(error: BaseException) -> str:
    """The AWS error code (``ThrottlingException``, ``throttlingException`` ...) or a short local one."""
    if isinstance(error, ClientError):
        return code_of(error) or "ClientError"
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
    """Whether the same request may succeed if sent again shortly (the service said so, or never got it)."""
    if isinstance(error, ClientError):
        return code_of(error) in RETRYABLE or status_code(error) >= 500
    return isinstance(error, TRANSPORT)


def storage_error(what: str, error: ClientError) -> StorageError:
    """A refused store call → the domain's StorageError (``raise storage_error(...) from error``)."""
    return StorageError(f"{what}: {code_of(error)}: {error.response.get('Error', {}).get('Message', '')}")


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
