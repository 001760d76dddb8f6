"""The hourly captures of one real day (``perf_hourly/<date>.csv.gz``: a public scraper's CSV
rows of stats/endpoint, not API responses) read here, in plain Python, into what
``endpoint_performance_samples`` must hold after one sample per capture, and checked field by
field. Shared by tests/publish/test_samples.py (2026-07-21, kept in tests/fixtures) and
scripts/check_performance_days.py (every day of ../shared)."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import json
from dataclasses import dataclass, field
from pathlib import Path

PERCENTILES = ("p50", "p75", "p90", "p95", "p99")


def num(text: str) -> float | None:
    return None if text == "" else float(text)


def count(text: str) -> int | None:
    return None if text == "" else int(text)


def model_id(slug: str, variant: str) -> str:
    return slug if variant == "standard" else f"{slug}:{variant}"


def minute(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC).replace(second=0, microsecond=0)


def csv_rows(path: Path) -> list[dict[str, str]]:
    with gzip.open(path, "rt") as fh:
        return list(csv.DictReader(fh))


def recorded_ids(bundle: Path) -> set[str]:
    """Endpoints the day's bundle holds an object for (the replay can serve only those)."""
    ids = set()
    with gzip.open(bundle / "model_stats.jsonl.gz") as fh:
        for line in fh:
            ids |= {e["id"] for e in json.loads(line)["endpoints"] or []}
    return ids


def served_pairs(bundle: Path) -> set[tuple[str, str]]:
    """(permaslug, variant) of every catalog row with an endpoint: what the published
    snapshot lists with endpoints."""
    with gzip.open(bundle / "catalog.json.gz") as fh:
        catalog = json.load(fh)
    rows = catalog["data"] if isinstance(catalog, dict) else catalog
    return {
        (r.get("permaslug") or r["slug"], r.get("variant") or r["endpoint"].get("variant"))
        for r in rows
        if r.get("endpoint")
    }


@dataclass
class Expected:
    rows: dict[tuple, dict[str, str]] = field(default_factory=dict)  # (minute, uuid, model)
    unservable: int = 0  # rows whose endpoint the day recorded no object for
    not_listed: int = 0  # rows of pairs the published snapshot does not list
    times: list[str] = field(default_factory=list)


def expected(captures: Path, bundle: Path) -> Expected:
    out = Expected()
    ids, pairs = recorded_ids(bundle), served_pairs(bundle)
    rows = csv_rows(captures)
    out.times = sorted({r["scraped_at"] for r in rows})
    for r in rows:
        if (r["permaslug"], r["variant"]) not in pairs:
            out.not_listed += 1
            continue
        if r["endpoint_id"] not in ids:
            out.unservable += 1
            continue
        key = (minute(r["scraped_at"]), r["endpoint_id"], model_id(r["model_slug"], r["variant"]))
        if key in out.rows:
            raise ValueError(f"{captures.name}: {key} twice in one capture")
        out.rows[key] = r
    return out


def check_rows(want: Expected, got: dict[tuple, dict]) -> list[str]:
    """Every field of every expected row; no row more, none less."""
    failures = []
    if set(got) != set(want.rows):
        extra, missing = set(got) - set(want.rows), set(want.rows) - set(got)
        failures.append(f"rows: {len(extra)} extra {sorted(extra)[:2]}, {len(missing)} missing")
    for key, r in want.rows.items():
        d = got.get(key)
        if d is None:
            continue
        pairs = [
            *[(f"throughput_{p}_tps", num(r[f"{p}_throughput"])) for p in PERCENTILES],
            *[(f"latency_{p}_ms", num(r[f"{p}_latency"])) for p in PERCENTILES],
            ("request_count", count(r["request_count"])),
            ("window_minutes", count(r["stats_window_minutes"])),
            ("success_count", count(r["success_count"])),
            ("derankable_error_count", count(r["derankable_error_count"])),
            ("rate_limited_count", count(r["rate_limited_count"])),
            ("status", int(r["status"])),
            ("permaslug", r["permaslug"]),
            ("variant", r["variant"]),
            ("answered_by", "frontend"),
        ]
        for column, value in pairs:
            if d[column] != value:
                failures.append(f"{key} {column}: {d[column]!r} ≠ {value!r}")
    return failures
