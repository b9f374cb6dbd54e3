"""The ``BlobStore`` port on an S3 prefix: published index versions (``index/``) and kb_sync's documents (``kb/``).

A conditional GET (``IfNoneMatch``) answers 304 with no body when the object is unchanged, which is how
the answerer polls the index pointer cheaply. ``retire`` tags objects ``retired=true``; the bucket's
lifecycle rule (infra/storage.py) expires tagged objects a day later, so an answerer still loading a
retired version has time to finish.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from ..errors import NotFound
from ..retrieval.ports import Blob
from .retry import call, code_of, storage_error

RETIRED_TAG = {"Key": "retired", "Value": "true"}
MISSING = frozenset({"NoSuchKey", "404", "NotFound"})


class S3BlobStore:
    def __init__(self, client: Any, bucket: str, prefix: str = "") -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix if not prefix or prefix.endswith("/") else prefix + "/"
        self.location = f"s3://{bucket}/{self.prefix}"

    def get(self, key: str, *, if_none_match: str = "") -> Blob | None:
        params: dict[str, Any] = {"Bucket": self.bucket, "Key": self.prefix + key}
        if if_none_match:
            params["IfNoneMatch"] = if_none_match
        try:
            reply = call(f"s3 get {self.location}{key}", lambda: self.client.get_object(**params))
            return Blob(reply["Body"].read(), str(reply.get("ETag", "")))
        except ClientError as e:
            code = code_of(e)
            if code in ("304", "NotModified"):
                return None
            if code in MISSING:
                raise NotFound(f"{self.location}{key} does not exist") from e
            raise storage_error(f"s3 get {self.location}{key}", e) from e

    def put(self, key: str, body: bytes, content_type: str = "application/octet-stream") -> None:
        try:
            call(f"s3 put {self.location}{key}", lambda: self.client.put_object(
                Bucket=self.bucket, Key=self.prefix + key, Body=body, ContentType=content_type))
        except ClientError as e:
            raise storage_error(f"s3 put {self.location}{key}", e) from e

    def list(self, prefix: str = "") -> dict[str, str]:
        out: dict[str, str] = {}
        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=self.prefix + prefix)
            for page in pages:
                for obj in page.get("Contents", []):
                    out[obj["Key"][len(self.prefix):]] = str(obj.get("ETag", ""))
        except ClientError as e:
            raise storage_error(f"s3 list {self.location}{prefix}", e) from e
        return out

    def retire(self, prefix: str) -> None:
        for key in self.list(prefix):
            try:
                call(f"s3 tag {self.location}{key}", lambda k=key: self.client.put_object_tagging(
                    Bucket=self.bucket, Key=self.prefix + k, Tagging={"TagSet": [RETIRED_TAG]}))
            except ClientError as e:
                raise storage_error(f"s3 tag {self.location}{key}", e) from e
