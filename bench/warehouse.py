"""Warehouse benchmark: history views over 365 daily snapshots.

Builds the sample's tables once, writes them as 365 consecutive daily partitions under
bench/out/history365 (about 1 % of endpoint prompt prices moved each day), builds the
warehouse, and times queries on the change feed. Target: a price_changes query ≤ 1 s.

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

from pipeline.raw_reader import read_snapshot
from pipeline.raw_store import RawSnapshot
from pipeline.schemas import TABLES, empty
from pipeline.storage import Layout
from pipeline.transforms.catalog_changes import catalog_changes_table
from pipeline.transforms.common import PER_MTOK, PER_TOKEN
from pipeline.transforms.endpoints import endpoints_table
from pipeline.transforms.frames import SourceFrames
from pipeline.transforms.models import models_table
from pipeline.transforms.price_changes import price_changes_table
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
}


def generate(days: int) -> Layout:
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
    prev: tuple[dt.date, pl.DataFrame] | None = None
    for i in range(days):
        date = start + dt.timedelta(days=i)
        moved = (pl.col("endpoint_id").hash(seed=i) % 100) == 0
        eps = (
            base["endpoints"]
            .with_columns(
                pl.when(moved)
                .then((pl.col("prompt_usd_per_token") * 11 / 10).cast(PER_TOKEN))
                .otherwise(pl.col("prompt_usd_per_token"))
                .alias("prompt_usd_per_token"),
            )
            .with_columns(
                (pl.col("prompt_usd_per_token") * 1_000_000)
                .cast(PER_MTOK)
                .alias("prompt_usd_per_mtok")
            )
        )
        base["endpoints"] = eps  # moves accumulate day after day
        layout.write_partition("endpoints", date, eps)
        # what the tables asset writes beside each date: its diff against the day before
        changes = price_changes_table(prev[1] if prev else None, eps, prev[0] if prev else None)
        layout.write_partition("endpoint_price_changes", date, changes)
        events = catalog_changes_table(
            (base["models"], prev[1]) if prev else None,
            base["models"],
            eps,
            prev[0] if prev else None,
        )
        layout.write_partition("catalog_change_events", date, events)
        prev = (date, eps)
        layout.write_partition("models", date, base["models"])
        for table in TABLES:
            if table not in (*base, "endpoint_price_changes", "catalog_change_events"):
                layout.write_partition(table, date, empty(table))
    return layout


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=int, default=365)
    args = ap.parse_args()
    t0 = time.perf_counter()
    layout = generate(args.days)
    print(f"generated {args.days} daily snapshots in {time.perf_counter() - t0:.1f} s")
    t0 = time.perf_counter()
    build_warehouse(layout)
    print(
        f"warehouse built (views + row counts of the key views) in {time.perf_counter() - t0:.2f} s"
    )
    with duckdb.connect(str(layout.warehouse_path), read_only=True) as con:
        rows = con.sql("SELECT count(*) FROM endpoints_history").fetchall()[0][0]
        print(f"endpoints_history: {rows:,} rows")
        for label, sql in QUERIES.items():
            best = float("inf")
            for _ in range(3):
                t0 = time.perf_counter()
                n = len(con.sql(sql).fetchall())
                best = min(best, time.perf_counter() - t0)
            print(f"{label:<40} {best:6.3f} s  ({n} rows)")


if __name__ == "__main__":
    main()
