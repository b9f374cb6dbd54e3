"""Drive -> S3 kb/ -> ingestion, end to end against the doubles: the issue's scenarios."""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta

from .world import World

PDF = b"%PDF-1.7\n% a small pdf\n%%EOF"


def _calls(world: World) -> Counter[str]:
    return Counter(world.drive.calls)


def _delta(world: World, before: Counter[str]) -> Counter[str]:
    after = Counter(world.drive.calls)
    after.subtract(before)
    return +after


def _help_centre(world: World) -> dict[str, str]:
    d = world.drive
    shipping = d.add_folder("shipping", world.root)
    returns = d.add_folder("returns", world.root)
    return {
        "rates": d.add_doc("Rates", shipping, "# Rates\n\nStandard shipping costs $5."),
        "policy": d.add_doc("Return policy", returns, "# Return policy\n\nReturn within 30 days."),
        "warranty": d.add_file("Warranty.pdf", returns, "application/pdf", PDF),
        "logo": d.add_file("logo.png", world.root, "image/png", b"\x89PNG"),
        "shipping": shipping,
        "returns": returns,
    }


def test_first_full_sync_writes_documents_sidecars_state_and_starts_ingestion_once(world: World) -> None:
    ids = _help_centre(world)
    report = world.engine().run()

    assert report.ok and report.mode == "full"
    assert sorted(report.added) == ["returns/Return policy", "returns/Warranty.pdf", "shipping/Rates"]
    assert [str(s) for s in report.skipped] == ["logo.png: unsupported file type image/png"]
    objects = world.objects()
    assert sorted(objects) == sorted(
        [
            "kb-sync/state.json",
            f"kb/{ids['rates']}.md", f"kb/{ids['rates']}.md.metadata.json",
            f"kb/{ids['policy']}.md", f"kb/{ids['policy']}.md.metadata.json",
            f"kb/{ids['warranty']}.pdf", f"kb/{ids['warranty']}.pdf.metadata.json",
        ]
    )
    assert objects[f"kb/{ids['rates']}.md"] == b"# Rates\n\nStandard shipping costs $5."
    assert objects[f"kb/{ids['warranty']}.pdf"] == PDF
    head = world.s3.head_object(Bucket=world.bucket, Key=f"kb/{ids['rates']}.md")
    assert head["ContentType"].startswith("text/markdown")
    assert world.sidecar(f"{ids['rates']}.md") == {
        "title": "Rates",
        "url": f"https://docs.google.com/document/d/{ids['rates']}/edit?usp=drivesdk",
        "modified": world.drive.files[ids["rates"]].resource()["modifiedTime"],
        "path": "shipping/Rates",
        "drive_file_id": ids["rates"],
    }
    assert world.sidecar(f"{ids['warranty']}.pdf")["title"] == "Warranty"
    assert len(world.agent.starts) == 1 and len(world.agent.jobs) == 1
    assert report.job_id in world.agent.jobs
    assert all("/bedrock/aws4_request" in a for a in world.agent.signing)  # SigV4, service "bedrock"
    state = json.loads(objects["kb-sync/state.json"])
    assert state["page_token"] and state["publish_pending"] is False and state["intents"] == []


def test_edit_reexports_only_that_doc_and_starts_ingestion_once(world: World) -> None:
    ids = _help_centre(world)
    world.engine().run()
    world.agent.finish_all()
    before, objects = _calls(world), world.kb_objects()

    world.drive.edit_doc(ids["rates"], "# Rates\n\nStandard shipping now costs $6.")
    report = world.engine().run()

    assert report.ok and report.mode == "incremental"
    assert report.updated == ["shipping/Rates"] and not (report.added or report.deleted or report.moved)
    assert _delta(world, before) == Counter({"files.get": 1, "changes.list": 1, "files.export": 1})
    after = world.kb_objects()
    assert after[f"kb/{ids['rates']}.md"].endswith(b"$6.")
    changed = {k for k in after if after[k] != objects.get(k)}
    assert changed == {f"kb/{ids['rates']}.md", f"kb/{ids['rates']}.md.metadata.json"}
    assert len(world.agent.starts) == 2 and len(world.agent.jobs) == 2


def test_idle_tick_costs_two_drive_requests_and_writes_nothing(world: World) -> None:
    _help_centre(world)
    world.engine().run()
    before, objects = _calls(world), world.objects()
    report = world.engine().run()
    assert report.ok and not report.changed
    assert _delta(world, before) == Counter({"files.get": 1, "changes.list": 1})
    assert len(world.agent.starts) == 1
    assert {k: v for k, v in world.objects().items() if k.startswith("kb/")} == {
        k: v for k, v in objects.items() if k.startswith("kb/")
    }


def test_rename_and_move_update_the_sidecar_under_the_same_key(world: World) -> None:
    ids = _help_centre(world)
    world.engine().run()
    before = _calls(world)

    world.drive.rename(ids["warranty"], "Warranty terms.pdf")
    world.drive.move(ids["policy"], ids["shipping"])
    report = world.engine().run()

    assert sorted(report.moved) == ["returns/Warranty terms.pdf", "shipping/Return policy"]
    assert not report.updated and not report.added and not report.deleted
    assert _delta(world, before) == Counter({"files.get": 1, "changes.list": 1})  # no refetch
    assert world.sidecar(f"{ids['warranty']}.pdf")["title"] == "Warranty terms"
    assert world.sidecar(f"{ids['policy']}.md")["path"] == "shipping/Return policy"
    assert len(world.documents()) == 3


def test_renaming_a_google_doc_reexports_it_under_the_same_key(world: World) -> None:
    ids = _help_centre(world)
    world.engine().run()
    world.drive.rename(ids["rates"], "Shipping rates")  # Docs bump modifiedTime on rename
    report = world.engine().run()
    assert report.updated == ["shipping/Shipping rates"]
    assert world.sidecar(f"{ids['rates']}.md")["title"] == "Shipping rates"
    assert len(world.documents()) == 3


def test_trash_delete_and_move_out_remove_document_and_sidecar(world: World) -> None:
    ids = _help_centre(world)
    outside = world.drive.add_folder("Archive")
    world.engine().run()

    world.drive.trash(ids["rates"])
    world.drive.delete(ids["warranty"])
    world.drive.move(ids["policy"], outside)
    report = world.engine().run()

    assert sorted(report.deleted) == ["returns/Return policy", "returns/Warranty.pdf", "shipping/Rates"]
    assert world.kb_objects() == {}

    world.drive.trash(ids["rates"], trashed=False)  # restored from the trash
    report = world.engine().run()
    assert report.added == ["shipping/Rates"]
    assert set(world.documents()) == {ids["rates"]}


def test_new_subfolder_with_documents_is_picked_up(world: World) -> None:
    _help_centre(world)
    world.engine().run()
    payments = world.drive.add_folder("payments", world.root)
    cards = world.drive.add_folder("cards", payments)
    world.drive.add_doc("Visa", cards, "# Visa\n\nWe take Visa.")
    report = world.engine().run()
    assert report.mode == "full"  # a new folder's contents never show up as changes
    assert report.added == ["payments/cards/Visa"]
    assert not report.updated and not report.deleted  # relisting refetches nothing unchanged


def test_folder_rename_repaths_and_folder_trash_deletes_its_documents(world: World) -> None:
    ids = _help_centre(world)
    world.engine().run()
    world.drive.rename(ids["returns"], "refunds")
    report = world.engine().run()
    assert sorted(report.moved) == ["refunds/Return policy", "refunds/Warranty.pdf"]
    assert world.sidecar(f"{ids['policy']}.md")["path"] == "refunds/Return policy"

    world.drive.trash(ids["shipping"])
    report = world.engine().run()
    assert report.deleted == ["shipping/Rates"]
    assert set(world.documents()) == {ids["policy"], ids["warranty"]}


def test_429_then_success_during_an_incremental_tick(world: World) -> None:
    ids = _help_centre(world)
    world.engine().run()
    world.drive.edit_doc(ids["policy"], "# Return policy\n\nReturn within 60 days.")
    world.drive.fail("changes.list", 429, retry_after="3")
    world.drive.fail("files.export", 503)
    world.sleeps.clear()
    report = world.engine().run()
    assert report.ok and report.updated == ["returns/Return policy"]
    assert world.sleeps[0] == 3.0 and len(world.sleeps) == 2


def test_same_titles_and_odd_names_get_distinct_stable_keys(world: World) -> None:
    d = world.drive
    a = d.add_doc("FAQ", world.root, "# FAQ\n\nfirst")
    b = d.add_doc("FAQ", world.root, "# FAQ\n\nsecond")
    c = d.add_doc("Returns / Refunds: ça va? 退货", world.root, "# 退货\n\nok")
    report = world.engine().run()
    assert report.ok and len(report.added) == 3
    docs = world.documents()
    assert set(docs) == {a, b, c}
    assert docs[c]["title"] == "Returns / Refunds: ça va? 退货"
    assert docs[c]["path"] == "Returns - Refunds: ça va? 退货"
    assert world.kb_objects()[f"kb/{a}.md"] != world.kb_objects()[f"kb/{b}.md"]


def test_format_change_replaces_the_old_key(world: World) -> None:
    ids = _help_centre(world)
    world.engine().run()
    world.drive.edit_doc(ids["rates"], "# Rates\n\n$7")
    del world.drive.files[ids["rates"]].exports["text/markdown"]  # Markdown export now fails
    report = world.engine().run()
    assert report.updated == ["shipping/Rates"]
    keys = set(world.kb_objects())
    assert f"kb/{ids['rates']}.txt" in keys and f"kb/{ids['rates']}.md" not in keys
    assert f"kb/{ids['rates']}.md.metadata.json" not in keys


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

    before = _calls(world)
    report = world.engine().run(full=True)  # unchanged skipped files are not fetched again
    assert len(report.skipped) == 2
    assert "files.export" not in _delta(world, before) and "files.get_media" not in _delta(world, before)


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
    _help_centre(world)
    world.engine().run()
    objects = world.kb_objects()
    state = world.objects()["kb-sync/state.json"]
    world.drive.fail("files.list", 500, times=100)
    report = world.engine().run(full=True)
    assert not report.ok and "DriveUnavailable" in report.error
    assert world.kb_objects() == objects
    assert json.loads(world.objects()["kb-sync/state.json"])["files"] == json.loads(state)["files"]


def test_empty_or_incomplete_listing_never_counts_as_everything_deleted(world: World) -> None:
    ids = _help_centre(world)
    world.engine().run()
    objects = world.kb_objects()

    world.drive.incomplete_search = True
    world.drive.lose_silently(ids["rates"])
    report = world.engine().run(full=True)
    assert report.ok and not report.deleted and "incomplete" in report.warnings[0]

    world.drive.incomplete_search = False
    for key in ("policy", "warranty", "logo"):
        world.drive.lose_silently(ids[key])
    report = world.engine().run(full=True)
    assert report.ok and not report.deleted
    assert "listed empty" in report.warnings[0]
    assert world.kb_objects() == objects


def test_missing_folder_is_a_clear_error_and_keeps_documents(world: World) -> None:
    _help_centre(world)
    world.engine().run()
    objects = world.kb_objects()
    world.drive.trash(world.root)
    report = world.engine().run()
    assert not report.ok and "FolderNotFound" in report.error and "trash" in report.error
    assert world.kb_objects() == objects


def test_busy_ingestion_is_retried_next_tick_with_the_same_token(world: World) -> None:
    world.agent.polls_to_complete = 100  # a long job: only finish_all() ends it
    ids = _help_centre(world)
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
    _help_centre(world)
    world.engine().run()
    caplog.set_level("INFO", logger="kb_sync")
    world.engine().run()
    assert any("COMPLETE scanned=3 new=3" in r.getMessage() for r in caplog.records)
    state = json.loads(world.objects()["kb-sync/state.json"])
    assert state["last_job"]["status"] == "COMPLETE"


def test_daily_reconcile_runs_a_full_listing(world: World) -> None:
    _help_centre(world)
    world.engine().run()
    engine = world.engine()
    assert engine.run().mode == "incremental"
    later = engine.options.now() + timedelta(hours=25)
    engine.options.now = lambda: later
    assert engine.run().mode == "full"


def test_dry_run_reports_and_writes_nothing(world: World) -> None:
    ids = _help_centre(world)
    report = world.engine().run(dry_run=True)
    assert report.dry_run and len(report.added) == 3
    assert world.objects() == {} and world.agent.starts == []
    world.engine().run()
    world.drive.edit_doc(ids["rates"], "# Rates\n\n$9")
    state = world.objects()["kb-sync/state.json"]
    report = world.engine().run(dry_run=True)
    assert report.updated == ["shipping/Rates"]
    assert world.objects()["kb-sync/state.json"] == state
    assert world.engine().run().updated == ["shipping/Rates"]  # the real run still sees it


def test_site_url_mapping_replaces_drive_links(world: World) -> None:
    ids = _help_centre(world)
    urls = {ids["warranty"]: "https://shop.example/warranty", "*": "https://help.example/{slug}"}
    world.engine(site_urls=urls).run()
    assert world.sidecar(f"{ids['warranty']}.pdf")["url"] == "https://shop.example/warranty"
    assert world.sidecar(f"{ids['policy']}.md")["url"] == "https://help.example/returns/return-policy"


def test_a_bad_stored_change_token_falls_back_to_a_full_reconcile(world: World) -> None:
    _help_centre(world)
    world.engine().run()
    state = json.loads(world.objects()["kb-sync/state.json"])
    state["page_token"] = "999999"
    world.s3.put_object(Bucket=world.bucket, Key="kb-sync/state.json", Body=json.dumps(state).encode())
    report = world.engine().run()
    assert report.ok and report.mode == "full" and not report.changed


def test_pointing_at_another_folder_replaces_the_documents(world: World) -> None:
    _help_centre(world)
    world.engine().run()
    other = world.drive.add_folder("New help centre")
    fresh = world.drive.add_doc("Hello", other, "# Hello\n\nnew")
    report = world.engine(folder_id=other).run()
    assert report.added == ["Hello"] and len(report.deleted) == 3
    assert set(world.documents()) == {fresh}


def test_trashing_the_only_subfolder_deletes_its_documents(world: World) -> None:
    sub = world.drive.add_folder("FAQ", world.root)
    world.drive.add_doc("FAQ", sub, "# FAQ\n\nAnswers")
    world.engine().run()
    world.drive.trash(sub)  # the listing is now empty, and the feed says why
    report = world.engine().run()
    assert report.ok and report.deleted == ["FAQ/FAQ"] and not report.warnings
    assert world.kb_objects() == {}


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
