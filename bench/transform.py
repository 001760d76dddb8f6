"""Transform benchmark: raw snapshot → every table, time and peak memory.

Measures, each in a fresh process (so peak RSS is that step's own):
  1. all tables from the bundled sample (read raw + transform + write Parquet);
  2. the same from a 10× scaled snapshot (generated once under bench/out/ with the replay
     server's cloning code, no HTTP);
  3. the endpoints table alone, polars (gunzip + orjson + transform) against DuckDB
     (read_json over the same gzip files + SQL flatten and v1/frontend join), on the 10× data.
Targets: sample ≤ 1 s, 10× ≤ 5 s and ≤ 1 GB peak RSS, polars/DuckDB ratio ≤ 1.0.

    .venv/bin/python bench/transform.py [--scale 10]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

OUT = Path(__file__).parent / "out"
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"

DUCKDB_ENDPOINTS_SQL = """
WITH v1 AS (
    SELECT d.data.id AS model_id, unnest(d.data.endpoints) AS e
    FROM read_json('{raw}/v1_endpoints/*.gz', maximum_object_size = 67108864, columns = {{
        'data': 'STRUCT(id VARCHAR, endpoints STRUCT(tag VARCHAR, provider_name VARCHAR,
            name VARCHAR, quantization VARCHAR, context_length BIGINT, max_prompt_tokens BIGINT,
            max_completion_tokens BIGINT, status BIGINT, uptime_last_1d DOUBLE,
            pricing STRUCT(prompt VARCHAR, completion VARCHAR),
            supported_parameters VARCHAR[])[])'}}) AS d
), v1_flat AS (
    SELECT model_id, coalesce(e.tag, lower(e.provider_name)) AS provider_tag,
           e.provider_name, e.name, e.quantization, e.context_length, e.max_prompt_tokens,
           e.max_completion_tokens, e.status, e.uptime_last_1d,
           CAST(coalesce(e.pricing.prompt, '0') AS DECIMAL(38, 30)) AS prompt_usd_per_token,
           CAST(coalesce(e.pricing.completion, '0') AS DECIMAL(38, 30)) AS completion_usd_per_token,
           e.supported_parameters
    FROM v1
), fe AS (
    SELECT unnest(d.data) AS e
    FROM read_json('{raw}/frontend_stats_endpoint/*.gz', maximum_object_size = 67108864,
        columns = {{'data': 'STRUCT(id VARCHAR, model_variant_slug VARCHAR,
            provider_slug VARCHAR, provider_name VARCHAR, is_free BOOLEAN, is_hidden BOOLEAN,
            is_disabled BOOLEAN, is_deranked BOOLEAN,
            stats STRUCT(p50_latency DOUBLE, p50_throughput DOUBLE),
            pricing STRUCT(prompt VARCHAR, completion VARCHAR))[]'}}) AS d
), fe_flat AS (
    SELECT e.id AS endpoint_id, e.model_variant_slug AS model_id, e.provider_slug AS provider_tag,
           e.provider_name, e.is_free, e.is_hidden, e.is_disabled, e.is_deranked,
           e.stats.p50_latency AS latency_p50_ms, e.stats.p50_throughput AS throughput_p50_tps,
           CAST(coalesce(e.pricing.prompt, '0') AS DECIMAL(38, 30)) AS prompt_usd_per_token,
           CAST(coalesce(e.pricing.completion, '0') AS DECIMAL(38, 30)) AS completion_usd_per_token
    FROM fe
)
SELECT coalesce(f.endpoint_id, md5(coalesce(v.model_id, f.model_id) || v.provider_tag))
           AS endpoint_id,
       coalesce(v.model_id, f.model_id) AS model_id,
       coalesce(v.provider_tag, f.provider_tag) AS provider_tag,
       coalesce(v.provider_name, f.provider_name) AS provider_name,
       coalesce(v.prompt_usd_per_token, f.prompt_usd_per_token) AS prompt_usd_per_token,
       coalesce(v.prompt_usd_per_token, f.prompt_usd_per_token) * 1000000 AS prompt_usd_per_mtok,
       coalesce(v.completion_usd_per_token, f.completion_usd_per_token) AS completion_usd_per_token,
       v.uptime_last_1d, f.latency_p50_ms, f.throughput_p50_tps, f.is_free, f.is_hidden,
       f.is_disabled, v.supported_parameters
FROM v1_flat v FULL OUTER JOIN fe_flat f USING (model_id, provider_tag)
"""


def make_scaled(scale: int) -> Path:
    """A raw snapshot folder with the sample cloned ``scale`` times (built once, then reused)."""
    from pipeline import sources
    from pipeline.raw.store import RawSnapshot
    from pipeline.replay import scale as scaling
    from pipeline.replay.snapshot import RecordedSnapshot

    folder = OUT / f"raw_x{scale}"
    if (folder / "fetch_log_v1.jsonl").exists():
        return folder
    src = RecordedSnapshot(SAMPLE, scale=scale)
    snap = RawSnapshot(folder)
    logs: dict[str, list[dict]] = {"v1": [], "frontend": []}
    for request, rec in src.index.items():
        key = rec.key
        if rec.clone:
            if rec.source == sources.V1_ENDPOINTS.name:
                key = scaling.clone_id(key, rec.clone)
            else:
                perma, _, variant = key.rpartition(":")
                key = sources.stats_key(scaling.clone_slug(perma, rec.clone), variant)
        body = src.body(rec)
        file = snap.write_body(rec.source, key, body)
        group = sources.SOURCES_BY_NAME[rec.source].group
        logs[group].append(
            {
                "source": rec.source,
                "key": key,
                "request": request,
                "status": rec.status,
                "file": file,
                "bytes": len(body),
                "attempts": 1,
                "error": None,
            }
        )
    for group, rows in logs.items():
        snap.write_log(group, rows)
    return folder


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def one(kind: str, raw: str) -> dict:
    """Runs in a child process; prints {seconds, peak_mb, rows}."""
    import datetime as dt

    t0 = time.perf_counter()
    if kind == "all":
        from assets.tables import TABLE_NAMES  # noqa: F401  (same import cost as the asset)
        from pipeline.raw.reader import read_snapshot
        from pipeline.raw.store import RawSnapshot
        from pipeline.storage.layout import Layout
        from pipeline.transforms.catalog import build_tables

        t0 = time.perf_counter()
        built = build_tables(read_snapshot(RawSnapshot(raw)))
        assert not built.problems, built.problems
        frames = built.frames
        with tempfile.TemporaryDirectory(dir=OUT) as tmp:
            layout = Layout(tmp)
            for name, df in frames.items():
                layout.write_partition(name, dt.date(2026, 7, 19), df)
        rows = sum(df.height for df in frames.values())
    elif kind == "polars_endpoints":
        import gzip

        import orjson

        from pipeline.raw.gc_pause import gc_paused
        from pipeline.raw.reader import unwrap
        from pipeline.transforms.endpoints import endpoints_table

        t0 = time.perf_counter()
        with gc_paused():  # as the pipeline reads (pipeline/raw/gc_pause.py)
            v1 = [
                unwrap(orjson.loads(gzip.decompress(p.read_bytes())))
                for p in sorted(Path(raw, "v1_endpoints").glob("*.gz"))
            ]
            fe = [
                e
                for p in sorted(Path(raw, "frontend_stats_endpoint").glob("*.gz"))
                for e in unwrap(orjson.loads(gzip.decompress(p.read_bytes())))
            ]
            rows = endpoints_table(v1, fe).height
    else:
        import duckdb

        con = duckdb.connect()
        t0 = time.perf_counter()
        rows = con.sql(DUCKDB_ENDPOINTS_SQL.format(raw=raw)).pl().height
    return {"seconds": time.perf_counter() - t0, "peak_mb": peak_mb(), "rows": rows}


def measure(kind: str, raw: Path) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--one", kind, "--raw", str(raw)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=int, default=10)
    ap.add_argument("--one")
    ap.add_argument("--raw")
    args = ap.parse_args()
    if args.one:
        print(json.dumps(one(args.one, args.raw)))
        return
    OUT.mkdir(parents=True, exist_ok=True)
    scaled = make_scaled(args.scale)
    print(f"{'what':<36} {'rows':>8} {'seconds':>8} {'peak MB':>8}")
    for label, kind, raw in (
        ("all tables, sample", "all", SAMPLE),
        (f"all tables, {args.scale}x", "all", scaled),
        (f"endpoints, polars, {args.scale}x", "polars_endpoints", scaled),
        (f"endpoints, DuckDB read_json, {args.scale}x", "duckdb_endpoints", scaled),
    ):
        r = measure(kind, raw)
        print(f"{label:<36} {r['rows']:>8} {r['seconds']:>8.2f} {r['peak_mb']:>8.0f}")
        if kind == "polars_endpoints":
            polars_s = r["seconds"]
        if kind == "duckdb_endpoints":
            print(
                f"ratio polars / DuckDB (endpoints, {args.scale}x): {polars_s / r['seconds']:.2f}"
            )


if __name__ == "__main__":
    main()
