"""Published index versions (--kb index:LOCATION): publish, incremental publish, cold start, reload, retrieval.

The 1,000-doc corpus of bench_index.py is published to a folder store with the bundled embedder, then:
- full publish time, and an incremental publish after 5 docs change (documents read, texts embedded);
- cold start in a fresh process: import time, version load time, peak RSS (what fn-answerer pays once);
- reload: the time from ``refresh`` to serving a newly published version;
- retrieval p50/p95 per question, with the question's embedding precomputed (the in-process search
  alone; in AWS the Titan call for the question adds its own round trip) and with the bundled embedder.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_index import QUESTIONS, make_corpus, pct  # noqa: E402

from assistant_core.clock import SystemClock  # noqa: E402
from assistant_core.local.blob_folder import FolderBlobStore  # noqa: E402
from assistant_core.local.embedder_wordllama import WordLlamaEmbedder  # noqa: E402
from assistant_core.retrieval.versions import LiveIndex, current_pointer  # noqa: E402
from kb_sync.index_publisher import IndexPublisher  # noqa: E402

COLD_START = """
import resource, sys, time
t0 = time.perf_counter()
from assistant_core.clock import SystemClock
from assistant_core.local.blob_folder import FolderBlobStore
from assistant_core.local.embedder_wordllama import WordLlamaEmbedder
from assistant_core.retrieval.versions import LiveIndex
t1 = time.perf_counter()
live = LiveIndex(FolderBlobStore(sys.argv[1]), WordLlamaEmbedder(), SystemClock())
t2 = time.perf_counter()
print(f"{(t1 - t0) * 1000:.0f} {(t2 - t1) * 1000:.0f} {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}")
"""


class Precomputed:
    """The embedder with every question embedded beforehand: times the search alone."""

    def __init__(self, inner: WordLlamaEmbedder, texts: list[str]) -> None:
        self.name, self.dimension = inner.name, inner.dimension
        self._vectors = dict(zip(texts, inner.embed(texts), strict=True))

    def embed(self, texts: list[str]) -> np.ndarray:
        return np.stack([self._vectors[t] for t in texts])


def main() -> None:
    questions = [json.loads(line)["question"] for path in QUESTIONS for line in path.read_text("utf-8").splitlines()
                 if line.strip()]
    embedder = WordLlamaEmbedder()
    with tempfile.TemporaryDirectory() as tmp:
        docs, versions = Path(tmp) / "docs", Path(tmp) / "index"
        docs.mkdir()
        make_corpus(docs)
        publisher = IndexPublisher(FolderBlobStore(docs), FolderBlobStore(versions), embedder, SystemClock())
        t0 = time.perf_counter()
        full = publisher.publish("bench")
        print(f"full publish: {time.perf_counter() - t0:.1f} s  {full.stats}")
        pointer = current_pointer(FolderBlobStore(versions))
        assert pointer is not None
        size = sum(p.stat().st_size for p in (versions / pointer.version).rglob("*") if p.is_file())
        print(f"version size: {size / 1e6:.1f} MB ({pointer.documents} docs, {pointer.chunks} chunks)")

        live = LiveIndex(FolderBlobStore(versions), embedder, SystemClock())
        for path in sorted(docs.rglob("*.md"))[:5]:
            path.write_text(path.read_text("utf-8") + "\n\nUpdated today: new opening hours apply.\n", "utf-8")
        time.sleep(1.1)  # a new version name (they are stamped to the second)
        t0 = time.perf_counter()
        incremental = publisher.publish("bench-2")
        print(f"incremental publish (5 docs changed): {time.perf_counter() - t0:.2f} s  {incremental.stats}")
        t0 = time.perf_counter()
        swapped = live.refresh(force=True)
        print(f"reload to the new version: {(time.perf_counter() - t0) * 1000:.0f} ms (swapped: {swapped})")

        for _ in range(3):
            run = subprocess.run([sys.executable, "-c", COLD_START, str(versions)], capture_output=True, text=True,
                                 cwd=ROOT, check=True)
            imports, load, rss = run.stdout.split()
            print(f"cold start: imports {imports} ms, version load {load} ms, peak RSS {rss} MB")

        fast = LiveIndex(FolderBlobStore(versions), Precomputed(embedder, questions), SystemClock())
        for label, index in (("search only", fast), ("with bundled embedder", live)):
            times = []
            for _ in range(5):
                for q in questions:
                    t0 = time.perf_counter()
                    index.retrieve(q, 5)
                    times.append((time.perf_counter() - t0) * 1000)
            print(f"retrieval {label} over {pointer.chunks} chunks: p50 {pct(times, 50):.2f} ms, "
                  f"p95 {pct(times, 95):.2f} ms ({len(times)} searches)")


if __name__ == "__main__":
    main()
