"""Interrupted runs: a crash between writing objects and saving the state, a crash inside the sink,
running out of Lambda time. Reruns must end with exactly one object (and sidecar) per document."""

from __future__ import annotations

import json

import pytest

from kb_sync.engine import SyncEngine

from .crashing import CrashingSink, CrashingStore, SimulatedCrash
from .world import World


def _crashing(world: World, *, save: int = 0, put: int = 0) -> SyncEngine:
    engine = world.engine()
    engine.options.workers = 1
    if save:
        engine.store = CrashingStore(engine.store, save)
    if put:
        engine.sink = CrashingSink(engine.sink, put)
    return engine


def _seed(world: World, n: int = 3) -> list[str]:
    return [world.drive.add_doc(f"Doc {i}", world.root, f"# Doc {i}\n\nbody {i}") for i in range(n)]


def _assert_one_object_per_document(world: World, expected_ids: set[str]) -> None:
    keys = set(world.kb_objects())
    assert keys == {f"kb/{i}.md" for i in expected_ids} | {f"kb/{i}.md.metadata.json" for i in expected_ids}
    assert set(world.documents()) == expected_ids


def test_crash_between_s3_writes_and_state_save_then_rerun(world: World) -> None:
    ids = _seed(world)
    with pytest.raises(SimulatedCrash):
        _crashing(world, save=2).run()  # save 1 records intents; the writes; save 2 never happens
    assert len(world.kb_objects()) == 6, "the crash came after the S3 writes"
    state = json.loads(world.objects()["kb-sync/state.json"])
    assert state["files"] == {} and sorted(state["intents"]) == sorted(ids)

    report = world.engine().run()
    assert report.ok and sorted(report.added) == ["Doc 0", "Doc 1", "Doc 2"]
    _assert_one_object_per_document(world, set(ids))
    assert len(world.agent.starts) == 1
    assert json.loads(world.objects()["kb-sync/state.json"])["intents"] == []


def test_document_deleted_while_crashed_leaves_no_ghost(world: World) -> None:
    ids = _seed(world)
    with pytest.raises(SimulatedCrash):
        _crashing(world, save=2).run()
    world.drive.delete(ids[1])
    assert world.engine().run().ok
    _assert_one_object_per_document(world, {ids[0], ids[2]})


def test_crash_mid_incremental_before_the_token_is_saved(world: World) -> None:
    ids = _seed(world)
    assert world.engine().run().ok
    world.drive.edit_doc(ids[0], "# Doc 0\n\nedited")
    new = world.drive.add_doc("Doc new", world.root, "# New\n\nbody")
    world.drive.trash(ids[2])
    token = json.loads(world.objects()["kb-sync/state.json"])["page_token"]
    with pytest.raises(SimulatedCrash):
        _crashing(world, save=3).run()  # 1: job status, 2: intents, 3: after the page
    assert world.kb_objects()[f"kb/{ids[0]}.md"].endswith(b"edited"), "the crash came after the writes"
    assert json.loads(world.objects()["kb-sync/state.json"])["page_token"] == token
    report = world.engine().run()
    assert report.ok
    _assert_one_object_per_document(world, {ids[0], ids[1], new})
    assert world.kb_objects()[f"kb/{ids[0]}.md"].endswith(b"edited")


def test_crash_inside_the_sink_after_some_documents(world: World) -> None:
    ids = _seed(world, 5)
    with pytest.raises(SimulatedCrash):
        _crashing(world, put=2).run()
    assert 0 < len(world.kb_objects()) < 10
    world.drive.delete(ids[0])  # maybe one of the written ones: must not linger
    assert world.engine().run().ok
    _assert_one_object_per_document(world, set(ids[1:]))


def test_running_out_of_time_stops_between_batches_and_the_next_run_continues(world: World) -> None:
    ids = _seed(world, 5)
    engine = world.engine()
    engine.options.batch_size = 2
    batches = iter([False, True])
    engine.options.out_of_time = lambda: next(batches, True)
    report = engine.run()
    assert report.ok and report.incomplete and len(report.added) == 2
    assert len(world.agent.starts) == 1  # what was written is already published

    report = world.engine().run()
    assert report.ok and not report.incomplete and len(report.added) == 3
    _assert_one_object_per_document(world, set(ids))


def test_a_full_relist_cut_short_is_finished_by_the_next_run(world: World) -> None:
    ids = _seed(world, 2)
    assert world.engine().run().ok
    more = [world.drive.add_doc(f"Late {i}", world.root, f"# Late {i}\n\ntext") for i in range(4)]
    world.drive.change_log[:] = [c for c in world.drive.change_log if c[1] not in more]  # feed misses them
    engine = world.engine()
    engine.options.batch_size = 2
    batches = iter([False, True])
    engine.options.out_of_time = lambda: next(batches, True)
    report = engine.run(full=True)
    assert report.incomplete and len(report.added) == 2

    report = world.engine().run()  # not asked for --full, yet it relists to finish the job
    assert report.mode == "full" and len(report.added) == 2
    _assert_one_object_per_document(world, set(ids) | set(more))
