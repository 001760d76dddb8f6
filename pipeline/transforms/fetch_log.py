"""``fetch_log``: one row per request made for the snapshot, the failed ones included."""

from __future__ import annotations

from typing import Any

import polars as pl

from pipeline.transforms.schemas import conform

_SCHEMA = {
    "source": pl.String,
    "key": pl.String,
    "url": pl.String,
    "status": pl.Int64,
    "attempts": pl.Int64,
    "bytes": pl.Int64,
    "duration_ms": pl.Float64,
    "error": pl.String,
    "sha256": pl.String,
    "fetched_at": pl.String,
    "file": pl.String,
    "file_offset": pl.Int64,
    "file_length": pl.Int64,
    "imported": pl.Boolean,
    "absent": pl.Boolean,
    "not_asked": pl.Int64,
}


def fetch_log_table(rows: list[dict[str, Any]]) -> pl.DataFrame:
    df = pl.DataFrame(rows, schema=_SCHEMA, strict=False).with_columns(
        pl.col("fetched_at").str.to_datetime(time_zone="UTC", strict=False),
        pl.col("imported").fill_null(False),
        pl.col("absent").fill_null(False),
    )
    return conform(df, "fetch_log")
