"""The widget on a host page with a strict Content-Security-Policy: the entries `pulumi stack output csp` prints
are all it needs (no `style-src 'unsafe-inline'`, no image or font sources)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from infra.widget import csp_directives
from tests.e2e.local_stack import Server

from .conftest import MakePage, OwnerSite

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_widget_works_under_the_csp_the_stack_prints(
    server: Server, owner_site: OwnerSite, make_page: MakePage
) -> None:
    policy = "default-src 'none'; img-src data:; " + csp_directives(
        f"{server.base}/widget.js", f"{server.base}/token", server.ws)
    owner_site.pages["/strict"] = f"""<!doctype html><html><head>
        <meta http-equiv="Content-Security-Policy" content="{policy}">
        <link rel="icon" href="data:,"></head><body><p id="owner">Owner page</p>
        <script src="{server.base}/widget.js" data-token-url="{server.base}/token" data-accent="#ffd54f"
          defer></script></body></html>"""
    wp = make_page(server, allowed_hosts=(owner_site.origin.split("//")[1],))
    wp.goto(owner_site.origin + "/strict")

    # The policy is really enforced: an inline <style> added by the page is refused...
    wp.page.evaluate("""() => { const s = document.createElement('style');
        s.textContent = '#owner { color: rgb(1, 2, 3) }'; document.head.append(s); }""")
    color = wp.page.locator("#owner").evaluate("e => getComputedStyle(e).color")
    assert color != "rgb(1, 2, 3)"
    refused = [e for e in wp.errors if "Content Security Policy" in e and "style" in e]
    assert refused, wp.errors
    for e in refused:  # ...that refusal was ours; any other violation fails the test at teardown
        wp.errors.remove(e)

    # ...while the widget is styled (its stylesheet is constructed, not inline) and answers over the socket.
    launcher = wp.loc("button.l")
    expect(launcher).to_be_visible()
    assert launcher.evaluate("e => getComputedStyle(e).position") == "fixed" or \
        wp.loc(".w").evaluate("e => getComputedStyle(e).position") == "fixed"
    assert launcher.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(255, 213, 79)"
    wp.open()
    final = wp.ask_and_wait("How do I reset my password?")
    assert final["type"] == "answer"
