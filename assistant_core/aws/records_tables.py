"""tbl-transcripts (``TranscriptStore`` + ``History``) and tbl-gaps (``GapLog``) over DynamoDB."""

from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal
from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from assistant_core.archive.export import day_of, ttl_for

from ..answering.ports import GapRecord, HistoryTurn, TurnRecord
from ..conversation.ports import Feedback, RatedTurn
from .retry import call, code_of, storage_error


def to_item(value: Any) -> Any:
    """DynamoDB wants Decimal, not float; empty strings are fine, but tuples must be lists."""
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {str(k): to_item(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_item(v) for v in value]
    return value


def plain(value: Any) -> Any:
    """The inverse of ``to_item``: DynamoDB's Decimals back to JSON numbers (ints where whole)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | set | tuple):
        return [plain(v) for v in value]
    return value


# What a follow-up needs of the turns before it (HistoryTurn.from_record); names, not words, because
# DynamoDB reserves many plain words ("text" among them).
HISTORY_ATTRIBUTES = ("question", "text", "visitor_gone", "tool", "citation_ids", "retrieved", "tool_input")


class DynamoTranscripts:
    def __init__(self, table: Any, retention_days: int = 90) -> None:
        self.table = table
        self.retention_days = retention_days

    def save_turn(self, record: TurnRecord) -> None:
        # ``day`` puts the turn in the by_day index fn-archive exports from; ``ttl`` (floored) expires
        # it only after the last nightly run that could still export it (assistant_core/archive/export.py).
        item = to_item({**asdict(record), "day": day_of(record.created_at),
                        "ttl": ttl_for(record.created_at, self.retention_days)})
        try:
            call("save turn", lambda: self.table.put_item(Item=item))
        except ClientError as e:
            raise storage_error("save turn", e) from e

    def recent_turns(self, session_id: str, limit: int) -> list[HistoryTurn]:
        if limit <= 0:
            return []
        try:
            out = call("recent turns", lambda: self.table.query(
                KeyConditionExpression=Key("session_id").eq(session_id), ScanIndexForward=False, Limit=limit,
                ProjectionExpression=", ".join(f"#{n}" for n in HISTORY_ATTRIBUTES),
                ExpressionAttributeNames={f"#{n}": n for n in HISTORY_ATTRIBUTES}))
        except ClientError as e:
            raise storage_error("recent turns", e) from e
        items = reversed(out.get("Items", []))
        return [HistoryTurn.from_record(i) for i in items if not i.get("visitor_gone")]


    def rate_turn(self, feedback: Feedback) -> RatedTurn | None:
        """The rating on the turn's own row, only if the session has that turn and it was an answer."""
        key = {"session_id": feedback.session_id, "turn_index": feedback.turn_index}
        try:
            out = call("rate turn", lambda: self.table.update_item(
                Key=key, UpdateExpression="SET #fb = :fb",
                ConditionExpression="attribute_exists(session_id) AND #tool = :answer AND turn_id = :turn",
                ExpressionAttributeNames={"#fb": "feedback", "#tool": "tool"},
                ExpressionAttributeValues={":fb": {"rating": feedback.rating, "comment": feedback.comment,
                                                   "at": feedback.at},
                                           ":answer": "answer", ":turn": feedback.turn_id},
                ReturnValues="ALL_OLD"))
        except ClientError as e:
            if code_of(e) == "ConditionalCheckFailedException":
                return None
            raise storage_error("rate turn", e) from e
        old = plain(out.get("Attributes", {}))
        return RatedTurn(question=str(old.get("question", "")), page_url=str(old.get("page_url", "")),
                         citation_ids=tuple(old.get("citation_ids") or ()),
                         retrieved=tuple(dict(r) for r in old.get("retrieved") or ()),
                         previous={k: str(v) for k, v in (old.get("feedback") or {}).items()})


GAPS_KEEP_DAYS = 120  # gaps are only needed until the weekly report has read them; a few months allows reruns


class DynamoGaps:
    def __init__(self, table: Any, keep_days: int = GAPS_KEEP_DAYS) -> None:
        self.table = table
        self.keep_days = keep_days

    def record(self, gap: GapRecord) -> None:
        ttl = ttl_for(gap.created_at, self.keep_days)
        item = to_item({**asdict(gap), "sk": f"{gap.created_at}#{gap.turn_id}", "ttl": ttl})
        try:
            call("record gap", lambda: self.table.put_item(Item=item))
        except ClientError as e:
            raise storage_error("record gap", e) from e
