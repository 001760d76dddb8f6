"""Build ``warehouse.duckdb`` beside the old one and rename it into place.

DuckDB locks its file: a read-write open fails while a notebook holds a read-only one. Building
a new file and ``os.replace``-ing it means new readers see the new views and open readers keep
the old file, and nobody ever sees a half-built database.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from pipeline.publish.version import code_version
from pipeline.storage import crashpoints
from pipeline.storage.atomic import replacing, sweep_stale
from pipeline.storage.layout import Layout
from pipeline.transforms.history import HISTORIES, History
from pipeline.transforms.schemas import ALL_TABLES, BY_DATA_DATE, TABLE_DESCRIPTIONS
from pipeline.warehouse.binding import BUILD_TABLE, open_warehouse

SQL_DIR = Path(__file__).parent
PLACEHOLDER = "{{tables}}"
AS_OF = "{{as_of}}"
PUBLISHED_FILE = "{{published_file}}"
CODE_VERSION = "{{code_version}}"
TABLE_TEMPLATE = SQL_DIR / "_table.sql"
BY_DATE_TEMPLATE = SQL_DIR / "_by_date.sql"
HISTORY_TEMPLATE = SQL_DIR / "_history.sql"
REMOVED_TEMPLATE = SQL_DIR / "_removed.sql"
# every table gets its two views (the per-date diff tables are read through price_changes,
# catalog_changes and the history views, which read their _history views)
SNAPSHOT_TABLES = tuple(ALL_TABLES)  # a sampled table's partition holds one file per sample
# the tables a daily publish writes, read only for published dates; a sampled table's files
# are each whole and visible as they land
DAILY_TABLES = frozenset(TABLE_DESCRIPTIONS)
PUBLISHED_FILTER = "\n  AND snapshot_date IN (SELECT snapshot_date FROM published_dates)"
# queries at once: two gain what four do, and each more raises the run's peak (each DuckDB
# cursor at work holds buffers of its own; bench/README.md)
QUERY_WORKERS = 2
KEY_VIEWS = (
    "models",
    "endpoints",
    "providers",
    "data_policies",
    "fetch_log",
    "endpoint_price_items",
    "usable_endpoints",
    "cheapest_endpoint_per_model",
    "cheapest_endpoint_per_unit",
    "free_variant_training_flags",
    "price_changes",
    "catalog_changes",
    "provider_scorecard",
    "model_price_spread",
)


def sql_files(*, store: bool = True) -> list[Path]:
    """The numbered view files, in order (``_table.sql`` is the per-table template). Views
    about the store itself (which code built which date) read ``published.json``, which a
    release does not carry: ``store=False`` leaves them out."""
    return sorted(
        p
        for p in SQL_DIR.glob("*.sql")
        if not p.name.startswith("_") and (store or PUBLISHED_FILE not in p.read_text())
    )


def _duckdb_type(dtype: pl.DataType) -> str:
    if isinstance(dtype, pl.Decimal):
        return f"DECIMAL({dtype.precision}, {dtype.scale})"
    if isinstance(dtype, pl.Datetime):
        return "TIMESTAMPTZ" if dtype.time_zone else "TIMESTAMP"
    if isinstance(dtype, pl.List):
        return f"{_duckdb_type(dtype.inner)}[]"
    return {
        pl.String: "VARCHAR",
        pl.Int64: "BIGINT",
        pl.Float64: "DOUBLE",
        pl.Boolean: "BOOLEAN",
        pl.Date: "DATE",
    }[dtype.base_type()]


def history_sql(h: History, published: str) -> list[tuple[str, str]]:
    """(name, SQL) of one history's views and macros (``_history.sql``, and ``_removed.sql``
    when it follows removals), with its names filled in; ``{{tables}}`` and ``{{as_of}}``
    are left for the caller."""
    names = {
        "{{view}}": h.view,
        "{{events}}": h.table,
        "{{base}}": h.base,
        "{{key}}": ", ".join(h.key),
        "{{as_of_macro}}": h.as_of,
        "{{removed}}": h.removed or "",
        "{{published}}": published,
    }
    out = []
    for template in [HISTORY_TEMPLATE] + ([REMOVED_TEMPLATE] if h.removed else []):
        sql = template.read_text()
        for k, v in names.items():
            sql = sql.replace(k, v)
        out.append((f"{template.name}[{h.view}]", sql))
    return out


def as_of_sql(as_of: dt.date | None) -> str:
    return f"DATE '{(as_of or dt.date.max).isoformat()}'"


def empty_table_sql(table: str) -> str:
    """The two views of a table that has no partition yet (a source on a cadence not asked
    so far): no rows, the declared columns, so the views built on it still work."""
    cols = ", ".join(
        f'CAST(NULL AS {_duckdb_type(c.dtype)}) AS "{c.name}"' for c in ALL_TABLES[table]
    )
    if not any(c.name == "snapshot_date" for c in ALL_TABLES[table]):
        cols += ", CAST(NULL AS DATE) AS snapshot_date"
    return (
        f"CREATE OR REPLACE VIEW {table}_history AS SELECT {cols} WHERE false;\n"
        f"CREATE OR REPLACE VIEW {table} AS SELECT * FROM {table}_history;\n"
    )


def statements(layout: Layout, as_of: dt.date | None = None) -> list[tuple[str, str]]:
    """(name, SQL) of every script the warehouse runs, in order: the two views of each
    snapshot table from the template (or empty ones for a table without a partition yet),
    then the numbered files."""
    template = TABLE_TEMPLATE.read_text()
    by_date = BY_DATE_TEMPLATE.read_text()
    listed = layout.published_location.replace("'", "''")
    scripts = [
        (
            "published_dates",
            "-- The snapshot dates readers see: one file, replaced in one write when a date is "
            "published.\nCREATE OR REPLACE VIEW published_dates AS SELECT CAST(unnest(dates) "
            f"AS DATE) AS snapshot_date FROM read_json('{listed}');\n",
        )
    ]
    scripts += [
        (
            f"{TABLE_TEMPLATE.name}[{t}]",
            (by_date if t in BY_DATA_DATE else template)
            .replace("{{table}}", t)
            .replace("{{published}}", PUBLISHED_FILTER if t in DAILY_TABLES else "")
            if layout.has_any(t)
            else empty_table_sql(t),
        )
        for t in SNAPSHOT_TABLES
    ]
    for h in HISTORIES:
        scripts += history_sql(h, PUBLISHED_FILTER)
    scripts += [(p.name, p.read_text()) for p in sql_files()]
    quoted = layout.tables_location.replace("'", "''")
    fills = {
        PLACEHOLDER: quoted,
        AS_OF: as_of_sql(as_of),
        PUBLISHED_FILE: listed,
        CODE_VERSION: code_version(),
    }
    out = []
    for name, sql in scripts:
        for k, v in fills.items():
            sql = sql.replace(k, v)
        out.append((name, sql))
    return out


def in_memory(layout: Layout, as_of: dt.date | None = None) -> duckdb.DuckDBPyConnection:
    """Every view bound over ``layout``'s tables in an in-memory database: for a data dir
    whose warehouse file was built elsewhere. Reads only."""
    con = duckdb.connect()
    layout.attach(con)
    for name, sql in statements(layout, as_of):
        try:
            con.execute(sql)
        except duckdb.Error as exc:
            con.close()
            raise RuntimeError(f"warehouse in memory: {name} failed: {exc}") from exc
    return con


def as_of_connection(layout: Layout, as_of: dt.date) -> duckdb.DuckDBPyConnection:
    """An in-memory database with every view of the warehouse as it stood on ``as_of``:
    the snapshots after it left out, so "the latest" is the newest on or before it. Views
    only, built in milliseconds; the report of a past partition draws from it."""
    con = duckdb.connect()
    layout.attach(con)
    layout.ensure_published(tuple(DAILY_TABLES))
    for name, sql in statements(layout, as_of):
        try:
            con.execute(sql)
        except duckdb.Error as exc:
            con.close()
            raise RuntimeError(f"warehouse as of {as_of}: {name} failed: {exc}") from exc
    return con


def views_as_of(layout: Layout, as_of: dt.date) -> duckdb.DuckDBPyConnection:
    """The views as they stood on ``as_of``, opened the cheap way when it is the same thing.

    Binding the views anew reads every table's Parquet schema, paid by
    the digest and by the report of every daily run, just after the warehouse bound the same
    views. When no file is dated after ``as_of`` and the warehouse file was built from the
    statements of today's tables and code (its fingerprint), that file is those views."""
    if not layout.has_files_after(as_of) and layout.warehouse_path.is_file():
        try:
            con = open_warehouse(layout)
        except duckdb.Error:  # being written, or not a database: build them in memory
            pass
        else:
            if built_fingerprint(con) == fingerprint(statements(layout)):
                return con
            con.close()
    return as_of_connection(layout, as_of)


def built_fingerprint(con: duckdb.DuckDBPyConnection) -> str | None:
    """The fingerprint a warehouse file records (None: built before it existed)."""
    try:
        rows = con.sql(f"SELECT fingerprint FROM {BUILD_TABLE}").fetchall()
    except duckdb.Error:
        return None
    return rows[0][0] if rows else None


def fingerprint(scripts: list[tuple[str, str]]) -> str:
    """What the views are made of: the SQL of every script (the tables' location included),
    the columns the code writes to each table, and the DuckDB that bound them."""
    digest = hashlib.sha256(f"duckdb {duckdb.__version__}\0".encode())
    for name, sql in scripts:
        digest.update(f"{name}\0{sql}\0".encode())
    for table in SNAPSHOT_TABLES:
        cols = ",".join(f"{c.name} {_duckdb_type(c.dtype)}" for c in ALL_TABLES[table])
        digest.update(f"{table}\0{cols}\0".encode())
    return digest.hexdigest()


Answer = tuple[list[str], list[tuple[Any, ...]]]  # a query's column names and rows


def side_by_side(
    con: duckdb.DuckDBPyConnection,
    queries: Sequence[str | tuple[str, dict[str, Any]]],
    workers: int = QUERY_WORKERS,
) -> list[Answer]:
    """Each query's columns and rows, the queries run at once on cursors of their own.

    The key views' counts, the report's charts and the digest's sections are a dozen small
    queries each, which wait on Parquet files as much as on the processor, so side by side
    they end sooner (bench/README.md). DuckDB releases the
    interpreter lock while it works, and a cursor is a connection of its own."""

    def one(query: str | tuple[str, dict[str, Any]]) -> Answer:
        sql, params = (query, None) if isinstance(query, str) else query
        with con.cursor() as cur:
            cur.execute(sql, params)
            return [c[0] for c in cur.description], cur.fetchall()

    if len(queries) <= 1:
        return [one(q) for q in queries]
    with ThreadPoolExecutor(min(workers, len(queries))) as pool:
        return list(pool.map(one, queries))


def _key_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """The key views counted side by side."""
    answers = side_by_side(con, [f'SELECT count(*) FROM "{v}"' for v in KEY_VIEWS])
    return {view: rows[0][0] for view, (_, rows) in zip(KEY_VIEWS, answers, strict=True)}


def _stored_columns(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], str]:
    """(view, column) → the type the file recorded when it bound the view."""
    rows = con.sql(
        "SELECT v.view_name, c.column_name, c.data_type FROM duckdb_views() v "
        "JOIN duckdb_columns() c ON c.table_oid = v.view_oid WHERE NOT v.internal"
    ).fetchall()
    return {(view, col): dtype for view, col, dtype in rows}


def _spellings(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Each column type the code declares, as DuckDB's catalog spells it
    (``TIMESTAMPTZ`` is ``TIMESTAMP WITH TIME ZONE`` there)."""
    types = sorted({_duckdb_type(c.dtype) for cols in ALL_TABLES.values() for c in cols})
    row = con.sql("SELECT " + ", ".join(f"typeof(CAST(NULL AS {t}))" for t in types)).fetchall()[0]
    return dict(zip(types, row, strict=True))


def _counts_if_current(layout: Layout, scripts: list[tuple[str, str]]) -> dict[str, int] | None:
    """The key views' counts, read from the warehouse file as it is when building it again
    would make the same file; else None.

    A view keeps its SQL, not its rows: a file whose statements are today's (its fingerprint)
    already answers over every Parquet file written since, as the views bind their globs at
    each query. That holds while every table's view has the columns the code now writes, at
    their types (a column new to the files would change a view bound over older ones), and
    while the views still answer (the counts). Anything else, and the caller builds."""
    final = layout.warehouse_path
    if not final.is_file():
        return None
    try:
        with open_warehouse(layout) as con:
            if built_fingerprint(con) != fingerprint(scripts):
                return None
            stored, spelled = _stored_columns(con), _spellings(con)
            for table in SNAPSHOT_TABLES:
                for col in ALL_TABLES[table]:
                    want = spelled[_duckdb_type(col.dtype)]
                    if stored.get((f"{table}_history", col.name)) != want:
                        return None
            return _key_counts(con)
    except duckdb.Error:  # being written, not a database, or a view that no longer binds
        return None


def build_warehouse(layout: Layout, *, reuse: bool = True) -> dict[str, int]:
    """Create every view; return the row count of the key views (the build's sanity check).

    With ``reuse``, a file whose views would come out the same is kept as it is and only
    counted (``_counts_if_current``), which on a steady day is most of the build
    (bench/README.md), and open readers are not even replaced. The views are
    created in one transaction (one commit to the file, not one per view: half the build's
    time), and the key views are counted side by side on cursors of their own."""
    final = layout.warehouse_path
    final.parent.mkdir(parents=True, exist_ok=True)
    sweep_stale(final.parent)
    layout.ensure_published(tuple(DAILY_TABLES))  # a store written before the list existed
    scripts = statements(layout)
    if reuse and (counts := _counts_if_current(layout, scripts)) is not None:
        return counts
    with replacing(final) as tmp, duckdb.connect(str(tmp)) as con:
        layout.attach(con)
        con.execute("BEGIN TRANSACTION")
        for i, (name, sql) in enumerate(scripts):
            if i == len(scripts) // 2:
                crashpoints.reached("warehouse_build")
            try:
                con.execute(sql)
            except duckdb.Error as exc:
                raise RuntimeError(f"warehouse: {name} failed: {exc}") from exc
        con.execute(
            f"CREATE TABLE {BUILD_TABLE} "
            "(fingerprint VARCHAR, built_at TIMESTAMPTZ, code_version VARCHAR)"
        )
        con.execute(
            f"INSERT INTO {BUILD_TABLE} VALUES (?, now(), ?)",
            [fingerprint(scripts), code_version()],
        )
        con.execute("COMMIT")
        counts = _key_counts(con)
    return counts
