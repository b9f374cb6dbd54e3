"""Knowledge-gaps report: time and peak memory to group a synthetic week, and the whole batch against moto.

The synthetic week mixes ~250 recurring topics (Zipf-like counts, several phrasings each, mostly
two or three content words) with a long tail of one-off questions, on a few dozen pages. Grouping
runs on a generator, so the records themselves never sit in memory: the peak is the grouper's.
``--moto N`` also writes N gaps to tbl-gaps in moto and times handler → S3 + SNS (moto's Query is far
slower than DynamoDB, so keep N modest). Reported, never asserted.

    python bench/bench_gaps.py [--gaps 10000] [--moto 2000] [--max-groups 5000]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant_core.answering.ports import GapRecord
from assistant_core.gaps.grouping import GapGrouper
from assistant_core.gaps.render import render_csv, render_markdown

WEEK = "2026-W47"
VERBS = ["ship", "deliver", "return", "cancel", "change", "track", "pay", "refund", "upgrade", "reset"]
THINGS = [
    "order",
    "subscription",
    "parcel",
    "password",
    "address",
    "invoice",
    "gift card",
    "warranty",
    "plan",
    "Norway",
    "Canada",
    "Japan",
    "student discount",
    "bulk order",
    "pre-order",
    "headphones",
    "laptop bag",
]
TEMPLATES = [
    "Do you {v} {t}?",
    "can I {v} my {t}",
    "{v} {t}??",
    "How do I {v} a {t} please",
    "{V} {t} - how?",
    "Is it possible to {v} {t} after ordering?",
]
TAIL = ["pets", "parking", "jobs", "weather", "recipes", "franchise", "donations", "press kit", "API limits"]


def synthetic(n: int, seed: int = 7) -> Iterator[GapRecord]:
    rng = random.Random(seed)
    topics = [(v, t) for v in VERBS for t in THINGS]
    rng.shuffle(topics)
    topics = topics[:250]
    weights = [1 / (rank + 1) for rank in range(len(topics))]
    pages = [f"https://shop.example/{p}" for p in ("", "shipping", "account", "returns", "faq", "cart")] + [
        f"https://shop.example/products/item-{i}" for i in range(40)
    ]
    for i in range(n):
        if rng.random() < 0.3:  # the long tail: one-off questions
            q = f"Question {i} about {rng.choice(TAIL)} and {rng.choice(TAIL)} number {rng.randrange(10**6)}"
        else:
            v, t = rng.choices(topics, weights)[0]
            q = rng.choice(TEMPLATES).format(v=v, V=v.capitalize(), t=t)
        closest = [
            {"id": f"p{k}", "title": f"Doc {d}", "source": f"docs/doc-{d}.md", "score": round(rng.random(), 4)}
            for k, d in enumerate(rng.sample(range(60), 3), 1)
        ]
        at = f"2026-11-{16 + i * 7 // n:02d}T{i % 24:02d}:{i % 60:02d}:00.000Z"
        yield GapRecord(
            WEEK,
            at,
            f"t{i}",
            f"s{i % 997}",
            q,
            f"{rng.choice(pages)}?utm={i}",
            rng.choice(["decline", "clarify", "hand_off", "answer"]),
            "not_in_knowledge",
            closest,
        )


def group(n: int, max_groups: int) -> tuple[GapGrouper, float]:
    t0 = time.perf_counter()
    grouper = GapGrouper(max_groups=max_groups)
    for record in synthetic(n):
        grouper.add(record)
    return grouper, time.perf_counter() - t0


def bench_grouping(n: int, max_groups: int) -> None:
    gen0 = time.perf_counter()
    for _ in synthetic(n):
        pass
    gen = time.perf_counter() - gen0
    grouper, elapsed = group(n, max_groups)  # timed without tracemalloc, which slows allocation several-fold
    report = grouper.report(WEEK)
    t1 = time.perf_counter()
    md, csv_text = render_markdown(report, "Shop"), render_csv(report)
    rendered = time.perf_counter() - t1
    tracemalloc.start()
    group(n, max_groups)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    work = elapsed - gen
    print(
        f"grouped {n:,} gaps into {len(report.groups):,} groups ({report.dropped_groups:,} dropped, "
        f"{report.dropped_questions:,} questions) in {work:.2f} s ({n / work:,.0f} gaps/s; generating them took "
        f"another {gen:.2f} s); rendered in {rendered * 1000:.0f} ms (md {len(md) / 1024:.0f} KiB, "
        f"csv {len(csv_text) / 1024:.0f} KiB); peak traced memory while grouping {peak / 2**20:.1f} MiB"
    )
    top = ", ".join(f"{g.representative!r} x{g.count}" for g in report.groups[:3])
    print(f"  top groups: {top}")


def bench_moto(n: int) -> None:
    for k, v in {
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "ap-southeast-1",
        "AWS_REGION": "ap-southeast-1",
    }.items():
        os.environ[k] = v
    import boto3
    from moto import mock_aws

    from assistant_core.bootstrap.lambdas import reset_runtime
    from assistant_core.gateway.provision import provision
    from assistant_core.settings import Settings
    from handlers.gaps_batch import handler

    with mock_aws():
        rt = reset_runtime(provision(Settings.from_env()))
        boto3.client("s3").create_bucket(
            Bucket=rt.settings.data_bucket, CreateBucketConfiguration={"LocationConstraint": "ap-southeast-1"}
        )
        for record in synthetic(n):
            rt.gaps.record(record)
        t0 = time.perf_counter()
        out = handler({"week": WEEK}, None)
        elapsed = time.perf_counter() - t0
    print(
        f"moto: handler over {out['gaps']:,} gaps -> {out['groups']:,} groups, S3 + SNS in {elapsed:.2f} s "
        "(dominated by moto's Query)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gaps", type=int, default=10_000)
    parser.add_argument("--moto", type=int, default=0, help="also run the handler over this many gaps in moto")
    parser.add_argument("--max-groups", type=int, default=5000)
    args = parser.parse_args()
    bench_grouping(args.gaps, args.max_groups)
    if args.moto:
        bench_moto(args.moto)


if __name__ == "__main__":
    main()
