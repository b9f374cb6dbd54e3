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
import io
import json
import logging
import math
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterable, Mapping
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

INDEX_VERSION = 7
K1 = 1.2
B = 0.75
# Fusion, fitted on examples/office-help (bench/fit_retrieval.py): fused = W_LEXICAL * lexical + (1 - W_LEXICAL)
# * semantic', where semantic' maps the cosine from its "unrelated" floor to its "same topic" level onto 0..1.
W_LEXICAL = 0.7
COS_FLOOR = 0.2
COS_HIGH = 0.6
EMBED_CHARS = 400
DEFAULT_CACHE_ROOT = Path.home() / ".cache" / "website-assistant" / "index"


EMBED_BATCH = 32  # texts per embedder call: progress is kept batch by batch when the embedder fails


class EmbeddingIncomplete(RetrievalError):
    """The embedder failed part-way (throttled, down); ``done`` holds the vectors it did return, by text."""

    def __init__(self, message: str, done: dict[str, np.ndarray]) -> None:
        super().__init__(message)
        self.done = done


@dataclass(frozen=True)
class IndexStats:
    documents: int
    chunks: int
    skipped: int
    rebuilt: bool
    skipped_files: tuple[tuple[str, str], ...] = ()
    embedded: int = 0  # texts this build sent to the embedder (vectors of unchanged chunks are reused)


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
        got = [read_doc(root, path) for path in files]
        docs = [d for d in got if isinstance(d, Doc)]
        skipped = [d for d in got if isinstance(d, Skipped)]
        try:
            return cls.from_docs(docs, skipped, embedder)
        except BadInput:
            raise BadInput(f"no readable .md, .html or .txt documents in {root}") from None

    @classmethod
    def from_docs(
        cls, docs: Iterable[Doc], skipped: Iterable[Skipped] = (), embedder: Embedder | None = None,
        *, reuse: LocalIndex | None = None, vectors: Mapping[str, np.ndarray] | None = None,
    ) -> LocalIndex:
        """The index of ``docs``. ``reuse``: an earlier index whose vectors are taken for every chunk whose
        embedded text is unchanged, so an incremental build embeds only what changed; ``vectors``: more known
        vectors by embedded text (what an interrupted build kept). Raises ``EmbeddingIncomplete`` when the
        embedder fails part-way."""
        kept: list[Doc] = []
        dropped = list(skipped)
        seen: dict[str, str] = {}  # body fingerprint -> the first doc with that body
        for doc in docs:
            # The same text twice (a copied page, an export next to its source) would split every score
            # between two identical docs and make the answer model ask which one is meant.
            first = seen.setdefault(_fingerprint(doc.body), doc.path)
            if first != doc.path:
                dropped.append(Skipped(doc.path, f"duplicate of {first}"))
            else:
                kept.append(doc)
        for s in dropped:
            log.warning("skipped %s: %s", s.path, s.reason)
        chunks = [c for d in kept for c in chunk_doc(d)]
        if not chunks:
            raise BadInput("no readable documents to index")
        tokens = [_chunk_terms(c) for c in chunks]
        bm25 = bm25s.BM25(k1=K1, b=B, method="lucene")
        bm25.index(tokens, show_progress=False)
        df = Counter(t for toks in tokens for t in set(toks))
        matrix, embedded = _embed_chunks(embedder, chunks, reuse, vectors) if embedder is not None else (None, 0)
        stats = IndexStats(len(kept), len(chunks), len(dropped), True, tuple((s.path, s.reason) for s in dropped),
                           embedded)
        return cls(chunks, bm25, dict(df), stats, matrix, embedder)

    @property
    def embedder_id(self) -> dict[str, object] | None:
        """Which embedder built the vectors (``None``: lexical only); recorded with every saved index."""
        if self._vectors is None or self._embedder is None:
            return None
        return {"name": self._embedder.name, "dimension": self._embedder.dimension}

    # -- saving and loading -----------------------------------------------------------------
    def to_files(self) -> dict[str, bytes]:
        """The index as named files (``index.json``, ``bm25/*``, ``vectors.npy``): a cache folder or a version."""
        payload = {
            "format": INDEX_VERSION, "k1": K1, "b": B, "embedder": self.embedder_id,
            "chunks": [asdict(c) for c in self.chunks], "df": self._df, "stats": asdict(self.stats),
        }
        files = {"index.json": json.dumps(payload, ensure_ascii=False).encode("utf-8")}
        with tempfile.TemporaryDirectory(prefix="bm25-") as tmp:
            self._bm25.save(tmp, show_progress=False)
            files.update({f"bm25/{p.name}": p.read_bytes() for p in sorted(Path(tmp).iterdir())})
        if self._vectors is not None:
            out = io.BytesIO()
            np.save(out, self._vectors, allow_pickle=False)
            files["vectors.npy"] = out.getvalue()
        return files

    @classmethod
    def from_files(cls, files: Mapping[str, bytes], embedder: Embedder | None = None) -> LocalIndex:
        """The inverse of ``to_files``. Raises ``RetrievalError`` for a corrupt or truncated index, one of
        another format, or one whose vectors another embedder made (never mixed into this one's space)."""
        try:
            data = json.loads(files["index.json"].decode("utf-8"))
            if data.get("format") != INDEX_VERSION:
                raise RetrievalError(f"index format {data.get('format')!r}; this code reads {INDEX_VERSION}")
            built_by = data.get("embedder")
            wanted = {"name": embedder.name, "dimension": embedder.dimension} if embedder is not None else None
            if built_by is not None and built_by != wanted:
                raise RetrievalError(f"index vectors come from {built_by}, not {wanted}; refusing to mix them")
            chunks = [Chunk(**c) for c in data["chunks"]]
            raw_stats = data["stats"]
            stats = IndexStats(**{**raw_stats, "rebuilt": False,
                                  "skipped_files": tuple(map(tuple, raw_stats["skipped_files"]))})
            vectors = None
            if built_by is not None:
                vectors = np.load(io.BytesIO(files["vectors.npy"]), allow_pickle=False)
                if vectors.shape != (len(chunks), built_by["dimension"]) or vectors.dtype != np.float32:
                    raise RetrievalError(f"index vectors have shape {vectors.shape}, expected "
                                         f"({len(chunks)}, {built_by['dimension']})")
            with tempfile.TemporaryDirectory(prefix="bm25-") as tmp:
                names = [k for k in files if k.startswith("bm25/")]
                if not names:
                    raise RetrievalError("index has no bm25/ files")
                for name in names:
                    (Path(tmp) / name.removeprefix("bm25/")).write_bytes(files[name])
                bm25 = bm25s.BM25.load(tmp, show_progress=False)
            if bm25.scores["num_docs"] != len(chunks):
                raise RetrievalError(f"bm25 holds {bm25.scores['num_docs']} chunks, index.json {len(chunks)}")
        except RetrievalError:
            raise
        except Exception as e:  # json, numpy and bm25s each raise their own kinds on corrupt bytes
            raise RetrievalError(f"corrupt index: {type(e).__name__}: {e}") from e
        return cls(chunks, bm25, data["df"], stats, vectors, embedder if vectors is not None else None)

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


def _embed_chunks(
    embedder: Embedder, chunks: list[Chunk], reuse: LocalIndex | None, vectors: Mapping[str, np.ndarray] | None,
) -> tuple[np.ndarray, int]:
    """Vectors for ``chunks`` and how many texts were embedded (the rest come from ``reuse`` and ``vectors``)."""
    texts = [embedding_text(c) for c in chunks]
    known: dict[str, np.ndarray] = {}
    wanted = {"name": embedder.name, "dimension": embedder.dimension}
    if reuse is not None and reuse._vectors is not None and reuse.embedder_id == wanted:
        known = {embedding_text(c): reuse._vectors[i] for i, c in enumerate(reuse.chunks)}
    known.update({t: v for t, v in (vectors or {}).items() if v.shape == (embedder.dimension,)})
    todo = list(dict.fromkeys(t for t in texts if t not in known))
    done: dict[str, np.ndarray] = {}
    for start in range(0, len(todo), EMBED_BATCH):
        batch = todo[start:start + EMBED_BATCH]
        try:
            fresh = np.asarray(embedder.embed(batch), dtype=np.float32)
        except RetrievalError as e:
            raise EmbeddingIncomplete(f"embedded {len(done)} of {len(todo)} texts, then: {e}", done) from e
        if fresh.shape != (len(batch), embedder.dimension):
            raise RetrievalError(f"embedder {embedder.name} returned shape {fresh.shape}, "
                                 f"expected ({len(batch)}, {embedder.dimension})")
        done.update(zip(batch, fresh, strict=True))
    known.update(done)
    return np.stack([known[t] for t in texts]).astype(np.float32, copy=False), len(todo)


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
        files = {p.relative_to(cache).as_posix(): p.read_bytes() for p in cache.rglob("*") if p.is_file()}
        return LocalIndex.from_files(files, embedder)
    except (OSError, ValueError, RetrievalError):
        return None  # rebuilt (and the cache rewritten) by the caller


def _save_cache(cache: Path, manifest: dict[str, object], index: LocalIndex) -> None:
    """Write to a temporary folder, then swap it in: a crash never leaves a half-written cache."""
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=cache.parent, prefix=".build-"))
        for name, body in index.to_files().items():
            (tmp / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp / name).write_bytes(body)
        (tmp / "manifest.json").write_text(json.dumps(manifest), "utf-8")
        if cache.exists():
            shutil.rmtree(cache)
        os.replace(tmp, cache)
    except OSError as e:
        log.warning("could not cache the index at %s: %s", cache, e)
