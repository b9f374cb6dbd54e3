"""The four strict tools (answer, clarify, hand_off, decline), compiled once, plus the per-turn citation enum."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator

ANSWER = "answer"
CLARIFY = "clarify"
HAND_OFF = "hand_off"
DECLINE = "decline"
TOOL_NAMES: tuple[str, ...] = (ANSWER, CLARIFY, HAND_OFF, DECLINE)

HANDOFF_REASONS = ("visitor_request", "account_specific", "complaint", "unsafe", "out_of_knowledge", "other")
DECLINE_REASONS = ("off_topic", "not_in_knowledge", "abuse")
MAX_CITATIONS = 3
MAX_ANSWER_CHARS = 1500

_PASSAGE_ID = {"type": "string", "pattern": "^p[1-9][0-9]*$"}

# citation_ids comes FIRST so models emit it before the text: the gate can then release text early.
TOOL_SCHEMAS: dict[str, dict[str, Any]] = {
    ANSWER: {
        "type": "object",
        "properties": {
            "citation_ids": {
                "type": "array",
                "items": _PASSAGE_ID,
                "minItems": 1,
                "maxItems": MAX_CITATIONS,
                "uniqueItems": True,
            },
            "text": {"type": "string", "minLength": 1, "maxLength": MAX_ANSWER_CHARS},
        },
        "required": ["citation_ids", "text"],
        "additionalProperties": False,
    },
    CLARIFY: {
        "type": "object",
        "properties": {
            "question": {"type": "string", "minLength": 1, "maxLength": 300},
            "options": {
                "type": "array",
                "items": {"type": "string", "minLength": 1, "maxLength": 80},
                "maxItems": 4,
            },
        },
        "required": ["question"],
        "additionalProperties": False,
    },
    HAND_OFF: {
        "type": "object",
        "properties": {
            "reason": {"type": "string", "enum": list(HANDOFF_REASONS)},
            "summary": {"type": "string", "minLength": 1, "maxLength": 500},
        },
        "required": ["reason", "summary"],
        "additionalProperties": False,
    },
    DECLINE: {
        "type": "object",
        "properties": {
            "reason": {"type": "string", "enum": list(DECLINE_REASONS)},
            "message": {"type": "string", "minLength": 1, "maxLength": 300},
        },
        "required": ["reason", "message"],
        "additionalProperties": False,
    },
}

TOOL_DESCRIPTIONS: dict[str, str] = {
    ANSWER: (
        "Answer the visitor using ONLY the retrieved passages. List the ids of the 1-3 passages that "
        "support the answer in citation_ids first, then the answer text."
    ),
    CLARIFY: "Ask one short question when the visitor's message is too vague to answer; offer options.",
    HAND_OFF: (
        "Pass the conversation to a person: the visitor asks for one, needs their own account or order "
        "looked at, complains, is unsafe, or the passages do not cover a question that staff could answer."
    ),
    DECLINE: "Politely decline questions that are off-topic, abusive, or about things this business does not do.",
}

for _schema in TOOL_SCHEMAS.values():
    Draft202012Validator.check_schema(_schema)


def schemas_for_turn(passage_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The tool schemas for one turn: citation_ids restricted to exactly this turn's ids.

    With no passages there is nothing to cite, so ``answer`` is left out altogether.
    """
    tools = {name: schema for name, schema in TOOL_SCHEMAS.items() if name != ANSWER or passage_ids}
    if passage_ids:
        answer = copy.deepcopy(TOOL_SCHEMAS[ANSWER])
        answer["properties"]["citation_ids"]["items"] = {"type": "string", "enum": list(passage_ids)}
        tools[ANSWER] = answer
    return tools


def tool_specs(passage_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """name -> {"description", "schema"}, in the fixed tool order; what ModelRequest.tools holds."""
    schemas = schemas_for_turn(passage_ids)
    return {n: {"description": TOOL_DESCRIPTIONS[n], "schema": schemas[n]} for n in TOOL_NAMES if n in schemas}


@lru_cache(maxsize=4)
def _validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(TOOL_SCHEMAS[name])


def validate_tool_input(name: str, tool_input: Any, passage_ids: Sequence[str]) -> list[str]:
    """Every problem with a finished tool call, as short messages; empty when it is valid."""
    if name not in TOOL_SCHEMAS:
        return [f"unknown tool {name!r}"]
    problems = [
        f"{'/'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}"
        for e in _validator(name).iter_errors(tool_input)
    ]
    if name == ANSWER and isinstance(tool_input, Mapping):
        bad = invalid_citations(tool_input.get("citation_ids"), passage_ids)
        if bad:
            problems.append(f"citation_ids not retrieved this turn: {bad}")
    return problems


def invalid_citations(citation_ids: Any, passage_ids: Sequence[str]) -> list[str]:
    """The cited ids that are not in this turn's retrieved set (all of them if not a list)."""
    if not isinstance(citation_ids, list) or not citation_ids:
        return [repr(citation_ids)]
    allowed = set(passage_ids)
    return [c if isinstance(c, str) else repr(c) for c in citation_ids if c not in allowed]
