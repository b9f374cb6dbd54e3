"""The knowledge-gaps report as Markdown (for writers), CSV (one row per group) and a short notice (SNS).

Questions and page URLs are visitors' text: Markdown punctuation is escaped, CSV cells that a
spreadsheet would run as a formula get a leading quote, and everything is kept to one line.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from datetime import date, timedelta

from assistant_core.gaps.group import GapGroup
from assistant_core.gaps.grouping import GapsReport

DETAIL_GROUPS = 50  # groups with a full section in the Markdown; the CSV has every group
NOTICE_GROUPS = 5
CSV_FIELDS = (
    "rank",
    "count",
    "question",
    "other_phrasings",
    "pages",
    "why",
    "closest_title",
    "closest_source",
    "closest_score",
    "closest_for",
    "last_asked",
)
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


def week_range(week: str) -> str:
    """``2026-W47`` → ``16–22 Nov 2026`` (the week is assumed valid, see ``gaps_weekly.parse_week``)."""
    year = int(week[:4])
    num = int(week[6:])
    monday = date.fromisocalendar(year, num, 1)
    sunday = monday + timedelta(days=6)
    start = f"{monday.day}" if monday.month == sunday.month else f"{monday.day} {monday:%b}"
    start += "" if monday.year == sunday.year else f" {monday.year}"
    return f"{start}–{sunday.day} {sunday:%b %Y}"


def render_markdown(report: GapsReport, site_name: str = "") -> str:
    title = f"# Knowledge gaps — {week_range(report.week)} ({report.week})"
    lines = [title + (f" — {_md(site_name)}" if site_name else ""), ""]
    if not report.total:
        lines.append(
            "No gaps this week: no question was declined, clarified, handed off for lack of knowledge "
            "or answered with low confidence."
        )
    else:
        lines += _gap_lines(report)
    if report.unhelpful:
        lines += ["", *_unhelpful_lines(report.unhelpful)]
    return "\n".join(lines) + "\n"


def _gap_lines(report: GapsReport) -> list[str]:
    lines = [
        f"**{report.total} question{_s(report.total)}** the assistant could not answer well, in "
        f"**{len(report.groups)} group{_s(len(report.groups))}** of similar questions, largest first. "
        "Extend the closest doc (or add one) so the next visitor gets an answer.",
        "",
    ]
    if report.dropped_groups:
        lines += [
            f"_{report.dropped_questions} question(s) in {report.dropped_groups} small groups were left out "
            "to keep the report bounded._",
            "",
        ]
    lines += ["| # | Asked | Question | Closest doc | Score |", "|---:|---:|---|---|---:|"]
    for rank, g in enumerate(report.groups[:DETAIL_GROUPS], 1):
        doc = g.closest_doc
        lines.append(
            f"| {rank} | {g.count} | {_md(g.representative)} | {_md(doc.title) if doc else '—'} | "
            f"{f'{doc.best_score:.2f}' if doc else '—'} |"
        )
    for rank, g in enumerate(report.groups[:DETAIL_GROUPS], 1):
        lines += ["", f"## {rank}. {_md(g.representative)} — {g.count}×", *_details(g)]
    rest = report.groups[DETAIL_GROUPS:]
    if rest:
        lines += ["", f"…and {len(rest)} smaller groups ({sum(g.count for g in rest)} questions): see the CSV."]
    return lines


def _unhelpful_lines(report: GapsReport) -> list[str]:
    """Answers visitors rated 👎: the doc each cited is the one to fix."""
    lines = [
        "## Answered but unhelpful",
        "",
        f"**{report.total} answer{_s(report.total)}** visitors rated unhelpful, in "
        f"**{len(report.groups)} group{_s(len(report.groups))}**. Check the cited doc: it may be wrong, "
        "out of date or unclear.",
        "",
        "| # | Rated 👎 | Question | Cited doc | Visitors said |",
        "|---:|---:|---|---|---|",
    ]
    for rank, g in enumerate(report.groups[:DETAIL_GROUPS], 1):
        doc = g.closest_doc
        said = "; ".join(f"“{_md(n)}”" for n in g.notes) or "—"
        lines.append(f"| {rank} | {g.count} | {_md(g.representative)} | "
                     f"{_md(doc.title or doc.source) if doc else '—'} | {said} |")
    return lines


def _details(g: GapGroup) -> list[str]:
    out = []
    others = [p[0] for p in g.phrasings.values() if p[0] != g.representative]
    if others:
        out.append("- Also asked as: " + "; ".join(f"“{_md(p)}”" for p in others))
    pages = _pages(g)
    if pages:
        out.append(f"- Pages: {_md(pages)}")
    out.append(f"- Why: {_md(_why(g))}")
    doc = g.closest_doc
    if doc:
        where = f" — `{doc.source.replace('`', '')}`" if doc.source else ""
        out.append(
            f"- Closest doc: **{_md(doc.title or doc.source)}**{where}, best score {doc.best_score:.2f} "
            f"(closest for {doc.top_count} of {g.count})"
        )
    else:
        out.append("- Closest doc: none retrieved — this may need a new doc")
    out.append(f"- Last asked: {g.last_asked}")
    return out


def render_csv(report: GapsReport) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")  # RFC 4180, what spreadsheets expect
    writer.writerow(CSV_FIELDS)
    # The 👎 groups follow the gaps, their "why" reading answer/unhelpful.
    for rank, g in enumerate([*report.groups, *(report.unhelpful.groups if report.unhelpful else [])], 1):
        doc = g.closest_doc
        others = [p[0] for p in g.phrasings.values() if p[0] != g.representative]
        writer.writerow(
            [
                rank,
                g.count,
                *(
                    _cell(v)
                    for v in (
                        g.representative,
                        " | ".join(others),
                        _pages(g),
                        _why(g),
                        doc.title if doc else "",
                        doc.source if doc else "",
                    )
                ),
                f"{doc.best_score:.4f}" if doc else "",
                doc.top_count if doc else "",
                g.last_asked,
            ]
        )
    return buf.getvalue()


def render_notice(report: GapsReport, site_name: str, locations: Sequence[str]) -> tuple[str, str]:
    """(subject, message) for SNS: the top groups, and where the full report is."""
    site = f" — {site_name}" if site_name else ""
    if not report.total:
        subject = f"Knowledge gaps {report.week}: none this week"
        body = [
            f"No knowledge gaps were recorded for {report.week} ({week_range(report.week)}){site}: every "
            "question was answered from the docs with confidence (or none were asked)."
        ]
    else:
        subject = f"Knowledge gaps {report.week}: {report.total} questions in {len(report.groups)} groups"
        body = [
            f"Knowledge gaps for {report.week} ({week_range(report.week)}){site}: {report.total} questions the "
            f"assistant could not answer well, in {len(report.groups)} groups. Top groups:",
            "",
        ]
        for rank, g in enumerate(report.groups[:NOTICE_GROUPS], 1):
            doc = g.closest_doc
            body.append(f"{rank}. ({g.count}x) {g.representative}")
            body.append(
                f"   closest doc: {doc.title or doc.source} ({doc.source}), score {doc.best_score:.2f}"
                if doc
                else "   closest doc: none retrieved"
            )
    if report.unhelpful:
        top = report.unhelpful.groups[0]
        doc = top.closest_doc
        body += ["", f"{report.unhelpful.total} answer(s) were rated unhelpful by visitors; the most: "
                     f"({top.count}x) {top.representative}" + (f" (cited {doc.title or doc.source})" if doc else "")]
    if locations:
        body += ["", "Full report: " + ", ".join(locations)]
    return subject, "\n".join(body) + "\n"


def _pages(g: GapGroup) -> str:
    shown = ", ".join(f"{page} ({n})" for page, n in g.pages.most_common(5))
    hidden = sum(g.pages.values()) - sum(n for _, n in g.pages.most_common(5)) + g.other_pages
    return shown + (f", {hidden} on other pages" if hidden else "")


def _why(g: GapGroup) -> str:
    return ", ".join(f"{kind} ×{n}" for kind, n in g.kinds.most_common())


def _md(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def _cell(text: str) -> str:
    # A cell starting with = + - @ (or a tab/CR) is run as a formula by spreadsheets: CSV injection.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _s(n: int) -> str:
    return "" if n == 1 else "s"
