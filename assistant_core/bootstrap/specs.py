"""The production model and retriever from their ``--model``/``--kb`` specs (the Lambdas' ASSISTANT_MODEL/KB).

Only the specs a Lambda can run are built here: ``bedrock[:MODEL_ID]``, ``openai:BASE_URL#MODEL`` and
``bedrock[:KB_ID]``, ``index:s3://BUCKET/PREFIX`` (with the ``titan[:DIMS]`` embedder). The laptop's specs
(``extractive``, ``replay:FILE``, ``local``, ``index:FOLDER``, the ``wordllama`` embedder) are built by
``bootstrap/local.py``, which is not in the Lambda zip; given one, ``check_production_specs`` says so
at cold start instead of an ImportError at the first turn.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs

from assistant_core.answering.answerer import AnswererConfig
from assistant_core.answering.ports import Model, SiteTexts
from assistant_core.aws.bedrock_model import BedrockConverseModel
from assistant_core.aws.bedrock_retriever import BedrockKnowledgeBaseRetriever
from assistant_core.aws.blob_bucket import S3BlobStore
from assistant_core.aws.clients import ClientFactory
from assistant_core.clock import SYSTEM_CLOCK
from assistant_core.defaults import DEFAULT_EMBEDDER, TITAN_DIMENSIONS
from assistant_core.errors import ConfigError
from assistant_core.observability.emf import EmfMetrics
from assistant_core.remote.openai_model import OpenAICompatibleModel
from assistant_core.retrieval.ports import BlobStore, Embedder, Retriever
from assistant_core.settings import DEFAULT_BEDROCK_MODEL, DEFAULT_EMBEDDING_MODEL, Settings, env_name

MODEL_SPECS = "extractive | replay:FILE | bedrock[:MODEL_ID] | openai:BASE_URL#MODEL"
KB_SPECS = "local | index:FOLDER | index:s3://BUCKET/PREFIX | bedrock[:KB_ID][?min_score=0.3&search=HYBRID|SEMANTIC]"
EMBEDDER_SPECS = "titan[:256|512|1024] | wordllama"
LOCAL_MODEL_KINDS = ("extractive", "replay")
LOCAL_KB_KINDS = ("local",)
_KB_ID = re.compile(
    r"^[0-9a-zA-Z]{10}$|^arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:[0-9]{12}:knowledge-base/[0-9a-zA-Z]{10}$"
)


def check_production_specs(settings: Settings, *, model: bool = True, kb: bool = True) -> None:
    """A ConfigError if the model (or kb) spec names an adapter that only the local stack has."""
    checked = [("model", LOCAL_MODEL_KINDS)] * model + [("kb", LOCAL_KB_KINDS)] * kb
    for name, kinds in checked:
        spec = getattr(settings, name)
        kind, _, arg = spec.partition(":")
        if spec and (kind in kinds or (name == "kb" and kind == "index" and not arg.startswith("s3://"))):
            wanted = ("bedrock[:MODEL_ID] or openai:BASE_URL#MODEL" if name == "model"
                      else "bedrock[:KB_ID] or index:s3://BUCKET/PREFIX")
            raise ConfigError(f"{env_name(name)}={spec!r} runs only in the local stack; a Lambda needs {wanted}")
    if kb and settings.kb.startswith("index:") and settings.embedder.partition(":")[0] == "wordllama":
        raise ConfigError(f"{env_name('embedder')}='wordllama' runs only in the local stack; "
                          "a Lambda needs titan[:DIMS]")


def build_model(spec: str, *, settings: Settings) -> Model:
    kind, _, arg = spec.partition(":")
    if kind == "bedrock":
        return BedrockConverseModel.for_region(settings.region, arg or DEFAULT_BEDROCK_MODEL)
    if kind == "openai" and arg:
        base_url, _, model = arg.partition("#")
        if not base_url.startswith(("http://", "https://")) or not model:
            raise ConfigError(
                f"bad --model {spec!r}; expected openai:BASE_URL#MODEL, e.g. openai:http://localhost:11434/v1#llama3.1"
            )
        # The API key comes from Settings (OPENAI_API_KEY), read at composition, never by the core.
        return OpenAICompatibleModel(base_url, model, api_key=settings.openai_api_key)
    raise ConfigError(f"unknown --model {spec!r}; expected {MODEL_SPECS}")


def build_retriever(spec: str, *, settings: Settings, clients: ClientFactory | None = None) -> Retriever:
    kind, _, arg = spec.partition(":")
    if kind == "index" and arg.startswith("s3://"):
        from assistant_core.retrieval.versions import LiveIndex  # numpy and bm25s: only where an index is served

        metrics = EmfMetrics(settings.stage)
        return LiveIndex(index_store(arg, settings=settings, clients=clients),
                         build_embedder(settings.embedder, settings=settings), SYSTEM_CLOCK, count=metrics.count)
    if kind == "bedrock":
        kb_id, _, query = (arg or settings.kb_id).partition("?")
        if not _KB_ID.match(kb_id):
            raise ConfigError(f"bad --kb {spec!r}: a knowledge base id is 10 letters or digits (or its ARN)")
        return BedrockKnowledgeBaseRetriever.for_region(settings.region, kb_id, **_kb_options(spec, query))
    raise ConfigError(f"unknown --kb {spec!r}; expected {KB_SPECS}")


def index_store(location: str, *, settings: Settings, clients: ClientFactory | None = None) -> BlobStore:
    """Where index versions are published: ``s3://BUCKET/PREFIX`` (a folder is the local stack's)."""
    bucket, _, prefix = location.removeprefix("s3://").partition("/")
    if not location.startswith("s3://") or not bucket:
        raise ConfigError(f"bad index location {location!r}; expected s3://BUCKET/PREFIX")
    return S3BlobStore((clients or ClientFactory(settings.region)).client("s3"), bucket, prefix)


def build_embedder(spec: str, *, settings: Settings) -> Embedder:
    """``titan[:DIMS]`` (Bedrock Titan Text Embeddings v2); "" is ``DEFAULT_EMBEDDER``."""
    kind, _, arg = (spec or DEFAULT_EMBEDDER).partition(":")
    if kind == "titan":
        # numpy comes with it: imported here, so the Lambdas that never embed do not load it at cold start.
        from assistant_core.aws.titan_embedder import TitanEmbedder

        dims = int(arg) if arg.isdigit() else 0 if arg else 1024
        if dims not in TITAN_DIMENSIONS:
            raise ConfigError(f"bad {env_name('embedder')} {spec!r}: Titan dimensions are {TITAN_DIMENSIONS}")
        return TitanEmbedder.for_region(settings.region, model_id=DEFAULT_EMBEDDING_MODEL, dimension=dims)
    raise ConfigError(f"unknown {env_name('embedder')} {spec!r}; expected {EMBEDDER_SPECS}")


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
        site=SiteTexts(settings.site_name, settings.site_topics),
        top_k=settings.top_k,
        history_turns=settings.history_turns,
        max_tokens=settings.max_tokens,
        temperature=settings.temperature,
    )
