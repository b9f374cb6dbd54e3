"""The laptop's composition: the CLI, eval, and the Lambda runtime as the local gateway runs it.

Builds the local-only specs (``--model extractive``, ``replay:FILE``, ``--kb local``, ``--kb index:FOLDER``,
the ``wordllama`` embedder) and the JSON Lines
mirror of transcripts and gaps, and hands them to the production composition as replacements, so
``bootstrap/lambdas.py`` and ``bootstrap/specs.py`` never import ``local/``. Not in the Lambda zip
(infra/packaging.py EXCLUDED_SOURCE_FILES).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from assistant_core.answering.answerer import Answerer
from assistant_core.answering.ports import Model, Poster
from assistant_core.aws.clients import ClientFactory
from assistant_core.bootstrap import specs
from assistant_core.bootstrap.lambdas import Runtime, dynamo_gaps, dynamo_transcripts
from assistant_core.bootstrap.specs import KB_SPECS, MODEL_SPECS, answerer_config
from assistant_core.clock import SystemClock
from assistant_core.local.blob_folder import FolderBlobStore
from assistant_core.local.embedder_wordllama import WordLlamaEmbedder
from assistant_core.local.extractive_model import ExtractiveModel
from assistant_core.local.memory_stores import MemoryGaps, MemoryHandoffs, MemoryTranscripts
from assistant_core.local.record_files import JsonlRecords, Mirrored
from assistant_core.local.replay_model import ReplayModel
from assistant_core.retrieval.index import LocalIndex
from assistant_core.retrieval.ports import Embedder, Retriever
from assistant_core.retrieval.versions import LiveIndex
from assistant_core.settings import Settings

__all__ = ["KB_SPECS", "MODEL_SPECS", "answerer_config", "build_embedder", "build_model", "build_retriever",
           "lambda_runtime", "local_answerer"]


def build_model(
    spec: str, *, pace_seconds: float = 0.0, settings: Settings | None = None, retriever: Retriever | None = None
) -> Model:
    """Any ``--model`` spec: the local ones here, the others through ``bootstrap/specs.py``.

    ``retriever`` is accepted for callers that build both; no model here needs it.
    """
    kind, _, arg = spec.partition(":")
    if kind == "extractive" and not arg:
        return ExtractiveModel(pace_seconds=pace_seconds)
    if kind == "replay" and arg:
        return ReplayModel(Path(arg))
    return specs.build_model(spec, settings=settings or Settings.local())


def build_retriever(spec: str, docs_dir: Path | str, *, settings: Settings | None = None,
                    clients: ClientFactory | None = None) -> Retriever:
    settings = settings or Settings.local()
    kind, _, arg = spec.partition(":")
    if spec == "local":
        # Hybrid retrieval: BM25 plus dense vectors from the model bundled in the wordllama wheel.
        return LocalIndex.load_or_build(Path(docs_dir), embedder=WordLlamaEmbedder())
    if kind == "index" and arg:
        # Published versions (``assistant index --publish FOLDER``, or S3 on the local stack's moto), served as
        # fn-answerer serves them, with the laptop's embedder.
        store = (specs.index_store(arg, settings=settings, clients=clients) if arg.startswith("s3://")
                 else FolderBlobStore(arg))
        return LiveIndex(store, build_embedder(settings.embedder, settings=settings), SystemClock())
    return specs.build_retriever(spec, settings=settings, clients=clients)


def build_embedder(spec: str, *, settings: Settings | None = None) -> Embedder:
    """Any embedder spec: ``wordllama`` (bundled, offline) here, ``titan[:DIMS]`` through ``bootstrap/specs.py``."""
    if spec == "wordllama":
        return WordLlamaEmbedder()
    return specs.build_embedder(spec, settings=settings or Settings.local())


def local_answerer(
    settings: Settings,
    poster: Poster,
    *,
    model: Model | None = None,
    retriever: Retriever | None = None,
    transcripts: MemoryTranscripts | None = None,
) -> tuple[Answerer, MemoryTranscripts, MemoryGaps, MemoryHandoffs]:
    """An answerer over in-memory stores (CLI, eval); the local gateway uses ``lambda_runtime`` instead."""
    transcripts = transcripts or MemoryTranscripts()
    gaps = MemoryGaps()
    handoffs = MemoryHandoffs()
    retriever = retriever or build_retriever(settings.kb, settings.docs_dir, settings=settings)
    answerer = Answerer(
        model=model or build_model(settings.model, settings=settings, retriever=retriever),
        retriever=retriever,
        history=transcripts,
        poster=poster,
        transcripts=transcripts,
        gaps=gaps,
        handoffs=handoffs,
        clock=SystemClock(),
        config=answerer_config(settings),
    )
    return answerer, transcripts, gaps, handoffs


def lambda_runtime(settings: Settings, *, clients: ClientFactory | None = None, **replacements: Any) -> Runtime:
    """The Lambdas' runtime with the laptop's model and index, and (with ``records_dir``) records mirrored
    to JSON Lines files that ``assistant gaps``/``stats`` read after the server stops.

    ``replacements`` go to ``Runtime`` as given (tests pass a recording invoker, a failing notifier...).
    """
    clients = clients or ClientFactory(settings.region)
    if "retriever" not in replacements:
        replacements["retriever"] = build_retriever(settings.kb, settings.docs_dir, settings=settings, clients=clients)
    if "model" not in replacements:
        replacements["model"] = build_model(settings.model, settings=settings, retriever=replacements["retriever"])
    if settings.records_dir:
        files = JsonlRecords(Path(settings.records_dir))
        replacements.setdefault("transcripts", Mirrored(dynamo_transcripts(settings, clients), files))
        replacements.setdefault("gaps", Mirrored(dynamo_gaps(settings, clients), files))
    return Runtime(settings, clients=clients, **replacements)
