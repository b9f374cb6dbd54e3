"""What an indexed document may say: markup a visitor should never read as an answer is dropped.

A help doc is text a writer controls, but a copied page, a compromised Drive account or a careless
paste can carry markup: ``<script>`` blocks, tags with event attributes, images, ``javascript:`` links.
None of it is help. Every document is cleaned before it is chunked, so no model (the extractive one
included) can quote it, and the citation gate's support check never sees it: script, style and
similar blocks go whole; HTML tags go but their visible words stay; images become their alt text;
links whose scheme is not http(s) or mailto keep only their text; bare ``javascript:``/``data:``/
``vbscript:`` URLs go. Angle-bracketed words that are not HTML (``<SDVAL>``, ``<date/time>``) stay.
"""

from __future__ import annotations

import re

_BLOCKS = re.compile(r"<(script|style|noscript|template|iframe|object|embed|svg|math)\b[^>]*>.*?</\1\s*>",
                     re.I | re.S)
_UNCLOSED_BLOCK = re.compile(r"<(script|style|noscript|template|iframe|object|embed|svg|math)\b[^>]*>.*\Z",
                             re.I | re.S)
_COMMENT = re.compile(r"<!--.*?(-->|\Z)", re.S)
# A link target may hold one level of parentheses: [x](javascript:alert(7)), [w](https://w.org/Foo_(bar)).
_TARGET = r"<?((?:[^()\s<>]|\([^()\s]*\))*)>?"
_IMAGE = re.compile(r"!\[([^\]]*)\]\(\s*" + _TARGET + r"(?:\s+\"[^\"]*\")?\s*\)")
_LINK = re.compile(r"\[([^\]]*)\]\(\s*" + _TARGET + r"(?:\s+\"[^\"]*\")?\s*\)")
_REF_DEF = re.compile(r"^\s*\[[^\]]+\]:\s*(\S+).*$", re.M)
_AUTOLINK = re.compile(r"<([a-zA-Z][a-zA-Z0-9+.-]*:[^<>\s]*)>")
_TAG = re.compile(r"</?([A-Za-z][A-Za-z0-9-]*)((?:\s+[^<>]*?)?)\s*/?>")
# A URL, not prose: "your data: we keep it" has a space after the colon and stays.
_BARE_SCHEME = re.compile(r"\b(?:javascript|vbscript|data|file):(?=\S)(?:[^\s()\]>\"']|\([^()\s]*\))+", re.I)
_SAFE = ("http://", "https://", "mailto:")
HTML_ELEMENTS = frozenset("""
a abbr address area article aside audio b base bdi bdo blockquote body br button canvas caption cite code col
colgroup data datalist dd del details dfn dialog div dl dt em embed fieldset figcaption figure font footer form
frame frameset h1 h2 h3 h4 h5 h6 head header hgroup hr html i iframe img input ins kbd label legend li link main
map mark marquee menu meta meter nav noscript object ol optgroup option output p param picture pre progress q rp
rt ruby s samp script search section select slot small source span strike strong style sub summary sup table
tbody td template textarea tfoot th thead time title tr track tt u ul var video wbr center big blink
""".split())


def clean_markup(text: str) -> str:
    """``text`` without active or hidden markup; its visible words kept."""
    text = _BLOCKS.sub(" ", text)
    text = _UNCLOSED_BLOCK.sub(" ", text)
    text = _COMMENT.sub(" ", text)
    text = _IMAGE.sub(lambda m: m.group(1), text)
    text = _LINK.sub(_link, text)
    text = _REF_DEF.sub(lambda m: m.group(0) if _safe_target(m.group(1)) else "", text)
    text = _AUTOLINK.sub(lambda m: m.group(0) if m.group(1).lower().startswith(_SAFE) else "", text)
    text = _TAG.sub(_tag, text)
    return _BARE_SCHEME.sub("", text)


def _link(m: re.Match[str]) -> str:
    return m.group(0) if _safe_target(m.group(2)) else m.group(1)


def _safe_target(url: str) -> bool:
    """http(s), mailto, or a relative link (no scheme at all)."""
    url = url.strip().lower()
    scheme = re.match(r"^([a-z][a-z0-9+.-]*):", url)
    return scheme is None or url.startswith(_SAFE)


def _tag(m: re.Match[str]) -> str:
    name, attributes = m.group(1).lower(), m.group(2)
    if name in HTML_ELEMENTS or "=" in attributes:
        return " " if name in ("br", "p", "div", "li", "tr") else ""
    return m.group(0)  # <SDVAL>, <Ctrl>: words in angle brackets, not markup
