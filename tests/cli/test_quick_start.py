"""Each command loads what it needs and no more: a query never loads Dagster, polars or
pyarrow, the replay server never loads Dagster, and drawing the report loads neither pyarrow
nor a plotting library (the run's memory budget has no room for them)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb

from pipeline.report.build import SQL_DIR as REPORT_SQL
from tests.conftest import ROOT

CHARTS = len(list(REPORT_SQL.glob("[1-9]*.sql")))  # one chart per query file

PROBE = """
import json, sys
sys.argv = {argv!r}
from pipeline.cli.app import app
try:
    app()
except SystemExit:
    pass
print("MODULES " + json.dumps(sorted(m for m in sys.modules if "." not in m)))
"""


def loaded(argv: list[str]) -> tuple[set[str], str]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(argv=["openrouter-catalog", *argv])],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    line = next(ln for ln in out.stdout.splitlines() if ln.startswith("MODULES "))
    return set(json.loads(line.removeprefix("MODULES "))), out.stdout


def test_query_loads_neither_dagster_nor_polars(tmp_path):
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        con.execute("CREATE VIEW v AS SELECT 0.075::DECIMAL(38, 24) AS price")
    modules, stdout = loaded(["query", "SELECT * FROM v", "--data-dir", str(tmp_path)])
    assert "0.075" in stdout and "1 row" in stdout
    assert not modules & {"dagster", "polars", "pyarrow"}


def test_replay_server_loads_no_dagster():
    code = (
        "import sys; from pipeline.replay.server import make_server; "
        "make_server(port=0).server_close(); "
        "print(sorted(m for m in ('dagster',) if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_drawing_the_report_loads_neither_pyarrow_nor_a_plotting_library(clean_build, tmp_path):
    layout, _ = clean_build
    import shutil

    copy = tmp_path / "data"
    shutil.copytree(layout.base, copy)
    code = (
        "import sys; from pipeline.report.build import build_report; "
        "from pipeline.storage.layout import Layout; "
        f"print(build_report(Layout({str(copy)!r})).path, file=sys.stderr); "
        "print(sorted(m for m in ('pyarrow', 'numpy', 'matplotlib') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
    # nor a complaint at exit (DuckDB's Arrow stream left some): only the path printed
    path = out.stderr.strip()
    assert path == str(copy / "reports" / "catalog_report_2026-07-19.html")
    assert Path(path).read_text().count("<svg") == CHARTS
