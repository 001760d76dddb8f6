"""``make demo-s3``: the demo's real days into a bucket, by hand, for a newcomer.

A real S3-compatible server on loopback (SeaweedFS, ``pipeline/replay/s3_local.py``) stands in for
AWS S3, MinIO or R2. Each bundled day is replayed and run twice: into the bucket on Dagster's
multiprocess executor (each step its own process, the API steps taking turns in the
``openrouter_api`` pool), and into a local folder in-process. Then a second data dir, which
holds nothing, builds its warehouse from the bucket alone (``openrouter-catalog warehouse
--root s3://…``), and every view is compared, row for row, with the local run's. The bucket
listing is printed on the way. The server and its bucket are gone when the demo ends.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import duckdb

from pipeline.cli.demo import run_command, sample_days
from pipeline.replay.launcher import replay_server
from pipeline.storage.layout import Layout
from pipeline.storage.object_store import Bucket, S3Options
from pipeline.warehouse.build import open_warehouse

ROOT_URL = "s3://catalog/openrouter"
# the fetch log keeps each request's timing: two runs never agree on those columns
STABLE_LOG = "url, status, bytes, sha256, source, key"
COLUMNS = {"fetch_log": STABLE_LOG, "fetch_log_history": STABLE_LOG + ", snapshot_date"}
CHEAPEST = (
    "SELECT model_id, provider_name, round(blended_usd_per_mtok, 4) AS blended_usd_per_mtok, "
    "endpoint_count, runner_up_provider FROM cheapest_endpoint_per_model "
    "WHERE endpoint_count >= 3 ORDER BY endpoint_count DESC, model_id LIMIT {n}"
)


def _size(n: int) -> str:
    if n >= 100_000:
        return f"{n / 1e6:.1f} MB"
    return f"{n / 1e3:.0f} kB" if n >= 1000 else f"{n} B"


def listing(bucket: Bucket) -> list[str]:
    """The bucket under the root, a line per folder that holds objects: raw by date, tables
    by table (their partitions), reports; then one table's partitions and one date's raw in
    full, to show the keys."""
    sizes = bucket.sizes("")
    groups: dict[str, list[str]] = defaultdict(list)
    for key in sizes:
        parts = key.split("/")
        group = "/".join(parts[:2]) + "/" if parts[0] in ("raw", "tables") else parts[0] + "/"
        groups[group].append(key)
    lines = [f"{bucket.root}/  ({len(sizes):,} objects, {_size(sum(sizes.values()))})"]
    for group in sorted(groups):
        keys = groups[group]
        what = f"{len(keys)} partitions" if group.startswith("tables/") else f"{len(keys)} objects"
        lines.append(f"  {group:<48} {what:>14}  {_size(sum(sizes[k] for k in keys)):>9}")
    newest_raw = max(g for g in groups if g.startswith("raw/"))
    for shown in ("tables/endpoints/", newest_raw):
        lines.append(f"\n{bucket.root}/{shown}")
        lines += [f"  {k[len(shown) :]:<60} {_size(sizes[k]):>9}" for k in sorted(groups[shown])]
    return lines


def _views(con: duckdb.DuckDBPyConnection) -> list[str]:
    sql = "SELECT view_name FROM duckdb_views() WHERE NOT internal ORDER BY 1"
    return [r[0] for r in con.execute(sql).fetchall()]


def _rows(con: duckdb.DuckDBPyConnection, view: str) -> list[tuple]:
    cols = COLUMNS.get(view, "*")
    return sorted(con.execute(f'SELECT {cols} FROM "{view}"').fetchall(), key=repr)


def compare(local: Layout, remote: Layout) -> tuple[int, int, list[str]]:
    """(views, rows compared, views that differ) between the two warehouses."""
    rows, differ = 0, []
    with (
        duckdb.connect(str(local.warehouse_path), read_only=True) as a,
        open_warehouse(remote) as b,
    ):
        views = _views(a)
        if views != _views(b):
            return len(views), 0, sorted(set(views) ^ set(_views(b)))
        for view in views:
            mine = _rows(a, view)
            if mine != _rows(b, view):
                differ.append(view)
            rows += len(mine)
    return len(views), rows, differ


def _call(args: list[str], env: dict[str, str]) -> int:
    return subprocess.call(args, env=env)


def release_into_bucket(remote: Layout, reader: Path, env: dict[str, str]) -> int:
    """A release of the bucket's published days into its releases/, then verified there."""
    print(f"\ndemo-s3: a release of the published days into {ROOT_URL}/releases/", flush=True)
    code = _call([sys.executable, "-m", "pipeline", "release", "--root", ROOT_URL,
                  "--data-dir", str(reader)], env)  # fmt: skip
    if code != 0:
        return code
    latest = json.loads(remote.bucket.get("releases/latest.json"))
    return _call(
        [
            sys.executable,
            "-m",
            "pipeline",
            "verify",
            remote.bucket.url(f"releases/{latest['version']}"),
        ],
        env,
    )


def run_demo_s3(data_dir: str, rows: int) -> int:
    from pipeline.replay.s3_local import local_s3

    base = Path(data_dir).resolve()
    writer, reader, local, home = (base / n for n in ("writer", "reader", "local", "dagster"))
    for folder in (writer, reader, local, home):
        shutil.rmtree(folder, ignore_errors=True)
    home.mkdir(parents=True)
    from assets.runner import INSTANCE_YAML

    (home / "dagster.yaml").write_text(INSTANCE_YAML)
    days = sample_days()
    print("demo-s3: starting an S3-compatible server on loopback (SeaweedFS) …", flush=True)
    with local_s3() as s3:
        os.environ.update(s3.environment())  # for this process's readers (obstore reads them)
        env = {**os.environ, "DAGSTER_HOME": str(home)}
        print(f"demo-s3: S3 API at {s3.endpoint_url}, storage root {ROOT_URL}", flush=True)
        for i, (date, folder) in enumerate(days, start=1):
            with replay_server(str(folder)) as url:
                print(f"\ndemo-s3: day {i} of {len(days)}, {date}: into the bucket on the "
                      "multiprocess executor", flush=True)  # fmt: skip
                t0 = time.perf_counter()
                code = _call([*run_command(url, writer, date, "--refetch"), "--root", ROOT_URL,
                              "--executor", "multiprocess"], env)  # fmt: skip
                if code != 0:
                    print(f"demo-s3: the run of {date} into the bucket failed", file=sys.stderr)
                    return code
                took = time.perf_counter() - t0
                print(f"demo-s3: {date} in the bucket ({took:.0f} s); the same day into a "
                      "local folder, in-process, to compare", flush=True)  # fmt: skip
                code = _call([*run_command(url, local, date, "--refetch"), "--dagster-home",
                              "memory"], env)  # fmt: skip
                if code != 0:
                    print(f"demo-s3: the local run of {date} failed", file=sys.stderr)
                    return code
        remote = Layout(ROOT_URL, str(reader), S3Options(endpoint_url=s3.endpoint_url))
        print("\ndemo-s3: the bucket now holds")
        print("\n".join(listing(remote.bucket)))
        print(f"\ndemo-s3: a second data dir, {reader}, empty, builds its warehouse from the "
              "bucket alone:", flush=True)  # fmt: skip
        code = _call([sys.executable, "-m", "pipeline", "warehouse", "--root", ROOT_URL,
                      "--data-dir", str(reader)], env)  # fmt: skip
        if code != 0:
            return code
        views, compared, differ = compare(Layout(str(local)), remote)
        if differ:
            print(f"demo-s3: views that differ from the local run: {differ}", file=sys.stderr)
            return 1
        print(f"demo-s3: {views} views, {compared:,} rows: the same answers as the local run, "
              "row for row")  # fmt: skip
        with open_warehouse(remote) as con:
            print(f"\n== cheapest_endpoint_per_model over {ROOT_URL} (first {rows} rows) ==")
            con.sql(CHEAPEST.format(n=rows)).show(max_width=200)
        print(f"demo-s3: the day's report is in the bucket too: {ROOT_URL}/reports/")
        code = release_into_bucket(remote, reader, env)
        if code != 0:
            return code
    print(
        "demo-s3: server stopped, bucket gone. Against your own bucket: "
        "openrouter-catalog run --root s3://BUCKET/PREFIX (keys and endpoint from the AWS_* "
        "variables); docs/DEPLOYMENT.md"
    )
    return 0
