"""Playwright helpers shared by the browser tests and the screenshot script: launching Debian's
Chromium, and a page wrapper that records every frame, request and console error the widget causes.
"""

from __future__ import annotations

import json
import os
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jwt
from playwright.sync_api import Browser, BrowserContext, Locator, Page, Playwright, WebSocket

from tests.e2e.local_stack import Server

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Quiet, offline Chromium: nothing of its own goes to the network while tests run.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-sync",
    "--no-first-run",
    "--disable-domain-reliability",
    "--metrics-recording-only",
    "--disable-features=Translate,OptimizationHints,MediaRouter",
]
FINAL = {"answer", "clarify", "handoff", "decline", "error"}


def launch(pw: Playwright) -> Browser:
    if not Path(CHROMIUM).is_file():
        raise RuntimeError(f"{CHROMIUM} is missing: run `make test` (it installs it) or `apt-get install -y chromium`")
    return pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def wait_until(page: Page, predicate: Callable[[], Any], timeout: float = 15, what: str = "condition") -> Any:
    """Poll while letting Playwright dispatch its events (frames, requests) between checks."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        page.wait_for_timeout(50)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


class WidgetPage:
    """One browser context + page on a server's demo page, with everything the widget does recorded."""

    def __init__(self, context: BrowserContext, server: Server, marker: str) -> None:
        self.context, self.server, self.marker = context, server, marker
        self.page = context.new_page()
        self.sockets: list[WebSocket] = []
        self.sent: list[tuple[int, dict[str, Any]]] = []  # (socket index, frame)
        self.received: list[tuple[int, dict[str, Any]]] = []
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.token_posts: list[dict[str, Any]] = []  # request body + response body of each POST /token
        self.page.on("websocket", self._socket)
        self.page.on("console", lambda m: self.errors.append(f"console: {m.text}") if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("requestfinished", self._finished)

    # -- recording ------------------------------------------------------------------------------
    def _socket(self, ws: WebSocket) -> None:
        index = len(self.sockets)
        self.sockets.append(ws)
        ws.on("framesent", lambda payload: self.sent.append((index, json.loads(payload))))
        ws.on("framereceived", lambda payload: self.received.append((index, json.loads(payload))))

    def _finished(self, request: Any) -> None:
        if request.url.endswith("/token") and request.method == "POST":
            response = request.response()
            self.token_posts.append(
                {
                    "request": json.loads(request.post_data or "{}"),
                    "response": response.json() if response and response.ok else None,
                }
            )

    def frames(self, kind: str) -> list[dict[str, Any]]:
        return [f for _, f in self.received if f.get("type") == kind]

    def sent_actions(self, action: str) -> list[dict[str, Any]]:
        return [f for _, f in self.sent if f.get("action") == action]

    # -- driving --------------------------------------------------------------------------------
    def loc(self, selector: str) -> Locator:
        return self.page.locator(f"assistant-widget {selector}")  # CSS locators pierce open shadow roots

    def goto(self, path: str = "/") -> WidgetPage:
        self.page.goto(path if "://" in path else self.server.base + path)
        self.loc(".l").wait_for(state="attached")
        return self

    def open(self) -> WidgetPage:
        self.loc("button.l").click()
        self.loc(".p").wait_for(state="visible")
        return self

    def ask(self, text: str) -> None:
        self.loc("textarea").fill(text)
        self.loc("textarea").press("Enter")

    def ask_and_wait(self, text: str, timeout: float = 20) -> dict[str, Any]:
        """Ask, then return the final frame of the turn the server acknowledged for this question."""
        seen = len(self.sent)
        self.ask(text)
        sent = wait_until(
            self.page,
            lambda: next((f for _, f in self.sent[seen:] if f.get("action") == "send" and f["text"] == text), None),
            timeout,
            f"the send frame of {text!r}",
        )
        ack = wait_until(
            self.page,
            lambda: next((f for f in self.frames("ack") if f["id"] == sent["id"]), None),
            timeout,
            f"the ack of {text!r}",
        )
        return self.final(ack["turn"], timeout)

    def final(self, turn: str, timeout: float = 20) -> dict[str, Any]:
        return wait_until(
            self.page,
            lambda: next((f for _, f in self.received if f.get("type") in FINAL and f.get("turn") == turn), None),
            timeout,
            f"the final frame of {turn}",
        )

    def stored(self) -> dict[str, Any]:
        return self.page.evaluate("""() => JSON.parse(sessionStorage.getItem(
            'assistant-widget:' + new URL('/token', location.href).href) || 'null')""")

    def sid(self) -> str:
        return jwt.decode(self.stored()["tok"], options={"verify_signature": False})["sid"]

    def watch_assistant_text(self) -> None:
        """Record the text of the newest assistant bubble on every DOM change (to see streaming happen)."""
        self.page.evaluate("""() => {
            const log = document.querySelector('assistant-widget').shadowRoot.querySelector('.log');
            window.__snaps = [];
            new MutationObserver(() => {
                const all = log.querySelectorAll('.m.a');
                window.__snaps.push(all.length ? all[all.length - 1].textContent : '');
            }).observe(log, {subtree: true, childList: true, characterData: true});
        }""")

    def snapshots(self) -> list[str]:
        return self.page.evaluate("() => window.__snaps")

    def focused(self) -> str:
        """A short description of the focused element inside the widget ('' if focus is elsewhere)."""
        return self.page.evaluate("""() => {
            const host = document.querySelector('assistant-widget');
            const el = document.activeElement === host && host.shadowRoot.activeElement;
            return el ? el.tagName.toLowerCase() + (el.className ? '.' + el.className.split(' ').join('.') : '') : '';
        }""")

    def my_connections(self) -> list[str]:
        from tests.e2e.local_stack import admin

        status, out = admin(self.server, "GET", "/local/@connections")
        assert status == 200, out
        return [c["connectionId"] for c in out["connections"] if self.marker in c["identity"]["userAgent"]]

    def foreign_requests(self, allowed_hosts: tuple[str, ...] = ()) -> list[str]:
        """Requests that went anywhere but the local server (and hosts the test fulfils itself)."""
        local = urllib.parse.urlsplit(self.server.base).netloc
        return [
            u
            for u in self.requests
            if urllib.parse.urlsplit(u).scheme in ("http", "https", "ws", "wss")
            and urllib.parse.urlsplit(u).netloc not in (local, *allowed_hosts)
        ]
