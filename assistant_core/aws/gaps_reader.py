"""Reads one week of tbl-gaps (``GapSource``): a paginated Query on ``week_iso``, one record at a time.

Pages are followed through ``LastEvaluatedKey`` and yielded as they arrive, so a week of thousands of
gaps never sits in memory at once; items come back in sort-key order (``created_at#turn_id``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from ..answering.ports import GapRecord
from ..errors import ConfigError
from .retry import call, code_of, storage_error

PAGE_SIZE = 500  # items per Query page (DynamoDB also stops each page at 1 MB)
_FIELDS = tuple(GapRecord.__dataclass_fields__)


class DynamoGapReader:
    def __init__(self, table: Any, page_size: int = PAGE_SIZE) -> None:
        self.table = table
        self.page_size = page_size

    def gaps(self, week_iso: str) -> Iterator[GapRecord]:
        start: Mapping[str, Any] | None = None
        while True:
            page = self._page(week_iso, start)
            for item in page.get("Items", []):
                yield to_gap(item)
            start = page.get("LastEvaluatedKey")
            if not start:
                return

    def _page(self, week_iso: str, start: Mapping[str, Any] | None) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"KeyConditionExpression": Key("week_iso").eq(week_iso), "Limit": self.page_size}
        if start:
            kwargs["ExclusiveStartKey"] = start
        try:
            return call("read gaps", lambda: self.table.query(**kwargs))
        except ClientError as e:
            if code_of(e) == "ResourceNotFoundException":
                raise ConfigError(f"gaps table {self.table.name!r} does not exist") from e
            raise storage_error("read gaps", e) from e


def to_gap(item: Mapping[str, Any]) -> GapRecord:
    """An item back to the record the answerer wrote (``sk``/``ttl`` dropped, Decimals to floats)."""
    values = {name: _plain(item.get(name, "")) for name in _FIELDS}
    values["closest"] = [c for c in values["closest"] or [] if isinstance(c, dict)]
    return GapRecord(**{k: v if k == "closest" else str(v) for k, v in values.items()})


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
