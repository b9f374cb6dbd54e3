"""Drive -> S3 kb/ -> ingestion when things go wrong: throttling, outages, broken files, busy ingestion."""

from __future__ import annotations

import json

from .scenario import calls_since, drive_calls, help_centre
from .world import World


def test_429_then_success_during_an_incremental_tick(world: World) -> None:
    ids = help_centre(world)
    world.engine().run()
    world.drive.edit_doc(ids["policy"], "# Return policy\n\nReturn within 60 days.")
    world.drive.fail("changes.list", 429, retry_after="3")
    world.drive.fail("files.export", 503)
    world.sleeps.clear()
    report = world.engine().run()
    assert report.ok and report.updated == ["returns/Return policy"]
    assert world.sleeps[0] == 3.0 and len(world.sleeps) == 2


def test_broken_and_oversized_files_are_reported_and_the_rest_syncs(world: World) -> None:
    d = world.drive
    ok = d.add_doc("Fine", world.root, "# Fine\n\ntext")
    d.add_file("broken.pdf", world.root, "application/pdf", b"this is not a pdf")
    d.add_doc("Huge", world.root, "# Huge\n\n" + "x" * (10 * 1024 * 1024 + 10))
    report = world.engine().run()
    assert report.ok and report.added == ["Fine"]
    reasons = sorted(str(s) for s in report.skipped)
    assert reasons == ["Huge: export larger than Drive's 10 MB export limit",
                       "broken.pdf: corrupt: not a PDF (no %PDF- header)"]
    assert set(world.documents()) == {ok}

    before = drive_calls(world)
    report = world.engine().run(full=True)  # unchanged skipped files are not fetched again
    assert len(report.skipped) == 2
    assert "files.export" not in calls_since(world, before) and "files.get_media" not in calls_since(world, before)


def test_transient_fetch_failure_is_retried_on_the_next_tick(world: World) -> None:
    d = world.drive
    fid = d.add_doc("Flaky", world.root, "# Flaky\n\ntext")
    d.fail("files.export", 500, times=12, file_id=fid)  # both export formats, every retry
    report = world.engine().run()
    assert report.ok and [s.path for s in report.retrying] == ["Flaky"]
    assert world.documents() == {}

    report = world.engine().run()  # no new change for the file: the retry list brings it back
    assert report.added == ["Flaky"]
    assert set(world.documents()) == {fid}


def test_drive_outage_during_full_listing_deletes_nothing(world: World) -> None:
    help_centre(world)
    world.engine().run()
    objects = world.kb_objects()
    state = world.objects()["kb-sync/state.json"]
    world.drive.fail("files.list", 500, times=100)
    report = world.engine().run(full=True)
    assert not report.ok and "DriveUnavailable" in report.error
    assert world.kb_objects() == objects
    assert json.loads(world.objects()["kb-sync/state.json"])["files"] == json.loads(state)["files"]


def test_incomplete_listing_never_counts_as_deleted(world: World) -> None:
    ids = help_centre(world)
    world.engine().run()
    objects = world.kb_objects()
    world.drive.incomplete_search = True
    world.drive.lose_silently(ids["rates"])
    report = world.engine().run(full=True)
    assert report.ok and not report.deleted and "incomplete" in report.warnings[0]
    assert world.kb_objects() == objects


def test_an_emptied_folder_removes_its_documents(world: World) -> None:
    """The writer moved everything out (or lost files without change entries): the folder itself is
    still there and shared, so an empty listing is the truth and the knowledge base follows it."""
    ids = help_centre(world)
    world.engine().run()
    for fid in ids.values():
        world.drive.lose_silently(fid)
    report = world.engine().run(full=True)
    assert report.ok and report.deleted and report.warnings == []
    assert world.kb_objects() == {}


def test_unshared_folder_fails_loudly_and_keeps_documents(world: World) -> None:
    """Sharing removed from the folder itself: Drive answers 404 for it, which must never list as empty."""
    help_centre(world)
    world.engine().run()
    objects = world.kb_objects()
    world.drive.lose_silently(world.root)
    report = world.engine().run(full=True)
    assert not report.ok and "FolderNotFound" in report.error and "not shared" in report.error
    assert report.metrics()["KbSyncFailed"] == 1  # the alarm on fn-kb-sync's EMF line
    assert world.kb_objects() == objects


def test_missing_folder_is_a_clear_error_and_keeps_documents(world: World) -> None:
    help_centre(world)
    world.engine().run()
    objects = world.kb_objects()
    world.drive.trash(world.root)
    report = world.engine().run()
    assert not report.ok and "FolderNotFound" in report.error and "trash" in report.error
    assert world.kb_objects() == objects


def test_busy_ingestion_is_retried_next_tick_with_the_same_token(world: World) -> None:
    world.agent.polls_to_complete = 100  # a long job: only finish_all() ends it
    ids = help_centre(world)
    world.engine().run()  # job 1 still running
    world.drive.edit_doc(ids["rates"], "# Rates\n\n$8")
    report = world.engine().run()
    assert "busy" in report.ingestion and len(world.agent.jobs) == 1
    report = world.engine().run()
    assert "busy" in report.ingestion
    world.agent.finish_all()
    report = world.engine().run()  # nothing changed in Drive, but ingestion was pending
    assert report.ingestion.startswith("started job") and len(world.agent.jobs) == 2
    tokens = [s["clientToken"] for s in world.agent.starts]
    assert tokens[1] == tokens[2] == tokens[3] != tokens[0] and len(tokens[1]) >= 33
    report = world.engine().run()
    assert report.ingestion == "" and len(world.agent.starts) == 4


def test_ingestion_job_status_and_statistics_are_polled_and_logged(world: World, caplog) -> None:
    world.agent.scan = lambda: {"numberOfDocumentsScanned": 3, "numberOfNewDocumentsIndexed": 3}
    world.agent.polls_to_complete = 1
    help_centre(world)
    world.engine().run()
    caplog.set_level("INFO", logger="kb_sync")
    world.engine().run()
    assert any("COMPLETE scanned=3 new=3" in r.getMessage() for r in caplog.records)
    state = json.loads(world.objects()["kb-sync/state.json"])
    assert state["last_job"]["status"] == "COMPLETE"


def test_a_bad_stored_change_token_falls_back_to_a_full_reconcile(world: World) -> None:
    help_centre(world)
    world.engine().run()
    state = json.loads(world.objects()["kb-sync/state.json"])
    state["page_token"] = "999999"
    world.s3.put_object(Bucket=world.bucket, Key="kb-sync/state.json", Body=json.dumps(state).encode())
    report = world.engine().run()
    assert report.ok and report.mode == "full" and not report.changed


def test_a_file_that_keeps_failing_is_skipped_until_it_is_edited(world: World) -> None:
    fid = world.drive.add_doc("Cursed", world.root, "# Cursed\n\ntext")
    world.drive.fail("files.export", 500, times=10_000, file_id=fid)
    for _ in range(4):
        report = world.engine().run()
        assert [s.path for s in report.retrying] == ["Cursed"]
    report = world.engine().run()
    assert report.ok and not report.retrying
    assert [str(s) for s in report.skipped] == [
        "Cursed: Drive kept failing on it (5 runs): export failed: text/markdown: Drive /drive/v3/files/"
        f"{fid}/export still failing after 6 attempts (500 backendError); text/plain: Drive /drive/v3/files/"
        f"{fid}/export still failing after 6 attempts (500 backendError)"
    ]
    before = world.drive.calls["files.export"]
    assert world.engine().run().skipped == []  # no longer retried every tick
    assert world.drive.calls["files.export"] == before
    world.drive.faults.clear()
    world.drive.edit_doc(fid, "# Cursed\n\nfixed")
    assert world.engine().run().added == ["Cursed"]


def test_a_retry_refused_by_drive_stays_queued_and_the_tick_goes_on(world: World) -> None:
    flaky = world.drive.add_doc("Flaky", world.root, "# Flaky\n\ntext")
    world.drive.fail("files.export", 503, times=12, file_id=flaky)
    world.engine().run()
    world.drive.fail("files.get", 403, reason="insufficientFilePermissions", file_id=flaky)
    other = world.drive.add_doc("Other", world.root, "# Other\n\ntext")
    report = world.engine().run()
    assert report.ok and report.added == ["Other"]
    assert json.loads(world.objects()["kb-sync/state.json"])["retry"][flaky]["attempts"] == 1
    assert world.engine().run().added == ["Flaky"]
    assert set(world.documents()) == {flaky, other}
