"""Regenerate docs/widget-light.png, docs/widget-dark.png and docs/widget-mobile.png.

    .venv/bin/python -m tests.browser.screenshots

Starts `assistant serve` on a free port, opens the demo page in Chromium and asks one question per shot.
Not a test: run it after changing how the widget looks.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

from tests.e2e.local_stack import start_server

from .widget_page import WidgetPage, launch

ROOT = Path(__file__).resolve().parents[2]
SHOTS: list[tuple[str, str, dict[str, Any]]] = [
    ("light", "How do I reset my password?", {"viewport": {"width": 1280, "height": 800}}),
    ("dark", "I want to talk to a person", {"viewport": {"width": 1280, "height": 800}, "color_scheme": "dark"}),
    (
        "mobile",
        "returns",
        {"viewport": {"width": 390, "height": 780}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True},
    ),
]


def main() -> None:
    with tempfile.TemporaryDirectory() as state, sync_playwright() as pw:
        server = start_server(Path(state))
        browser = launch(pw)
        try:
            for name, question, options in SHOTS:
                context = browser.new_context(reduced_motion="reduce", **options)
                wp = WidgetPage(context, server, name)
                wp.goto().open()
                wp.ask_and_wait(question)
                wp.page.wait_for_timeout(300)
                out = ROOT / "docs" / f"widget-{name}.png"
                wp.page.screenshot(path=str(out))
                assert not wp.errors, wp.errors
                print(f"wrote {out.relative_to(ROOT)}")
                context.close()
        finally:
            browser.close()
            server.stop()


if __name__ == "__main__":
    main()
