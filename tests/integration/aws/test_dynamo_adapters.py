"""DynamoDB adapters against moto: the same semantics the intake rules rely on."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from botocore.exceptions import ClientError

from assistant_core.answering.ports import GapRecord, TurnRecord
from assistant_core.aws.retry import call
from assistant_core.bootstrap.lambdas import Runtime
from assistant_core.conversation.ports import Busy, Connection, SessionFull, TurnSlot
from assistant_core.errors import StorageError, Throttled

NOW = 1_800_000_000.0


def conn(cid: str = "c1", sid: str = "s1") -> Connection:
    return Connection(cid, sid, "v1", "https://shop.example", NOW)


def test_connection_rows_round_trip_and_delete(rt: Runtime) -> None:
    store = rt.sessions
    store.put_connection(conn(), 3600)
    got = store.get_connection("c1")
    assert got == conn()
    assert store.get_connection("c2") is None
    store.delete_connection("c1")
    assert store.get_connection("c1") is None and store.is_stopped("c1", "t1")


def test_counters_count_per_key_with_a_ttl(rt: Runtime) -> None:
    # (moto's in-process backend does not lock, so atomicity under threads is DynamoDB's to prove)
    store = rt.sessions
    assert [store.count("rate#c1#1", 120) for _ in range(3)] == [1, 2, 3]
    assert store.count("rate#c1#2", 120) == 1
    item = rt.sessions.table.get_item(Key={"connection_id": "rate#c1#1"})["Item"]
    assert time.time() + 60 < item["ttl"] < time.time() + 130


def test_rate_counts_the_minute_and_its_ten_second_window(rt: Runtime) -> None:
    store = rt.sessions
    assert [store.hit_rate("c1", NOW + i) for i in (0, 1, 2)] == [(1, 1), (2, 2), (3, 3)]
    assert store.hit_rate("c1", NOW + 10) == (4, 1)  # same minute (NOW is minute-aligned), next window
    assert store.hit_rate("c1", NOW + 60) == (1, 1)
    assert store.hit_rate("c2", NOW) == (1, 1)


def test_take_turn_counts_per_session_and_resends_keep_their_index(rt: Runtime) -> None:
    store = rt.sessions
    take = lambda sid, mid: store.take_turn(sid, mid, max_turns=4, ttl_seconds=60)  # noqa: E731
    assert take("s1", "m1") == TurnSlot(1, fresh=True)
    assert take("s1", "m2") == TurnSlot(2, fresh=True)
    assert take("s1", "m1") == TurnSlot(1, fresh=False)
    assert take("s2", "m1") == TurnSlot(1, fresh=True)
    store.release_turn("s1", "m2", 2)  # the latest index comes back
    assert take("s1", "m3") == TurnSlot(2, fresh=True)
    assert take("s1", "m4") == TurnSlot(3, fresh=True)
    store.release_turn("s1", "m3", 2)  # a later turn exists: only the claim goes
    assert take("s1", "m3") == TurnSlot(4, fresh=True)
    with pytest.raises(SessionFull):
        take("s1", "m5")
    item = store.table.get_item(Key={"connection_id": "sess#s1"})["Item"]
    assert item["n"] == 4 and time.time() < item["ttl"] < time.time() + 61
    assert len(item) == 6  # key, n, ttl and one short attribute per held message: m1, m4, m3


def test_turns_are_leased_and_the_scratchpad_is_a_ring(rt: Runtime) -> None:
    store = rt.sessions
    store.put_connection(conn(), 3600)
    store.begin_turn("c1", 1, "q1", now=NOW, lease_seconds=120, keep=2)
    with pytest.raises(Busy):
        store.begin_turn("c1", 2, "q2", now=NOW + 1, lease_seconds=120, keep=2)
    store.end_turn("c1", "t9")  # not the holder: no effect
    with pytest.raises(Busy):
        store.begin_turn("c1", 2, "q2", now=NOW + 1, lease_seconds=120, keep=2)
    store.end_turn("c1", "t1")
    store.begin_turn("c1", 2, "q2", now=NOW + 2, lease_seconds=120, keep=2)
    store.begin_turn("c1", 3, "q3", now=NOW + 200, lease_seconds=120, keep=2)  # stale lease
    item = store.table.get_item(Key={"connection_id": "c1"})["Item"]
    assert item["in_flight"] == "t3"
    assert {item["pad0"]["question"], item["pad1"]["question"]} == {"q2", "q3"} and "pad2" not in item


def test_begin_turn_on_a_gone_connection_is_refused(rt: Runtime) -> None:
    with pytest.raises(Busy):
        rt.sessions.begin_turn("ghost", 1, "q", now=NOW, lease_seconds=120, keep=2)


def test_stop_marks_only_that_turn(rt: Runtime) -> None:
    store = rt.sessions
    store.put_connection(conn(), 3600)
    store.request_stop("c1", "t2")
    assert store.is_stopped("c1", "t2") and not store.is_stopped("c1", "t3")
    store.request_stop("ghost", "t1")  # no row is created for a gone connection
    assert store.get_connection("ghost") is None


def record(i: int, **over: object) -> TurnRecord:
    base = dict(session_id="s1", turn_index=i, turn_id=f"t{i}", connection_id="c1", question=f"q{i}", page_url="",
                tool="answer", model_tool="answer", text=f"a{i}", citation_ids=("p1",),
                retrieved=[{"id": "p1", "title": "Doc 1", "score": 0.5}], downgrade_reason="", downgrade_detail="",
                model_id="m", prompt_version="v1", latencies={"total_ms": 3}, created_at="2026-11-21T10:00:00.000Z")
    return TurnRecord(**{**base, **over})


def test_transcripts_store_turns_and_give_recent_history_in_order(rt: Runtime) -> None:
    for i in range(1, 5):
        rt.transcripts.save_turn(record(i, visitor_gone=(i == 3)))
    assert [(t.question, t.reply) for t in rt.transcripts.recent_turns("s1", 3)] == [("q2", "a2"), ("q4", "a4")]
    item = rt.transcripts.table.get_item(Key={"session_id": "s1", "turn_index": 1})["Item"]
    assert item["retrieved"][0]["score"] == Decimal("0.5") and item["citation_ids"] == ["p1"]
    assert rt.transcripts.recent_turns("nobody", 3) == [] and rt.transcripts.recent_turns("s1", 0) == []
    # What a follow-up needs of the turn before: the tool, the titles of the docs it cited, a clarify's options.
    last = rt.transcripts.recent_turns("s1", 1)[0]
    assert last.tool == "answer" and last.cited_titles == ("Doc 1",)
    rt.transcripts.save_turn(record(5, tool="clarify", citation_ids=(), tool_input={"options": ["Refunds", "Gifts"]}))
    assert rt.transcripts.recent_turns("s1", 1)[0].options == ("Refunds", "Gifts")


def test_gaps_are_keyed_by_week_and_time(rt: Runtime) -> None:
    rt.gaps.record(GapRecord("2026-W47", "2026-11-21T10:00:00.000Z", "t1", "s1", "q", "", "decline",
                             "off_topic", [{"id": "p1", "score": 0.12}]))
    items = rt.gaps.table.scan()["Items"]
    assert [(i["week_iso"], i["sk"]) for i in items] == [("2026-W47", "2026-11-21T10:00:00.000Z#t1")]


def test_a_missing_table_is_a_storage_error(rt: Runtime) -> None:
    from assistant_core.aws.sessions_table import DynamoSessionStore

    store = DynamoSessionStore(rt._table("no-such-table"))
    with pytest.raises(StorageError):
        store.get_connection("c1")


def throttle(code: str = "ProvisionedThroughputExceededException") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "slow down"}}, "UpdateItem")


def test_retry_backs_off_then_succeeds_or_gives_up() -> None:
    attempts, sleeps = [], []

    def flaky() -> str:
        attempts.append(1)
        if len(attempts) < 3:
            raise throttle()
        return "ok"

    assert call("x", flaky, sleep=sleeps.append) == "ok" and len(sleeps) == 2 and sleeps[1] > sleeps[0] * 0.5
    with pytest.raises(Throttled):
        call("x", lambda: (_ for _ in ()).throw(throttle("TransactionConflictException")), sleep=sleeps.append)
    with pytest.raises(ClientError):  # not retryable: surfaces at once for the caller to map
        call("x", lambda: (_ for _ in ()).throw(throttle("ValidationException")), sleep=lambda s: None)
