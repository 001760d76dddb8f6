"""The site's rows: the named queries of ``queries.sql`` over a release folder's ``load.sql``."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import polars as pl

QUERIES = Path(__file__).with_name("queries.sql")


def queries() -> dict[str, str]:
    """Each ``-- name: x`` block of ``queries.sql``, by name."""
    parts = re.split(r"^-- name: (\w+)\n", QUERIES.read_text(), flags=re.M)
    return {name: sql.strip() for name, sql in zip(parts[1::2], parts[2::2], strict=True)}


def frames(release: Path) -> dict[str, pl.DataFrame]:
    """Every named query's answer, from the release folder's files alone."""
    with duckdb.connect() as con:
        con.execute("SET VARIABLE release = $r", {"r": str(release)})
        con.execute((release / "load.sql").read_text())
        return {name: con.sql(sql).pl() for name, sql in queries().items()}
