"""Local dense embedder (WordLlama, 256-d): load time, passage throughput, single-query latency, peak RSS.

Prints cold load (first use in this process), texts/s over 1,000 passages of ~100 words, p50/p95 latency of
one short query per call, and the process's peak resident set size.
"""

from __future__ import annotations

import random
import resource
import statistics
import sys
import time

from assistant_core.local.embedder_wordllama import WordLlamaEmbedder

WORDS = (
    "order delivery shipping parcel tracking return refund exchange warranty invoice payment card account "
    "password login email address postcode courier working day weekend store pickup discount voucher size "
    "colour stock restock cancel change subscription gift wrap customs international express standard free "
    "the a to of and for in on with your you we our is are be can will within after before days hours"
).split()
QUERIES = [
    "how long does delivery take",
    "can I return a gift",
    "reset my password",
    "do you ship abroad",
    "where is my parcel",
    "change delivery address",
    "refund not received",
    "opening hours",
]


def passages(n: int, words: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "." for _ in range(n)]


def peak_rss_mb() -> float:
    # ru_maxrss is KiB on Linux, bytes on macOS.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def main() -> None:
    emb = WordLlamaEmbedder()
    rss_before = peak_rss_mb()
    t0 = time.perf_counter()
    emb.load()
    load_s = time.perf_counter() - t0
    print(f"{emb.name} ({emb.dimension}-d)")
    print(
        f"  load (import + weights + tokenizer): {load_s * 1000:7.1f} ms   peak RSS {rss_before:.0f} -> "
        f"{peak_rss_mb():.0f} MB"
    )

    docs = passages(1000, 100)
    emb.embed(docs[:64])  # warm-up: first tokenizer/numpy calls
    runs = []
    for _ in range(3):
        t0 = time.perf_counter()
        emb.embed(docs)
        runs.append(time.perf_counter() - t0)
    best = min(runs)
    print(f"  passages: {len(docs)} x ~100 words   best of 3 {best * 1000:7.1f} ms   {len(docs) / best:8.0f} texts/s")

    latencies = []
    for i in range(2000):
        t0 = time.perf_counter_ns()
        emb.embed([QUERIES[i % len(QUERIES)]])
        latencies.append((time.perf_counter_ns() - t0) / 1000)
    cuts = statistics.quantiles(latencies, n=20)
    print(
        f"  single query: p50 {statistics.median(latencies):6.1f} us   p95 {cuts[18]:6.1f} us   "
        f"({len(latencies)} calls)"
    )
    print(f"  peak RSS: {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
