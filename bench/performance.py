"""The size of a week of hourly performance samples, and how fast a day of its views answers
(issue #27): seven real days (2026-07-20 → 07-26 of ../shared/openrouter-samples), each
published from its bundle, then sampled every hour through the replay server serving that
day's captures (the latest capture at or before each hour: the scraper took 10-13 a day, a
sample takes 24), with the real client. Prints the Parquet size of the week against 50 MB and
each view's time for one day (best of 5) against 0.5 s.

    PYTHONPATH=. .venv/bin/python bench/performance.py [--days 7] [--shared DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import duckdb

from pipeline.fetch.client import ApiClient
from pipeline.publish.samples import TABLE, take_sample
from pipeline.replay.server import make_server
from pipeline.storage.layout import Layout
from pipeline.warehouse.build import build_warehouse
from tests.conftest import rebuild_from_raw
from tests.support.recorded_day import build_day

ROOT = Path(__file__).resolve().parents[1]
VIEWS = {
    "endpoint_performance_hourly (a day)": (
        "SELECT * FROM endpoint_performance_hourly WHERE sample_date = DATE '{d}'"
    ),
    "endpoint_performance_daily (a day)": (
        "SELECT * FROM endpoint_performance_daily WHERE sample_date = DATE '{d}'"
    ),
    "fastest_endpoint_per_model (24h and 7d)": "SELECT * FROM fastest_endpoint_per_model",
    "performance_by_hour_of_day": "SELECT * FROM performance_by_hour_of_day",
}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=int, default=7)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "openrouter-samples")
    ap.add_argument("--keep", type=Path, help="build the week here and keep it (else a temp dir)")
    ap.add_argument("--views-only", action="store_true", help="time the views of --keep again")
    args = ap.parse_args()
    first = dt.date(2026, 7, 20)
    days = [first + dt.timedelta(days=i) for i in range(args.days)]
    with tempfile.TemporaryDirectory() as scratch:
        tmp = str(args.keep or scratch)
        layout = Layout(tmp)
        t0 = time.perf_counter()
        samples = 0 if not args.views_only else 24 * len(days)
        for day in days if not args.views_only else []:
            bundle = args.shared / f"daily_{day:%Y-%m}" / day.isoformat()
            build_day(bundle, layout.raw_dir(day))
            assert rebuild_from_raw(layout, day.isoformat(), warehouse=False).success
            captures = args.shared / "perf_hourly" / f"{day}.csv.gz"
            server = make_server(layout.raw_dir(day), captures=[captures])
            threading.Thread(target=server.serve_forever, daemon=True).start()
            url = f"http://127.0.0.1:{server.server_address[1]}"

            async def hours(day: dt.date = day, url: str = url) -> None:
                async with ApiClient(url) as client:
                    for h in range(24):
                        at = dt.datetime(day.year, day.month, day.day, h, 0, tzinfo=dt.UTC)
                        q = urllib.parse.urlencode({"at": at.isoformat()})
                        urllib.request.urlopen(f"{url}/_replay/clock?{q}").read()
                        await take_sample(layout, client, at)

            asyncio.run(hours())
            server.shutdown()
            samples += 24
            print(f"{day}: published and sampled 24 times ({time.perf_counter() - t0:.0f} s)")
        files = list((Path(tmp) / "tables" / TABLE).rglob("*.parquet"))
        size = sum(f.stat().st_size for f in files)
        build_warehouse(layout)
        with duckdb.connect(str(layout.warehouse_path), read_only=True) as con:
            rows = con.sql(f"SELECT count(*) FROM {TABLE}_history").fetchall()[0][0]
            print(f"\n{len(days)} days, {samples} samples, {rows:,} rows, {len(files)} files")
            print(
                f"size of the week: {size / 1e6:.1f} MB ({size / samples / 1e3:.0f} kB a sample) "
                f"against 50 MB: {'✓' if size < 50e6 else '✗'}"
            )
            mid = days[len(days) // 2]
            # the answer as a polars frame (how a notebook or the report reads it); Python
            # tuples (fetchall) cost ~12 µs a row more, which is the client, not the view
            print(f"views for {mid} (best of 5, the answer as a polars frame; tuples beside):")
            for name, sql in VIEWS.items():
                q = sql.format(d=mid)
                best, tuples = float("inf"), float("inf")
                for _ in range(5):
                    t = time.perf_counter()
                    n = con.sql(q).pl().height
                    best = min(best, time.perf_counter() - t)
                    t = time.perf_counter()
                    con.sql(q).fetchall()
                    tuples = min(tuples, time.perf_counter() - t)
                ok = "✓" if best < 0.5 else "✗"
                print(
                    f"  {name}: {best * 1000:.0f} ms for {n:,} rows (≤ 500 ms {ok}; "
                    f"as tuples {tuples * 1000:.0f} ms)"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
