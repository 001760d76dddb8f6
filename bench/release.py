"""Release benchmark: a release of the 365-day store of bench/warehouse.py, its build time,
its size beside the per-day tables it came from, and what a reader fetches over HTTP.

Generates the year (bench/warehouse.py's ``generate``), builds the release (target: under a
minute), then serves it from a static file server on loopback and asks DuckDB, through the
registered HTTP filesystem, for one model's price history and for one date's endpoints,
counting the bytes of the table's file served for each (target: under a tenth of the file).

    .venv/bin/python bench/release.py [--days 365]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(ROOT / "bench"))
from warehouse import generate  # noqa: E402

from pipeline.release.build import build_release  # noqa: E402
from pipeline.storage.http_fs import attach_http  # noqa: E402
from tests.support.static_server import static_server  # noqa: E402

OUT = Path(__file__).parent / "out" / "release365"


def _size(folder: Path, pattern: str) -> int:
    return sum(p.stat().st_size for p in folder.glob(pattern) if p.is_file())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=int, default=365)
    args = ap.parse_args()
    t0 = time.perf_counter()
    layout, _, prev = generate(args.days)
    print(f"generated {args.days} daily snapshots in {time.perf_counter() - t0:.1f} s")
    shutil.rmtree(OUT, ignore_errors=True)
    t0 = time.perf_counter()
    built = build_release(layout, str(OUT), log=lambda _: None)
    took = time.perf_counter() - t0
    print(f"release {built.version} built in {took:.1f} s ({took / 60:.2f} × the 60 s target)")
    where = Path(built.where)
    per_day = _size(layout.tables_dir, "*/snapshot_date=*/*.parquet")
    release = _size(where, "**/*")
    print(
        f"size: release {release / 1e6:.1f} MB ({_size(where, 'tables/*.parquet') / 1e6:.1f} MB "
        f"of Parquet) against the per-day tables {per_day / 1e6:.1f} MB: "
        f"{release / per_day:.2f} ×"
    )
    date = prev[0]
    history = where / "tables" / "endpoint_price_history.parquet"
    with duckdb.connect() as con:
        (model,) = con.sql(
            f"SELECT model_id FROM read_parquet('{history}') GROUP BY 1 "
            "ORDER BY count(*) DESC, 1 LIMIT 1"
        ).fetchall()[0]
    asks = {
        "endpoint_price_history": (
            f"one model's price history ({model})",
            f"SELECT * FROM endpoint_price_history WHERE model_id = '{model}'",
        ),
        "endpoints": (
            f"one date's endpoints ({date})",
            f"SELECT * FROM endpoints_history WHERE snapshot_date = DATE '{date}'",
        ),
    }
    with static_server(OUT) as (url, served):
        con = duckdb.connect()
        attach_http(con)
        # the footer read once per file, not once at bind and again at execution
        con.execute("SET parquet_metadata_cache = true")
        con.execute(f"SET VARIABLE release = '{url}/{built.version}'")
        con.execute((where / "load.sql").read_text())
        for table, (label, sql) in asks.items():
            path = f"/{built.version}/tables/{table}.parquet"
            size = (where / "tables" / f"{table}.parquet").stat().st_size
            before = served.bytes.get(path, 0)
            t0 = time.perf_counter()
            rows = len(con.sql(sql).fetchall())
            took = time.perf_counter() - t0
            read = served.bytes.get(path, 0) - before
            print(
                f"{label}: {rows:,} rows in {took:.2f} s; {read / 1e3:,.0f} kB of the "
                f"{size / 1e6:.1f} MB file served ({read / size:.3f} of it; target < 0.1)"
            )


if __name__ == "__main__":
    main()
