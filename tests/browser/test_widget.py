"""The widget in a real Chromium against `assistant serve`: every behaviour of issue #5 end to end."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import Route, WebSocketRoute, expect

from tests.e2e.local_stack import Server, admin, start_server

from .conftest import ROOT, MakePage, OwnerSite
from .widget_page import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.slow]
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
HELP_HOST = "help.juniperandpine.example"  # the sample docs' URLs; the test serves them itself


def started(
    tmp_path_factory: pytest.TempPathFactory,
    *extra: str,
    env: dict[str, str] | None = None,
) -> Iterator[Server]:
    s = start_server(tmp_path_factory.mktemp("state"), *extra, env=env)
    yield s
    s.stop()


@pytest.fixture(scope="module")
def retract_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    # Text is flushed, then the model fails: the gate must send `retract` and then a hand-off.
    yield from started(tmp_path_factory, "--model", f"replay:{ROOT / 'tests/fixtures/replay/error_mid_stream.jsonl'}")


@pytest.fixture(scope="module")
def slow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    # A valid answer streamed over ~3 s, so the visitor has time to press Stop. Its one doc says every
    # sentence the answer says, so the support gate releases each as it completes.
    path = tmp_path_factory.mktemp("replay") / "slow.jsonl"
    sentences = [f"Slow part {n} of the answer, streamed bit by bit. " for n in range(1, 11)]
    events = [{"tool_start": "answer", "id": "tooluse_slow"}, {"input": '{"citation_ids":["p1"],"text":"'}]
    for sentence in sentences:
        events += [{"input": sentence}, {"sleep_ms": 300}]
    events += [{"input": '"}'}, {"stop": "tool_use"}]
    path.write_text("\n".join(json.dumps(e) for e in events) + "\n", encoding="utf-8")
    docs = tmp_path_factory.mktemp("slow-docs")
    front = "---\ntitle: How to track your order\nurl: https://help.example/track\n---\nTrack my order here.\n"
    (docs / "slow.md").write_text(front + "".join(sentences), encoding="utf-8")
    yield from started(tmp_path_factory, "--model", f"replay:{path}", "--docs", str(docs))


@pytest.fixture(scope="module")
def short_token_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from started(tmp_path_factory, env={"ASSISTANT_TOKEN_TTL_SECONDS": "6"})


class PixelServer(ThreadingHTTPServer):
    hits: list[str]


@pytest.fixture(scope="module")
def pixel() -> Iterator[PixelServer]:
    """Where a Markdown image in a document points: any hit here means the widget loaded it."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.server.hits.append(self.path)  # type: ignore[attr-defined]
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    srv = PixelServer(("127.0.0.1", 0), Handler)
    srv.hits = []
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield srv
    srv.shutdown()


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory: pytest.TempPathFactory, pixel: PixelServer) -> Iterator[Server]:
    docs = tmp_path_factory.mktemp("hostile-docs")
    pixel_url = f"http://127.0.0.1:{pixel.server_address[1]}/pixel"
    (docs / "gift-cards.md").write_text(
        f"""---
title: Zanzibar gift cards <img src=x onerror="alert('title');window.__pwned=1">
url: javascript:alert('url')
---

Zanzibar gift cards can be used online. <img src=x onerror="alert(1);window.__pwned=1">
Zanzibar gift cards never expire. <script>alert(2);window.__pwned=1</script>
The zanzibar balance shows at checkout. ![x]({pixel_url}) You can also
[click](javascript:alert(3)) to see the zanzibar balance. Zanzibar cards are **bold** and `coded` too.
""",
        encoding="utf-8",
    )
    (docs / "delivery.md").write_text(
        "---\ntitle: Delivery\nurl: https://shop.example/delivery\n---\n\n"
        "Orders ship from Singapore within two business days.\n",
        encoding="utf-8",
    )
    yield from started(tmp_path_factory, "--docs", str(docs))


def serve_help_pages(wp_context: object) -> list[str]:
    """Answer the sample docs' https URLs locally, so a source link can really be followed offline."""
    opened: list[str] = []

    def fulfil(route: Route) -> None:
        opened.append(route.request.url)
        route.fulfill(content_type="text/html", body="<!doctype html><title>Help page</title><h1>Help page</h1>")

    wp_context.route(f"https://{HELP_HOST}/**", fulfil)  # type: ignore[attr-defined]
    return opened


# -- answering --------------------------------------------------------------------------------------


def test_answer_streams_then_is_replaced_by_the_final_text(slow_server: Server, make_page: MakePage) -> None:
    wp = make_page(slow_server)
    wp.goto().open()
    expect(wp.loc(".m.a").first).to_have_text(re.compile("Hi! I can answer"))  # the greeting
    wp.watch_assistant_text()
    wp.ask("How do I track my order?")
    expect(wp.loc(".m.v").last).to_have_text("How do I track my order?")  # optimistic bubble
    expect(wp.loc(".m.a").last).to_contain_text("Slow part 2")
    # While it streams: a stop button, and the live region is marked busy so it is announced once, complete.
    expect(wp.loc("button.k")).to_be_visible()
    assert wp.loc(".log").get_attribute("aria-busy") == "true"
    final = wp.final(wp.frames("ack")[0]["turn"])

    assert final["type"] == "answer" and final["citations"]
    send = wp.sent_actions("send")[0]
    assert UUID.match(send["id"]) and send["text"] == "How do I track my order?"
    assert send["page"] == slow_server.base + "/"
    deltas = [f["text"] for f in wp.frames("delta") if f["turn"] == final["turn"]]
    assert len(deltas) >= 5 and "".join(deltas) == final["text"]
    # Streaming was visible: the bubble showed growing, strict prefixes of the text before the final frame.
    partial = [s for s in wp.snapshots() if 0 < len(s) < len(final["text"]) and final["text"].startswith(s)]
    assert len(set(partial)) >= 5, wp.snapshots()

    bubble = wp.loc(".m.a").last
    expect(bubble.locator("p")).to_have_text([final["text"].strip()])  # the authoritative text, rendered
    expect(bubble.locator(".src a")).to_have_count(1)
    assert bubble.locator(".src a").get_attribute("href") == final["citations"][0]["url"]
    # One polite live region, no longer busy; the stop button is gone with the stream.
    live = wp.page.evaluate("""() => [...document.querySelector('assistant-widget').shadowRoot
        .querySelectorAll('[aria-live]')].map(e => [e.getAttribute('aria-live'), e.getAttribute('aria-busy')])""")
    assert live == [["polite", None]]
    expect(wp.loc("button.k")).to_be_hidden()


def test_sources_are_working_links(server: Server, make_page: MakePage) -> None:
    wp = make_page(server, allowed_hosts=(HELP_HOST,))
    opened = serve_help_pages(wp.context)
    wp.goto().open()
    final = wp.ask_and_wait("I checked out as a guest - how do I start a return?")
    assert final["type"] == "answer" and len(final["citations"]) >= 2
    bubble = wp.loc(".m.a").last
    expect(bubble.locator("p").first).to_have_text(final["text"])
    links = bubble.locator(".src a")
    expect(links).to_have_count(len(final["citations"]))
    for i, c in enumerate(final["citations"]):
        link = links.nth(i)
        assert link.get_attribute("href") == c["url"]
        assert link.get_attribute("target") == "_blank"
        assert {"noopener", "noreferrer"} <= set(link.get_attribute("rel").split())
        expect(link).to_contain_text(c["title"])
    with wp.page.expect_popup() as popup:
        links.first.click()
    expect(popup.value).to_have_title("Help page")
    assert opened == [final["citations"][0]["url"].split("#")[0]]
    popup.value.close()


def test_clarify_options_are_buttons_that_send_the_option(server: Server, make_page: MakePage) -> None:
    wp = make_page(server)
    wp.goto().open()
    clarify = wp.ask_and_wait("returns")
    assert clarify["type"] == "clarify" and clarify["options"]
    options = wp.loc(".o button")
    expect(options).to_have_count(len(clarify["options"]))
    expect(wp.loc(".m.a").last).to_contain_text(clarify["question"])
    choice = clarify["options"][0]
    wp.loc(".o button").filter(has_text=choice).click()

    send = wait_until(wp.page, lambda: [f for f in wp.sent_actions("send") if f["text"] == choice], what="option")
    expect(wp.loc(".m.v").last).to_have_text(choice)
    for i in range(len(clarify["options"])):
        expect(options.nth(i)).to_be_disabled()  # one choice per question
    ack = wait_until(wp.page, lambda: [f for f in wp.frames("ack") if f["id"] == send[0]["id"]], what="ack")
    answer = wp.final(ack[0]["turn"])
    assert answer["type"] == "answer"
    expect(wp.loc(".m.a").last.locator(".src a").first).to_be_visible()


def test_decline_shows_the_message_and_nothing_else(server: Server, make_page: MakePage) -> None:
    wp = make_page(server)
    wp.goto().open()
    decline = wp.ask_and_wait("What's the capital of France?")
    assert decline["type"] == "decline"
    last = wp.loc(".m.a").last
    expect(last).to_have_text(decline["message"])
    expect(last.locator("a, form, button")).to_have_count(0)


def test_handoff_contact_form_reaches_the_outbox(server: Server, make_page: MakePage) -> None:
    wp = make_page(server)
    wp.goto().open()
    handoff = wp.ask_and_wait("I want to talk to a person")
    assert handoff["type"] == "handoff" and handoff["ask_contact"]
    bubble = wp.loc(".m.a").last
    expect(bubble).to_contain_text(handoff["message"])
    email, note = bubble.get_by_label("Email"), bubble.get_by_label("Note (optional)")

    email.fill("not-an-email")
    bubble.get_by_role("button", name="Send my email").click()
    expect(wp.loc(".m.s").last).to_have_text("That email address doesn't look right.")
    assert wp.sent_actions("contact") == []  # checked before anything is sent

    address = "jamie.tan+widget@example.com"
    email.fill(address)
    note.fill("Please reply after 5pm.")
    bubble.get_by_role("button", name="Send my email").click()
    contact = wait_until(wp.page, lambda: wp.sent_actions("contact"), what="the contact frame")[0]
    assert contact == {
        "action": "contact",
        "turn": handoff["turn"],
        "email": address,
        "note": "Please reply after 5pm.",
    }
    expect(wp.loc(".m.a").last).to_have_text(f"Thanks! Our team will reply to {address}.")
    expect(wp.loc("form.c")).to_have_count(0)  # the form goes once the address is saved

    outbox = server.state_dir / "outbox"

    def delivered() -> bool:
        return outbox.is_dir() and any(
            address in p.read_text("utf-8", "replace") for p in outbox.rglob("*") if p.is_file()
        )

    wait_until(wp.page, delivered, timeout=10, what=f"{address} in {outbox}")


def test_retract_removes_the_streamed_text(retract_server: Server, make_page: MakePage) -> None:
    wp = make_page(retract_server)
    wp.goto().open()
    wp.watch_assistant_text()
    final = wp.ask_and_wait("How do I track my order?")
    withdrawn = "Happy to help with that."  # the first sentence of error_mid_stream.jsonl
    assert [f["type"] for f in wp.frames("retract")] == ["retract"] and final["type"] == "handoff"
    assert any(withdrawn in s for s in wp.snapshots()), "the text was on screen before the retract"
    expect(wp.loc(".log")).not_to_contain_text(withdrawn)
    expect(wp.loc(".m.a").last).to_contain_text(final["message"])


def test_stop_ends_the_stream_and_tells_the_server(slow_server: Server, make_page: MakePage) -> None:
    wp = make_page(slow_server)
    wp.goto().open()
    wp.ask("How do I track my order?")
    bubble = wp.loc(".m.a").last
    expect(bubble).to_contain_text("Slow part 1")
    stop = wp.loc("button.k")
    expect(stop).to_be_visible()
    turn = wp.frames("ack")[0]["turn"]
    stop.click()
    assert wait_until(wp.page, lambda: wp.sent_actions("stop"), what="stop frame") == [{"action": "stop", "turn": turn}]
    shown = bubble.text_content()
    assert shown.endswith("(stopped)") and "Slow part 10" not in shown
    expect(stop).to_be_hidden()
    wp.page.wait_for_timeout(1500)  # long enough for several more parts, had it gone on
    assert bubble.text_content() == shown

    # The server heard it: the turn is recorded as stopped by the visitor.
    transcripts = slow_server.state_dir / "records" / "transcripts.jsonl"

    def recorded() -> list[dict[str, object]]:
        rows = (
            [json.loads(line) for line in transcripts.read_text("utf-8").splitlines()] if transcripts.exists() else []
        )
        return [r for r in rows if r.get("turn_id") == turn and r.get("session_id") == sid]

    sid = wp.sid()
    row = wait_until(wp.page, recorded, what="the transcript row")[0]
    assert row["downgrade_reason"] == "stopped_by_visitor"
    # And the conversation goes on (the widget retries if the server is still winding the turn down).
    final = wp.ask_and_wait("How do I track my order?", timeout=30)
    assert final["type"] == "answer" and "Slow part 10" in final["text"]


# -- connection life --------------------------------------------------------------------------------


def test_reconnects_after_the_server_drops_the_socket_and_sends_the_queued_question(
    server: Server, make_page: MakePage
) -> None:
    wp = make_page(server)
    wp.goto().open()
    first = wp.ask_and_wait("How do I reset my password?")
    sid = wp.sid()
    [cid] = wp.my_connections()

    held: list[Route] = []  # hold the refresh so the question below is typed while disconnected
    release: list[bool] = []

    def hold(route: Route) -> None:
        if "previous" in (route.request.post_data or ""):
            held.append(route)
            while not release:  # sync API calls from a handler yield to the test until it says go
                wp.page.wait_for_timeout(50)
        route.continue_()

    wp.context.route(server.base + "/token", hold)
    assert admin(server, "DELETE", f"/local/@connections/{cid}")[0] == 204
    wait_until(wp.page, lambda: held, what="a token refresh after the drop")
    expect(wp.loc(".st")).to_have_text("Reconnecting…")
    assert json.loads(held[0].request.post_data)["previous"] == wp.stored()["tok"]

    question = "How long are gift cards valid for?"
    wp.ask(question)
    expect(wp.loc(".m.v").last).to_have_class(re.compile(r"\bq\b"))  # shown at once, marked as waiting
    wp.page.wait_for_timeout(300)
    assert [f for f in wp.sent_actions("send") if f["text"] == question] == []
    release.append(True)

    final = wp.final("t2")  # the same session: its turn numbering carries on
    assert final["type"] in ("answer", "clarify")
    sends = [(i, f) for i, f in wp.sent if f.get("action") == "send" and f["text"] == question]
    assert [i for i, _ in sends] == [1], "sent once, on the new socket"
    assert [f["turn"] for _, f in wp.received if f.get("type") == "ack" and f["id"] == sends[0][1]["id"]] == ["t2"]
    assert first["turn"] == "t1" and wp.sid() == sid and len(wp.my_connections()) == 1
    expect(wp.loc(".st")).to_be_hidden()
    expect(wp.loc(".m.v").last).not_to_have_class(re.compile(r"\bq\b"))


def test_token_refreshed_before_expiry_and_session_survives_navigation(
    short_token_server: Server, make_page: MakePage
) -> None:
    wp = make_page(short_token_server)
    wp.goto().open()
    wait_until(wp.page, lambda: wp.token_posts, what="the first token")
    first = wp.token_posts[0]
    assert first["request"] == {} and first["response"]["expires_in"] == 6
    sid = wp.sid()
    # Refreshed ~1.2 s before it expires, with the old token as `previous`, keeping the session.
    refresh = wait_until(wp.page, lambda: wp.token_posts[1:], timeout=10, what="a refresh")[0]
    assert refresh["request"] == {"previous": first["response"]["token"]}
    assert wp.sid() == sid and wp.stored()["tok"] == refresh["response"]["token"]
    assert len(wp.sockets) == 1  # refreshing does not disturb the open socket
    assert wp.ask_and_wait("How do I reset my password?")["turn"] == "t1"

    # A page navigation continues the conversation: same session, history shown, panel still open.
    before = len(wp.token_posts)
    wp.goto("/?page=2")
    expect(wp.loc(".p")).to_be_visible()
    expect(wp.loc(".m.v")).to_have_text(["How do I reset my password?"])
    expect(wp.loc(".m.a .src a").first).to_be_visible()  # sources restored as links too
    posts = wait_until(wp.page, lambda: wp.token_posts[before:], what="a refresh on load")
    assert "previous" in posts[0]["request"]
    final = wp.ask_and_wait("How long are gift cards valid for?")
    assert final["turn"] == "t2" and wp.sid() == sid


def test_pings_keep_an_open_chat_alive(server: Server, make_page: MakePage) -> None:
    wp = make_page(server)
    wp.page.clock.install()
    wp.goto().open()
    wait_until(wp.page, lambda: wp.my_connections(), what="a connection")
    # One ping as the socket opens (its reply carries staff replies kept while the visitor was away)...
    wait_until(wp.page, lambda: wp.frames("pong"), what="the first pong")
    assert wp.sent_actions("ping") == [{"action": "ping"}]
    wp.page.clock.run_for("05:01")
    # ...then one every five minutes.
    wait_until(wp.page, lambda: len(wp.frames("pong")) == 2, what="ping and pong")
    assert wp.sent_actions("ping") == [{"action": "ping"}] * 2


# -- safety -----------------------------------------------------------------------------------------


def test_hostile_document_text_never_reaches_the_visitor(hostile_server: Server, pixel: PixelServer,
                                                        make_page: MakePage) -> None:
    wp = make_page(hostile_server)
    dialogs: list[str] = []
    wp.page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    wp.goto().open()
    final = wp.ask_and_wait("Do zanzibar gift cards expire?")
    # The doc was cleaned when indexed: its words are answered, its markup is gone (not even as text).
    assert final["type"] == "answer" and "never expire" in final["text"]
    for bad in ("onerror", "<script", "<img", "javascript:", "__pwned", "alert("):
        assert bad not in json.dumps(final), bad
    bubble = wp.loc(".m.a").last
    expect(bubble.locator("strong")).to_have_text(["bold"])  # the Markdown subset still works
    expect(bubble.locator("code")).to_have_text(["coded"])
    expect(bubble.locator(".src")).to_contain_text("Zanzibar gift cards")  # the title's words, no link
    shadow = """((sel) => [...document.querySelector('assistant-widget').shadowRoot.querySelectorAll(sel)])"""
    assert wp.page.evaluate(f"() => {shadow}('img, script, iframe, object, embed').length") == 0
    hrefs = wp.page.evaluate(
        f"() => {shadow}('[href], [src]').map(e => e.getAttribute('href') || e.getAttribute('src'))"
    )
    assert all(h.startswith(("http://", "https://")) for h in hrefs), hrefs
    bubble.click()  # nothing in it is active
    wp.page.wait_for_timeout(500)
    assert dialogs == []
    assert wp.page.evaluate("() => window.__pwned") is None
    assert pixel.hits == [] and not [u for u in wp.requests if "/pixel" in u]


def test_widget_stays_within_its_12_kb_gzip_budget() -> None:
    import gzip

    size = len(gzip.compress((ROOT / "widget" / "assistant-widget.js").read_bytes(), compresslevel=9))
    assert size <= 12 * 1024, f"the widget is {size} bytes gzipped, over its 12 KB budget"


def test_widget_source_has_no_html_injection_sinks() -> None:
    source = (ROOT / "widget" / "assistant-widget.js").read_text("utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in source, sink


# -- keyboard, presentation -------------------------------------------------------------------------


def test_keyboard_only(server: Server, make_page: MakePage) -> None:
    wp = make_page(server)
    wp.goto()
    for _ in range(20):  # Tab through the page's own links until the launcher has focus
        wp.page.keyboard.press("Tab")
        if wp.focused() == "button.l":
            break
    assert wp.focused() == "button.l"
    assert wp.loc("button.l").evaluate("e => getComputedStyle(e).outlineStyle") == "solid"  # visible focus
    wp.page.keyboard.press("Enter")
    expect(wp.loc(".p")).to_be_visible()
    assert wp.focused() == "textarea"
    wp.page.keyboard.type("How do I reset my password?")
    wp.page.keyboard.press("Enter")
    final = wp.final("t1")
    assert final["type"] == "answer"
    expect(wp.loc(".m.a .src a").first).to_be_visible()
    # Focus stays in the panel: Tab wraps from the last control to the first and Shift+Tab back.
    seen = set()
    for _ in range(12):
        wp.page.keyboard.press("Tab")
        seen.add(wp.focused())
    assert "" not in seen and {"button.x", "textarea", "a"} <= seen, seen
    wp.loc("button.x").focus()
    wp.page.keyboard.press("Shift+Tab")
    assert wp.focused() not in ("", "button.x")
    wp.page.keyboard.press("Escape")
    expect(wp.loc(".p")).to_be_hidden()
    assert wp.focused() == "button.l"
    assert wp.loc("button.l").get_attribute("aria-expanded") == "false"


def test_cross_origin_embed_options_theme_and_layout(
    server: Server, owner_site: OwnerSite, make_page: MakePage
) -> None:
    strings = {"send": "Senden", "placeholder": "Frage stellen…", "close": "Schließen"}
    # The owner's page, on its own origin, with greedy CSS that must not reach into the widget.
    owner_site.pages["/shop"] = f"""<!doctype html><html><head><link rel="icon" href="data:,"><style>
        * {{ font-family: Georgia !important; color: red !important; }} div, section {{ display: block; }}
        </style></head><body><p>Owner page</p>
        <script src="{server.base}/widget.js" data-token-url="{server.base}/token" data-title="Hilfe"
          data-greeting="Hallo!" data-position="left" data-open="true" data-accent="#ffd54f"
          data-strings='{json.dumps(strings)}' async></script></body></html>"""
    wp = make_page(
        server,
        allowed_hosts=(owner_site.origin.split("//")[1],),
        viewport={"width": 1200, "height": 800},
        reduced_motion="reduce",
    )
    wp.goto(owner_site.origin + "/shop")
    panel = wp.loc(".p")
    expect(panel).to_be_visible()  # data-open
    expect(wp.loc("h2")).to_have_text("Hilfe")
    expect(wp.loc(".m.a").first).to_have_text("Hallo!")
    expect(wp.loc(".f button[type=submit]")).to_have_text("Senden")
    assert wp.loc("textarea").get_attribute("placeholder") == "Frage stellen…"
    assert wp.loc("button.x").get_attribute("aria-label") == "Schließen"
    box = panel.bounding_box()
    assert box and box["x"] < 40 and box["width"] < 500  # data-position="left", a panel not a page
    style = "(e, p) => getComputedStyle(e).getPropertyValue(p)"
    header = wp.loc(".hd")
    assert header.evaluate(style, "background-color") == "rgb(255, 213, 79)"  # data-accent
    assert header.evaluate(style, "color") == "rgb(17, 17, 17)"  # dark text on a light accent
    assert "Georgia" not in wp.loc("textarea").evaluate(style, "font-family")  # page CSS does not leak in
    assert panel.evaluate(style, "animation-name") == "none"  # prefers-reduced-motion
    assert panel.evaluate(style, "background-color") == "rgb(255, 255, 255)"
    wp.page.emulate_media(color_scheme="dark")
    assert panel.evaluate(style, "background-color") == "rgb(27, 31, 36)"
    wp.page.set_viewport_size({"width": 390, "height": 760})  # a phone: the panel takes the screen
    box = panel.bounding_box()
    assert box and [round(box[k]) for k in ("x", "y", "width", "height")] == [0, 0, 390, 760]
    # ...and the page's own text was not restyled by the widget.
    assert wp.page.locator("p").first.evaluate(style, "color") == "rgb(255, 0, 0)"

    # It works across origins: token (CORS), socket (Origin allowlist), an answer.
    final = wp.ask_and_wait("How do I reset my password?")
    assert final["type"] == "answer" and wp.token_posts and wp.token_posts[0]["response"]["ws_url"]
    wp.page.emulate_media(reduced_motion="no-preference")
    assert panel.evaluate(style, "animation-name") == "in"


def test_markdown_links_keep_their_whole_target_and_unsafe_ones_are_plain_text(
        server: Server, make_page: MakePage) -> None:
    """Frames straight from a routed socket, as a model could write them: the widget is the last line."""
    wp = make_page(server)
    text = ("See [js](javascript:alert(7)) and [Tea](https://en.wikipedia.org/wiki/Tea_(drink)) or "
            "[mail](mailto:help@shop.example) now.")

    def fake_server(ws: WebSocketRoute) -> None:
        def on_message(message: str | bytes) -> None:
            frame = json.loads(message)
            if frame.get("action") == "send":
                ws.send(json.dumps({"type": "ack", "id": frame["id"], "turn": "t1"}))
                ws.send(json.dumps({"type": "answer", "turn": "t1", "text": text, "citations": []}))

        ws.on_message(on_message)

    wp.page.route_web_socket(re.compile(r"/local\?token="), fake_server)
    wp.goto().open()
    wp.ask("Links?")
    bubble = wp.loc(".m.a").last
    expect(bubble).to_contain_text("See js and Tea")
    assert "js)" not in bubble.inner_text() and "javascript" not in bubble.inner_html()
    hrefs = [a.get_attribute("href") for a in bubble.locator("a").all()]
    assert hrefs == ["https://en.wikipedia.org/wiki/Tea_(drink)"]  # mailto is not http(s): text only
