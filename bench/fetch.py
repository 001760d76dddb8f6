"""Fetch and whole-run benchmark: the figures issue #15 accepts on, against the replay server
over a real day (by default the bundled sample, 2026-07-19: 1,196 requests).

A. 50 ms latency, no limit: the fetch (v1 then frontend, as the raw assets run, with the
   resource's default client) against the bound ``requests × latency / concurrency``
   (target ≤ 1.10 ×), and its CPU per request, user + system, writer thread included
   (target ≤ 1.0 ms).
B. The whole ``openrouter-catalog run`` at 0 ms latency, in a fresh process as a user starts
   it, with ``--dagster-home memory`` (Dagster's in-memory instance): wall (target ≤ 5 s) and
   peak RSS (target ≤ 326 MB, the figure before #26). Also recorded in a Dagster home of the
   benchmark's (SQLite; a CLI run's default is its data dir's .dagster/), for information.
C. The server allowing 20 and 60 requests/s (429 + ``Retry-After: 1`` above it), 50 ms
   latency, default settings: complete, wall against ``requests / R`` (target ≤ 1.15 ×),
   answers of 429 as a share of requests (target ≤ 5 %).
D. ``openrouter-catalog query "select 1"``: wall (target ≤ 1 s).
F. A good day after the day before (write, audit, publish): the whole run of the sample's
   2026-07-19 with 2026-07-18 already published, 0 ms, ``--dagster-home memory``; with
   ``--baseline DIR`` (a checkout of an earlier commit) the same runs of that code, and the
   difference (target ≤ 0.5 s); and the audit's own cost in-process (reading the previous
   snapshot, judging the date), from the tables built of the sample.
G. A steady day (issues #26, #39): two consecutive real days of 2026-08 (08-04, then 08-05,
   built from tests/fixtures), 50 ms latency, 8 at a time, with a Dagster home on disk (the
   path users run); the second one timed: the whole run against 1.35 × requests × 50 ms / 8,
   the requests of each absent source (≤ 10), and the fetch's CPU per request (≤ 1.0 ms),
   measured in-process on the same day; and where the run's time goes: the command's start
   to the first request, the first request to the last answer (against the bound), the last
   answer to the command's end.
M. Memory flat in the catalog's size: peak RSS of the whole run of the sample at 0 ms, at
   scale 1 and with ``replay --scale 10`` (target: ≤ 2 ×, and scale 1 ≤ 326 MB).
H. The fetch layer is httpx: which HTTP packages pipeline/ imports.
E. Requests by source on a real day of 2026-08 (2026-08-05, the bundle in tests/fixtures, with
   its month rankings), default settings: the sources the strongest public daily scraper also
   collects (lists, stats/endpoint, effective-pricing, model-activity, rankings) against 0.75 ×
   its 2,710 requests for a day; uptime and top apps on their cadence, listed apart.

A, B and D are the median of ``--repeat`` runs (these machines are shared and noisy); each
fetch lands in a fresh folder under bench/out/ (the disk of data/).

    .venv/bin/python bench/fetch.py [--repeat 3] [--snapshot DIR] [--skip-limits] [--only-budget]
                                      [--only-steady] [--only-26] [--only-limits]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = Path(__file__).parent / "out"
sys.path.insert(0, str(ROOT))

from assets.resources import OpenRouterApi  # noqa: E402
from pipeline.cli.demo import run_command  # noqa: E402
from pipeline.fetch.snapshot import fetch_frontend, fetch_v1  # noqa: E402
from pipeline.raw.store import RawSnapshot  # noqa: E402
from pipeline.replay.launcher import replay_server  # noqa: E402

DATE = "2026-07-19"
BUDGET_DAY = ROOT / "tests" / "fixtures" / "daily_2026-08" / "2026-08-05"
SCRAPER_REQUESTS = 2_710  # the public scraper's requests for one day of 2026-08 (issue #13)
SCRAPER_SOURCES = {  # what it also collects
    "v1_models",
    "frontend_catalog",
    "frontend_all_providers",
    "v1_providers",
    "frontend_stats_endpoint",
    "frontend_effective_pricing",
    "frontend_model_activity",
    "frontend_rankings",
}
CADENCED = {"frontend_uptime_recent", "frontend_uptime_hourly", "frontend_top_apps"}


@dataclass
class Fetched:
    requests: int
    attempts: int
    wall: float
    cpu: float
    limited: int
    complete: bool


async def _by_source(url: str, folder: str) -> dict[str, int]:
    snap = RawSnapshot(folder)
    async with OpenRouterApi(base_url=url).client() as client:
        await fetch_v1(client, snap, lambda _: None)
        await fetch_frontend(client, snap, lambda _: None)
    counts: dict[str, int] = {}
    for r in snap.log_rows():
        counts[r["source"]] = counts.get(r["source"], 0) + 1
    return counts


def budget(say) -> None:  # noqa: ANN001
    """E: a real 2026-08 day served as recorded, fetched once with every source due."""
    from tests.support.recorded_day import build_day

    OUT.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory(dir=OUT) as served,
        tempfile.TemporaryDirectory(dir=OUT) as out,
    ):
        build_day(BUDGET_DAY, Path(served))
        with replay_server(served) as url:
            counts = asyncio.run(_by_source(url, out))
    shared = sum(n for s, n in counts.items() if s in SCRAPER_SOURCES)
    extra = sum(n for s, n in counts.items() if s not in SCRAPER_SOURCES | CADENCED)
    cadenced = sum(n for s, n in counts.items() if s in CADENCED)
    ok = shared <= 0.75 * SCRAPER_REQUESTS
    for source, n in sorted(counts.items(), key=lambda kv: -kv[1]):
        tag = "shared" if source in SCRAPER_SOURCES else "cadence" if source in CADENCED else "ours"
        say(f"| E. {BUDGET_DAY.name} requests: {source} ({tag}) | 1 | {n:,} | | |")
    say(
        f"| E. requests of the sources the scraper also collects, against its "
        f"{SCRAPER_REQUESTS:,} | 1 | **{shared:,}** ({shared / SCRAPER_REQUESTS:.2f} ×) | "
        f"+{extra:,} v1 per-model, +{cadenced:,} on a cadence (uptime every 2 days, apps "
        f"weekly) | ≤ 0.75 × {mark(ok)} |"
    )


async def _fetch(url: str, folder: str) -> Fetched:
    snap = RawSnapshot(folder)
    quiet = lambda _: None  # noqa: E731
    t0, c0 = time.perf_counter(), os.times()
    async with OpenRouterApi(base_url=url).client() as client:
        v1 = await fetch_v1(client, snap, quiet)
        frontend = await fetch_frontend(client, snap, quiet)
        limited = client.limited
    wall, c1 = time.perf_counter() - t0, os.times()
    rows = snap.log_rows()
    return Fetched(
        len(rows),
        sum(r["attempts"] for r in rows),
        wall,
        (c1.user - c0.user) + (c1.system - c0.system),
        limited,
        v1.complete and frontend.complete,
    )


def fetch(url: str) -> Fetched:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=OUT) as tmp:
        return asyncio.run(_fetch(url, tmp))


def _rss_parts(pid: int) -> tuple[int, int] | None:
    """(anonymous, file-backed) resident kB of a process, where /proc tells."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            parts = dict(ln.split(":", 1) for ln in fh if ln.startswith(("RssAnon", "RssFile")))
        return int(parts["RssAnon"].split()[0]), int(parts["RssFile"].split()[0])
    except (OSError, KeyError, ValueError):
        return None


def timed_process(
    cmd: list[str], env: dict[str, str], cwd: Path = ROOT
) -> tuple[float, float, int, float]:
    """Wall seconds, peak RSS in MB, exit code, and peak anonymous RSS in MB (sampled every
    5 ms; 0 where /proc is missing) of one child process, alone. Anonymous memory is what the
    process itself allocated; the rest of its RSS is libraries' pages mapped from disk."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    anon = 0
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        parts = _rss_parts(proc.pid)
        anon = max(anon, parts[0] if parts else 0)
        time.sleep(0.005)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return time.perf_counter() - t0, usage.ru_maxrss / 1024, proc.returncode, anon / 1024


def whole_run(url: str, data_dir: str, dagster_home: str | None) -> tuple[float, float, float]:
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    # never the project's own home (what `make ui` shows): a home of the benchmark's, or none
    # ("memory": Dagster's in-memory instance, the fastest)
    home = ["--dagster-home", dagster_home or "memory"]
    cmd = run_command(url, data_dir, DATE, "--refetch", *home)
    wall, peak, code, anon = timed_process(cmd, env)
    if code != 0:
        raise SystemExit(f"openrouter-catalog run failed (exit {code})")
    return wall, peak, anon


PREVIOUS_DAY = ROOT / "data" / "sample" / "earlier" / "2026-07-18"


def steady_day(code: Path, repeat: int) -> list[float]:
    """F: walls of the sample's day run after the day before, by the code in ``code`` (its
    ``python -m pipeline`` resolves from that folder)."""
    from assets.runner import INSTANCE_YAML

    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    walls = []
    # a Dagster home on disk, as make demo, the UI and the schedule record runs
    with tempfile.TemporaryDirectory(dir=OUT) as data, tempfile.TemporaryDirectory(dir=OUT) as home:
        Path(home, "dagster.yaml").write_text(INSTANCE_YAML)
        with replay_server(str(PREVIOUS_DAY)) as url:
            cmd = run_command(url, data, "2026-07-18", "--dagster-home", home)
            if timed_process(cmd, env, code)[2] != 0:
                raise SystemExit(f"the run of 2026-07-18 by {code} failed")
        with replay_server(None) as url:
            for _ in range(repeat):
                cmd = run_command(url, data, DATE, "--refetch", "--dagster-home", home)
                wall, _, rc, _ = timed_process(cmd, env, code)
                if rc != 0:
                    raise SystemExit(f"the run of {DATE} by {code} failed (exit {rc})")
                walls.append(wall)
    return walls


def audit_cost(repeat: int) -> list[float]:
    """F: seconds of the audit itself: the previous published snapshot read (the columns it
    judges) and every verdict, on the sample's tables against the day before's."""
    import datetime as dt

    from pipeline.publish import audit
    from pipeline.publish.protocol import previous_snapshots as _previous
    from pipeline.publish.thresholds import Thresholds
    from pipeline.raw.reader import read_snapshot
    from pipeline.storage.layout import Layout
    from pipeline.transforms.catalog import build_tables

    date = dt.date.fromisoformat(DATE)
    with tempfile.TemporaryDirectory(dir=OUT) as tmp:
        layout = Layout(tmp)
        before = build_tables(read_snapshot(RawSnapshot(PREVIOUS_DAY))).frames
        for table, df in before.items():
            layout.write_partition(table, date - dt.timedelta(days=1), df)
        built = build_tables(read_snapshot(RawSnapshot(ROOT / "data" / "sample")))
        out = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            inp = audit.AuditInput(
                date, built.frames, frozenset(built.present), False, _previous(layout, date)
            )
            verdicts = audit.audit(inp, Thresholds())
            out.append(time.perf_counter() - t0)
            assert all(v.passed for v in verdicts), verdicts
    return out


def median(values: list[float]) -> float:
    return statistics.median(values)


def spread(values: list[float], fmt: str = ".2f") -> str:
    return f"{min(values):{fmt}}-{max(values):{fmt}}" if len(values) > 1 else f"{values[0]:{fmt}}"


def mark(ok: bool) -> str:
    return "✓" if ok else "✗"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--snapshot", help="raw snapshot folder to serve (default: the sample)")
    ap.add_argument("--skip-limits", action="store_true", help="leave out C (80 s)")
    ap.add_argument("--only-budget", action="store_true", help="only E, the requests by source")
    ap.add_argument("--only-steady", action="store_true", help="only F, a good day's cost")
    ap.add_argument(
        "--only-26", action="store_true", help="only G, M and H (the figures of issue #26)"
    )
    ap.add_argument(
        "--only-limits", action="store_true", help="only C, the limits of 20 and 60/s (4 min)"
    )
    ap.add_argument(
        "--baseline", type=Path, help="F: a checkout of an earlier commit to compare with"
    )
    args = ap.parse_args()
    snapshot = args.snapshot
    lines: list[str] = []

    def say(text: str) -> None:
        print(text, flush=True)
        lines.append(text)

    say("| figure | runs | median | range | target |\n|---|---|---|---|---|")
    if args.only_budget:
        budget(say)
        return
    if args.only_steady:
        steady(say, args.repeat, args.baseline)
        return
    if args.only_limits:
        limits(say, snapshot)
        return
    if args.only_26:
        steady_fetch_day(say, args.repeat)
        flat_memory(say)
        http_stack(say)
        return

    # A. the fetch at 50 ms, no limit
    with replay_server(snapshot, "--latency-ms", "50") as url:
        runs = [fetch(url) for _ in range(args.repeat)]
    n = runs[0].requests
    bound = n * 0.050 / OpenRouterApi().concurrency
    ratios = [r.wall / bound for r in runs]
    cpu = [r.cpu / r.requests * 1000 for r in runs]
    ratio = median(ratios)
    say(
        f"| A. fetch, 50 ms, {n:,} requests: wall / bound ({bound:.2f} s) | {len(runs)} | "
        f"**{ratio:.3f}** | {spread(ratios, '.3f')} | ≤ 1.10 {mark(ratio <= 1.10)} |"
    )
    say(
        f"| A. fetch, CPU per request, ms (user + system) | {len(runs)} | **{median(cpu):.2f}** | "
        f"{spread(cpu)} | ≤ 1.0 {mark(median(cpu) <= 1.0)} |"
    )

    # B. the whole run at 0 ms, in a fresh process; D. a query on what it built
    with (
        replay_server(snapshot) as url,
        tempfile.TemporaryDirectory(dir=OUT) as data,
        tempfile.TemporaryDirectory(dir=OUT) as home,
    ):
        plain = [whole_run(url, data, None) for _ in range(args.repeat)]
        recorded = [whole_run(url, data, home) for _ in range(args.repeat)]
        env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
        query = [
            timed_process(
                [sys.executable, "-m", "pipeline", "query", "select 1", "--data-dir", data], env
            )[0]
            for _ in range(args.repeat)
        ]
    for label, results in (("no DAGSTER_HOME", plain), ("DAGSTER_HOME set", recorded)):
        walls, peaks, anons = ([r[i] for r in results] for i in range(3))
        target = label == "no DAGSTER_HOME"
        say(
            f"| B. whole run, 0 ms, {label}: wall s | {len(walls)} | **{median(walls):.2f}** | "
            f"{spread(walls)} | " + (f"≤ 5 {mark(median(walls) <= 5)} |" if target else "|")
        )
        say(
            f"| B. whole run, 0 ms, {label}: peak RSS MB | {len(peaks)} | "
            f"**{median(peaks):.0f}** | "
            f"{spread(peaks, '.0f')} | "
            + (f"≤ 326 {mark(median(peaks) <= 326)} |" if target else "|")
        )
        if min(anons) > 0:
            say(
                f"| B. whole run, 0 ms, {label}: of which anonymous, MB | {len(anons)} | "
                f"{median(anons):.0f} | {spread(anons, '.0f')} | |"
            )
    say(
        f'| D. `query "select 1"`: wall s | {len(query)} | **{median(query):.2f}** | '
        f"{spread(query)} | ≤ 1 {mark(median(query) <= 1)} |"
    )

    # C. a server that limits the rate, default settings
    if not args.skip_limits:
        limits(say, snapshot)
    steady(say, args.repeat, args.baseline)
    steady_fetch_day(say, args.repeat)
    flat_memory(say)
    http_stack(say)
    budget(say)


def limits(say, snapshot: str | None) -> None:  # noqa: ANN001
    """C: a server allowing 20 and then 60 requests/s, default settings."""
    for limit in (20, 60):
        with replay_server(snapshot, "--latency-ms", "50", "--rate-limit", str(limit)) as url:
            r = fetch(url)
        ideal = r.requests / limit
        share = r.limited / r.requests
        ok = r.complete and r.wall / ideal <= 1.15 and share <= 0.05
        say(
            f"| C. limit {limit}/s: wall / ideal ({ideal:.1f} s), 429s / requests, complete "
            f"| 1 | **{r.wall / ideal:.3f}**, {share:.1%}, {r.complete} | "
            f"{r.wall:.1f} s, {r.limited} × 429 | ≤ 1.15, ≤ 5 %, True {mark(ok)} |"
        )


def steady(say, repeat: int, baseline: Path | None) -> None:  # noqa: ANN001
    """F: what write, audit, publish costs a good day."""
    OUT.mkdir(parents=True, exist_ok=True)
    walls = steady_day(ROOT, repeat)
    say(
        f"| F. a good day after the day before, whole run, 0 ms: wall s | {len(walls)} | "
        f"**{median(walls):.2f}** | {spread(walls)} | |"
    )
    if baseline is not None:
        old = steady_day(baseline.resolve(), repeat)
        diff = median(walls) - median(old)
        say(
            f"| F. the same by {baseline.name} (before): wall s | {len(old)} | "
            f"{median(old):.2f} | {spread(old)} | |"
        )
        say(
            f"| F. what a good day costs more | | **{diff:+.2f} s** | | ≤ 0.5 {mark(diff <= 0.5)} |"
        )
    cost = audit_cost(repeat)
    say(
        f"| F. the audit in-process (previous snapshot read, every verdict): s | {len(cost)} | "
        f"**{median(cost):.3f}** | {spread(cost, '.3f')} | |"
    )


STEADY = ("2026-08-04", "2026-08-05")
STEADY_FIXTURES = ROOT / "tests" / "fixtures" / "daily_2026-08"


def steady_fetch_day(say, repeat: int) -> None:  # noqa: ANN001
    """G: the second of two consecutive real days, after the first, as a daily run."""
    from assets.runner import INSTANCE_YAML
    from tests.support.recorded_day import build_day

    OUT.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    with tempfile.TemporaryDirectory(dir=OUT) as tmp:
        # a Dagster home on disk, as make demo, the UI and the schedule record runs
        home = Path(tmp) / "home"
        home.mkdir()
        (home / "dagster.yaml").write_text(INSTANCE_YAML)
        served = {d: Path(tmp) / f"served-{d}" for d in STEADY}
        for d, folder in served.items():
            build_day(STEADY_FIXTURES / d, folder)
        walls, requests, absent, ratios, parts = [], 0, {}, [], []
        for i in range(repeat):
            data = Path(tmp) / f"data-{i}"
            for d in STEADY:
                with replay_server(str(served[d]), "--latency-ms", "50") as url:
                    cmd = run_command(url, data, d, "--dagster-home", str(home))
                    started = time.time()
                    wall, _, rc, _ = timed_process(cmd, env)
                if rc != 0:
                    raise SystemExit(f"the run of {d} failed (exit {rc})")
            rows = RawSnapshot(data / "raw" / f"snapshot_date={STEADY[1]}").log_rows()
            made = [r for r in rows if not r.get("absent")]
            requests = len(made)
            parts.append(_timeline(made, started, wall))
            for r in rows:
                if r.get("absent"):
                    absent[r["source"]] = sum(1 for m in made if m["source"] == r["source"])
            walls.append(wall)
            ratios.append(wall / (requests * 0.050 / 8))
        # the fetch alone, in-process, for its CPU (what the whole run spends besides is
        # Dagster, the transforms and the reports)
        with replay_server(str(served[STEADY[1]]), "--latency-ms", "50") as url:
            cpu = [fetch(url) for _ in range(repeat)]
    bound = requests * 0.050 / 8
    ratio = median(ratios)
    say(
        f"| G. steady day {STEADY[1]} after {STEADY[0]}, 50 ms, {requests:,} requests: whole run "
        f"/ bound ({bound:.2f} s) | {len(walls)} | **{ratio:.2f}** ({median(walls):.1f} s) | "
        f"{spread(ratios)} | ≤ 1.35 {mark(ratio <= 1.35)} |"
    )
    first, span, after = ([p[i] for p in parts] for i in range(3))
    say(
        f"| G. where the run's time goes: command start to first request, s; first request "
        f"to last answer / bound; last answer to the command's end, s | {len(parts)} | "
        f"{median(first):.2f}; {median(span) / bound:.3f}; {median(after):.2f} | "
        f"{spread(first)}; {spread([s / bound for s in span], '.3f')}; {spread(after)} | |"
    )
    for source, n in sorted(absent.items()):
        say(f"| G. absent source {source}: requests | 1 | **{n}** | | ≤ 10 {mark(n <= 10)} |")
    per = [r.cpu / r.requests * 1000 for r in cpu]
    say(
        f"| G. the day's fetch, CPU per request, ms | {len(per)} | **{median(per):.2f}** | "
        f"{spread(per)} | ≤ 1.0 {mark(median(per) <= 1.0)} |"
    )


def _timeline(rows: list[dict], started: float, wall: float) -> tuple[float, float, float]:
    """(command start to the first request, the first request to the last answer, the last
    answer to the command's end), in seconds, from the log's times."""
    import datetime as dt

    sent = [dt.datetime.fromisoformat(r["fetched_at"]).timestamp() for r in rows]
    answered = [s + r["duration_ms"] / 1000 for s, r in zip(sent, rows, strict=True)]
    return min(sent) - started, max(answered) - min(sent), started + wall - max(answered)


def flat_memory(say) -> None:  # noqa: ANN001
    """M: peak RSS of the whole run, the sample as it is and cloned ten times."""
    OUT.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    peaks = {}
    for scale in (1, 10):
        with (
            replay_server(None, "--scale", str(scale)) as url,
            tempfile.TemporaryDirectory(dir=OUT) as data,
        ):
            cmd = run_command(url, data, DATE, "--dagster-home", "memory")
            wall, peak, rc, _ = timed_process(cmd, env)
        if rc != 0:
            raise SystemExit(f"the run at scale {scale} failed (exit {rc})")
        peaks[scale] = peak
        say(f"| M. whole run, 0 ms, scale {scale}: peak RSS MB, wall s | 1 | **{peak:.0f}**, "
            f"{wall:.1f} | | {'≤ 326 ' + mark(peak <= 326) if scale == 1 else ''} |")  # fmt: skip
    ratio = peaks[10] / peaks[1]
    say(f"| M. peak at scale 10 / at scale 1 | | **{ratio:.2f}** | | ≤ 2 {mark(ratio <= 2)} |")


def http_stack(say) -> None:  # noqa: ANN001
    """H: the HTTP packages the library imports (the transport package may import aiohttp)."""
    import re

    found: dict[str, set[str]] = {}
    for path in (ROOT / "pipeline").rglob("*.py"):
        for m in re.finditer(r"^\s*(?:import|from) (httpx|aiohttp|requests|urllib3)\b",
                             path.read_text(), re.M):  # fmt: skip
            found.setdefault(m.group(1), set()).add(str(path.relative_to(ROOT)))
    ok = "httpx" in found and "aiohttp" not in found
    listed = "; ".join(f"{k}: {', '.join(sorted(v))}" for k, v in sorted(found.items()))
    say(f"| H. HTTP packages imported by pipeline/ | | {listed} | | httpx, no aiohttp {mark(ok)} |")


if __name__ == "__main__":
    main()
