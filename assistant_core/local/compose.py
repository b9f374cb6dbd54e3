"""Composition for the local stack and CLI: model and retriever from their ``--model``/``--kb`` specs."""

from __future__ import annotations

from pathlib import Path

from ..answerer import Answerer, AnswererConfig
from ..clock import SystemClock
from ..errors import ConfigError
from ..model_events import Model
from ..ports import Poster, Retriever
from ..settings import Settings
from .extractive_model import ExtractiveModel
from .index import LocalIndex
from .memory_stores import MemoryGaps, MemoryHandoffs, MemoryTranscripts
from .replay_model import ReplayModel

MODEL_SPECS = "extractive | replay:FILE"
KB_SPECS = "local"


def build_model(spec: str, *, pace_seconds: float = 0.0) -> Model:
    kind, _, arg = spec.partition(":")
    if kind == "extractive" and not arg:
        return ExtractiveModel(pace_seconds=pace_seconds)
    if kind == "replay" and arg:
        return ReplayModel(Path(arg))
    raise ConfigError(f"unknown --model {spec!r}; expected {MODEL_SPECS}")


def build_retriever(spec: str, docs_dir: Path | str) -> Retriever:
    if spec == "local":
        return LocalIndex.load_or_build(Path(docs_dir))
    raise ConfigError(f"unknown --kb {spec!r}; expected {KB_SPECS}")


def answerer_config(settings: Settings) -> AnswererConfig:
    return AnswererConfig(
        site_name=settings.site_name,
        top_k=settings.top_k,
        history_turns=settings.history_turns,
        max_tokens=settings.max_tokens,
        temperature=settings.temperature,
    )


def local_answerer(
    settings: Settings,
    poster: Poster,
    *,
    model: Model | None = None,
    retriever: Retriever | None = None,
    transcripts: MemoryTranscripts | None = None,
) -> tuple[Answerer, MemoryTranscripts, MemoryGaps, MemoryHandoffs]:
    """An answerer over in-memory stores (CLI, eval); the server swaps in the AWS adapters."""
    transcripts = transcripts or MemoryTranscripts()
    gaps, handoffs = MemoryGaps(), MemoryHandoffs()
    answerer = Answerer(
        model=model or build_model(settings.model),
        retriever=retriever or build_retriever(settings.kb, settings.docs_dir),
        history=transcripts,
        poster=poster,
        transcripts=transcripts,
        gaps=gaps,
        handoffs=handoffs,
        clock=SystemClock(),
        config=answerer_config(settings),
    )
    return answerer, transcripts, gaps, handoffs
