"""Dagster metadata built from our own column declarations and DataFrames."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import dagster as dg
import polars as pl

from pipeline.transforms.schemas import ALL_TABLES


def column_schema(table: str) -> dg.TableSchema:
    cols = ALL_TABLES[table]
    hive = (
        []
        if any(c.name == "snapshot_date" for c in cols)
        else [dg.TableColumn("snapshot_date", "Date", description="snapshot date (hive folder)")]
    )
    return dg.TableSchema(
        columns=[dg.TableColumn(c.name, str(c.dtype), description=c.description) for c in cols]
        + hive
    )


# The few columns a preview in the UI shows (the others are in the column schema); a table
# not listed shows its first PREVIEW_COLUMNS columns.
PREVIEW = {
    "models": ["model_id", "name", "context_length", "prompt_usd_per_mtok", "in_v1"],
    "endpoints": [
        "model_id",
        "provider_name",
        "provider_tag",
        "prompt_usd_per_mtok",
        "completion_usd_per_mtok",
        "discount",
        "status",
    ],
    "endpoint_price_items": ["model_id", "provider_name", "item", "unit", "usd_per_unit"],
    "model_activity": ["model_id", "usage_date", "requests", "prompt_tokens", "completion_tokens"],
    "provider_effective_pricing": [
        "model_id",
        "provider_name",
        "effective_input_usd_per_mtok",
        "effective_output_usd_per_mtok",
        "share",
    ],
    "fetch_log": ["source", "key", "status", "attempts", "duration_ms", "error"],
}
PREVIEW_COLUMNS, PREVIEW_ROWS, PREVIEW_CELL = 6, 5, 40


def _cell(value: object) -> str:
    if isinstance(value, Decimal):
        value = format(value.normalize(), "f")
    text = "" if value is None else str(value)
    text = text.replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= PREVIEW_CELL else text[: PREVIEW_CELL - 1] + "…"


def preview(table: str, df: pl.DataFrame) -> str:
    """A few rows of a few chosen columns as a Markdown table (the UI renders it)."""
    cols = [c for c in PREVIEW.get(table, df.columns[:PREVIEW_COLUMNS]) if c in df.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in df.select(cols).head(PREVIEW_ROWS).iter_rows():
        lines.append("| " + " | ".join(_cell(v) for v in row) + " |")
    more = f"\n\n{df.height:,} rows, {df.width} columns" if df.height else "\n\nno rows"
    return "\n".join(lines) + more


def table_metadata(table: str, df: pl.DataFrame, path: str) -> dict[str, Any]:
    return {
        "dagster/row_count": dg.MetadataValue.int(df.height),
        "dagster/column_schema": column_schema(table),
        "path": dg.MetadataValue.path(path),
        "preview": dg.MetadataValue.md(preview(table, df)),
    }
