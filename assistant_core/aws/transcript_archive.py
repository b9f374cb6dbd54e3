"""fn-archive's adapters: a day of tbl-transcripts from the by_day index (``DayTurns``) and the
data bucket's ``transcripts/`` prefix (``ArchiveBucket``)."""

from __future__ import annotations

import json
from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import BotoCoreError, ClientError

from assistant_core.archive.export import BY_DAY_INDEX

from ..errors import StorageError
from .records_tables import plain
from .retry import call, storage_error


class DynamoDayTurns:
    def __init__(self, table: Any, index: str = BY_DAY_INDEX, page_size: int | None = None) -> None:
        self.table = table
        self.index = index
        self._limit = {"Limit": page_size} if page_size else {}  # DynamoDB pages at 1 MB anyway

    def _pages(self, what: str, **kwargs: Any) -> list[dict[str, Any]]:
        pages: list[dict[str, Any]] = []
        start: dict[str, Any] | None = None
        while True:
            page = self._query(what, {**kwargs, **self._limit, **({"ExclusiveStartKey": start} if start else {})})
            pages.append(page)
            start = page.get("LastEvaluatedKey")
            if not start:
                return pages

    def _query(self, what: str, args: dict[str, Any]) -> dict[str, Any]:
        try:
            return call(what, lambda: self.table.query(**args))
        except ClientError as e:
            raise storage_error(what, e) from e

    def turns(self, day: str) -> list[dict[str, Any]]:
        pages = self._pages(f"read turns of {day}", IndexName=self.index, KeyConditionExpression=Key("day").eq(day))
        return [plain(item) for page in pages for item in page.get("Items", [])]

    def count(self, day: str) -> int:
        pages = self._pages(
            f"count turns of {day}", IndexName=self.index, Select="COUNT", KeyConditionExpression=Key("day").eq(day)
        )
        return sum(int(page.get("Count", 0)) for page in pages)


class S3ArchiveBucket:
    def __init__(self, client: Any, bucket: str) -> None:
        self.client = client
        self.bucket = bucket

    def put(self, key: str, body: bytes, content_type: str) -> None:
        try:
            self.client.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType=content_type)
        except ClientError as e:
            raise storage_error(f"put s3://{self.bucket}/{key}", e) from e
        except BotoCoreError as e:
            raise StorageError(f"put s3://{self.bucket}/{key}: {e}") from e

    def read_json(self, key: str) -> dict[str, Any] | None:
        # Listed first: the role may list only under transcripts/, and without ListBucket S3 answers
        # a GetObject of a missing key with 403, which must not be mistaken for "not exported yet".
        try:
            listed = self.client.list_objects_v2(Bucket=self.bucket, Prefix=key, MaxKeys=1)
            if not any(o.get("Key") == key for o in listed.get("Contents", [])):
                return None
            body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except ClientError as e:
            raise storage_error(f"read s3://{self.bucket}/{key}", e) from e
        except BotoCoreError as e:
            raise StorageError(f"read s3://{self.bucket}/{key}: {e}") from e
        try:
            data = json.loads(body)
        except ValueError:
            return None  # a damaged manifest counts as none: the day is exported again
        return data if isinstance(data, dict) else None
