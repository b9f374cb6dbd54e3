"""From a folder of help docs to the passages a turn cites.

``read_doc``/``iter_doc_files`` read .md/.html/.txt into a titled ``Doc``; ``chunk_doc`` cuts it into
heading-sized ``Chunk`` s; a turn's retrieved ``Passage`` s are numbered ``p1..pk`` by ``number_passages``.
``Retriever``, ``Embedder`` and ``BlobStore`` are this package's ports (``ports.py``). ``LocalIndex``
(``--kb local``) ranks chunks with BM25 and dense vectors from an ``Embedder``; ``LiveIndex`` (``--kb
index:LOCATION``, ``versions.py``) serves the versions kb_sync publishes. They need numpy, bm25s and PyStemmer
(run-time dependencies), imported on first use so that the Lambdas that never search do not load them.
"""

from assistant_core import lazy_exports
from assistant_core.retrieval.chunking import Chunk, chunk_doc
from assistant_core.retrieval.docs import Doc, Skipped, iter_doc_files, read_doc
from assistant_core.retrieval.passages import Passage, by_id, number_passages
from assistant_core.retrieval.ports import Embedder, Retriever

__getattr__, __dir__ = lazy_exports(
    __name__,
    {"index": ("LocalIndex",), "text_analysis": ("sentences", "terms"), "versions": ("LiveIndex",)},
)

__all__ = [
    "Chunk",
    "Doc",
    "Embedder",
    "LiveIndex",
    "LocalIndex",
    "Passage",
    "Retriever",
    "Skipped",
    "by_id",
    "chunk_doc",
    "iter_doc_files",
    "number_passages",
    "read_doc",
    "sentences",
    "terms",
]
