"""Which data dir and which code a warehouse file was built for, read from the file itself.

A data dir copied or mounted elsewhere keeps a warehouse whose views name the old place, and a
warehouse built by other code has other views; readers (``query``, the digest, the report)
ask here and bind the views in memory instead. Light on purpose: ``query`` imports this and
must not load polars or Dagster.
"""

from __future__ import annotations

import re

import duckdb

from pipeline.publish.version import code_version
from pipeline.storage.layout import Layout

# one row: what the file's views were built from (views_as_of opens the file when it matches)
BUILD_TABLE = "warehouse_build"


def open_warehouse(layout: Layout) -> duckdb.DuckDBPyConnection:
    """The warehouse file, read-only, ready to query whatever the root (use with ``with``:
    closing the connection also releases the registered filesystem cleanly)."""
    con = duckdb.connect(str(layout.warehouse_path), read_only=True)
    layout.attach(con)
    return con


def built_for(con: duckdb.DuckDBPyConnection) -> str | None:
    """The tables folder (or bucket prefix) a warehouse file's views read: what the file was
    built for, which a copied or moved data dir no longer is. None: no such view."""
    rows = con.sql(
        "SELECT sql FROM duckdb_views() WHERE view_name = 'models_history' AND NOT internal"
    ).fetchall()
    if not rows:
        return None
    found = re.search(r"read_parquet\('(.*)/models/snapshot_date=", rows[0][0])
    return found.group(1).replace("''", "'") if found else None


def built_by(con: duckdb.DuckDBPyConnection) -> str | None:
    """The version of the code that built a warehouse file (None: built before it was kept).
    Its ``stale_dates`` view compares the dates with that version."""
    try:
        rows = con.sql(f"SELECT code_version FROM {BUILD_TABLE}").fetchall()
    except duckdb.Error:
        return None
    return rows[0][0] if rows else None


def other_code_line(layout: Layout, built: str | None) -> str:
    """The one line that says the views were bound in memory by this code."""
    return (
        f"note: {layout.warehouse_path} was built by {built or 'older code'}, not by this code "
        f"({code_version()}); the views are bound in memory (nothing written; "
        f"`openrouter-catalog warehouse --data-dir {layout.base}` rebuilds the file)"
    )


def moved_from(layout: Layout) -> str | None:
    """Where the warehouse file's views read, when that is not ``layout``'s tables (a data dir
    copied or mounted elsewhere); else None."""
    if not layout.warehouse_path.is_file():
        return None
    try:
        with open_warehouse(layout) as con:
            built = built_for(con)
    except duckdb.Error:
        return None
    return built if built is not None and built != layout.tables_location else None


def moved_line(layout: Layout, built: str) -> str:
    """The one line that says the views were bound over this data dir, in memory."""
    return (
        f"note: {layout.warehouse_path} was built for the tables at {built}; the views are "
        f"bound in memory over {layout.tables_location} (nothing written; "
        f"`openrouter-catalog warehouse --data-dir {layout.base}` rebuilds the file here)"
    )
