"""Reprocessing benchmark: a year of raw snapshots rebuilt in one command.

1. Generates ``--days`` daily raw snapshots (default 365) from the bundled real days, as the
   pipeline lands them (body packs, fetch logs, manifests): the three bundled days in turn, so
   models come and go as they did between them, and each day a few endpoints' prices moved
   a little (±5 %, in v1 and in the frontend alike). Generated once under bench/out/.
2. Measured side by side, each in a process of its own, on copies of that raw:
   - L: the library's own per-date work, back to back, no Dagster (``build_and_publish`` per
     date, oldest first), then the warehouse once;
   - R: ``openrouter-catalog rebuild --from D1 --to D2``, the command users run, recorded in
     the data dir's Dagster home on disk;
   - R1: a 1-date rebuild of the same store (``--force``), for the memory ratio;
   - O: the first ``--old-way`` dates run the old way, one ``run`` each (raw reused).
   Peak RSS is of the whole process tree (the rebuild's worker processes included), polled.
3. Checks that every table of every date of R equals L's (same Parquet bytes, else same
   rows), that the history views answer the same, and that O's dates equal L's.

With ``--s3`` the same over a bucket root on the loopback S3 server (SeaweedFS), on a
smaller store (``--days 20`` is plenty): the raw uploaded under two prefixes, L and R run with
``--root s3://…``, and their tables compared as read back from the bucket.

    .venv/bin/python bench/reprocess.py [--days 365] [--old-way 3]
    .venv/bin/python bench/reprocess.py --s3 --days 20
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

import orjson
import psutil

ROOT = Path(__file__).resolve().parents[1]
OUT = Path(__file__).parent / "out" / "reprocess"
CLI = str(ROOT / ".venv" / "bin" / "openrouter-catalog")
PY = str(ROOT / ".venv" / "bin" / "python")
BUNDLED = ("2026-07-17", "2026-07-18", "2026-07-19")
# the day after the newest bundled day: nothing the bundled answers date (a model's
# created_at) falls after a generated snapshot date, which the audit's ranges would hold
FIRST = dt.date(2026, 7, 20)
MOVED = ("v1_endpoints", "frontend_stats_endpoint")
GROUPS = ("v1", "frontend", "zdr")  # no API key in the bench: the Data API is not asked
HISTORY_VIEWS = (
    "price_changes",
    "catalog_changes",
    "endpoint_price_history",
    "model_price_history",
    "removed_endpoints",
    "removed_models",
    "policy_changes",
)


def base_days() -> list[Path]:
    """The bundled real days as the pipeline lands them (``make demo``'s raw), made once."""
    base = OUT / "base"
    days = [base / "raw" / f"snapshot_date={d}" for d in BUNDLED]
    if not all((d / "complete_v1.json").is_file() for d in days):
        shutil.rmtree(base, ignore_errors=True)
        print("bench: landing the bundled days (openrouter-catalog demo) …", flush=True)
        subprocess.run(
            [CLI, "demo", "--data-dir", str(base)], check=True, stdout=subprocess.DEVNULL
        )
    return days


def _moves(key: str, day: int) -> Decimal | None:
    """The factor an endpoint's prompt price moves by on ``day`` (about 1 in 40, each move
    lasting 3 days), or None."""
    h = int(hashlib.sha256(f"{key}|{day // 3}".encode()).hexdigest()[:8], 16)
    if h % 40:
        return None
    return Decimal("1.05") if h % 2 else Decimal("0.95")


def _price(value: object, factor: Decimal) -> object:
    if not isinstance(value, str) or value in ("", "-1"):
        return value
    try:
        moved = Decimal(value) * factor
    except ArithmeticError:
        return value
    return format(moved.normalize(), "f")


def _move_body(source: str, body: bytes, day: int) -> bytes:
    doc = orjson.loads(body)
    if source == "v1_endpoints":
        data = doc.get("data") or {}
        for e in data.get("endpoints") or []:
            f = _moves(f"{data.get('id')}|{e.get('tag')}", day)
            if f is not None and isinstance(e.get("pricing"), dict):
                e["pricing"]["prompt"] = _price(e["pricing"].get("prompt"), f)
    else:
        for e in doc.get("data") or []:
            f = _moves(f"{e.get('model_variant_slug')}|{e.get('provider_slug')}", day)
            if f is not None and isinstance(e.get("pricing"), dict):
                e["pricing"]["prompt"] = _price(e["pricing"].get("prompt"), f)
    return orjson.dumps(doc)


def make_day(base: Path, target: Path, date: dt.date, day: int) -> None:
    """One generated day: ``base``'s raw, its moved sources rewritten, the rest copied."""
    from pipeline.raw.store import BodyPacks, RawSnapshot

    tmp = target.with_name(target.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    snap = RawSnapshot(base)
    packs = BodyPacks(tmp)
    stamp = date.isoformat()
    for group in GROUPS:
        rows = snap.group_rows(group)
        out = []
        for row in rows:
            row = dict(row)
            if row.get("fetched_at"):
                row["fetched_at"] = stamp + row["fetched_at"][10:]
            if row.get("file") and row["source"] in MOVED and row.get("status") == 200:
                body = _move_body(row["source"], snap.body(row), day)
                row.update(packs.add(row["source"], body))
                row["bytes"], row["sha256"] = len(body), hashlib.sha256(body).hexdigest()
            elif row.get("file"):
                src, dst = base / row["file"], tmp / row["file"]
                if not dst.exists():
                    dst.parent.mkdir(parents=True, exist_ok=True)
                    os.link(src, dst)
            out.append(row)
        (tmp / f"fetch_log_{group}.jsonl").write_bytes(
            b"".join(orjson.dumps(r) + b"\n" for r in out)
        )
        manifest = json.loads((base / f"complete_{group}.json").read_text())
        manifest["completed_at"] = stamp + manifest["completed_at"][10:]
        (tmp / f"complete_{group}.json").write_text(json.dumps(manifest))
    packs.close()
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)


def generate(days: int) -> tuple[Path, list[dt.date]]:
    raw = OUT / f"raw-{days}"
    dates = [FIRST + dt.timedelta(days=i) for i in range(days)]
    bases = base_days()
    todo = [
        (i, d)
        for i, d in enumerate(dates)
        if not (raw / f"snapshot_date={d}/complete_v1.json").exists()
    ]
    if todo:
        started = time.monotonic()
        print(f"bench: generating {len(todo)} raw days under {raw} …", flush=True)
        for n, (i, d) in enumerate(todo, start=1):
            make_day(bases[i % len(bases)], raw / f"snapshot_date={d}", d, i)
            if n % 50 == 0:
                print(f"  {n}/{len(todo)} ({time.monotonic() - started:.0f} s)", flush=True)
    size = sum(p.stat().st_size for p in raw.rglob("*") if p.is_file())
    print(f"bench: {days} raw days, {size / 1e9:.2f} GB (files, hard links counted)")
    return raw, dates


def fresh_store(name: str, raw: Path) -> Path:
    """A data dir holding only the generated raw (hard links: raw is never written)."""
    store = OUT / name
    shutil.rmtree(store, ignore_errors=True)
    for day in sorted(raw.iterdir()):
        for f in day.rglob("*"):
            if f.is_file():
                dst = store / "raw" / day.name / f.relative_to(day)
                dst.parent.mkdir(parents=True, exist_ok=True)
                os.link(f, dst)
    return store


def measured(cmd: list[str], **kwargs: object) -> tuple[float, float, subprocess.CompletedProcess]:
    """Wall seconds and peak RSS (MB, the process and its children together) of ``cmd``."""
    peak = 0.0
    started = time.monotonic()
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kwargs
    )
    top = psutil.Process(proc.pid)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
    reader.start()
    while proc.poll() is None:
        try:
            tree = [top, *top.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()) / 1e6)
        except psutil.Error:
            pass
        time.sleep(0.1)
    reader.join()
    wall = time.monotonic() - started
    return wall, peak, subprocess.CompletedProcess(cmd, proc.returncode, "".join(lines), "")


LIBRARY_LOOP = """
import datetime as dt, os, sys, time
from pipeline.publish.protocol import build_and_publish
from pipeline.settings import Settings
from pipeline.warehouse.build import build_warehouse
s = Settings(data_dir=sys.argv[1], root=os.environ.get("BENCH_ROOT"))
layout, limits = s.layout(), s.thresholds()
class Log:
    def info(self, m): pass
    def warning(self, m): pass
    def error(self, m): print(m)
dates = [dt.date.fromisoformat(d) for d in sys.argv[2:]]
t = time.monotonic()
for d in dates:
    o = build_and_publish(layout, d, limits, Log())
    if o.held:
        print("held", d)
print(f"dates {time.monotonic() - t:.2f}")
build_warehouse(layout)
"""


def table_files(store: Path) -> dict[str, Path]:
    return {str(p.relative_to(store / "tables")): p for p in (store / "tables").rglob("*.parquet")}


def same_tables(a: Path, b: Path, dates: set[str] | None = None) -> tuple[int, list[str]]:
    """How many partition files were compared, and those that differ (bytes, then rows)."""
    import polars as pl

    fa, fb = table_files(a), table_files(b)
    if dates is not None:
        fa = {k: v for k, v in fa.items() if k.split("snapshot_date=")[-1][:10] in dates}
        fb = {k: v for k, v in fb.items() if k.split("snapshot_date=")[-1][:10] in dates}
    differ = sorted(set(fa) ^ set(fb))
    for k in sorted(set(fa) & set(fb)):
        if fa[k].read_bytes() != fb[k].read_bytes() and not pl.read_parquet(fa[k]).equals(
            pl.read_parquet(fb[k])
        ):
            differ.append(k)
    return len(set(fa) & set(fb)), differ


def same_views(a: Path, b: Path) -> list[str]:
    import duckdb

    differ = []
    for view in HISTORY_VIEWS:
        got = []
        for store in (a, b):
            with duckdb.connect(str(store / "warehouse.duckdb"), read_only=True) as con:
                got.append(sorted(map(repr, con.sql(f"SELECT * FROM {view}").fetchall())))
        if got[0] != got[1]:
            differ.append(view)
    return differ


def loop_seconds(out: subprocess.CompletedProcess) -> float:
    """The library loop's own time for its dates (start-up and warehouse apart)."""
    return float(next(x for x in out.stdout.splitlines() if x.startswith("dates ")).split()[1])


def bucket_tables(layout) -> dict[str, object]:  # noqa: ANN001
    """Every published partition of every daily table in a bucket root, by ``table/date``."""
    from pipeline.transforms.schemas import TABLE_DESCRIPTIONS

    return {
        f"{t}/{d}": layout.read_partition(t, d) for t in TABLE_DESCRIPTIONS for d in layout.dates(t)
    }


def over_s3(raw: Path, dates: list[dt.date]) -> int:
    """L and R over a bucket root of the loopback S3 server; 0 when their tables are equal."""
    import asyncio

    import obstore

    from pipeline.replay.s3_local import local_s3
    from pipeline.storage.layout import Layout
    from pipeline.storage.object_store import S3Options

    first, last = dates[0].isoformat(), dates[-1].isoformat()
    with local_s3(timeout_s=90) as s3:
        env = {**os.environ, **s3.environment(), "PYTHONUNBUFFERED": "1"}
        os.environ.update(s3.environment())
        roots = {"L": "s3://catalog/bench/library", "R": "s3://catalog/bench/rebuild"}
        layouts = {}
        for name, root in roots.items():
            side = OUT / f"s3-{name}-side"
            shutil.rmtree(side, ignore_errors=True)
            layout = Layout(root, str(side), S3Options(endpoint_url=s3.endpoint_url))
            files = [p for p in raw.rglob("*") if p.is_file()]

            async def put_all(layout=layout, files=files) -> None:
                gate = asyncio.Semaphore(32)

                async def one(path: Path) -> None:
                    key = layout.bucket.key("raw/" + path.relative_to(raw).as_posix())
                    async with gate:
                        await obstore.put_async(layout.bucket.store, key, path.read_bytes())

                await asyncio.gather(*(one(p) for p in files))

            t0 = time.perf_counter()
            asyncio.run(put_all())
            print(f"s3: {len(files):,} raw files under {root} in {time.perf_counter() - t0:.1f} s")
            layouts[name] = (layout, side)
        lib, lib_side = layouts["L"]
        wall_l, peak_l, out = measured(
            [PY, "-c", LIBRARY_LOOP, str(lib_side), *map(str, dates)],
            env={**env, "BENCH_ROOT": roots["L"]},
        )
        assert out.returncode == 0, out.stdout[-3000:]
        loop_s = loop_seconds(out)
        reb, reb_side = layouts["R"]
        wall_r, peak_r, out = measured(
            [CLI, "rebuild", "--from", first, "--to", last, "--root", roots["R"],
             "--data-dir", str(reb_side)],
            env=env,
        )  # fmt: skip
        assert out.returncode == 0, out.stdout[-3000:]
        a, b = bucket_tables(lib), bucket_tables(reb)
        both = sorted(set(a) & set(b))
        differ = sorted(set(a) ^ set(b)) + [k for k in both if not a[k].equals(b[k])]
        print(
            f"s3 L library loop: {len(dates)} dates in {loop_s:.1f} s, peak {peak_l:.0f} MB\n"
            f"s3 R rebuild: {len(dates)} dates in {wall_r:.1f} s ({wall_r / loop_s:.2f} × L), "
            f"peak {peak_r:.0f} MB (tree)\n"
            f"s3 equal: {len(set(a) & set(b))} partitions compared, {len(differ)} differ "
            f"{differ[:5]}"
        )
        return 0 if not differ else 1


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--old-way", type=int, default=3, help="dates run one `run` each")
    ap.add_argument("--s3", action="store_true", help="over a bucket root on loopback S3")
    args = ap.parse_args()
    raw, dates = generate(args.days)
    if args.s3:
        sys.exit(over_s3(raw, dates))
    first, last = dates[0].isoformat(), dates[-1].isoformat()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}

    lib = fresh_store("library", raw)
    wall_l, peak_l, out = measured([PY, "-c", LIBRARY_LOOP, str(lib), *map(str, dates)], env=env)
    assert out.returncode == 0, out.stdout[-3000:]
    loop_s = loop_seconds(out)
    print(
        f"L  library loop: {len(dates)} dates in {loop_s:.1f} s ({loop_s / len(dates):.2f} s a "
        f"date), {wall_l:.1f} s with start-up and warehouse, peak {peak_l:.0f} MB"
    )

    reb = fresh_store("rebuild", raw)
    wall_r, peak_r, out = measured(
        [CLI, "rebuild", "--from", first, "--to", last, "--data-dir", str(reb)], env=env
    )
    print(out.stdout[-1500:])
    assert out.returncode == 0, out.stdout[-3000:]
    print(
        f"R  rebuild: {len(dates)} dates in {wall_r:.1f} s ({wall_r / len(dates):.2f} s a "
        f"date), peak {peak_r:.0f} MB (tree)"
    )

    wall_1, peak_1, out = measured(
        [CLI, "rebuild", "--from", last, "--to", last, "--force", "--data-dir", str(reb)], env=env
    )
    assert out.returncode == 0, out.stdout[-3000:]
    print(f"R1 1-date rebuild: {wall_1:.1f} s, peak {peak_1:.0f} MB (tree)")

    compared, differ = same_tables(lib, reb)
    views = same_views(lib, reb)
    print(
        f"equal: {compared} partition files compared, {len(differ)} differ {differ[:5]}; "
        f"history views differing: {views}"
    )

    if args.old_way:
        old = fresh_store("old-way", raw)
        sample = dates[: args.old_way]
        walls = []
        for d in sample:
            w, _, out = measured(
                [CLI, "run", "--snapshot-date", d.isoformat(), "--data-dir", str(old)], env=env
            )
            assert out.returncode == 0, out.stdout[-3000:]
            walls.append(w)
        n, differ_o = same_tables(lib, old, {d.isoformat() for d in sample})
        print(
            f"O  old way: {len(sample)} dates, one run each, {sum(walls) / len(walls):.1f} s a "
            f"date; {n} files compared with L, {len(differ_o)} differ {differ_o[:5]}"
        )

    rows = [
        (
            f"rebuild of {len(dates)} dates, wall",
            f"{wall_r:.0f} s ({wall_r / 60:.1f} min)",
            "≤ 6 min",
        ),
        (
            "rebuild / library loop",
            f"{wall_r / loop_s:.2f} × ({wall_r:.0f} / {loop_s:.0f} s)",
            "≤ 1.25 ×",
        ),
        (
            f"peak RSS, {len(dates)} dates / 1 date",
            f"{peak_r / peak_1:.2f} × ({peak_r:.0f} / {peak_1:.0f} MB)",
            "≤ 1.2 ×",
        ),
        ("tables equal to the library loop's", f"{compared - len(differ)} of {compared}", "all"),
    ]
    print("\n| figure | value | target |\n|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    sys.exit(0 if not differ and not views else 1)


if __name__ == "__main__":
    main()
