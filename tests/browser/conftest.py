"""Browser fixtures: one Chromium per session, local servers started on demand, and a page factory
whose pages must end every test without console errors or requests to anywhere but the local server.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Playwright, expect, sync_playwright

from tests.e2e.local_stack import Server, start_server

from .widget_page import WidgetPage, launch

ROOT = Path(__file__).resolve().parents[2]
MakePage = Callable[..., WidgetPage]
expect.set_options(timeout=15_000)  # answers take a second or two; a loaded CI machine may be slower


# Module scope, not session: sync Playwright keeps its event loop marked as running while it is
# alive, and later modules (tests/e2e) call asyncio.run().
@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    try:
        b = launch(playwright)
    except Exception as e:  # a missing browser is a failure, never a skip
        pytest.fail(f"cannot start Chromium for the browser tests: {e}", pytrace=False)
    yield b
    b.close()


class OwnerSite(ThreadingHTTPServer):
    """A site owner's own web server on another origin, embedding the widget like a real deployment."""

    pages: dict[str, str]

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


@pytest.fixture(scope="session")
def owner_site() -> Iterator[OwnerSite]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = self.server.pages.get(self.path.split("?")[0])  # type: ignore[attr-defined]
            self.send_response(200 if body else 404)
            self.send_header("content-type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write((body or "not found").encode())

        def log_message(self, *args: object) -> None:
            pass

    site = OwnerSite(("127.0.0.1", 0), Handler)
    site.pages = {"/favicon.ico": "<!-- no icon -->"}
    threading.Thread(target=site.serve_forever, daemon=True).start()
    yield site
    site.shutdown()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory, owner_site: OwnerSite) -> Iterator[Server]:
    """The demo stack as `make demo` runs it (extractive model, sample help centre), also allowing the
    owner site's origin so the widget can be embedded cross-origin."""
    s = start_server(tmp_path_factory.mktemp("state"), "--allowed-origin", owner_site.origin)
    yield s
    s.stop()


@pytest.fixture
def make_page(browser: Browser) -> Iterator[MakePage]:
    pages: list[tuple[WidgetPage, tuple[str, ...]]] = []

    def make(server: Server, *, allowed_hosts: tuple[str, ...] = (), **context_options: Any) -> WidgetPage:
        marker = uuid.uuid4().hex[:12]  # in the user agent, so the gateway's listing can find our sockets
        context = browser.new_context(
            user_agent=f"Mozilla/5.0 (X11; Linux x86_64) widget-test/{marker}", **context_options
        )
        wp = WidgetPage(context, server, marker)
        pages.append((wp, allowed_hosts))
        return wp

    yield make
    problems = []
    for wp, allowed in pages:
        problems += wp.errors
        problems += [f"request left the machine: {u}" for u in wp.foreign_requests(allowed)]
        wp.context.close()
    assert not problems, problems
