"""The Dagster way to backfill from archives: drop archived responses into
``<data dir>/archives/<YYYY-MM-DD>/`` (any names, JSON or gzip of it) and this sensor asks a
``daily_snapshot`` run of each such date that lands the files instead of fetching, exactly
what ``openrouter-catalog import`` does for one date. A folder is asked again when its files
change (the cursor remembers each folder's names, sizes and times)."""

from __future__ import annotations

import datetime as dt
import hashlib
import os

import dagster as dg
import orjson

from assets.raw import refetch_config
from pipeline.resources import CatalogStorage

ARCHIVE_SUFFIXES = (".json", ".json.gz", ".gz")


def archive_folders(storage: CatalogStorage) -> dict[str, list[str]]:
    """date → the archive files of its folder, for every well-named, non-empty folder."""
    root = storage.layout().base / "archives"
    out: dict[str, list[str]] = {}
    if not root.is_dir():
        return out
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        try:
            dt.date.fromisoformat(folder.name)
        except ValueError:
            continue
        files = sorted(
            str(p) for p in folder.iterdir() if p.is_file() and p.name.endswith(ARCHIVE_SUFFIXES)
        )
        if files:
            out[folder.name] = files
    return out


def _signature(files: list[str]) -> str:
    parts = [f"{f}:{os.stat(f).st_size}:{os.stat(f).st_mtime_ns}" for f in files]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def archive_requests(
    storage: CatalogStorage, cursor: str | None
) -> tuple[list[dg.RunRequest], str]:
    seen: dict[str, str] = orjson.loads(cursor) if cursor else {}
    requests = []
    for date, files in archive_folders(storage).items():
        sig = _signature(files)
        if seen.get(date) == sig:
            continue
        seen[date] = sig
        requests.append(
            dg.RunRequest(
                run_key=f"archives-{date}-{sig}",
                partition_key=date,
                run_config=refetch_config(False, files),
                tags={"source": "archive_folder_sensor"},
            )
        )
    return requests, orjson.dumps(seen).decode()


@dg.sensor(
    job_name="daily_snapshot",
    minimum_interval_seconds=60,
    description="Backfill from archives: every <data dir>/archives/<YYYY-MM-DD>/ folder of "
    "archived API responses becomes a daily_snapshot run of that date that lands them "
    "instead of fetching.",
    default_status=dg.DefaultSensorStatus.STOPPED,
)
def archive_folder_sensor(
    context: dg.SensorEvaluationContext, storage: CatalogStorage
) -> dg.SensorResult:
    requests, cursor = archive_requests(storage, context.cursor)
    return dg.SensorResult(run_requests=requests, cursor=cursor)
