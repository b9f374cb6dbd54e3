"""S3 adapters: the document sink under ``kb/`` and the state object next to it.

The state lives outside the data source's ``kb/`` prefix (``kb-sync/state.json`` by default) so
the knowledge base never ingests it. boto3 errors become ``StorageError``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from assistant_core.errors import StorageError

from .attributes import SIDECAR_SUFFIX, sidecar_bytes
from .model import Document
from .state import SyncState

SIDECAR_TYPE = "application/json"


class S3Sink:
    def __init__(self, client: Any, bucket: str, prefix: str = "kb/") -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix

    def put(self, key: str, doc: Document, attributes: Mapping[str, str]) -> None:
        self._put(self.prefix + key, doc.body, doc.content_type)
        self.put_attributes(key, attributes)

    def put_attributes(self, key: str, attributes: Mapping[str, str]) -> None:
        self._put(self.prefix + key + SIDECAR_SUFFIX, sidecar_bytes(attributes), SIDECAR_TYPE)

    def delete(self, key: str) -> None:
        for name in (self.prefix + key, self.prefix + key + SIDECAR_SUFFIX):
            try:
                self.client.delete_object(Bucket=self.bucket, Key=name)
            except (ClientError, BotoCoreError) as exc:
                raise StorageError(f"cannot delete s3://{self.bucket}/{name}: {exc}") from exc

    def _put(self, name: str, body: bytes, content_type: str) -> None:
        try:
            self.client.put_object(Bucket=self.bucket, Key=name, Body=body, ContentType=content_type)
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"cannot write s3://{self.bucket}/{name}: {exc}") from exc


class S3StateStore:
    def __init__(self, client: Any, bucket: str, key: str = "kb-sync/state.json") -> None:
        self.client = client
        self.bucket = bucket
        self.key = key

    def load(self) -> SyncState | None:
        try:
            reply = self.client.get_object(Bucket=self.bucket, Key=self.key)
            raw = reply["Body"].read()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise StorageError(f"cannot read s3://{self.bucket}/{self.key}: {exc}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"cannot read s3://{self.bucket}/{self.key}: {exc}") from exc
        return SyncState.from_json(raw)

    def save(self, state: SyncState) -> None:
        try:
            self.client.put_object(
                Bucket=self.bucket, Key=self.key, Body=state.to_json(), ContentType="application/json"
            )
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"cannot save s3://{self.bucket}/{self.key}: {exc}") from exc
