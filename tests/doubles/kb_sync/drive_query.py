"""Drive v3 ``q`` search expressions and ``fields`` partial responses, as the double needs them.

``q`` supports what a folder sync uses and a little more: ``'<id>' in parents``, ``trashed = <bool>``,
``mimeType``/``name`` with ``=``/``!=``, ``name contains '...'``, ``and``/``or``/``not``, parentheses.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Resource = dict[str, Any]
Predicate = Callable[[Resource], bool]

_TOKEN = re.compile(r"\s*(?:(?P<str>'(?:\\.|[^'\\])*')|(?P<op>!=|=|\(|\))|(?P<word>[A-Za-z_][A-Za-z0-9_]*))")


class QueryError(ValueError):
    pass


def parse_q(q: str) -> Predicate:
    tokens = _tokenize(q)
    pos = 0

    def peek() -> str:
        return tokens[pos] if pos < len(tokens) else ""

    def take(expected: str | None = None) -> str:
        nonlocal pos
        if pos >= len(tokens):
            raise QueryError(f"unexpected end of query {q!r}")
        token = tokens[pos]
        if expected is not None and token.lower() != expected:
            raise QueryError(f"expected {expected!r}, got {token!r}")
        pos += 1
        return token

    def expr() -> Predicate:
        parts = [term()]
        while peek().lower() == "or":
            take()
            parts.append(term())
        return parts[0] if len(parts) == 1 else (lambda r: any(p(r) for p in parts))

    def term() -> Predicate:
        parts = [factor()]
        while peek().lower() == "and":
            take()
            parts.append(factor())
        return parts[0] if len(parts) == 1 else (lambda r: all(p(r) for p in parts))

    def factor() -> Predicate:
        if peek().lower() == "not":
            take()
            inner = factor()
            return lambda r: not inner(r)
        if peek() == "(":
            take("(")
            inner = expr()
            take(")")
            return inner
        return condition()

    def condition() -> Predicate:
        first = take()
        if first.startswith("'"):
            value = _unquote(first)
            take("in")
            field = take()
            if field != "parents":
                raise QueryError(f"'in' is only supported for parents, not {field!r}")
            return lambda r: value in r.get("parents", [])
        op = take()
        raw = take()
        if first == "trashed":
            if raw.lower() not in ("true", "false") or op not in ("=", "!="):
                raise QueryError("trashed takes = or != and a boolean")
            want = raw.lower() == "true"
            negate = op == "!="
            return lambda r: (bool(r.get("trashed")) == want) != negate
        if first in ("mimeType", "name") and raw.startswith("'"):
            value = _unquote(raw)
            if op == "=":
                return lambda r: r.get(first) == value
            if op == "!=":
                return lambda r: r.get(first) != value
            if op.lower() == "contains" and first == "name":
                return lambda r: value.lower() in str(r.get("name", "")).lower()
        raise QueryError(f"unsupported condition {first} {op} {raw}")

    predicate = expr()
    if pos != len(tokens):
        raise QueryError(f"unexpected {tokens[pos]!r} in query")
    return predicate


def _tokenize(q: str) -> list[str]:
    tokens: list[str] = []
    pos = 0
    while pos < len(q):
        if q[pos:].strip() == "":
            break
        match = _TOKEN.match(q, pos)
        if not match or match.end() == pos:
            raise QueryError(f"cannot parse query at {q[pos:]!r}")
        tokens.append(match.group("str") or match.group("op") or match.group("word"))
        pos = match.end()
    return tokens


def _unquote(token: str) -> str:
    return re.sub(r"\\(.)", r"\1", token[1:-1])


# -- fields ------------------------------------------------------------------------------------
FieldSpec = dict[str, "FieldSpec | None"]


def parse_fields(fields: str) -> FieldSpec:
    spec, rest = _fields(fields.replace(" ", ""), 0)
    if rest != len(fields.replace(" ", "")):
        raise QueryError(f"bad fields {fields!r}")
    return spec


def _fields(text: str, pos: int) -> tuple[FieldSpec, int]:
    spec: FieldSpec = {}
    while pos < len(text) and text[pos] != ")":
        match = re.compile(r"[A-Za-z_*][A-Za-z0-9_]*").match(text, pos)
        if not match:
            raise QueryError(f"bad fields at {text[pos:]!r}")
        name, pos = match.group(0), match.end()
        if pos < len(text) and text[pos] == "(":
            inner, pos = _fields(text, pos + 1)
            if pos >= len(text) or text[pos] != ")":
                raise QueryError("unbalanced parentheses in fields")
            pos += 1
            spec[name] = inner
        else:
            spec[name] = None
        if pos < len(text) and text[pos] == ",":
            pos += 1
    return spec, pos


def project(value: Any, spec: FieldSpec | None) -> Any:
    """Keeps only the requested fields, as Drive's partial responses do."""
    if spec is None or "*" in spec:
        return value
    if isinstance(value, list):
        return [project(v, spec) for v in value]
    if isinstance(value, dict):
        return {k: project(value[k], sub) for k, sub in spec.items() if k in value}
    return value
