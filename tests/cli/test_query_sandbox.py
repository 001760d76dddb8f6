"""``openrouter-catalog query`` reads the warehouse and nothing else: no file written, no file
read outside the data dir, no extension installed or loaded, no database attached, no setting
changed. Each is refused in one line; the views still answer."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from pipeline.cli.query import QueryError, run_query
from tests.conftest import ROOT


@pytest.fixture
def outside(tmp_path) -> Path:
    """A folder outside the data dir, holding a Parquet file and a CSV to try to read."""
    pl.DataFrame({"secret": ["x"]}).write_parquet(tmp_path / "secret.parquet")
    (tmp_path / "secret.csv").write_text("secret\nx\n")
    return tmp_path


REFUSED = [
    ("COPY (SELECT 1 AS a) TO '{out}/written.csv'", "refused: COPY statements are not run"),
    ("COPY models TO '{data}/written.parquet'", "refused: COPY statements are not run"),
    ("INSTALL httpfs", "refused: LOAD statements are not run"),
    ("LOAD httpfs", "refused: LOAD statements are not run"),
    ("ATTACH '{out}/other.duckdb' AS other", "refused: ATTACH statements are not run"),
    ("SET enable_external_access = true", "refused: SET statements are not run"),
    ("PRAGMA threads = 1", "refused: SET statements are not run"),
    ("PRAGMA enable_profiling", "refused: PRAGMA statements are not run"),
    ("CREATE TABLE t AS SELECT 1", "refused: CREATE statements are not run"),
    ("SELECT 1; SELECT 2", "refused: one statement at a time (2 given)"),
    ("SELECT * FROM read_csv('/etc/passwd')", "query failed: Permission Error"),
    ("SELECT * FROM read_csv('{out}/secret.csv')", "query failed: Permission Error"),
    ("SELECT * FROM read_parquet('{out}/secret.parquet')", "query failed: Permission Error"),
    ("SELECT * FROM read_text('/etc/hostname')", "query failed: Permission Error"),
]


@pytest.mark.parametrize("sql, message", REFUSED, ids=[s.split()[0] + str(i) for i, (s, _) in
                                                       enumerate(REFUSED)])  # fmt: skip
def test_anything_but_reading_the_warehouse_is_refused(clean_build, outside, sql, message):
    layout, _ = clean_build
    statement = sql.format(out=outside, data=layout.base)
    with pytest.raises(QueryError) as caught:
        run_query(layout.warehouse_path, statement, layout)
    line = str(caught.value)
    assert line.startswith(message) and "\n" not in line, line
    assert not (outside / "written.csv").exists() and not (layout.base / "written.parquet").exists()
    assert not (outside / "other.duckdb").exists()


def test_the_views_still_answer_inside_the_sandbox(clean_build):
    layout, _ = clean_build
    got = run_query(
        layout.warehouse_path,
        "SELECT count(*) AS n, current_setting('enable_external_access') AS ext "
        "FROM cheapest_endpoint_per_model",
        layout,
    )
    ((n, ext),) = got.rows
    assert n > 100 and ext is False
    # a Parquet file of the data dir itself may be read
    got = run_query(
        layout.warehouse_path,
        f"SELECT count(*) FROM read_parquet('{layout.tables_location}/models/*/*.parquet')",
        layout,
    )
    assert got.rows[0][0] > 100


def test_the_command_prints_one_line_and_writes_nothing(clean_build, outside):
    layout, _ = clean_build
    out = subprocess.run(
        [sys.executable, "-m", "pipeline", "query", f"COPY models TO '{outside}/m.csv'",
         "--data-dir", str(layout.base)],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )  # fmt: skip
    assert out.returncode != 0
    lines = [ln for ln in (out.stdout + out.stderr).splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: refused: COPY statements are not run"), (
        lines
    )
    assert not (outside / "m.csv").exists()
