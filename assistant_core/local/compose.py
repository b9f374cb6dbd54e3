"""Composition for the CLI and eval: the answerer over in-memory stores."""

from __future__ import annotations

from ..answerer import Answerer
from ..clock import SystemClock
from ..model_events import Model
from ..ports import Poster, Retriever
from ..settings import Settings
from ..specs import KB_SPECS, MODEL_SPECS, answerer_config, build_model, build_retriever
from .memory_stores import MemoryGaps, MemoryHandoffs, MemoryTranscripts

__all__ = ["KB_SPECS", "MODEL_SPECS", "answerer_config", "build_model", "build_retriever", "local_answerer"]


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
