"""Fetch-layer benchmark: how close does the client get to the ideal time?

Starts the replay server with --latency-ms 50 and --scale K (K=3: 3,580 requests), fetches a
whole snapshot (v1 then frontend, as the pipeline's assets do) with concurrency 8 into a folder
under bench/out/ (the same disk as data/), and prints requests, wall seconds, the bound
requests × latency / concurrency, and their ratio; then the same with --fault-rate 0.2.
Target: ratio ≤ 1.15 without faults. The "floor" line is the same number of bare GETs of a
tiny body through the same client and server, no landing: what the transport and the Python
replay server cost by themselves.

    .venv/bin/python bench/fetch.py [--scale 3] [--latency-ms 50] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from pipeline.client import ApiClient
from pipeline.fetch import fetch_frontend, fetch_v1
from pipeline.raw_store import RawSnapshot
from pipeline.replay.launcher import replay_server

OUT = Path(__file__).parent / "out"


async def floor(url: str, n: int, concurrency: int) -> float:
    async with ApiClient(url, concurrency=concurrency) as client:
        t0 = time.perf_counter()
        await asyncio.gather(*(client.get("floor", "k", "/api/v1/providers") for _ in range(n)))
        return time.perf_counter() - t0


async def fetch_all(url: str, folder: str, concurrency: int) -> tuple[int, int, float, int]:
    snap = RawSnapshot(folder)
    t0 = time.perf_counter()
    async with ApiClient(url, concurrency=concurrency, wait_initial_s=0.2) as client:
        await fetch_v1(client, snap, lambda _: None)
        await fetch_frontend(client, snap, lambda _: None)
    wall = time.perf_counter() - t0
    rows = snap.log_rows()
    attempts = sum(r["attempts"] for r in rows)
    failed = sum(1 for r in rows if r["error"])
    return len(rows), attempts, wall, failed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=int, default=3)
    ap.add_argument("--latency-ms", type=float, default=50)
    ap.add_argument("--concurrency", type=int, default=8)
    args = ap.parse_args()
    print(
        f"replay --latency-ms {args.latency_ms:g} --scale {args.scale}, "
        f"client concurrency {args.concurrency}"
    )
    print(
        f"{'fault rate':>10} {'requests':>9} {'attempts':>9} {'failed':>7} {'wall s':>8} "
        f"{'bound s':>8} {'ratio':>6}"
    )
    for fault_rate in (0.0, 0.2):
        extra = [
            "--latency-ms",
            str(args.latency_ms),
            "--scale",
            str(args.scale),
            "--fault-rate",
            str(fault_rate),
            "--seed",
            "1",
        ]
        OUT.mkdir(parents=True, exist_ok=True)
        with replay_server(None, *extra) as url, tempfile.TemporaryDirectory(dir=OUT) as tmp:
            requests, attempts, wall, failed = asyncio.run(fetch_all(url, tmp, args.concurrency))
            if fault_rate == 0:
                floor_wall = asyncio.run(floor(url, requests, args.concurrency))
        bound = requests * args.latency_ms / 1000 / args.concurrency
        print(
            f"{fault_rate:>10.1f} {requests:>9} {attempts:>9} {failed:>7} {wall:>8.2f} "
            f"{bound:>8.2f} {wall / bound:>6.3f}"
        )
        if fault_rate == 0:
            print(
                f"{'floor':>10} {requests:>9} {requests:>9} {0:>7} {floor_wall:>8.2f} "
                f"{bound:>8.2f} {floor_wall / bound:>6.3f}"
            )


if __name__ == "__main__":
    main()
