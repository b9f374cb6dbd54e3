"""The widget closes the loops (issue #15) in a real Chromium against `assistant serve`: 👍/👎 with a comment,
a staff reply from the Slack thread, Markdown (tables too) rendered while it streams, the hand-off form's
focus, a rate-limited question given back, phones, history across tabs, and axe with zero violations."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Route, WebSocketRoute, expect

from tests.e2e.local_stack import Server, staff_reply, start_server

from .conftest import ROOT, MakePage, OwnerSite
from .widget_page import WidgetPage, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.slow]
AXE = ROOT / "tests" / "browser" / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 390, "height": 844}


def started(tmp_path_factory: pytest.TempPathFactory, *extra: str, env: dict[str, str] | None = None
            ) -> Iterator[Server]:
    s = start_server(tmp_path_factory.mktemp("state"), *extra, env=env)
    yield s
    s.stop()


MARKDOWN = ("**Cold brew** takes twelve hours in the fridge. Use *coarse* leaves and `filtered` water.\n\n"
            "- Leave the jug in the fridge overnight.\n- Strain it through the **paper** filter.\n\n"
            "| Size | Leaves | Steep |\n|:-----|:------:|------:|\n| Small jug | 20 g | 12 hours |\n"
            "| Large jug | 40 g | 12 hours |\n\nSee the [cold brew guide](https://help.example/cold-brew) for more.")


@pytest.fixture(scope="module")
def markdown_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A Markdown answer replayed in small, paced pieces that cut through its markers."""
    path = tmp_path_factory.mktemp("replay") / "markdown.jsonl"
    body = json.dumps(MARKDOWN)[1:-1]  # as the tool input's JSON string carries it
    events: list[dict[str, Any]] = [{"tool_start": "answer", "id": "tooluse_md"},
                                    {"input": '{"citation_ids":["p1"],"text":"'}]
    events += [*_exact_pieces(body), {"input": '"}'}, {"stop": "tool_use"}]
    path.write_text("\n".join(json.dumps(e) for e in events) + "\n", encoding="utf-8")
    docs = tmp_path_factory.mktemp("md-docs")
    (docs / "cold-brew.md").write_text("---\ntitle: Cold brew\nurl: https://help.example/cold-brew\n---\n"
                                       + MARKDOWN + "\n", encoding="utf-8")
    yield from started(tmp_path_factory, "--model", f"replay:{path}", "--docs", str(docs))


def _exact_pieces(body: str, size: int = 7) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    i = 0
    while i < len(body):
        j = min(len(body), i + size)
        while body[i:j].endswith("\\") and j < len(body):
            j += 1  # an escape travels whole
        out += [{"input": body[i:j]}, {"sleep_ms": 40}]
        i = j
    return out


@pytest.fixture(scope="module")
def roomy_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Rate limits out of the way: ratings count as messages, and these tests send many in seconds."""
    yield from started(tmp_path_factory, env={"ASSISTANT_RATE_LIMIT_BURST": "50",
                                              "ASSISTANT_RATE_LIMIT_PER_MINUTE": "100"})


@pytest.fixture(scope="module")
def strict_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One message a minute per connection (ratings count): anything after the first question is refused."""
    yield from started(tmp_path_factory, env={"ASSISTANT_RATE_LIMIT_BURST": "1",
                                              "ASSISTANT_RATE_LIMIT_PER_MINUTE": "1"})


def early_in_a_minute(wp: WidgetPage) -> None:
    """The limits count in clock-aligned minutes: start with 20 s or more to go, so that what a test sends
    after its first question falls in the same minute (and is refused) however slow the machine is."""
    left = 60 - time.time() % 60
    if left < 20:
        wp.page.wait_for_timeout((left + 0.2) * 1000)


def stream_through_a_routed_socket(wp: WidgetPage, deltas: list[str], text: str) -> None:
    """Answer the page's next question from a routed socket: ack, these deltas, then the answer frame."""

    def fake_server(ws: WebSocketRoute) -> None:
        def on_message(message: str | bytes) -> None:
            frame = json.loads(message)
            if frame.get("action") == "send":
                ws.send(json.dumps({"type": "ack", "id": frame["id"], "turn": "t1"}))
                for d in deltas:
                    ws.send(json.dumps({"type": "delta", "turn": "t1", "text": d}))
                ws.send(json.dumps({"type": "answer", "turn": "t1", "text": text, "citations": []}))

        ws.on_message(on_message)

    wp.page.route_web_socket(re.compile(r"/local\?token="), fake_server)


def answered(wp: WidgetPage, question: str = "How do I reset my password?") -> dict[str, Any]:
    final = wp.ask_and_wait(question)
    assert final["type"] == "answer", final
    return final


# -- feedback -----------------------------------------------------------------------------------------


def test_thumbs_and_the_optional_comment(roomy_server: Server, make_page: MakePage) -> None:
    wp = make_page(roomy_server)
    wp.goto().open()
    final = answered(wp)
    bubble = wp.loc(".m.a").last
    up = bubble.get_by_role("button", name="Helpful", exact=True)
    down = bubble.get_by_role("button", name="Not helpful")
    assert (up.get_attribute("aria-pressed"), down.get_attribute("aria-pressed")) == ("false", "false")
    up.focus()
    wp.page.keyboard.press("Enter")  # keyboard works
    wait_until(wp.page, lambda: wp.frames("feedback_saved"), what="feedback_saved")
    assert wp.sent_actions("feedback") == [{"action": "feedback", "turn": final["turn"], "rating": "up"}]
    expect(bubble.locator(".fb .sr")).to_have_text("Thanks for the feedback.")  # in the live log: announced
    assert up.get_attribute("aria-pressed") == "true"

    down.click()
    comment = bubble.page.locator("assistant-widget form.c input")
    expect(comment).to_be_focused()
    assert wp.loc(".c label").first.inner_text().startswith("What was wrong?")
    wp.page.keyboard.press("Escape")  # closes the comment box, not the chat
    expect(comment).to_have_count(0)
    expect(wp.loc(".p")).to_be_visible()
    expect(down).to_be_focused()
    down.click()
    wp.page.keyboard.type("It did not say how long the link lasts")
    wp.page.keyboard.press("Enter")
    wait_until(wp.page, lambda: len(wp.sent_actions("feedback")) == 3, what="the comment")
    assert wp.sent_actions("feedback")[1:] == [  # pressing 👎 again only reopens the box
        {"action": "feedback", "turn": final["turn"], "rating": "down"},
        {"action": "feedback", "turn": final["turn"], "rating": "down",
         "comment": "It did not say how long the link lasts"}]
    wait_until(wp.page, lambda: len(wp.frames("feedback_saved")) == 3, what="every rating stored")
    # The rating survives a navigation (the stored conversation), and clarify/decline get no thumbs.
    wp.goto()
    expect(wp.loc(".p")).to_be_visible()  # it was open, so it opens
    expect(wp.loc(".m.a").last.get_by_role("button", name="Not helpful")).to_have_attribute("aria-pressed", "true")
    wp.ask_and_wait("What's the weather on Mars?")
    expect(wp.loc(".m.a").last.locator(".fb")).to_have_count(0)


def test_a_refused_rating_is_given_back(strict_server: Server, make_page: MakePage) -> None:
    """Ratings are rate-limited like messages: a refused one is not shown as chosen, and a refused comment
    stays in its box to send again."""
    wp = make_page(strict_server)
    wp.goto().open()
    early_in_a_minute(wp)
    answered(wp)  # the one message of this minute
    bubble = wp.loc(".m.a").last
    up = bubble.get_by_role("button", name="Helpful", exact=True)
    up.click()
    wait_until(wp.page, lambda: wp.frames("error"), what="the refusal")
    assert wp.frames("error")[-1]["code"] == "rate_limited"
    expect(up).to_have_attribute("aria-pressed", "false")
    expect(wp.loc(".m.s").last).to_contain_text("a little fast")
    expect(bubble.locator(".fb .sr")).to_have_text("")  # no thanks
    bubble.get_by_role("button", name="Not helpful").click()
    wait_until(wp.page, lambda: len(wp.frames("error")) == 2, what="the second refusal")
    comment = wp.loc("form.c input")
    comment.fill("Too vague")
    comment.press("Enter")
    wait_until(wp.page, lambda: len(wp.frames("error")) == 3, what="the comment's refusal")
    expect(comment).to_have_value("Too vague")  # still there, editable again
    expect(comment).to_be_editable()
    expect(comment).to_be_focused()
    expect(bubble.get_by_role("button", name="Not helpful")).to_have_attribute("aria-pressed", "false")
    assert wp.frames("feedback_saved") == []
    assert all("f" not in i for i in wp.stored()["log"])


def test_a_new_session_does_not_rate_the_old_answers(roomy_server: Server, make_page: MakePage) -> None:
    """When the old token cannot be refreshed (over a day old, or the key rotated) the widget starts a new
    session, whose turn ids start again: the kept answers lose their thumbs rather than rate someone else's."""
    wp = make_page(roomy_server)
    wp.goto().open()
    answered(wp)
    expect(wp.loc(".fb")).to_have_count(1)

    def refuse_refreshes(route: Route) -> None:
        if "previous" in (route.request.post_data or ""):
            route.fulfill(status=401, content_type="application/json", body='{"error": "unauthorized"}')
        else:
            route.continue_()

    wp.page.route(f"{roomy_server.base}/token", refuse_refreshes)
    wp.goto()
    expect(wp.loc(".m.a").nth(1)).to_contain_text("password")  # the kept answer is still shown...
    expect(wp.loc(".fb")).to_have_count(0)  # ...without thumbs
    wait_until(wp.page, lambda: [p for p in wp.token_posts if not p["request"]], what="a fresh token")
    assert [i.get("u") for i in wp.stored()["log"] if i["r"] == "a"] == [0]
    final = answered(wp, "How long are gift cards valid for?")
    assert final["turn"] == "t1"  # the new session's first turn: the id the old answer had
    expect(wp.loc(".fb")).to_have_count(1)
    expect(wp.loc(".m.a").last.locator(".fb")).to_have_count(1)
    refused = [e for e in wp.errors if "status of 401" in e]  # Chromium logs the refused refresh
    assert len(refused) == 1, wp.errors
    wp.errors.remove(refused[0])


# -- staff reply from Slack ---------------------------------------------------------------------------


def notice_ts(server: Server, page: Any, turn_text: str) -> str:
    def find() -> str:
        for p in sorted((server.state_dir / "outbox").glob("*-slack-*.json")):
            rec = json.loads(p.read_text("utf-8"))
            if rec.get("ts") and not rec.get("thread_ts") and turn_text in json.dumps(rec["payload"]):
                return str(rec["ts"])
        return ""

    return wait_until(page, find, what="the hand-off notice in the outbox")


def test_a_staff_reply_appears_and_the_contact_form_takes_focus(roomy_server: Server, make_page: MakePage) -> None:
    server = roomy_server
    wp = make_page(server, viewport={"width": 1200, "height": 640})
    wp.goto().open()
    for question in ("How do I reset my password?", "How long are gift cards valid for?",
                     "How do I cancel my Tea Club subscription?"):  # long: the form would open below the fold
        answered(wp, question)
    question = f"I want to talk to a person {time.monotonic_ns()}"
    handoff = wp.ask_and_wait(question)
    assert handoff["type"] == "handoff" and handoff["ask_contact"]
    email = wp.loc("form.c input[type=email]")
    expect(email).to_be_focused()
    expect(email).to_be_in_viewport()
    email.fill("ana@example.com")
    wp.page.keyboard.press("Enter")
    expect(wp.loc("form.c")).to_have_count(0)
    expect(wp.loc("textarea")).to_be_focused()  # not the page body

    thread = notice_ts(server, wp.page, question)
    said = "Hi, I'm **Ana** from support. Your [order page](https://help.example/orders)."
    assert staff_reply(server, thread, said) == 200
    staff = wp.loc(".m.sf")
    expect(staff).to_have_count(1)
    expect(staff.locator(".n")).to_have_text("Staff")
    expect(staff.locator("strong")).to_have_text("Ana")
    expect(staff.locator("a")).to_have_attribute("href", "https://help.example/orders")
    assert "**" not in staff.inner_text()
    # Kept across a navigation, and shown once although the server may send it again on the new socket.
    wp.goto()
    expect(wp.loc(".p")).to_be_visible()
    wait_until(wp.page, lambda: len(wp.frames("pong")) >= 2, what="the new socket's ping")
    expect(wp.loc(".m.sf")).to_have_count(1)
    expect(wp.loc(".m.sf .n")).to_have_text("Staff")


def test_staff_replies_come_any_time_are_shown_once_and_leave_the_answer_alone(
        markdown_server: Server, make_page: MakePage) -> None:
    """The real stack behind a routed socket that adds staff frames: one kept while the visitor was away
    (after every pong, as the server delivers them), and one, twice, in the middle of a streaming answer."""
    wp = make_page(markdown_server)
    away = {"type": "staff", "id": "1700000000.000100", "turn": "t1", "name": "Staff",
            "text": "We have your message and will reply here."}
    mid = {"type": "staff", "id": "1700000000.000200", "turn": "t1", "name": "Ana Lim",
           "text": "Ana here: I *checked* your **order**, see the [order page](https://help.example/orders)."}
    seen = {"pong": 0, "delta": 0}

    def route(ws: WebSocketRoute) -> None:
        upstream = ws.connect_to_server()

        def from_server(message: str | bytes) -> None:
            ws.send(message)
            kind = json.loads(message).get("type")
            if kind in seen:
                seen[kind] += 1
            if kind == "pong":
                ws.send(json.dumps(away))
            if kind == "delta" and seen["delta"] == 3:
                ws.send(json.dumps(mid))
                ws.send(json.dumps(mid))  # a resend: shown once

        upstream.on_message(from_server)

    wp.page.route_web_socket(re.compile(r"/local\?token="), route)
    wp.goto().open()
    staff = wp.loc(".m.sf")
    expect(staff).to_have_count(1)  # while no question is active
    expect(staff.locator(".n")).to_have_text("Staff")
    final = wp.ask_and_wait("How do I make cold brew?")
    assert final["type"] == "answer" and seen["delta"] > 3
    expect(staff).to_have_count(2)
    late = staff.last
    expect(late.locator(".n")).to_have_text("Ana Lim")
    expect(late.locator("strong")).to_have_text("order")
    expect(late.locator("em")).to_have_text("checked")
    expect(late.locator("a")).to_have_attribute("href", "https://help.example/orders")
    assert "**" not in late.inner_text() and "](" not in late.inner_text()
    # The answer streamed on around it, whole, in its own bubble; the turn ended as usual.
    answer = wp.loc(".m.a").last
    expect(answer.locator("table tbody tr")).to_have_count(2)
    expect(answer.locator(".fb")).to_have_count(1)
    assert "Ana" not in answer.inner_text() and "Cold brew" in answer.inner_text()
    expect(wp.loc(".f .k")).to_be_hidden()  # no Stop button left behind
    expect(wp.loc("textarea")).to_be_focused()
    log = [(i["r"], i.get("n"), i.get("i")) for i in wp.stored()["log"]]
    assert log == [("s", "Staff", away["id"]), ("v", None, None), ("s", "Ana Lim", mid["id"]), ("a", None, None)]
    # Restored on the next page, and the replies the new socket's pong brings again are not shown twice.
    pongs = seen["pong"]
    wp.goto()
    expect(wp.loc(".p")).to_be_visible()
    wait_until(wp.page, lambda: seen["pong"] > pongs, what="the new socket's pong")
    expect(staff).to_have_count(2)
    expect(staff.locator(".n")).to_have_text(["Staff", "Ana Lim"])
    expect(staff.last.locator("strong")).to_have_text("order")


# -- Markdown while streaming ---------------------------------------------------------------------------


def test_markdown_is_rendered_while_it_streams_and_never_shows_its_markers(
        markdown_server: Server, make_page: MakePage) -> None:
    wp = make_page(markdown_server)
    wp.goto().open()
    wp.page.evaluate("""() => {
        const log = document.querySelector('assistant-widget').shadowRoot.querySelector('.log');
        window.__md = [];
        new MutationObserver(() => {
            const all = log.querySelectorAll('.m.a');
            const b = all[all.length - 1];
            if (!b) return;
            if (!window.__p && b.querySelector('ul')) window.__p = b.querySelector('p');  // the first block, done
            const copy = b.cloneNode(true);
            copy.querySelectorAll('.src,.fb').forEach(n => n.remove());
            window.__md.push([copy.textContent, copy.innerHTML]);
        }).observe(log, {subtree: true, childList: true, characterData: true});
    }""")
    final = wp.ask_and_wait("How do I make cold brew?")
    assert final["type"] == "answer" and final["text"] == MARKDOWN
    deltas = [f for f in wp.frames("delta") if f["turn"] == final["turn"]]
    assert len(deltas) >= 5
    snaps: list[list[str]] = wp.page.evaluate("() => window.__md")
    streamed = [s for s in snaps if s[0] and "Cold brew" in s[0]]
    assert len({s[0] for s in streamed}) >= 5, snaps
    for text, _ in snaps:
        for marker in ("**", "`", "](", "|", "---", "- Leave", "[cold"):
            assert marker not in text, (marker, text)
    bubble = wp.loc(".m.a").last
    expect(bubble.locator("strong").first).to_have_text("Cold brew")
    expect(bubble.locator(":scope > ul > li")).to_have_count(2)  # (the sources have their own list)
    expect(bubble.locator("table th")).to_have_text(["Size", "Leaves", "Steep"])
    expect(bubble.locator("table tbody tr")).to_have_count(2)
    assert bubble.locator("th").first.get_attribute("scope") == "col"
    assert bubble.locator("tbody td").nth(2).evaluate("e => getComputedStyle(e).textAlign") == "right"
    expect(bubble.locator(".tw")).to_have_attribute("role", "region")
    # The final frame did not re-render: the last streamed DOM is the final DOM.
    last_streamed = next(html for text, html in reversed(snaps) if text)
    final_html = bubble.evaluate("""b => { const c = b.cloneNode(true);
        c.querySelectorAll('.src,.fb').forEach(n => n.remove()); return c.innerHTML; }""")
    assert last_streamed == final_html
    # Blocks that were complete kept their nodes while later ones streamed in.
    assert bubble.evaluate("b => !!window.__p && b.querySelector('p') === window.__p")


def test_a_long_answer_streams_without_re_rendering_what_is_done(server: Server, make_page: MakePage) -> None:
    """3,000 characters in 24-character deltas (the server's flush size), all at once: each delta renders only
    the block still arriving, so the elements made over the whole stream are a small multiple of the final
    DOM (re-rendering all of it on every delta would make about sixty times as many)."""
    wp = make_page(server)
    para = ("**Cold brew** takes *twelve* hours. Use `filtered` water and see [the guide](https://help.example/x).\n"
            "- Leave the jug in the fridge overnight.\n- Strain it through **paper**.\n\n")
    text = (para * 20)[:3000]
    deltas = [text[i:i + 24] for i in range(0, len(text), 24)]

    stream_through_a_routed_socket(wp, deltas, text)
    wp.goto().open()
    wp.page.evaluate("""() => {
        const log = document.querySelector('assistant-widget').shadowRoot.querySelector('.log');
        window.__made = 0;
        new MutationObserver(records => records.forEach(r => r.addedNodes.forEach(n => {
            if (n.nodeType === 1) window.__made += 1 + n.querySelectorAll('*').length;
        }))).observe(log, {subtree: true, childList: true});
    }""")
    wp.ask("Cold brew?")
    bubble = wp.loc(".m.a").last
    expect(bubble.locator(".fb")).to_have_count(1)
    expect(bubble.locator(":scope > p")).to_have_count(text.count("**Cold brew**"))
    assert "**" not in bubble.inner_text()
    final = bubble.evaluate("b => b.querySelectorAll('*').length")
    made = wp.page.evaluate("() => window.__made")
    assert len(deltas) == 125 and made < 15 * final, (made, final)


def test_markdown_edge_cases_stream_without_markers(server: Server, make_page: MakePage) -> None:
    """One character per delta through a routed socket: a link whose target has parentheses, a table without
    outer pipes, bold around italic, and asterisks that are arithmetic. No marker shows at any point."""
    wp = make_page(server)
    text = ("See [Tea](https://en.wikipedia.org/wiki/Tea_(drink)) first.\n\nSize | Steep\n--- | ---:\n"
            "Small | 12 h\nLarge | 14 h\n\n**Use *filtered* water** and 5 * 3 = 15 scoops, a*b.")

    stream_through_a_routed_socket(wp, list(text), text)
    wp.goto().open()
    wp.watch_assistant_text()
    wp.ask("Tea?")
    bubble = wp.loc(".m.a").last
    expect(bubble.locator(".fb")).to_have_count(1)
    streamed = [t for t in wp.snapshots() if "See" in t]
    assert len(streamed) > 50
    for t in streamed:
        for marker in ("**", "](", "[", "|", "---", "*filtered"):
            assert marker not in t, (marker, t)
    expect(bubble.locator("a")).to_have_attribute("href", "https://en.wikipedia.org/wiki/Tea_(drink)")
    expect(bubble.locator("th")).to_have_text(["Size", "Steep"])
    expect(bubble.locator("tbody tr")).to_have_count(2)
    expect(bubble.locator("strong em")).to_have_text("filtered")
    expect(bubble.locator("strong")).to_have_text("Use filtered water")
    expect(bubble.locator("p").last).to_have_text("Use filtered water and 5 * 3 = 15 scoops, a*b.")


# -- rate limits, history -------------------------------------------------------------------------------


def test_a_rate_limited_question_goes_back_to_the_input(strict_server: Server, make_page: MakePage) -> None:
    wp = make_page(strict_server)
    wp.goto().open()
    early_in_a_minute(wp)
    answered(wp)
    wp.ask("How long are gift cards valid for?")  # a second message in the same minute: over the limit of 1
    wait_until(wp.page, lambda: wp.frames("error"), what="the rate-limit error")
    assert wp.frames("error")[-1]["code"] == "rate_limited"
    expect(wp.loc("textarea")).to_have_value("How long are gift cards valid for?")
    expect(wp.loc(".m.v")).to_have_count(1)  # not left in the log as if it were sent
    expect(wp.loc(".m.s").last).to_contain_text("a little fast")
    assert [i["t"] for i in wp.stored()["log"] if i["r"] == "v"] == ["How do I reset my password?"]


def test_history_across_tabs_when_the_owner_asks_for_it(server: Server, owner_site: OwnerSite,
                                                        make_page: MakePage) -> None:
    owner_site.pages["/kept"] = f"""<!doctype html><html lang="en"><head><title>Shop</title>
        <link rel="icon" href="data:,"></head><body><main><p>Shop</p></main>
        <script src="{server.base}/widget.js" data-token-url="{server.base}/token" data-history="local"
          data-history-days="2" async></script></body></html>"""
    wp = make_page(server, allowed_hosts=(owner_site.origin.split("//")[1],))
    wp.goto(owner_site.origin + "/kept").open()
    answered(wp)
    other = WidgetPage(wp.context, server, wp.marker)  # another tab: sessionStorage would not reach it
    other.goto(owner_site.origin + "/kept")
    expect(other.loc(".p")).to_be_visible()  # it was open, so it opens
    expect(other.loc(".m.v")).to_have_text(["How do I reset my password?"])
    other.page.close()
    key = "assistant-widget:" + server.base + "/token"
    wp.page.evaluate("""k => { const s = JSON.parse(localStorage.getItem(k)); s.at = Date.now() - 3 * 864e5;
        localStorage.setItem(k, JSON.stringify(s)); }""", key)
    wp.page.reload()
    wp.loc(".l").wait_for(state="attached")
    wp.open()
    expect(wp.loc(".m.v")).to_have_count(0)  # older than data-history-days: gone


# -- phones and accessibility ---------------------------------------------------------------------------


def test_phone_touch_targets_and_input_size(roomy_server: Server, make_page: MakePage) -> None:
    """Every control on a phone is 44 px both ways, every text field 16 px (iOS zooms into smaller ones):
    the composer, sources, thumbs and the 👎 box, clarify options, the hand-off form."""
    wp = make_page(roomy_server, viewport=PHONE, has_touch=True, is_mobile=True)
    wp.goto().open()
    assert wp.ask_and_wait("returns")["type"] == "clarify"
    answered(wp, "How long are gift cards valid for?")
    wp.loc(".m.a").last.get_by_role("button", name="Not helpful").click()
    expect(wp.loc("form.c input")).to_be_focused()
    assert wp.ask_and_wait(f"I want to talk to a person {time.monotonic_ns()}")["type"] == "handoff"
    expect(wp.loc("form.c input[type=email]")).to_be_focused()
    # (Links inside an answer's sentences are exempt, as in WCAG 2.5.8; the sources list is not.)
    controls = """() => [...document.querySelector('assistant-widget').shadowRoot
        .querySelectorAll('.p button, .src a, .p input, .p textarea')]
        .filter(e => e.getClientRects().length && !e.closest('.sr'))
        .map(e => [e.tagName + ' ' + (e.getAttribute('aria-label') || e.textContent.trim().slice(0, 20) || e.type),
                   e.getBoundingClientRect(), getComputedStyle(e).fontSize])"""
    found = wp.page.evaluate(controls)
    names = " | ".join(name for name, _, _ in found)
    for needed in ("BUTTON Close chat", "BUTTON Send", "BUTTON Helpful", "BUTTON Not helpful", "A ", "INPUT text",
                   "INPUT email", "TEXTAREA", "BUTTON Send my email"):
        assert needed in names, (needed, names)
    assert len([1 for name, _, _ in found if name.startswith("BUTTON") and "Send" not in name]) >= 5  # + options
    small = [f"{name}: {round(r['width'])}x{round(r['height'])}" for name, r, _ in found
             if r["width"] < 44 or r["height"] < 44]
    assert small == [], small
    fonts = [f"{name}: {size}" for name, _, size in found if name.startswith(("INPUT", "TEXTAREA")) and size != "16px"]
    assert fonts == [], fonts
    # The Stop button while an answer streams is the same size as Send.
    assert wp.loc(".f .k").evaluate("e => { e.hidden = false; const r = e.getBoundingClientRect(); e.hidden = true;"
                                    " return Math.min(r.width, r.height); }") >= 44


def axe_violations(wp: WidgetPage) -> list[str]:
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run `make test` (it installs axe-core from npm)", pytrace=False)
    # Colours are judged at rest: a panel fading in is blended with the page for a moment.
    wp.page.wait_for_function("""() => document.querySelector('assistant-widget').shadowRoot.getAnimations()
        .every(a => a.effect.getTiming().iterations === Infinity || a.playState !== 'running')""")
    if not wp.page.evaluate("() => typeof axe !== 'undefined'"):
        wp.page.add_script_tag(path=str(AXE))
    result = wp.page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']} ({v['impact']}): {[(n['target'], n['failureSummary']) for n in v['nodes']]}"
            for v in result["violations"]]


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 800}, PHONE], ids=["desktop", "phone"])
def test_axe_finds_no_violations_in_any_state(roomy_server: Server, make_page: MakePage,
                                              viewport: dict[str, int]) -> None:
    server = roomy_server
    wp = make_page(server, viewport=viewport)
    wp.goto()
    assert axe_violations(wp) == [], "closed"
    wp.open()
    assert axe_violations(wp) == [], "open, empty"
    answered(wp)
    assert axe_violations(wp) == [], "an answer with sources and thumbs"
    wp.loc(".m.a").last.get_by_role("button", name="Not helpful").click()
    assert axe_violations(wp) == [], "the 👎 comment box"
    question = f"I want to talk to a person {time.monotonic_ns()}"
    wp.ask_and_wait(question)
    assert axe_violations(wp) == [], "the hand-off contact form"
    assert staff_reply(server, notice_ts(server, wp.page, question), "Hello from support.") == 200
    expect(wp.loc(".m.sf")).to_have_count(1)
    assert axe_violations(wp) == [], "a staff reply"
    wp.page.emulate_media(color_scheme="dark")
    assert axe_violations(wp) == [], "dark mode"
