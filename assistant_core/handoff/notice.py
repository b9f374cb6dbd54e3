"""What staff read: a handoff notice and contact follow-ups, as plain-text email and as Slack Block Kit.

The notice carries the conversation itself (all of it when it is short, else its last
``Settings.handoff_turns`` turns), so staff need no AWS access and no link that expires; an owner
with a helpdesk page per session can add a link (``transcript_url_template``).

Email goes through SNS: the subject is ≤ 100 printable ASCII chars (the follow-up's "Re: " fits
too, so mail clients thread it) and the body reads well as plain text. Slack gets the same facts;
visitor and model text is escaped for mrkdwn (&, <, >), so it can neither ping a channel nor forge
a link.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from assistant_core.handoff.ports import TranscriptTurn
from assistant_core.handoff.state import Handoff

REASON_LABELS = {
    "visitor_request": "asked for a person",
    "account_specific": "question about their account",
    "complaint": "complaint",
    "unsafe": "safety concern",
    "out_of_knowledge": "not covered by the help docs",
    "other": "needs a person",
}
MAX_TURN_CHARS = 600


@dataclass(frozen=True)
class NoticeContext:
    site_name: str = "our help centre"
    transcript_url_template: str = ""  # Settings.transcript_url_template; "" for no link
    region: str = ""
    table: str = "tbl-transcripts"
    turns_shown: int = 20  # Settings.handoff_turns: the service reads one more, to know if there were more
    replies_in_thread: bool = False  # the Slack app: a reply in the notice's thread reaches the visitor

    def transcript_url(self, session_id: str) -> str:
        try:
            return self.transcript_url_template.format(region=quote(self.region), table=quote(self.table),
                                                       session_id=quote(session_id, safe=""))
        except (KeyError, IndexError, ValueError):  # a template with unknown fields: no link beats no notice
            return ""


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str
    slack: dict[str, Any]


def label(reason: str) -> str:
    return REASON_LABELS.get(reason, reason.replace("_", " ") or "needs a person")


def subject_line(h: Handoff, ctx: NoticeContext) -> str:
    # The id comes first so truncation never cuts it; 96 chars leave room for the follow-up's "Re: ".
    return ascii_subject(f"Handoff {h.handoff_id}: visitor {label(h.reason)} ({ctx.site_name})", 96)


def ascii_subject(text: str, limit: int = 100) -> str:
    clean = " ".join("".join(c if 32 <= ord(c) < 127 else " " for c in text).split())
    return clean[:limit].rstrip() or "Website assistant handoff"


def render_notice(h: Handoff, turns: Sequence[TranscriptTurn] | None, ctx: NoticeContext) -> Rendered:
    """The first notice. ``turns`` is None when the transcript could not be read, [] when none exists."""
    page = h.page_url or next((t.page_url for t in reversed(turns or ()) if t.page_url), "")
    url = ctx.transcript_url(h.session_id)
    lines = [
        f"A visitor on {ctx.site_name} needs a person: {label(h.reason)}.",
        "",
        f"Summary:  {h.summary or '(none: the visitor asked to be contacted)'}",
        f"Contact:  {_contact_text(h)}",
        f"Page:     {page or '-'}",
        f"Time:     {_when(h)}",
        f"Session:  {h.session_id}, turn {h.turn or '-'}",
        f"Handoff:  {h.handoff_id}",
    ]
    if h.downgrade:
        lines.append(f"Note:     the assistant's own answer was withheld ({h.downgrade}).")
    lines += ["", *_transcript_lines(turns, ctx.turns_shown)]
    if url:
        lines += ["", f"Full transcript: {url}"]
    lines += ["", "-- ", "Sent by the website assistant. Reply to the visitor's email, not to this message."]
    return Rendered(subject_line(h, ctx), "\n".join(lines), _slack_notice(h, turns, page, url, ctx.turns_shown,
                                                                     ctx.replies_in_thread))


def render_contact(h: Handoff, ctx: NoticeContext, subject: str) -> Rendered:
    """A short follow-up when the visitor leaves (or changes) contact details after the notice."""
    url = ctx.transcript_url(h.session_id)
    lines = [f"The visitor left contact details for handoff {h.handoff_id} ({label(h.reason)}).", "",
             f"Email:    {h.contact_email}", f"Note:     {h.contact_note or '-'}",
             f"Session:  {h.session_id}"]
    if url:
        lines.append(f"Full transcript: {url}")
    text = f"*Contact details for handoff {h.handoff_id}* ({esc(label(h.reason))})\n" \
           f"*Email:* {_mailto(h.contact_email)}\n*Note:* {esc(h.contact_note) or '-'}"
    slack = {"text": esc(f"Contact details for handoff {h.handoff_id}: {h.contact_email}"),
             "blocks": [_section(text), _context(_footer(h, url))]}
    return Rendered(ascii_subject(f"Re: {subject}"), "\n".join(lines), slack)


def render_feedback(h: Handoff, ctx: NoticeContext, subject: str, turn: str, comment: str) -> Rendered:
    """A follow-up when the visitor says an answer in this hand-off's conversation did not help."""
    url = ctx.transcript_url(h.session_id)
    lines = [f"The visitor marked the answer to {turn or 'a turn'} as not helpful (handoff {h.handoff_id}).", "",
             f"Comment:  {comment}", f"Contact:  {_contact_text(h)}", f"Session:  {h.session_id}"]
    if url:
        lines.append(f"Full transcript: {url}")
    text = f"*:-1: The visitor found the answer to {esc(turn or 'a turn')} unhelpful*\n>{esc(comment)}"
    slack = {"text": esc(f"Handoff {h.handoff_id}: the visitor found an answer unhelpful: {comment}"[:300]),
             "blocks": [_section(text), _context(_footer(h, url))]}
    return Rendered(ascii_subject(f"Re: {subject}"), "\n".join(lines), slack)


def _contact_text(h: Handoff) -> str:
    if not h.contact_email:
        return "not given yet (the visitor was asked; a follow-up with this subject comes if they leave it)"
    return h.contact_email + (f" - note: {h.contact_note}" if h.contact_note else "")


def _when(h: Handoff) -> str:
    return datetime.fromtimestamp(h.opened_at, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def shown_turns(turns: Sequence[TranscriptTurn], limit: int) -> tuple[Sequence[TranscriptTurn], bool]:
    """The turns a notice shows (the last ``limit``) and whether earlier ones were left out."""
    return (turns[-limit:], True) if limit > 0 and len(turns) > limit else (turns, False)


def _transcript_lines(turns: Sequence[TranscriptTurn] | None, limit: int) -> list[str]:
    if turns is None:
        return ["The transcript could not be read just now."]
    if not turns:
        return ["No transcript was recorded for this session."]
    turns, cut = shown_turns(turns, limit)
    out = [f"The last {len(turns)} turns (earlier ones are not shown), oldest first:" if cut
           else f"The whole conversation ({len(turns)} turn{'s' if len(turns) != 1 else ''}):"]
    for t in turns:
        shown = f"Assistant ({t.tool}{', withheld: ' + t.downgrade_reason if t.downgrade_reason else ''})"
        out += ["", f"[{t.turn_id} {t.created_at[:19].replace('T', ' ')}]",
                f"Visitor:   {_cut(t.question)}", f"{shown}: {_cut(t.text)}"]
    return out


def _cut(text: str, limit: int = MAX_TURN_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- Slack Block Kit ----------------------------------------------------------------------------


def esc(text: str) -> str:
    """Slack mrkdwn escaping: the three control characters, nothing else."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _link(url: str, text: str) -> str:
    if not url.startswith(("https://", "http://")):
        return esc(text)
    safe = esc(url).replace("|", "%7C")
    return f"<{safe}|{esc(text)}>"


def _mailto(email: str) -> str:
    return esc(email) if any(c in email for c in "<>|&") else f"<mailto:{email}|{email}>"


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text[:2000]}]}


def _footer(h: Handoff, url: str) -> str:
    link = f" · {_link(url, 'open the transcript')}" if url else ""
    return f"Handoff {h.handoff_id} · session {esc(h.session_id)} · turn {esc(h.turn or '-')}{link}"


def _slack_notice(h: Handoff, turns: Sequence[TranscriptTurn] | None, page: str, url: str,
                  limit: int, replies_in_thread: bool = False) -> dict[str, Any]:
    contact = _mailto(h.contact_email) + (f"\n{esc(h.contact_note)}" if h.contact_note else "") \
        if h.contact_email else "_not given yet_"
    when = f"<!date^{int(h.opened_at)}^{{date_short_pretty}} {{time}}|{_when(h)}>"
    fields = [f"*Reason*\n{esc(label(h.reason))}", f"*Contact*\n{contact}",
              f"*Page*\n{_link(page, page.split('://', 1)[-1][:80]) if page else '-'}", f"*Time*\n{when}"]
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": f"Visitor {label(h.reason)}"[:150]}},
        _section(f"*Summary*\n{esc(h.summary) or '_none: the visitor asked to be contacted_'}"),
        {"type": "section", "fields": [{"type": "mrkdwn", "text": f[:2000]} for f in fields]},
    ]
    if h.downgrade:
        blocks.append(_context(f":warning: The assistant's own answer was withheld ({esc(h.downgrade)})."))
    blocks.append({"type": "divider"})
    if not turns:
        blocks.append(_context("The transcript could not be read just now." if turns is None
                               else "No transcript was recorded for this session."))
    shown, cut = shown_turns(turns or (), limit)
    if cut:
        blocks.append(_context(f"The last {len(shown)} turns; earlier ones are not shown."))
    for t in shown:
        blocks.append(_section(f"*Visitor ({esc(t.turn_id)}):* {esc(_cut(t.question))}\n"
                               f"*Assistant ({esc(t.tool)}):* {esc(_cut(t.text))}"))
    if url:
        blocks.append(_section(_link(url, "Open the full transcript")))
    if replies_in_thread:
        blocks.append(_section(":speech_balloon: *Reply in this thread* to answer the visitor in the chat; "
                               "the assistant stays quiet while you do."))
    blocks.append(_context(_footer(h, "")))
    fallback = f"Handoff {h.handoff_id}: visitor {label(h.reason)}. {h.summary}"
    return {"text": esc(fallback[:300]), "blocks": blocks}
