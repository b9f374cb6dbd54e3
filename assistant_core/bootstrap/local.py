"""Composition for the CLI and eval: the answerer over in-memory stores."""

from __future__ import annotations

from assistant_core.answering.answerer import Answerer
from assistant_core.answering.model_events import Model
from assistant_core.bootstrap.specs import KB_SPECS, MODEL_SPECS, answerer_config, build_model, build_retriever
from assistant_core.clock import SystemClock
from assistant_core.local.memory_stores import MemoryGaps, MemoryHandoffs, MemoryTranscripts
from assistant_core.ports import Poster, Retriever
from assistant_core.settings import Settings

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
