"""The Dagster way to backfill from archives: drop archived responses into
``<data dir>/archives/<YYYY-MM-DD>/`` (any names, JSON or gzip of it), or with a bucket root
under its ``archives/<YYYY-MM-DD>/``, and this sensor asks a ``daily_snapshot`` run of each
such date that lands the files instead of fetching, exactly what ``openrouter-catalog
import`` does for one date. A folder is asked again when its files change (the cursor
remembers each folder's names with their sizes and times, or their ETags). With a bucket the
run is given ``s3://`` URLs, so it lands them wherever it runs (a pod, a Celery worker)."""

from __future__ import annotations

import datetime as dt
import hashlib

import dagster as dg
import orjson

from assets.raw import refetch_config
from assets.resources import CatalogStorage

ARCHIVE_SUFFIXES = (".json", ".json.gz", ".gz")


def _is_date(name: str) -> bool:
    try:
        dt.date.fromisoformat(name)
    except ValueError:
        return False
    return True


def archive_folders(storage: CatalogStorage) -> dict[str, dict[str, str]]:
    """date → {archive file (a path, or an s3:// URL): what tells its versions apart}, for
    every well-named, non-empty folder."""
    layout = storage.layout()
    out: dict[str, dict[str, str]] = {}
    if layout.remote:
        for key, etag in sorted(layout.bucket.list("archives").items()):
            parts = key.split("/")  # archives/<date>/<file>
            if len(parts) == 3 and _is_date(parts[1]) and parts[2].endswith(ARCHIVE_SUFFIXES):
                out.setdefault(parts[1], {})[layout.bucket.url(key)] = etag
        return out
    root = layout.base / "archives"
    if not root.is_dir():
        return out
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and _is_date(p.name)):
        files = {
            str(p): f"{p.stat().st_size}:{p.stat().st_mtime_ns}"
            for p in sorted(folder.iterdir())
            if p.is_file() and p.name.endswith(ARCHIVE_SUFFIXES)
        }
        if files:
            out[folder.name] = files
    return out


def _signature(files: dict[str, str]) -> str:
    parts = [f"{f}:{version}" for f, version in sorted(files.items())]
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
                run_config=refetch_config(False, sorted(files)),
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
