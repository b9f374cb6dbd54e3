"""The hybrid knowledge index (``--kb local``): BM25 and dense vectors over heading-sized chunks, cached on disk.

Two signals per chunk, each on a scale that means the same thing for any corpus:
- ``lexical``: the share of the query's information (sum of its terms' IDF, unknown terms counting as
  rare) that the chunk matches, 0..1;
- ``semantic``: the cosine of query and chunk vectors from the ``Embedder`` port (when one is given),
  which catches synonyms and rewordings that share no word with the doc.
They are fused by a weighted sum fitted on a labelled set (``bench/fit_retrieval.py``), so the fused
``score`` is a calibrated relevance the answer model can threshold. Results are **documents**: each doc
is represented by its best chunk, so the top five passages are five different docs.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import shutil
import tempfile
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

import bm25s
import numpy as np

from assistant_core.errors import BadInput, RetrievalError
from assistant_core.retrieval.chunking import Chunk, chunk_doc
from assistant_core.retrieval.docs import Doc, Skipped, iter_doc_files, read_doc
from assistant_core.retrieval.passages import Passage
from assistant_core.retrieval.ports import Embedder
from assistant_core.retrieval.text_analysis import terms

log = logging.getLogger(__name__)
# bm25s sets its own logger to DEBUG when imported, so its per-build "Building index from tokens" line would
# pass every handler whatever level the app chose; hand the level back to the app's configuration.
logging.getLogger("bm25s").setLevel(logging.NOTSET)

INDEX_VERSION = 5
K1 = 1.2
B = 0.75
# Fusion, fitted on examples/office-help (bench/fit_retrieval.py): fused = W_LEXICAL * lexical + (1 - W_LEXICAL)
# * semantic', where semantic' maps the cosine from its "unrelated" floor to its "same topic" level onto 0..1.
W_LEXICAL = 0.7
COS_FLOOR = 0.2
COS_HIGH = 0.6
EMBED_CHARS = 400
DEFAULT_CACHE_ROOT = Path.home() / ".cache" / "website-assistant" / "index"


@dataclass(frozen=True)
class IndexStats:
    documents: int
    chunks: int
    skipped: int
    rebuilt: bool
    skipped_files: tuple[tuple[str, str], ...] = ()


class LocalIndex:
    def __init__(
        self,
        chunks: list[Chunk],
        bm25: bm25s.BM25,
        df: dict[str, int],
        stats: IndexStats,
        vectors: np.ndarray | None = None,
        embedder: Embedder | None = None,
    ) -> None:
        self.chunks = chunks
        self._bm25 = bm25
        self._df = df
        self.stats = stats
        self._n = len(chunks)
        self._vectors = vectors
        self._embedder = embedder
        docs = {path: i for i, path in enumerate(dict.fromkeys(c.doc_path for c in chunks))}
        self._doc_of = np.array([docs[c.doc_path] for c in chunks], dtype=np.int64)
        self._n_docs = len(docs)

    # -- building -------------------------------------------------------------------------
    @classmethod
    def load_or_build(
        cls, docs_dir: Path | str, cache_dir: Path | None = None, *, embedder: Embedder | None = None
    ) -> LocalIndex:
        """The index of ``docs_dir``, from the on-disk cache when no file (and not the embedder) changed."""
        root = Path(docs_dir)
        if not root.is_dir():
            raise BadInput(f"docs folder not found: {root}")
        files = list(iter_doc_files(root))
        manifest = _manifest(root, files, embedder)
        cache = (
            Path(cache_dir)
            if cache_dir
            else DEFAULT_CACHE_ROOT / hashlib.sha1(str(root.resolve()).encode()).hexdigest()[:16]
        )
        cached = _load_cache(cache, manifest, embedder)
        if cached is not None:
            return cached
        index = cls._build(root, files, embedder)
        _save_cache(cache, manifest, index)
        return index

    @classmethod
    def _build(cls, root: Path, files: list[Path], embedder: Embedder | None = None) -> LocalIndex:
        docs: list[Doc] = []
        skipped: list[Skipped] = []
        seen: dict[str, str] = {}  # body fingerprint -> the first doc with that body
        for path in files:
            got = read_doc(root, path)
            if isinstance(got, Doc):
                # The same text twice (a copied page, an export next to its source) would split every score
                # between two identical docs and make the answer model ask which one is meant.
                first = seen.setdefault(_fingerprint(got.body), got.path)
                if first != got.path:
                    got = Skipped(got.path, f"duplicate of {first}")
            if isinstance(got, Skipped):
                log.warning("skipped %s: %s", got.path, got.reason)
                skipped.append(got)
            else:
                docs.append(got)
        chunks = [c for d in docs for c in chunk_doc(d)]
        if not chunks:
            raise BadInput(f"no readable .md, .html or .txt documents in {root}")
        tokens = [_chunk_terms(c) for c in chunks]
        bm25 = bm25s.BM25(k1=K1, b=B, method="lucene")
        bm25.index(tokens, show_progress=False)
        df = Counter(t for toks in tokens for t in set(toks))
        stats = IndexStats(len(docs), len(chunks), len(skipped), True, tuple((s.path, s.reason) for s in skipped))
        vectors = _embed_chunks(embedder, chunks) if embedder is not None else None
        return cls(chunks, bm25, dict(df), stats, vectors, embedder)

    # -- searching ------------------------------------------------------------------------
    def search(self, query: str, k: int = 5) -> list[Passage]:
        """The best chunk of each of the ``k`` most relevant docs, most relevant first."""
        lexical = self._lexical(query)
        semantic = self._semantic(query)
        if lexical is None and semantic is None:
            return []
        fused = fuse(lexical, semantic, self._n)
        # Rank docs by their best chunk: sort chunks once, keep each doc's first occurrence.
        order = np.argsort(-fused, kind="stable")
        _, first = np.unique(self._doc_of[order], return_index=True)
        best_chunks = order[np.sort(first)][:k]
        out = []
        for i in best_chunks:
            if fused[i] <= 0:
                break
            c = self.chunks[int(i)]
            out.append(Passage(
                text=c.text, title=c.title, url=c.url, source=c.doc_path, score=round(float(fused[i]), 4),
                chunk_id=c.chunk_id, lexical=round(float(lexical[i]), 4) if lexical is not None else 0.0,
                semantic=round(float(semantic[i]), 4) if semantic is not None else 0.0,
            ))
        return out

    def _lexical(self, query: str) -> np.ndarray | None:
        q = list(dict.fromkeys(terms(query)))
        if not q:
            return None
        try:
            raw = np.asarray(self._bm25.get_scores(q), dtype=np.float64)
        except Exception as e:  # bm25s raises assorted errors on a corrupt cache
            raise RetrievalError(f"local index search failed: {e}") from e
        total = sum(self._idf(t) for t in q)
        return np.minimum(1.0, raw / total) if total else np.zeros(self._n)

    def _semantic(self, query: str) -> np.ndarray | None:
        if self._vectors is None or self._embedder is None:
            return None
        try:
            qv = self._embedder.embed([query])[0]
        except Exception as e:  # an embedder is an adapter: its failures become the port's error
            raise RetrievalError(f"query embedding failed: {e}") from e
        if not qv.any():
            return None
        # einsum's own loop, not BLAS: on small matrices a multi-threaded gemv spends far longer waking its
        # threads than multiplying (8 ms against 0.2 ms for 3,700 chunks on a 2-core machine).
        return np.einsum("ij,j->i", self._vectors, qv.astype(np.float32, copy=False))

    def retrieve(self, query: str, k: int) -> list[Passage]:
        """The ``Retriever`` port."""
        return self.search(query, k)

    def knows(self, term: str) -> bool:
        """Whether an analysed term occurs anywhere in the docs (the extractive model's vocabulary)."""
        return term in self._df

    def _idf(self, term: str) -> float:
        df = self._df.get(term, 0)
        return math.log(1 + (self._n - df + 0.5) / (df + 0.5))


def fuse(lexical: np.ndarray | None, semantic: np.ndarray | None, n: int) -> np.ndarray:
    """One calibrated 0..1 relevance per chunk from the two signals (either may be missing)."""
    lex = lexical if lexical is not None else np.zeros(n)
    if semantic is None:
        return lex
    sem = np.clip((semantic - COS_FLOOR) / (COS_HIGH - COS_FLOOR), 0.0, 1.0)
    return W_LEXICAL * lex + (1 - W_LEXICAL) * sem


def embedding_text(c: Chunk) -> str:
    # A static model's vector is a mean over tokens: past a few sentences it blurs towards "any help text",
    # so the section's title, heading and opening (where help pages state their subject) are embedded.
    return f"{c.title}. {c.heading}\n{c.text[:EMBED_CHARS]}"


def _embed_chunks(embedder: Embedder, chunks: list[Chunk]) -> np.ndarray:
    vectors = np.asarray(embedder.embed([embedding_text(c) for c in chunks]), dtype=np.float32)
    if vectors.shape != (len(chunks), embedder.dimension):
        raise RetrievalError(f"embedder {embedder.name} returned shape {vectors.shape}, "
                             f"expected ({len(chunks)}, {embedder.dimension})")
    return vectors


def _fingerprint(body: str) -> str:
    return hashlib.sha1(" ".join(body.lower().split()).encode("utf-8", "surrogatepass")).hexdigest()


def _chunk_terms(c: Chunk) -> list[str]:
    # The title and heading say what a section is about; counting them twice lifts on-topic sections.
    return terms(f"{c.title}\n{c.title}\n{c.text}")


def _manifest(root: Path, files: list[Path], embedder: Embedder | None) -> dict[str, object]:
    entries = []
    for f in files:
        side = f.with_name(f.name + ".metadata.json")
        for p in (f, side) if side.exists() else (f,):
            st = p.stat()
            entries.append([p.relative_to(root).as_posix(), st.st_size, st.st_mtime_ns])
    dense = {"name": embedder.name, "dimension": embedder.dimension} if embedder is not None else None
    return {"version": INDEX_VERSION, "k1": K1, "b": B, "embedder": dense, "files": entries}


def _load_cache(cache: Path, manifest: dict[str, object], embedder: Embedder | None) -> LocalIndex | None:
    try:
        if json.loads((cache / "manifest.json").read_text("utf-8")) != manifest:
            return None
        data = json.loads((cache / "chunks.json").read_text("utf-8"))
        bm25 = bm25s.BM25.load(str(cache / "bm25"), show_progress=False)
        vectors = np.load(cache / "vectors.npy", allow_pickle=False) if embedder is not None else None
    except (OSError, ValueError, KeyError):
        return None
    if vectors is not None and (embedder is None or vectors.shape != (len(data["chunks"]), embedder.dimension)):
        return None  # never mix vectors of another embedder (or a truncated file) into this one's space
    chunks = [Chunk(**c) for c in data["chunks"]]
    stats = IndexStats(
        **{**data["stats"], "rebuilt": False, "skipped_files": tuple(map(tuple, data["stats"]["skipped_files"]))}
    )
    return LocalIndex(chunks, bm25, data["df"], stats, vectors, embedder)


def _save_cache(cache: Path, manifest: dict[str, object], index: LocalIndex) -> None:
    """Write to a temporary folder, then swap it in: a crash never leaves a half-written cache."""
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=cache.parent, prefix=".build-"))
        index._bm25.save(str(tmp / "bm25"), show_progress=False)
        payload = {"chunks": [asdict(c) for c in index.chunks], "df": index._df, "stats": asdict(index.stats)}
        (tmp / "chunks.json").write_text(json.dumps(payload), "utf-8")
        if index._vectors is not None:
            np.save(tmp / "vectors.npy", index._vectors, allow_pickle=False)
        (tmp / "manifest.json").write_text(json.dumps(manifest), "utf-8")
        if cache.exists():
            shutil.rmtree(cache)
        os.replace(tmp, cache)
    except OSError as e:
        log.warning("could not cache the index at %s: %s", cache, e)
