"""``openrouter-catalog query``: one SQL statement against the warehouse, printed for a person
(a table) or for another program (CSV, JSON).

Decimals are printed exactly, with trailing zeros trimmed (``0.075``, not
``0.075000000000000000000000``); in JSON they stay strings, so no consumer rounds a price
through a float without meaning to.
"""

from __future__ import annotations

import shutil
from enum import StrEnum
from pathlib import Path

import duckdb
import polars as pl


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


class QueryError(RuntimeError):
    """The query could not run; str() is one line for the terminal."""


def _trim_decimals(df: pl.DataFrame) -> pl.DataFrame:
    decimals = [name for name, dtype in df.schema.items() if isinstance(dtype, pl.Decimal)]
    if not decimals:
        return df
    return df.with_columns(
        pl.col(c).cast(pl.String).str.replace(r"(\.\d*?)0+$", "$1").str.strip_suffix(".")
        for c in decimals
    )


def run_query(warehouse: Path, sql: str) -> pl.DataFrame:
    """The result of ``sql`` on a read-only connection (a running pipeline is never blocked)."""
    if not warehouse.is_file():
        raise QueryError(
            f"no warehouse at {warehouse}; build one with `make demo` or `openrouter-catalog run`"
        )
    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            rel = con.sql(sql)
            if rel is None:
                raise QueryError("the statement returns no rows (only queries are supported)")
            return rel.pl()
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise QueryError(f"query failed: {first}") from None


def render(df: pl.DataFrame, fmt: Format, max_rows: int = 50) -> str:
    out = _trim_decimals(df)
    if fmt is Format.csv:
        return out.write_csv()
    if fmt is Format.json:
        return out.write_json() + "\n"
    width = shutil.get_terminal_size((160, 24)).columns
    with pl.Config(
        tbl_rows=max_rows,
        tbl_cols=-1,
        fmt_str_lengths=60,
        tbl_width_chars=width,
        tbl_hide_dataframe_shape=True,
        tbl_hide_column_data_types=True,
    ):
        shown = f"{out}\n"
    more = (
        f" (first {max_rows} shown; --max-rows or --format csv for all)"
        if df.height > max_rows
        else ""
    )
    return shown + f"{df.height} row{'s' if df.height != 1 else ''}{more}\n"
