"""``openrouter-catalog query``: one SQL statement against the warehouse, printed for a person
(a table) or for another program (CSV, JSON).

Decimals are printed exactly, with trailing zeros trimmed (``0.075``, not
``0.075000000000000000000000``); in JSON they stay strings, so no consumer rounds a price
through a float without meaning to.

Only DuckDB and the standard library: a query answers in well under a second, without
loading polars, pyarrow or Dagster.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
import sys
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

if TYPE_CHECKING:
    from pipeline.storage.layout import Layout

MAX_CELL = 60
# what a query may be: it reads the warehouse and nothing else (no COPY … TO, ATTACH, SET,
# INSTALL, PRAGMA or writes)
ALLOWED = {duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN}


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


class QueryError(RuntimeError):
    """The query could not run; str() is one line for the terminal."""


@dataclass
class Result:
    columns: list[str]
    rows: list[tuple[Any, ...]]


def run_query(warehouse: Path, sql: str, layout: Layout | None = None) -> Result:
    """The result of ``sql`` on a read-only connection (a running pipeline is never blocked).
    ``layout``: the storage the views read, when it is a bucket."""
    if not warehouse.is_file():
        raise QueryError(
            f"no warehouse at {warehouse}; build one with `make demo` or `openrouter-catalog run`"
        )
    _only_reads(sql)
    try:
        with _connect(warehouse, layout) as con:
            _sandbox(con, warehouse, layout)
            rel = con.sql(sql)
            if rel is None:
                raise QueryError("the statement returns no rows (only queries are supported)")
            return Result(list(rel.columns), rel.fetchall())
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise QueryError(f"query failed: {first}") from None


def _connect(warehouse: Path, layout: Layout | None) -> duckdb.DuckDBPyConnection:
    """The warehouse file, read-only; or, when its views read another place (a data dir
    copied or mounted elsewhere), the same views bound in memory over ``layout``, said in
    one line on stderr."""
    con = duckdb.connect(str(warehouse), read_only=True)
    if layout is None:
        return con
    layout.attach(con)
    from pipeline.publish.version import code_version
    from pipeline.warehouse.binding import built_by, built_for, moved_line, other_code_line

    built, by = built_for(con), built_by(con)
    if built is None:  # not a file this project built: its views are what they are
        return con
    if built != layout.tables_location:
        line = moved_line(layout, built)
    elif by != code_version():
        line = other_code_line(layout, by)
    else:
        return con
    con.close()
    sys.stderr.write(line + "\n")
    from pipeline.warehouse.build import in_memory  # polars: only for a moved data dir

    return in_memory(layout)


def _only_reads(sql: str) -> None:
    """One statement that reads, or a QueryError naming what was refused."""
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise QueryError(f"query failed: {first}") from None
    if len(statements) != 1:
        raise QueryError(f"refused: one statement at a time ({len(statements)} given)")
    kind = statements[0].type
    if kind not in ALLOWED:
        raise QueryError(
            f"refused: {kind.name} statements are not run; query reads the warehouse and "
            "nothing else (SELECT or EXPLAIN only)"
        )


def _sandbox(con: duckdb.DuckDBPyConnection, warehouse: Path, layout: Layout | None) -> None:
    """No file outside the data (the tables the views read, and the bucket's root) can be
    read or written, no extension installed or loaded, and no setting changed afterwards:
    DuckDB's own switches, locked, so a table function in a SELECT cannot reach around."""
    allowed = {str(warehouse.resolve().parent) + "/"}
    if layout is not None:
        allowed.add(layout.bucket.root + "/" if layout.remote else f"{layout.base.resolve()}/")
    listed = ", ".join("'" + a.replace("'", "''") + "'" for a in sorted(allowed))
    con.execute(f"SET allowed_directories = [{listed}]")
    con.execute("SET enable_external_access = false")
    con.execute("SET autoinstall_known_extensions = false")
    con.execute("SET autoload_known_extensions = false")
    con.execute("SET lock_configuration = true")


def _text(value: Any) -> str:  # noqa: ANN401 - any SQL value
    """A value as text: decimals exact without trailing zeros, null as empty."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    return str(value)


def _json(value: Any) -> Any:  # noqa: ANN401
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, dt.date | dt.datetime | dt.time | dt.timedelta):
        return str(value) if isinstance(value, dt.timedelta) else value.isoformat()
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json(v) for k, v in value.items()}
    return value


def _table(result: Result, max_rows: int, terminal: bool) -> str:
    """A plain text table. On a terminal, cells cut to MAX_CELL characters and lines to its
    width; piped (to grep, a file, a pager), every value whole: an id cut short is no id."""
    shown = [[_text(v) for v in row] for row in result.rows[:max_rows]]
    cells = (
        [[c if len(c) <= MAX_CELL else c[: MAX_CELL - 1] + "…" for c in r] for r in shown]
        if terminal
        else shown
    )
    widths = [
        max([len(name)] + [len(r[i]) for r in cells]) for i, name in enumerate(result.columns)
    ]
    limit = shutil.get_terminal_size((160, 24)).columns if terminal else None

    def line(values: list[str]) -> str:
        return " │ ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)).rstrip()[:limit]

    rule = "─┼─".join("─" * w for w in widths)[:limit]
    return "\n".join([line(result.columns), rule, *map(line, cells)]) + "\n"


def render(result: Result, fmt: Format, max_rows: int = 50, terminal: bool = True) -> str:
    if fmt is Format.csv:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(result.columns)
        writer.writerows([_text(v) for v in row] for row in result.rows)
        return out.getvalue()
    if fmt is Format.json:
        records = [
            {c: _json(v) for c, v in zip(result.columns, row, strict=True)} for row in result.rows
        ]
        return json.dumps(records, ensure_ascii=False) + "\n"
    n = len(result.rows)
    more = f" (first {max_rows} shown; --max-rows or --format csv for all)" if n > max_rows else ""
    return _table(result, max_rows, terminal) + f"{n} row{'s' if n != 1 else ''}{more}\n"
