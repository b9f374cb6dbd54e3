"""Model and retriever from their ``--model``/``--kb`` specs, for the Lambdas and the local stack alike.

Every adapter is imported only when its spec asks for it: a Lambda never loads the BM25 stack, and
the local stack never needs AWS credentials unless a Bedrock spec is given.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import parse_qs

from assistant_core.answering.answerer import AnswererConfig
from assistant_core.answering.model_events import Model
from assistant_core.errors import ConfigError
from assistant_core.ports import Retriever
from assistant_core.settings import DEFAULT_BEDROCK_MODEL, Settings

MODEL_SPECS = "extractive | replay:FILE | bedrock[:MODEL_ID] | openai:BASE_URL#MODEL"
KB_SPECS = "local | bedrock[:KB_ID][?min_score=0.3&search=HYBRID|SEMANTIC]"
# The OpenAI-compatible model's API key is read here, at composition, never by the core.
OPENAI_API_KEY_ENV = "OPENAI_API_KEY"
_KB_ID = re.compile(
    r"^[0-9a-zA-Z]{10}$|^arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:[0-9]{12}:knowledge-base/[0-9a-zA-Z]{10}$"
)


def build_model(
    spec: str, *, pace_seconds: float = 0.0, settings: Settings | None = None, retriever: Retriever | None = None
) -> Model:
    kind, _, arg = spec.partition(":")
    if kind == "extractive" and not arg:
        from assistant_core.local.extractive_model import ExtractiveModel

        # With the local index it also knows the docs' vocabulary, which sharpens off-topic detection.
        return ExtractiveModel(pace_seconds=pace_seconds, vocabulary=getattr(retriever, "knows", None))
    if kind == "replay" and arg:
        from assistant_core.local.replay_model import ReplayModel

        return ReplayModel(Path(arg))
    if kind == "bedrock":
        from assistant_core.aws.bedrock_model import (
            BedrockConverseModel,  # boto3 only when a Bedrock model is asked for
        )

        return BedrockConverseModel.for_region(_region(settings), arg or DEFAULT_BEDROCK_MODEL)
    if kind == "openai" and arg:
        base_url, _, model = arg.partition("#")
        if not base_url.startswith(("http://", "https://")) or not model:
            raise ConfigError(
                f"bad --model {spec!r}; expected openai:BASE_URL#MODEL, e.g. openai:http://localhost:11434/v1#llama3.1"
            )
        from assistant_core.remote.openai_model import OpenAICompatibleModel

        return OpenAICompatibleModel(base_url, model, api_key=os.environ.get(OPENAI_API_KEY_ENV, ""))
    raise ConfigError(f"unknown --model {spec!r}; expected {MODEL_SPECS}")


def build_retriever(spec: str, docs_dir: Path | str, *, settings: Settings | None = None) -> Retriever:
    if spec == "local":
        from assistant_core.retrieval.index import LocalIndex

        return LocalIndex.load_or_build(Path(docs_dir))
    kind, _, arg = spec.partition(":")
    if kind == "bedrock":
        kb_id, _, query = (arg or (settings or Settings.from_env()).kb_id).partition("?")
        if not _KB_ID.match(kb_id):
            raise ConfigError(f"bad --kb {spec!r}: a knowledge base id is 10 letters or digits (or its ARN)")
        from assistant_core.aws.bedrock_retriever import BedrockKnowledgeBaseRetriever

        return BedrockKnowledgeBaseRetriever.for_region(_region(settings), kb_id, **_kb_options(spec, query))
    raise ConfigError(f"unknown --kb {spec!r}; expected {KB_SPECS}")


def _region(settings: Settings | None) -> str:
    return (settings or Settings.from_env()).region


def _kb_options(spec: str, query: str) -> dict[str, object]:
    options: dict[str, object] = {}
    try:
        pairs = parse_qs(query, strict_parsing=bool(query))
    except ValueError:
        raise ConfigError(f"bad --kb {spec!r}: options are key=value pairs joined by &") from None
    for key, values in pairs.items():
        value = values[-1]
        if key == "min_score":
            try:
                min_score = float(value)
            except ValueError:
                min_score = -1.0
            if not 0.0 <= min_score <= 1.0:
                raise ConfigError(f"bad --kb {spec!r}: min_score must be a number from 0 to 1")
            options["min_score"] = min_score
        elif key == "search" and value.upper() in ("HYBRID", "SEMANTIC"):
            options["search_type"] = value.upper()
        else:
            raise ConfigError(f"bad --kb {spec!r}: unknown option {key}={value}")
    return options


def answerer_config(settings: Settings) -> AnswererConfig:
    return AnswererConfig(
        site_name=settings.site_name,
        top_k=settings.top_k,
        history_turns=settings.history_turns,
        max_tokens=settings.max_tokens,
        temperature=settings.temperature,
    )
