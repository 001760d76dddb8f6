"""Warehouse benchmark: history views over 365 daily snapshots.

Builds the sample's tables once, writes them as 365 consecutive daily partitions under
bench/out/history365 (about 1 % of endpoint prompt prices moved each day) with the diff
tables the tables asset writes beside each date (pipeline/transforms/diffs.py: price and
catalog changes, the history events), builds the warehouse, and times queries on the change
feed and the history. Targets: a price_changes query ≤ 1 s; endpoints_as_of and one model's
price history ≤ 0.2 s; extending the intervals by one day ≤ 2 s (the new date's diffs against
the day before, written, then the history queried again).

    .venv/bin/python bench/warehouse.py [--days 365]
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import time
from pathlib import Path

import duckdb
import polars as pl

from pipeline.raw.reader import read_snapshot
from pipeline.raw.store import RawSnapshot
from pipeline.storage.layout import Layout
from pipeline.transforms.common import PER_MTOK, PER_TOKEN
from pipeline.transforms.diffs import DIFFS
from pipeline.transforms.endpoints import endpoints_table
from pipeline.transforms.frames import SourceFrames
from pipeline.transforms.models import models_table
from pipeline.transforms.schemas import TABLES, empty
from pipeline.warehouse.build import build_warehouse

OUT = Path(__file__).parent / "out" / "history365"
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"

QUERIES = {
    "count(*) FROM price_changes": "SELECT count(*) FROM price_changes",
    "one model's price history": "SELECT * FROM price_changes "
    "WHERE model_id = 'openai/gpt-oss-120b' ORDER BY to_date, provider_name",
    "biggest moves of the last 30 days": "SELECT model_id, provider_name, component, "
    "pct_change, to_date FROM price_changes WHERE to_date > (SELECT max(snapshot_date) "
    "FROM endpoints_history) - INTERVAL 30 DAY ORDER BY abs(pct_change) DESC NULLS LAST "
    "LIMIT 20",
    "catalog_changes, whole year": "SELECT change, count(*) FROM catalog_changes GROUP BY 1",
    "endpoints_as_of(a day in the middle)": "SELECT * FROM endpoints_as_of('2026-01-15')",
    "one model's endpoint price history": "SELECT * FROM endpoint_price_history "
    "WHERE model_id = 'openai/gpt-oss-120b' ORDER BY provider_name, valid_from",
    "one model's v1 price history": "SELECT * FROM model_price_history "
    "WHERE model_id = 'openai/gpt-oss-120b' ORDER BY valid_from",
}
HISTORY_TARGET_S = 0.2
EXTEND_TARGET_S = 2.0


def _moved(base: dict[str, pl.DataFrame], i: int) -> pl.DataFrame:
    """Day i's endpoints: about 1 % of prompt prices up 10 % (moves accumulate)."""
    moved = (pl.col("endpoint_id").hash(seed=i) % 100) == 0
    return (
        base["endpoints"]
        .with_columns(
            pl.when(moved)
            .then((pl.col("prompt_usd_per_token") * 11 / 10).cast(PER_TOKEN))
            .otherwise(pl.col("prompt_usd_per_token"))
            .alias("prompt_usd_per_token"),
        )
        .with_columns(
            (pl.col("prompt_usd_per_token") * 1_000_000).cast(PER_MTOK).alias("prompt_usd_per_mtok")
        )
    )


def write_day(layout: Layout, date: dt.date, frames: dict, prev: tuple | None) -> None:
    """One date's tables and, as the tables asset does, its diffs against the day before."""
    for diff in DIFFS:
        if diff.base not in frames:  # as the tables asset: no diff without its base table
            continue
        old = prev[1] if prev else None
        layout.write_partition(
            diff.table, date, diff.compute(old, frames, prev[0] if prev else None)
        )
    for table in TABLES:
        if table in frames:
            layout.write_partition(table, date, frames[table])
        elif table not in {d.table for d in DIFFS}:
            layout.write_partition(table, date, empty(table))


def generate(days: int) -> tuple[Layout, dict, tuple]:
    if OUT.exists():
        shutil.rmtree(OUT)
    layout = Layout(str(OUT))
    docs = read_snapshot(RawSnapshot(SAMPLE))
    src = SourceFrames(docs)
    base = {
        "models": models_table(src.get("v1_models"), src.get("frontend_catalog")),
        "endpoints": endpoints_table(src.get("v1_endpoints"), src.get("frontend_stats_endpoint")),
    }
    start = dt.date(2025, 7, 20)
    prev: tuple[dt.date, dict] | None = None
    for i in range(days):
        date = start + dt.timedelta(days=i)
        base["endpoints"] = _moved(base, i)
        frames = dict(base)
        write_day(layout, date, frames, prev)
        prev = (date, frames)
    return layout, base, prev


def _best(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[float, int]:
    best, n = float("inf"), 0
    for _ in range(3):
        t0 = time.perf_counter()
        n = len(con.sql(sql).fetchall())
        best = min(best, time.perf_counter() - t0)
    return best, n


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=int, default=365)
    args = ap.parse_args()
    t0 = time.perf_counter()
    layout, base, prev = generate(args.days)
    print(f"generated {args.days} daily snapshots in {time.perf_counter() - t0:.1f} s")
    t0 = time.perf_counter()
    build_warehouse(layout)
    print(
        f"warehouse built (views + row counts of the key views) in {time.perf_counter() - t0:.2f} s"
    )
    with duckdb.connect(str(layout.warehouse_path), read_only=True) as con:
        rows = con.sql("SELECT count(*) FROM endpoints_history").fetchall()[0][0]
        events = con.sql("SELECT count(*) FROM endpoint_price_events_history").fetchall()[0][0]
        print(f"endpoints_history: {rows:,} rows; endpoint_price_events: {events:,} rows")
        for label, sql in QUERIES.items():
            best, n = _best(con, sql)
            target = ""
            if "history" in label or "as_of" in label:
                target = f"  {best / HISTORY_TARGET_S:.2f} × the {HISTORY_TARGET_S} s target"
            print(f"{label:<40} {best:6.3f} s  ({n} rows){target}")

    # one more day: its diffs written, then the intervals asked again (they are a view)
    date = prev[0] + dt.timedelta(days=1)
    t0 = time.perf_counter()
    base["endpoints"] = _moved(base, args.days)
    write_day(layout, date, dict(base), prev)
    written = time.perf_counter() - t0
    with duckdb.connect(str(layout.warehouse_path), read_only=True) as con:
        t1 = time.perf_counter()
        n = con.sql(
            f"SELECT count(*) FROM endpoint_price_history WHERE valid_from = '{date}'"
        ).fetchall()[0][0]
        current = con.sql(f"SELECT count(*) FROM endpoints_as_of('{date}')").fetchall()[0][0]
        asked = time.perf_counter() - t1
    total = written + asked
    print(
        f"extend the intervals by one day ({date}): {total:.2f} s = tables and diffs written "
        f"{written:.2f} s + history asked {asked:.2f} s; {n} intervals opened, {current:,} "
        f"endpoints current; {total / EXTEND_TARGET_S:.2f} × the {EXTEND_TARGET_S} s target"
    )


if __name__ == "__main__":
    main()
