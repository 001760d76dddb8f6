"""The hourly performance checks of tests/publish/test_samples.py on every day of
../shared/openrouter-samples/perf_hourly that has its daily bundle (2026-07-20 → 08-05; 08-06
has captures only, no endpoint objects to put them in): each day published from its bundle,
its captures served by the replay server one at a time, one sample per capture with the real
client, then every row of endpoint_performance_samples checked field by field against the CSV
(tests/support/perf_checks.py), and each endpoint's median p50 throughput of the day in
endpoint_performance_daily against plain Python. Prints a line per day; exit 1 on a failure.

    .venv/bin/python scripts/check_performance_days.py [--shared DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402
import polars as pl  # noqa: E402

from pipeline.fetch.client import ApiClient  # noqa: E402
from pipeline.publish.samples import TABLE, take_sample  # noqa: E402
from pipeline.replay.server import make_server  # noqa: E402
from pipeline.storage.layout import Layout  # noqa: E402
from pipeline.warehouse.build import build_warehouse  # noqa: E402
from tests.conftest import rebuild_from_raw  # noqa: E402
from tests.support.perf_checks import check_rows, expected, minute  # noqa: E402
from tests.support.recorded_day import build_day  # noqa: E402


def sample_day(layout: Layout, bundle: Path, captures: Path, times: list[str]) -> None:
    day = dt.date.fromisoformat(bundle.name)
    build_day(bundle, layout.raw_dir(day))
    assert rebuild_from_raw(layout, bundle.name, warehouse=False).success
    server = make_server(layout.raw_dir(day), captures=[captures])
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"

    async def go() -> None:
        async with ApiClient(url) as client:
            for t in times:
                q = urllib.parse.urlencode({"at": t})
                urllib.request.urlopen(f"{url}/_replay/clock?{q}").read()
                await take_sample(layout, client, minute(t))

    asyncio.run(go())
    server.shutdown()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "openrouter-samples")
    args = ap.parse_args()
    failures: list[str] = []
    totals = {"captures": 0, "rows": 0, "unservable": 0, "not_listed": 0, "medians": 0}
    with tempfile.TemporaryDirectory() as tmp:
        layout = Layout(tmp)
        wants = {}
        for captures in sorted((args.shared / "perf_hourly").glob("*.csv.gz")):
            date = captures.name.removesuffix(".csv.gz")
            bundle = args.shared / f"daily_{date[:7]}" / date
            if not bundle.is_dir():
                print(f"{date}: captures only, no daily bundle to put them in; skipped")
                continue
            t0 = time.perf_counter()
            want = expected(captures, bundle)
            sample_day(layout, bundle, captures, want.times)
            files = sorted(
                (Path(tmp) / "tables" / TABLE / f"snapshot_date={date}").glob("*.parquet")
            )
            df = pl.concat([pl.read_parquet(f) for f in files])
            got = {
                (r["sampled_at"], r["endpoint_id"], r["model_id"]): r
                for r in df.iter_rows(named=True)
            }
            found = check_rows(want, got)
            failures += [f"{date} {f}" for f in found]
            wants[date] = want
            totals["captures"] += len(want.times)
            totals["rows"] += len(want.rows)
            totals["unservable"] += want.unservable
            totals["not_listed"] += want.not_listed
            print(
                f"{date}: {'ok' if not found else f'{len(found)} FAILURES'} ({len(want.times)} "
                f"captures, {len(want.rows):,} rows checked field by field, {want.unservable} "
                f"rows of endpoints the day recorded nowhere, {want.not_listed} of pairs not "
                f"listed; {time.perf_counter() - t0:.0f} s)",
                flush=True,
            )
        build_warehouse(layout)
        with duckdb.connect(str(layout.warehouse_path), read_only=True) as con:
            daily = {
                (str(d), m, e): v
                for d, m, e, v in con.sql(
                    "SELECT sample_date, model_id, endpoint_id, median_of_p50_throughput_tps "
                    "FROM endpoint_performance_daily"
                ).fetchall()
            }
        for date, want in wants.items():
            values: dict[tuple, list[float]] = {}
            for (_, uuid, model), r in want.rows.items():
                values.setdefault((date, model, uuid), [])
                if r["p50_throughput"]:
                    values[(date, model, uuid)].append(float(r["p50_throughput"]))
            for key, vs in values.items():
                median = statistics.median(vs) if vs else None
                got = daily.get(key, "missing")
                if (
                    got == "missing"
                    or (median is None) != (got is None)
                    or (median is not None and abs(got - median) > 1e-9 * max(1, abs(median)))
                ):
                    failures.append(f"{key} median of p50 throughput: {got} ≠ {median}")
                totals["medians"] += 1
    figures = ", ".join(f"{k} {v:,}" for k, v in totals.items())
    print(f"\n{len(wants)} days: {figures}")
    for f in failures[:20]:
        print("FAIL", f)
    print("all checks hold" if not failures else f"{len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
