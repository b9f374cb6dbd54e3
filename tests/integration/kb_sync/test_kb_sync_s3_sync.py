"""Drive -> S3 kb/ -> ingestion, end to end against the doubles: the issue's scenarios."""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta

from .scenario import PDF, calls_since, drive_calls, help_centre
from .world import World


def test_first_full_sync_writes_documents_sidecars_state_and_starts_ingestion_once(world: World) -> None:
    ids = help_centre(world)
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
        "url": "",  # no public page given: never the Drive link, which visitors cannot open
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
    ids = help_centre(world)
    world.engine().run()
    world.agent.finish_all()
    before, objects = drive_calls(world), world.kb_objects()

    world.drive.edit_doc(ids["rates"], "# Rates\n\nStandard shipping now costs $6.")
    report = world.engine().run()

    assert report.ok and report.mode == "incremental"
    assert report.updated == ["shipping/Rates"] and not (report.added or report.deleted or report.moved)
    assert calls_since(world, before) == Counter({"files.get": 1, "changes.list": 1, "files.export": 1})
    after = world.kb_objects()
    assert after[f"kb/{ids['rates']}.md"].endswith(b"$6.")
    changed = {k for k in after if after[k] != objects.get(k)}
    assert changed == {f"kb/{ids['rates']}.md", f"kb/{ids['rates']}.md.metadata.json"}
    assert len(world.agent.starts) == 2 and len(world.agent.jobs) == 2


def test_idle_tick_costs_two_drive_requests_and_writes_nothing(world: World) -> None:
    help_centre(world)
    world.engine().run()
    before, objects = drive_calls(world), world.objects()
    report = world.engine().run()
    assert report.ok and not report.changed
    assert calls_since(world, before) == Counter({"files.get": 1, "changes.list": 1})
    assert len(world.agent.starts) == 1
    assert {k: v for k, v in world.objects().items() if k.startswith("kb/")} == {
        k: v for k, v in objects.items() if k.startswith("kb/")
    }


def test_rename_and_move_update_the_sidecar_under_the_same_key(world: World) -> None:
    ids = help_centre(world)
    world.engine().run()
    before = drive_calls(world)

    world.drive.rename(ids["warranty"], "Warranty terms.pdf")
    world.drive.move(ids["policy"], ids["shipping"])
    report = world.engine().run()

    assert sorted(report.moved) == ["returns/Warranty terms.pdf", "shipping/Return policy"]
    assert not report.updated and not report.added and not report.deleted
    assert calls_since(world, before) == Counter({"files.get": 1, "changes.list": 1})  # no refetch
    assert world.sidecar(f"{ids['warranty']}.pdf")["title"] == "Warranty terms"
    assert world.sidecar(f"{ids['policy']}.md")["path"] == "shipping/Return policy"
    assert len(world.documents()) == 3


def test_renaming_a_google_doc_reexports_it_under_the_same_key(world: World) -> None:
    ids = help_centre(world)
    world.engine().run()
    world.drive.rename(ids["rates"], "Shipping rates")  # Docs bump modifiedTime on rename
    report = world.engine().run()
    assert report.updated == ["shipping/Shipping rates"]
    assert world.sidecar(f"{ids['rates']}.md")["title"] == "Shipping rates"
    assert len(world.documents()) == 3


def test_trash_delete_and_move_out_remove_document_and_sidecar(world: World) -> None:
    ids = help_centre(world)
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
    help_centre(world)
    world.engine().run()
    payments = world.drive.add_folder("payments", world.root)
    cards = world.drive.add_folder("cards", payments)
    world.drive.add_doc("Visa", cards, "# Visa\n\nWe take Visa.")
    report = world.engine().run()
    assert report.mode == "full"  # a new folder's contents never show up as changes
    assert report.added == ["payments/cards/Visa"]
    assert not report.updated and not report.deleted  # relisting refetches nothing unchanged


def test_folder_rename_repaths_and_folder_trash_deletes_its_documents(world: World) -> None:
    ids = help_centre(world)
    world.engine().run()
    world.drive.rename(ids["returns"], "refunds")
    report = world.engine().run()
    assert sorted(report.moved) == ["refunds/Return policy", "refunds/Warranty.pdf"]
    assert world.sidecar(f"{ids['policy']}.md")["path"] == "refunds/Return policy"

    world.drive.trash(ids["shipping"])
    report = world.engine().run()
    assert report.deleted == ["shipping/Rates"]
    assert set(world.documents()) == {ids["policy"], ids["warranty"]}


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
    ids = help_centre(world)
    world.engine().run()
    world.drive.edit_doc(ids["rates"], "# Rates\n\n$7")
    del world.drive.files[ids["rates"]].exports["text/markdown"]  # Markdown export now fails
    report = world.engine().run()
    assert report.updated == ["shipping/Rates"]
    keys = set(world.kb_objects())
    assert f"kb/{ids['rates']}.txt" in keys and f"kb/{ids['rates']}.md" not in keys
    assert f"kb/{ids['rates']}.md.metadata.json" not in keys


def test_daily_reconcile_runs_a_full_listing(world: World) -> None:
    help_centre(world)
    world.engine().run()
    engine = world.engine()
    assert engine.run().mode == "incremental"
    later = engine.options.now() + timedelta(hours=25)
    engine.options.now = lambda: later
    assert engine.run().mode == "full"


def test_dry_run_reports_and_writes_nothing(world: World) -> None:
    ids = help_centre(world)
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
    ids = help_centre(world)
    urls = {ids["warranty"]: "https://shop.example/warranty", "*": "https://help.example/{slug}"}
    world.engine(site_urls=urls).run()
    assert world.sidecar(f"{ids['warranty']}.pdf")["url"] == "https://shop.example/warranty"
    assert world.sidecar(f"{ids['policy']}.md")["url"] == "https://help.example/returns/return-policy"


def test_pointing_at_another_folder_replaces_the_documents(world: World) -> None:
    help_centre(world)
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


def test_a_drive_url_property_is_the_citation_link_and_an_edit_of_it_reaches_the_sidecar(world: World) -> None:
    ids = help_centre(world)
    page = world.drive.add_doc("Opening hours", world.root, "# Opening hours\n\n9 to 5.",
                               properties={"url": "https://help.example.com/hours"})
    world.engine().run()
    assert world.sidecar(f"{page}.md")["url"] == "https://help.example.com/hours"
    assert world.sidecar(f"{ids['rates']}.md")["url"] == ""  # nothing known: no link at all
    world.drive.set_property(page, "url", "https://help.example.com/opening-hours")
    world.drive.set_property(ids["rates"], "url", "javascript:alert(1)")  # not a page: ignored
    assert world.engine().run().ok
    assert world.sidecar(f"{page}.md")["url"] == "https://help.example.com/opening-hours"
    assert world.sidecar(f"{ids['rates']}.md")["url"] == ""
