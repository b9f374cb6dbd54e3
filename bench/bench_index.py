"""Hybrid index: build time and peak memory for 1,000 docs, retrieval p50/p95 per question, eval p95 per turn.

The 1,000 docs are the two labelled help centres' docs repeated with a distinct marker word per copy (so
chunks are not identical), written to a temporary folder. The build runs in a child process so its peak
RSS is its own. Prints figures; asserts nothing.
"""

from __future__ import annotations

import json
import multiprocessing
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SOURCES = [ROOT / "examples/help-center", ROOT / "examples/office-help/docs"]
QUESTIONS = [ROOT / "examples/questions.jsonl", ROOT / "examples/office-help/questions.jsonl"]
N_DOCS = 1000


def make_corpus(dest: Path) -> int:
    originals = [p for src in SOURCES for p in sorted(src.rglob("*.md"))]
    n = 0
    while n < N_DOCS:
        for p in originals:
            if n >= N_DOCS:
                break
            text = p.read_text("utf-8")
            (dest / f"copy{n // len(originals)}").mkdir(exist_ok=True)
            marker = f"\n\nEdition marker variant{n // len(originals)}.\n"
            (dest / f"copy{n // len(originals)}" / f"{n}-{p.name}").write_text(text + marker, "utf-8")
            n += 1
    return n


def build(docs: str, cache: str, out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    from assistant_core.local.embedder_wordllama import WordLlamaEmbedder
    from assistant_core.retrieval.index import LocalIndex

    embedder = WordLlamaEmbedder()
    embedder.load()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    index = LocalIndex.load_or_build(docs, Path(cache), embedder=embedder)
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out.put((seconds, before / 1024, peak / 1024, index.stats.documents, index.stats.chunks))


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


def main() -> None:
    from assistant_core.local.embedder_wordllama import WordLlamaEmbedder
    from assistant_core.retrieval.index import LocalIndex

    with tempfile.TemporaryDirectory() as tmp:
        docs, cache = Path(tmp) / "docs", Path(tmp) / "cache"
        docs.mkdir()
        make_corpus(docs)
        queue: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
        child = multiprocessing.Process(target=build, args=(str(docs), str(cache), queue))
        child.start()
        seconds, rss_before, rss_peak, n_docs, n_chunks = queue.get()
        child.join()
        print(f"build: {n_docs} docs, {n_chunks} chunks in {seconds:.2f} s; "
              f"peak RSS {rss_peak:.0f} MB ({rss_peak - rss_before:.0f} MB above the loaded model)")
        embedder = WordLlamaEmbedder()
        t0 = time.perf_counter()
        index = LocalIndex.load_or_build(docs, cache, embedder=embedder)
        print(f"load from cache: {time.perf_counter() - t0:.2f} s (rebuilt={index.stats.rebuilt})")
        questions = [json.loads(line)["question"] for q in QUESTIONS for line in q.read_text("utf-8").splitlines()]
        index.search(questions[0])  # the embedder's first call loads its model
        times = []
        for q in questions:
            t0 = time.perf_counter()
            index.search(q, 5)
            times.append((time.perf_counter() - t0) * 1000)
        print(f"retrieval over {n_chunks} chunks, {len(questions)} questions: "
              f"p50 {pct(times, 50):.2f} ms, p95 {pct(times, 95):.2f} ms")
    from assistant_core.cli.main import main as cli

    for docs_dir, qfile in zip(SOURCES, QUESTIONS, strict=True):
        import contextlib
        import io

        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            cli(["eval", "--docs", str(docs_dir), "--questions", str(qfile), "--json"])
        report = json.loads(buf.getvalue())
        print(f"eval {qfile.relative_to(ROOT)}: p50 {report['p50_ms']} ms, p95 {report['p95_ms']} ms per turn")


if __name__ == "__main__":
    main()
