"""The warehouse over a bucket against the local disk: the 365-day history of
bench/warehouse.py, uploaded to a real S3-compatible server on loopback (SeaweedFS), and the
same queries timed three ways:

- local disk, DuckDB 2.0 (the project's pin);
- the bucket through the filesystem the project registers
  (``pipeline/storage/bucket_fs.py``: obstore's fsspec filesystem with one listing per glob
  and one GET per object), DuckDB 2.0;
- with ``--with-plain``, the bucket through obstore's fsspec filesystem as it comes (a listing
  per folder, two HEADs per file): slow, so best with ``--days 20``;
- the bucket through DuckDB's own ``httpfs`` with an S3 secret. DuckDB 2.0 has no extension
  package on the registry, so this runs in a side environment (bench/out/venv-httpfs, made
  with uv) with DuckDB 1.5.5 and the registry's ``duckdb-extension-httpfs`` 1.5.5, on the
  same rendered view SQL; it also times the local disk under 1.5.5, so the two DuckDB
  versions are compared on equal terms.

    .venv/bin/python bench/object_store.py [--days 365] [--skip-httpfs] [--with-plain]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.warehouse import OUT, generate  # noqa: E402
from pipeline.replay.s3_local import ACCESS_KEY, SECRET_KEY, local_s3  # noqa: E402
from pipeline.storage.layout import Layout  # noqa: E402
from pipeline.storage.object_store import S3Options  # noqa: E402
from pipeline.warehouse.build import build_warehouse, open_warehouse, statements  # noqa: E402

ROOT_URL = "s3://catalog/history365"
SIDE_VENV = Path(__file__).parent / "out" / "venv-httpfs"
SIDE_PACKAGES = ["duckdb==1.5.5", "duckdb-extension-httpfs==1.5.5"]
CHILD = Path(__file__).parent / "_httpfs_child.py"
QUERIES = {
    "count(*) FROM price_changes": "SELECT count(*) FROM price_changes",
    "one model's price_changes": "SELECT * FROM price_changes "
    "WHERE model_id = 'openai/gpt-oss-120b' ORDER BY to_date, provider_name",
    "endpoints_as_of(a day in the middle)": "SELECT * FROM endpoints_as_of('2026-01-15')",
    "one model's endpoint price history": "SELECT * FROM endpoint_price_history "
    "WHERE model_id = 'openai/gpt-oss-120b' ORDER BY provider_name, valid_from",
    "cheapest_endpoint_per_model (latest)": "SELECT * FROM cheapest_endpoint_per_model",
}
OURS = "bucket, registered filesystem (bucket_fs), DuckDB 2.0"
HEADLINE = ("count(*) FROM price_changes", "one model's price_changes",
            "endpoints_as_of(a day in the middle)")  # fmt: skip


async def _upload(layout: Layout, local_root: Path) -> tuple[int, int]:
    """Every file of the local tree as one object, 32 PUTs in flight."""
    import obstore

    files = [p for p in local_root.rglob("*.parquet") if p.is_file()]
    gate = asyncio.Semaphore(32)
    store = layout.bucket.store

    async def one(path: Path) -> int:
        data = path.read_bytes()
        async with gate:
            await obstore.put_async(
                store, layout.bucket.key(path.relative_to(local_root).as_posix()), data
            )
        return len(data)

    sizes = await asyncio.gather(*(one(p) for p in files))
    return len(files), sum(sizes)


def _best(con: duckdb.DuckDBPyConnection, sql: str, repeat: int = 3) -> tuple[float, float, int]:
    """(first, best of ``repeat``, rows): the first run pays the listing and footers cold."""
    times, n = [], 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        n = len(con.sql(sql).fetchall())
        times.append(time.perf_counter() - t0)
    return times[0], min(times), n


def _plain_filesystem(layout: Layout):
    """obstore's fsspec filesystem as it comes (only the ``s3://`` prefix kept on glob
    results, which DuckDB needs)."""
    from obstore.fsspec import FsspecStore

    class Plain(FsspecStore):
        def glob(self, path, **kwargs):
            return ["s3://" + p for p in super().glob(path.removeprefix("s3://"), **kwargs)]

    return Plain("s3", **layout.s3.kwargs())


def _views_over(layout: Layout, fs) -> duckdb.DuckDBPyConnection:
    """Every view of the warehouse, in memory, over the bucket through ``fs`` (creating a
    view binds it: every file's schema is read, for ``union_by_name``)."""
    con = duckdb.connect()
    con.register_filesystem(fs)
    for _, sql in statements(layout):
        con.execute(sql)
    return con


def _side_venv() -> Path:
    python = SIDE_VENV / "bin" / "python"
    if not python.exists():
        uv = Path(sys.executable).parent / "uv"
        subprocess.run([str(uv), "venv", "-q", "-p", "3.11", str(SIDE_VENV)], check=True)
        subprocess.run(
            [str(uv), "pip", "install", "-q", "--python", str(python), *SIDE_PACKAGES], check=True
        )
    return python


def _httpfs(local: Layout, remote: Layout, endpoint: str) -> dict:
    python = _side_venv()
    job = {
        "endpoint": endpoint.removeprefix("http://"),
        "key_id": ACCESS_KEY,
        "queries": QUERIES,
        "local": statements(local),
        "remote": statements(remote),
    }
    spec = OUT.parent / "httpfs_job.json"
    spec.write_text(json.dumps(job))
    env = {**os.environ, "HTTPFS_SECRET": SECRET_KEY}
    done = subprocess.run(
        [str(python), str(CHILD), str(spec)], capture_output=True, text=True, env=env
    )
    if done.returncode != 0:
        raise RuntimeError(f"httpfs side run failed: {done.stderr[-3000:]}")
    return json.loads(done.stdout)


def _row(label: str, cells: list[str]) -> str:
    return f"| {label} | " + " | ".join(cells) + " |"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--skip-httpfs", action="store_true")
    ap.add_argument("--with-plain", action="store_true")
    args = ap.parse_args()

    t0 = time.perf_counter()
    local, _, _ = generate(args.days)
    print(f"generated {args.days} daily snapshots under {OUT} in {time.perf_counter() - t0:.1f} s")
    build_warehouse(local)

    with local_s3(timeout_s=90) as s3:
        os.environ.update(s3.environment())
        remote = Layout(ROOT_URL, str(OUT.parent / "history365-bucket-side"),
                        S3Options(endpoint_url=s3.endpoint_url))  # fmt: skip
        t0 = time.perf_counter()
        count, size = asyncio.run(_upload(remote, local.base))
        print(f"uploaded {count:,} objects ({size / 1e6:.0f} MB) to {ROOT_URL} in "
              f"{time.perf_counter() - t0:.1f} s")  # fmt: skip
        t0 = time.perf_counter()
        build_warehouse(remote)
        print(f"warehouse over the bucket built (views + key-view counts) in "
              f"{time.perf_counter() - t0:.1f} s")  # fmt: skip

        results: dict[str, dict[str, tuple[float, float, int]]] = {}
        with duckdb.connect(str(local.warehouse_path), read_only=True) as con:
            results["local, DuckDB 2.0"] = {k: _best(con, q) for k, q in QUERIES.items()}
        with open_warehouse(remote) as con:
            results[OURS] = {k: _best(con, q) for k, q in QUERIES.items()}
        filesystems = [("bucket_fs", remote.bucket.filesystem())]
        if args.with_plain:
            filesystems.append(("plain obstore fsspec", _plain_filesystem(remote)))
        for name, fs in filesystems:
            t0 = time.perf_counter()
            with _views_over(remote, fs) as con:
                print(f"the views created in memory over {name}: "
                      f"{time.perf_counter() - t0:.1f} s")  # fmt: skip
                if name != "bucket_fs":
                    results[f"bucket, {name}, DuckDB 2.0"] = {
                        k: _best(con, q) for k, q in QUERIES.items()
                    }
        if not args.skip_httpfs:
            side = _httpfs(local, remote, s3.endpoint_url)
            remote_s, local_s = side["remote_views_s"], side["local_views_s"]
            print(f"the views created in memory over httpfs (DuckDB 1.5.5): {remote_s:.1f} s "
                  f"(over the local disk, 1.5.5: {local_s:.1f} s)")  # fmt: skip
            results["local, DuckDB 1.5.5"] = {k: tuple(v) for k, v in side["local"].items()}
            results["bucket, httpfs, DuckDB 1.5.5"] = {
                k: tuple(v) for k, v in side["remote"].items()
            }

    ways = list(results)
    print()
    print(_row("query (best of 3; first run in brackets)", ways))
    print("|---|" + "---|" * len(ways))
    for label in QUERIES:
        cells = []
        for way in ways:
            first, best, n = results[way][label]
            cells.append(f"{best:.3f} s ({first:.3f}), {n:,} rows")
        print(_row(label, cells))
    print()
    base = results["local, DuckDB 2.0"]
    for way in ways[1:]:
        ratios = ", ".join(
            f"{label}: {results[way][label][1] / base[label][1]:.1f} ×" for label in HEADLINE
        )
        print(f"{way} against local, DuckDB 2.0 — {ratios}")
    if "bucket, httpfs, DuckDB 1.5.5" in results:
        ours, theirs = results[OURS], results["bucket, httpfs, DuckDB 1.5.5"]
        ratios = ", ".join(
            f"{label}: {ours[label][1] / theirs[label][1]:.1f} ×" for label in HEADLINE
        )
        print(f"{OURS} against httpfs (DuckDB 1.5.5) over the bucket — {ratios}")


if __name__ == "__main__":
    main()
