"""Dagster metadata built from our own column declarations and DataFrames."""

from __future__ import annotations

from typing import Any

import dagster as dg
import polars as pl

from pipeline.schemas import TABLES


def column_schema(table: str) -> dg.TableSchema:
    return dg.TableSchema(
        columns=[
            dg.TableColumn(c.name, str(c.dtype), description=c.description) for c in TABLES[table]
        ]
        + [dg.TableColumn("snapshot_date", "Date", description="snapshot date (hive folder)")]
    )


def table_metadata(table: str, df: pl.DataFrame, path: str) -> dict[str, Any]:
    with pl.Config(tbl_rows=5, tbl_cols=8, fmt_str_lengths=40):
        preview = str(df.head(5))
    return {
        "dagster/row_count": dg.MetadataValue.int(df.height),
        "dagster/column_schema": column_schema(table),
        "path": dg.MetadataValue.path(path),
        "preview": dg.MetadataValue.md(f"```\n{preview}\n```"),
    }
