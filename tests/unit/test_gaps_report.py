"""The knowledge-gaps report: normalising, grouping, ranking, bounded memory, rendering, the weekly job."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest

from assistant_core.answering.ports import GapRecord
from assistant_core.errors import BadInput, Throttled
from assistant_core.gaps.group import MAX_PAGES, MAX_PHRASINGS
from assistant_core.gaps.grouping import THRESHOLD, GapGrouper, group_gaps
from assistant_core.gaps.render import CSV_FIELDS, render_csv, render_markdown, render_notice, week_range
from assistant_core.gaps.text import jaccard, normalise, stem, tokens
from assistant_core.gaps.weekly import parse_week, run_weekly, week_of, week_to_report
from tests.fakes.gaps_seed import EXPECTED, WEEK, seeded_week


def gap(
    question: str,
    at: str = "2026-11-18T10:00:00.000Z",
    page: str = "",
    closest: list | None = None,
    tool: str = "decline",
    reason: str = "not_in_knowledge",
) -> GapRecord:
    return GapRecord(WEEK, at, "t1", "s1", question, page, tool, reason, closest or [])


def toks(question: str) -> frozenset[str]:
    return tokens(normalise(question))


# -- text -------------------------------------------------------------------------------------
def test_normalise_lowercases_strips_punctuation_and_apostrophes() -> None:
    assert normalise("  Don’t you SHIP to\tNorway?!  ") == "dont you ship to norway"
    assert normalise("Ｆｕｌｌｗｉｄｔｈ café_crème") == "fullwidth café crème"


@pytest.mark.parametrize(
    ("words", "stemmed"),
    [
        ("shipping ships shipped ship", "ship"),
        ("settings setting", "set"),
        ("cancelled cancelling cancel", "cancel"),
        ("deliveries delivery", "delivery"),
        ("charges charged charging charge", "charg"),
        ("addresses address", "address"),
        ("status", "status"),
        ("refunds refunded", "refund"),
        ("speeds speed", "speed"),
    ],
)
def test_stem_folds_common_endings_the_same_way(words: str, stemmed: str) -> None:
    assert {stem(w) for w in words.split()} == {stemmed}


def test_stem_leaves_short_words_and_numbers_alone() -> None:
    assert [stem(w) for w in ("bus", "ups", "4g", "2fa", "covid19s")] == ["bus", "ups", "4g", "2fa", "covid19s"]


def test_tokens_drop_framing_words_but_never_come_back_empty() -> None:
    assert toks("How do I reset my passwords?") == {"reset", "password"}
    assert toks("Hi, how are you?") == {"hi", "how", "are", "you"}  # only stop words: keep them all
    assert toks("???") == {""}


@pytest.mark.parametrize(
    ("a", "b", "joined"),
    [
        ("Do you ship to Norway?", "Shipping to Norway", True),  # 2/2
        ("Do you ship to Norway?", "Can you ship my order to Norway?", True),  # one extra word: 2/3
        ("Do you ship to Norway?", "Do you ship to Sweden?", False),  # one different word: 1/3
        ("Is there a student discount?", "student discount code for teachers", False),  # two extra words: 2/4
        ("How do I change my delivery address", "Can I change the delivery address on my order?", True),  # 3/4
        (
            "Is it possible to cancel Norway after ordering?",
            "Is it possible to pay Norway after ordering?",
            False,
        ),  # 3/5
        ("reset my password in the mobile app on android", "change my password in the mobile app on android", True),
    ],
)
def test_the_threshold_joins_extra_words_but_not_different_ones(a: str, b: str, joined: bool) -> None:
    assert (jaccard(toks(a), toks(b)) >= THRESHOLD) is joined
    assert (len(group_gaps([gap(a), gap(b)], WEEK).groups) == 1) is joined


# -- grouping and ranking ---------------------------------------------------------------------
def test_seeded_week_groups_and_ranks_as_expected() -> None:
    report = group_gaps(seeded_week(), WEEK)
    assert [(g.representative, g.count) for g in report.groups] == EXPECTED
    assert report.total == 15 and report.dropped_groups == 0
    norway = report.groups[0]
    assert [p[0] for p in norway.phrasings.values()] == [
        "Do you ship to Norway?",
        "Can you ship my order to Norway?",
        "Shipping to Norway??",
    ]
    assert norway.pages == {"https://shop.example/shipping": 4, "https://shop.example/": 1}  # query strings gone
    assert norway.kinds == {"decline/not_in_knowledge": 4, "clarify": 1}
    doc = norway.closest_doc
    assert doc and (doc.title, doc.source, doc.best_score, doc.top_count) == (
        "Shipping rates",
        "shipping/rates.md",
        0.27,
        4,
    )  # one question had "Delivery times" closest
    assert report.groups[5].closest_doc is None  # nothing retrieved for "Can I cancel my order?"


def test_grouping_is_stable_for_the_same_records() -> None:
    first = render_csv(group_gaps(seeded_week(), WEEK))
    assert render_csv(group_gaps(seeded_week(), WEEK)) == first


def test_groups_keep_capped_samples_not_records() -> None:
    grouper = GapGrouper()
    for i in range(300):
        grouper.add(gap(f"Do you ship to Norway? {'please ' * (i % 9)}{'!' * i}", page=f"https://shop.example/p{i}"))
    (group,) = grouper.groups.values()
    assert group.count == 300 and len(group.phrasings) == MAX_PHRASINGS
    assert len(group.pages) == MAX_PAGES and group.other_pages == 300 - MAX_PAGES


def _flood(n: int) -> Iterator[GapRecord]:
    """``n`` distinct one-off questions with three planted, repeated ones among them."""
    planted = ["Do you ship to Norway?", "Is there a student discount?", "How do I cancel my subscription?"]
    for i in range(n):
        at = f"2026-11-{16 + i * 7 // n}T10:00:00.000Z"
        if i % 5 == 0:  # one in five: Norway 3 times out of 6, discount twice, cancel once
            yield gap(planted[(0, 0, 0, 1, 1, 2)[(i // 5) % 6]], at=at)
        else:
            yield gap(f"question about widget{i} and gadget{i}", at=at)


def test_a_huge_week_stays_within_the_group_cap_and_keeps_the_big_groups() -> None:
    grouper = GapGrouper(max_groups=200)
    for record in _flood(6000):
        grouper.add(record)
        assert len(grouper.groups) <= 200
    report = grouper.report(WEEK)
    assert report.total == 6000 == sum(g.count for g in report.groups) + report.dropped_questions
    assert [g.representative for g in report.groups[:3]] == [
        "Do you ship to Norway?",
        "Is there a student discount?",
        "How do I cancel my subscription?",
    ]
    assert [g.count for g in report.groups[:3]] == [600, 400, 200] and report.dropped_groups > 0
    assert "small groups were left out" in render_markdown(report)
    assert len(grouper.index) <= 2 * 200 + 7  # the index is pruned with its groups


# -- rendering ----------------------------------------------------------------------------------
def test_markdown_has_a_table_and_a_section_per_group() -> None:
    md = render_markdown(group_gaps(seeded_week(), WEEK), "Shop")
    assert md.startswith("# Knowledge gaps — 16–22 Nov 2026 (2026-W47) — Shop\n")
    assert "**15 questions**" in md and "**7 groups**" in md
    assert "| 1 | 5 | Do you ship to Norway? | Shipping rates | 0.27 |" in md
    assert "## 1. Do you ship to Norway? — 5×" in md and md.count("\n## ") == 7
    assert "Closest doc: **Shipping rates** — `shipping/rates.md`, best score 0.27 (closest for 4 of 5)" in md


def test_visitor_text_cannot_break_the_markdown_or_the_csv() -> None:
    report = group_gaps([gap('=HYPERLINK("x")|# **bold**\n<script>', page="https://x.test/a?email=a@b.c")], WEEK)
    md = render_markdown(report)
    assert "<script>" not in md and "\\<script\\>" in md and "\\|\\# \\*\\*bold\\*\\*" in md
    (row,) = list(csv.DictReader(io.StringIO(render_csv(report))))
    assert row["question"].startswith("'=HYPERLINK") and row["pages"] == "https://x.test/a (1)"


def test_csv_has_one_row_per_group_in_rank_order() -> None:
    rows = list(csv.DictReader(io.StringIO(render_csv(group_gaps(seeded_week(), WEEK)))))
    assert [(r["question"], int(r["count"])) for r in rows] == EXPECTED
    assert rows[0]["closest_source"] == "shipping/rates.md" and rows[0]["closest_score"] == "0.2700"
    assert rows[0]["other_phrasings"] == "Can you ship my order to Norway? | Shipping to Norway??"


def test_an_empty_week_says_so() -> None:
    report = group_gaps([], WEEK)
    assert "No gaps this week" in render_markdown(report)
    assert render_csv(report).splitlines() == [",".join(CSV_FIELDS)]
    subject, message = render_notice(report, "Shop", [])
    assert subject == "Knowledge gaps 2026-W47: none this week" and "No knowledge gaps" in message


def test_notice_lists_the_top_groups_and_where_the_report_is() -> None:
    subject, message = render_notice(group_gaps(seeded_week(), WEEK), "Shop", ["s3://b/reports/gaps/2026-W47.md"])
    assert subject == "Knowledge gaps 2026-W47: 15 questions in 7 groups" and len(subject) <= 100
    assert "1. (5x) Do you ship to Norway?" in message and "6. " not in message
    assert message.rstrip().endswith("s3://b/reports/gaps/2026-W47.md")


def test_week_range_spans_months_and_years() -> None:
    assert week_range("2026-W47") == "16–22 Nov 2026"
    assert week_range("2026-W49") == "30 Nov–6 Dec 2026"
    assert week_range("2026-W53") == "28 Dec 2026–3 Jan 2027"


# -- weeks and the weekly job -------------------------------------------------------------------
@pytest.mark.parametrize("bad", ["2026-47", "2026-W7", "2025-W53", "2026-W00", "W47", "", 202647, None])
def test_a_bad_week_is_bad_input(bad: object) -> None:
    with pytest.raises(BadInput):
        parse_week(bad)


def test_default_week_is_the_previous_one() -> None:
    assert parse_week(" 2026-W53 ") == "2026-W53"
    assert week_of("2026-11-23T01:00:00.000Z") == "2026-W48"
    assert week_to_report({"job": "gaps-weekly"}, "2026-11-23T01:00:00.000Z") == "2026-W47"
    assert week_to_report(None, "2027-01-04T01:00:00Z") == "2026-W53"
    assert week_to_report({"week": "2026-W10"}, "2026-11-23T01:00:00Z") == "2026-W10"
    with pytest.raises(BadInput):
        week_to_report({"week": "last"}, "2026-11-23T01:00:00Z")


class Source:
    def __init__(self, records: list[GapRecord]) -> None:
        self.records, self.asked = records, []

    def gaps(self, week_iso: str) -> Iterator[GapRecord]:
        self.asked.append(week_iso)
        return iter([r for r in self.records if r.week_iso == week_iso])


class Store:
    def __init__(self, log: list[str]) -> None:
        self.log, self.files = log, {}

    def put(self, week: str, markdown: str, csv_text: str) -> list[str]:
        self.log.append("store")
        self.files = {f"{week}.md": markdown, f"{week}.csv": csv_text}
        return [f"mem://{name}" for name in self.files]


class Notifier:
    def __init__(self, log: list[str], fail: Exception | None = None) -> None:
        self.log, self.fail, self.sent = log, fail, []

    def publish(self, subject: str, message: str) -> str:
        self.log.append("publish")
        if self.fail:
            raise self.fail
        self.sent.append((subject, message))
        return "m-1"


def test_weekly_job_stores_then_publishes() -> None:
    log: list[str] = []
    store, notifier = Store(log), Notifier(log)
    out = run_weekly(Source(seeded_week()), store, notifier, WEEK, site_name="Shop")
    assert log == ["store", "publish"] and out["published"] == "m-1"
    assert (out["gaps"], out["groups"], out["top"][0]) == (15, 7, {"question": "Do you ship to Norway?", "count": 5})
    assert "mem://2026-W47.md" in notifier.sent[0][1]


def test_a_failed_notice_leaves_the_report_stored_and_raises() -> None:
    log: list[str] = []
    store = Store(log)
    with pytest.raises(Throttled):
        run_weekly(Source(seeded_week()), store, Notifier(log, Throttled("sns")), WEEK)
    assert log == ["store", "publish"] and "Do you ship to Norway?" in store.files["2026-W47.md"]


def test_an_empty_week_is_stored_and_announced_unless_told_not_to() -> None:
    log: list[str] = []
    notifier = Notifier(log)
    out = run_weekly(Source(seeded_week()), Store(log), notifier, "2026-W01")
    assert out["gaps"] == 0 and notifier.sent[0][0].endswith("none this week")
    out = run_weekly(Source([]), Store(log), notifier, "2026-W01", publish_empty=False)
    assert "published" not in out and len(notifier.sent) == 1


def test_answers_rated_unhelpful_get_their_own_section_naming_the_cited_doc() -> None:
    from assistant_core.conversation.ports import Feedback, RatedTurn
    from assistant_core.gaps.feedback import unhelpful_gap

    def down(question: str, comment: str, at: str) -> GapRecord:
        rated = RatedTurn(question=question, page_url="https://shop.example/tea", citation_ids=("p2",),
                          retrieved=({"id": "p1", "title": "Shipping", "source": "shipping.md", "score": 0.9},
                                     {"id": "p2", "title": "Cold brew", "source": "brew.md", "score": 0.7}),
                          previous={})
        return unhelpful_gap(Feedback("s-1", 3, "t3", "down", comment, at), rated)

    week = "2026-W49"
    records = [gap("How do I pay with crypto?"), down("How long to steep cold brew?", "It says 2 hours, the "
               "pack says 12 | <b>", "2026-12-02T10:00:00.000Z"),
               down("How long should cold brew steep?", "", "2026-12-03T10:00:00.000Z")]
    assert records[1].week_iso == week and records[1].reason == "unhelpful"
    report = group_gaps(records, week)
    assert report.total == 1 and report.unhelpful is not None and report.unhelpful.total == 2
    md = render_markdown(report)
    section = md.split("## Answered but unhelpful", 1)[1]
    assert "**2 answers** visitors rated unhelpful, in **1 group**" in section
    assert "| Cold brew |" in section  # the cited doc, not the first retrieved
    assert "“It says 2 hours, the pack says 12 \\| \\<b\\>”" in section  # escaped for the table
    assert "crypto" not in section and "crypto" in md.split("## Answered but unhelpful", 1)[0]
    rows = list(csv.reader(io.StringIO(render_csv(report))))
    assert any("answer/unhelpful" in " ".join(r) for r in rows[1:])
    _, notice = render_notice(report, "Tea shop", [])
    assert "2 answer(s) were rated unhelpful" in notice and "(cited Cold brew)" in notice


def test_a_week_with_only_unhelpful_answers_still_says_so() -> None:
    from dataclasses import replace

    base = replace(gap("Why is my tea bitter?"), reason="unhelpful", tool="answer")
    md = render_markdown(group_gaps([base], base.week_iso))
    assert "No gaps this week" in md and "## Answered but unhelpful" in md
