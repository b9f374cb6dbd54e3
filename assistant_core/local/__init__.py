"""Offline adapters for the laptop: the CLI, eval and the local stack. Never shipped to a Lambda.

``ExtractiveModel`` (``--model extractive``) and ``ReplayModel`` (``--model replay:FILE``) implement the
model port without a network; the memory stores and ``CollectingPoster`` stand in for the tables and the
@connections API; ``JsonlRecords`` (``Mirrored``) keeps transcripts and gaps as JSON Lines for
``assistant stats``/``gaps``; ``WordLlamaEmbedder`` is the offline ``Embedder``. Names are imported on first
use (the embedder loads numpy and WordLlama).
"""

from assistant_core import lazy_exports

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "embedder_wordllama": ("EmbedderUnavailable", "WordLlamaEmbedder"),
        "extractive_model": ("ExtractiveModel",),
        "memory_stores": ("CollectingPoster", "MemoryGaps", "MemoryHandoffs", "MemoryTranscripts"),
        "record_files": ("JsonlRecords", "Mirrored"),
        "replay_model": ("ReplayModel",),
    },
)

__all__ = [
    "CollectingPoster",
    "EmbedderUnavailable",
    "ExtractiveModel",
    "JsonlRecords",
    "MemoryGaps",
    "MemoryHandoffs",
    "MemoryTranscripts",
    "Mirrored",
    "ReplayModel",
    "WordLlamaEmbedder",
]
