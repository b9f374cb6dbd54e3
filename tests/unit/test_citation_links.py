"""Citations link only to pages a visitor can open: the doc's own URL, the owner's map or a Drive property,
never the Drive file itself."""

from __future__ import annotations

import pytest

from assistant_core.retrieval.docs import Doc, parse_doc
from assistant_core.retrieval.passages import Passage


def test_a_url_line_at_the_top_of_a_doc_is_its_public_page_and_not_its_text() -> None:
    doc = parse_doc("returns.md", b"url: https://help.example.com/returns\n# Returns\n\nWithin 30 days.")
    assert isinstance(doc, Doc) and doc.url == "https://help.example.com/returns"
    assert doc.body.startswith("# Returns") and "help.example.com" not in doc.body
    bold = parse_doc("a.txt", b"**URL**: <https://help.example.com/a>\n\nText.")
    assert isinstance(bold, Doc) and bold.url == "https://help.example.com/a" and bold.body == "Text."


def test_the_docs_own_url_beats_the_sidecar_and_the_sidecar_title_beats_the_heading() -> None:
    raw = b"---\nurl: https://help.example.com/fm\n---\n# Heading\n\nBody."
    doc = parse_doc("x.md", raw, {"title": "Shipping rates", "url": "https://map.example.com/x"})
    assert isinstance(doc, Doc) and (doc.title, doc.url) == ("Shipping rates", "https://help.example.com/fm")
    plain = parse_doc("y.md", b"# Y\n\nBody.", {"url": "https://map.example.com/y"})
    assert isinstance(plain, Doc) and plain.url == "https://map.example.com/y"
    none = parse_doc("z.md", b"# Z\n\nBody.", {"url": ""})
    assert isinstance(none, Doc) and none.url == ""


def test_a_url_line_later_in_the_doc_is_just_text() -> None:
    doc = parse_doc("a.md", b"# A\n\nurl: https://example.com/x is where we were.")
    assert isinstance(doc, Doc) and doc.url == "" and "example.com/x" in doc.body


@pytest.mark.parametrize(("url", "shown"), [
    ("https://docs.google.com/document/d/1abc/edit?usp=drivesdk", ""),
    ("https://drive.google.com/file/d/1abc/view", ""),
    ("https://docs.google.com/document/d/e/2PACX-1v/pub", "https://docs.google.com/document/d/e/2PACX-1v/pub"),
    ("https://help.example.com/returns", "https://help.example.com/returns"),
    ("javascript:alert(1)", ""),
    ("s3://bucket/kb/x.md", ""),
])
def test_citations_never_link_where_a_visitor_cannot_go(url: str, shown: str) -> None:
    assert Passage(text="t", title="Returns", url=url, id="p1").citation() == {"id": "p1", "title": "Returns",
                                                                                "url": shown}
