"""Load bench: N concurrent visitors × M questions through `assistant serve` (extractive model).

Prints messages lost/duplicated, p50/p95 send→ack and send→first delta, and the server's peak RSS.
Per-connection rate limits are raised for the run. By default each visitor asks again the moment an
answer ends (closed loop, the worst case); ``--think S`` adds a reading pause of 0.5–1.5 × S seconds,
closer to real visitors.
Usage: python bench/load_ws.py [--visitors 100] [--questions 5] [--think 0]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import websockets

ROOT = Path(__file__).resolve().parents[1]
FINAL = {"answer", "clarify", "handoff", "decline", "error"}


def start(state: str) -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "ASSISTANT_MINT_PER_IP_PER_MINUTE": "100000", "ASSISTANT_RATE_LIMIT_PER_MINUTE": "1000",
           "ASSISTANT_RATE_LIMIT_BURST": "1000", "ASSISTANT_DAILY_TURN_CAP": "1000000", "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "assistant_core.cli.main", "serve", "--port", "0", "--docs",
                             str(ROOT / "examples" / "help-center"), "--state-dir", state], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    for line in proc.stdout:
        m = re.search(r"open (http://127\.0\.0\.1:\d+)/", line)
        if m:
            # keep reading so a chatty server never blocks on a full pipe
            threading.Thread(target=proc.stdout.read, daemon=True).start()
            return proc, m.group(1)
    raise SystemExit("server did not start")


def token(base: str) -> str:
    req = urllib.request.Request(base + "/token", data=b"{}", method="POST",
                                 headers={"content-type": "application/json", "origin": base})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())["token"]


async def visitor(base: str, n: int, questions: list[str], stats: dict[str, list], think: float) -> None:
    tok = await asyncio.to_thread(token, base)
    url = base.replace("http://", "ws://") + f"/local?token={tok}"
    async with websockets.connect(url, origin=base, open_timeout=60) as ws:
        for q_i, q in enumerate(questions):
            if think and q_i:
                await asyncio.sleep(random.uniform(0.5 * think, 1.5 * think))
            cid = f"v{n}-q{q_i}"
            sent = time.perf_counter()
            await ws.send(json.dumps({"action": "send", "id": cid, "text": q}))
            acks, finals, first_delta = 0, 0, None
            try:
                while True:
                    f = json.loads(await asyncio.wait_for(ws.recv(), 60))
                    now = time.perf_counter()
                    if f["type"] == "ack" and f["id"] == cid:
                        acks += 1
                        stats["ack"].append(now - sent)
                    elif f["type"] == "delta" and first_delta is None:
                        first_delta = now - sent
                        stats["delta"].append(first_delta)
                    elif f["type"] in FINAL:
                        finals += 1
                        stats["kinds"].append(f.get("code") or f["type"])
                        break
            except TimeoutError:
                pass
            if finals == 0:
                stats["lost"].append(cid)
            if acks > 1 or finals > 1:
                stats["dup"].append(cid)
        # anything arriving after the last final would be a duplicate
        try:
            extra = await asyncio.wait_for(ws.recv(), 0.5)
            stats["dup"].append(f"v{n}: {extra[:60]}")
        except TimeoutError:
            pass


def pct(xs: list[float], p: float) -> float:
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(p / 100 * (len(xs) - 1)))] * 1000


def _family(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children")
    return [pid, *(int(c) for c in (children.read_text().split() if children.exists() else []))]


def cpu_seconds(pid: int) -> float:
    """User + system CPU of the server and its children: a figure that holds even on a busy machine."""
    total = 0
    for p in _family(pid):
        fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (clock ticks)
    return total / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float:
    """Peak RSS of the server and its child processes (moto runs in one)."""
    total = 0.0
    for p in _family(pid):
        for line in Path(f"/proc/{p}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                total += int(line.split()[1]) / 1024
    return total


async def main_async(base: str, visitors: int, per: int, think: float) -> dict[str, list]:
    pool = [json.loads(line)["question"] for line in (ROOT / "examples" / "questions.jsonl").read_text().splitlines()
            if line.strip()]
    stats: dict[str, list] = {"ack": [], "delta": [], "lost": [], "dup": [], "kinds": []}
    await asyncio.gather(*(visitor(base, n, [pool[(n * per + i) % len(pool)] for i in range(per)], stats, think)
                           for n in range(visitors)))
    return stats


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--visitors", type=int, default=100)
    ap.add_argument("--questions", type=int, default=5)
    ap.add_argument("--think", type=float, default=0.0, help="mean reading pause between questions, seconds")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as state:
        proc, base = start(state)
        try:
            t0, cpu0 = time.perf_counter(), cpu_seconds(proc.pid)
            stats = asyncio.run(main_async(base, args.visitors, args.questions, args.think))
            wall = time.perf_counter() - t0
            cpu, rss = cpu_seconds(proc.pid) - cpu0, peak_rss_mb(proc.pid)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    total = args.visitors * args.questions
    kinds = {k: stats["kinds"].count(k) for k in sorted(set(stats["kinds"]))}
    print(f"visitors={args.visitors} questions each={args.questions} think={args.think}s messages={total} "
          f"wall={wall:.1f}s")
    print(f"lost={len(stats['lost'])} duplicated={len(stats['dup'])} outcomes={kinds}")
    print(f"send->ack        p50={pct(stats['ack'], 50):.0f} ms  p95={pct(stats['ack'], 95):.0f} ms")
    print(f"send->1st delta  p50={pct(stats['delta'], 50):.0f} ms  p95={pct(stats['delta'], 95):.0f} ms "
          f"(n={len(stats['delta'])} answers)")
    print(f"server peak RSS  {rss:.0f} MB;  server CPU {cpu:.1f} s = {cpu / total * 1000:.0f} ms per message "
          f"(gateway, handlers and moto together)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
