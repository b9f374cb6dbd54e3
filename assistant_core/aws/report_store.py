"""Stores the weekly gaps report in the data bucket: ``reports/gaps/<week>.md`` and ``.csv`` (``ReportStore``).

Both objects are UTF-8 with explicit content types, so the console and browsers open them as text.
Keys depend only on the week, so a rerun replaces the same two objects.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from ..errors import ConfigError
from .retry import call, code_of, storage_error

PREFIX = "reports/gaps/"
_TYPES = {"md": "text/markdown; charset=utf-8", "csv": "text/csv; charset=utf-8"}


class S3ReportStore:
    def __init__(self, client: Any, bucket: str, prefix: str = PREFIX) -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix

    def put(self, week: str, markdown: str, csv_text: str) -> list[str]:
        if not self.bucket:
            raise ConfigError("no data bucket configured for reports")
        locations = []
        for ext, body in (("md", markdown), ("csv", csv_text)):
            key = f"{self.prefix}{week}.{ext}"
            self._put(key, body.encode("utf-8"), _TYPES[ext])
            locations.append(f"s3://{self.bucket}/{key}")
        return locations

    def _put(self, key: str, body: bytes, content_type: str) -> None:
        try:
            call(
                f"store {key}",
                lambda: self.client.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType=content_type),
            )
        except ClientError as e:
            if code_of(e) == "NoSuchBucket":
                raise ConfigError(f"bucket {self.bucket!r} does not exist") from e
            raise storage_error(f"store {key}", e) from e
