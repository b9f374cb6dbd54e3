"""The local knowledge index (``--kb local``): BM25 over heading-sized chunks, cached on disk.

Scores are normalised to 0..1 as the share of the query's information (sum of its terms' IDF,
unknown terms counting as rare) that a chunk matches, so the extractive model's thresholds mean the
same thing for any corpus size. Dense scores can later be blended in; BM25 is the default ranker.
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
from assistant_core.retrieval.text_analysis import terms

log = logging.getLogger(__name__)

INDEX_VERSION = 4
K1, B = 1.2, 0.75
DEFAULT_CACHE_ROOT = Path.home() / ".cache" / "website-assistant" / "index"


@dataclass(frozen=True)
class IndexStats:
    documents: int
    chunks: int
    skipped: int
    rebuilt: bool
    skipped_files: tuple[tuple[str, str], ...] = ()


class LocalIndex:
    def __init__(self, chunks: list[Chunk], bm25: bm25s.BM25, df: dict[str, int], stats: IndexStats) -> None:
        self.chunks, self._bm25, self._df, self.stats = chunks, bm25, df, stats
        self._n = len(chunks)

    # -- building -------------------------------------------------------------------------
    @classmethod
    def load_or_build(cls, docs_dir: Path | str, cache_dir: Path | None = None) -> LocalIndex:
        """The index of ``docs_dir``, from the on-disk cache when no file changed since it was built."""
        root = Path(docs_dir)
        if not root.is_dir():
            raise BadInput(f"docs folder not found: {root}")
        files = list(iter_doc_files(root))
        manifest = _manifest(root, files)
        cache = (
            Path(cache_dir)
            if cache_dir
            else DEFAULT_CACHE_ROOT / hashlib.sha1(str(root.resolve()).encode()).hexdigest()[:16]
        )
        cached = _load_cache(cache, manifest)
        if cached is not None:
            return cached
        index = cls._build(root, files)
        _save_cache(cache, manifest, index)
        return index

    @classmethod
    def _build(cls, root: Path, files: list[Path]) -> LocalIndex:
        docs: list[Doc] = []
        skipped: list[Skipped] = []
        for path in files:
            got = read_doc(root, path)
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
        return cls(chunks, bm25, dict(df), stats)

    # -- searching ------------------------------------------------------------------------
    def search(self, query: str, k: int = 5) -> list[Passage]:
        q = list(dict.fromkeys(terms(query)))
        if not q:
            return []
        try:
            raw = self._bm25.get_scores(q)
        except Exception as e:  # bm25s raises assorted errors on a corrupt cache
            raise RetrievalError(f"local index search failed: {e}") from e
        total = sum(self._idf(t) for t in q)
        order = np.argsort(-raw, kind="stable")[:k]
        out = []
        for i in order:
            if raw[i] <= 0:
                break
            c = self.chunks[int(i)]
            score = min(1.0, float(raw[i]) / total) if total else 0.0
            out.append(
                Passage(text=c.text, title=c.title, url=c.url, source=c.doc_path, score=score, chunk_id=c.chunk_id)
            )
        return out

    def retrieve(self, query: str, k: int) -> list[Passage]:
        """The ``Retriever`` port."""
        return self.search(query, k)

    def knows(self, term: str) -> bool:
        """Whether an analysed term occurs anywhere in the docs (the extractive model's vocabulary)."""
        return term in self._df

    def _idf(self, term: str) -> float:
        df = self._df.get(term, 0)
        return math.log(1 + (self._n - df + 0.5) / (df + 0.5))


def _chunk_terms(c: Chunk) -> list[str]:
    # The title and heading say what a section is about; counting them twice lifts on-topic sections.
    return terms(f"{c.title}\n{c.title}\n{c.text}")


def _manifest(root: Path, files: list[Path]) -> dict[str, object]:
    entries = []
    for f in files:
        side = f.with_name(f.name + ".metadata.json")
        for p in (f, side) if side.exists() else (f,):
            st = p.stat()
            entries.append([p.relative_to(root).as_posix(), st.st_size, st.st_mtime_ns])
    return {"version": INDEX_VERSION, "k1": K1, "b": B, "files": entries}


def _load_cache(cache: Path, manifest: dict[str, object]) -> LocalIndex | None:
    try:
        if json.loads((cache / "manifest.json").read_text("utf-8")) != manifest:
            return None
        data = json.loads((cache / "chunks.json").read_text("utf-8"))
        bm25 = bm25s.BM25.load(str(cache / "bm25"), show_progress=False)
    except (OSError, ValueError, KeyError):
        return None
    chunks = [Chunk(**c) for c in data["chunks"]]
    stats = IndexStats(
        **{**data["stats"], "rebuilt": False, "skipped_files": tuple(map(tuple, data["stats"]["skipped_files"]))}
    )
    return LocalIndex(chunks, bm25, data["df"], stats)


def _save_cache(cache: Path, manifest: dict[str, object], index: LocalIndex) -> None:
    """Write to a temporary folder, then swap it in: a crash never leaves a half-written cache."""
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=cache.parent, prefix=".build-"))
        index._bm25.save(str(tmp / "bm25"), show_progress=False)
        payload = {"chunks": [asdict(c) for c in index.chunks], "df": index._df, "stats": asdict(index.stats)}
        (tmp / "chunks.json").write_text(json.dumps(payload), "utf-8")
        (tmp / "manifest.json").write_text(json.dumps(manifest), "utf-8")
        if cache.exists():
            shutil.rmtree(cache)
        os.replace(tmp, cache)
    except OSError as e:
        log.warning("could not cache the index at %s: %s", cache, e)
