"""The README says true things where a test can tell: its commands and flags exist, every
snake_case name it quotes exists in the code, the views it names are in the warehouse, and
the demo prints the views' own column names."""

from __future__ import annotations

import re
import subprocess
import sys

import duckdb
import pytest

from pipeline.cli.demo import SHOW
from pipeline.publish import checks
from pipeline.transforms.schemas import RULES
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text()
CODE = "\n".join(
    p.read_text()
    for pattern in ("pipeline/**/*.py", "pipeline/**/*.sql", "assets/*.py", "Makefile")
    for p in ROOT.glob(pattern)
)


def _commands() -> list[tuple[str, set[str]]]:
    """(subcommand, its --flags) of every `openrouter-catalog …` the README shows."""
    out = []
    for m in re.finditer(
        r"openrouter-catalog (run|accept|query|replay|demo|import|digest|warehouse|sample|ui)\b"
        r"([^`\n]*(?:\n  [^`\n]*)*)",
        README,
    ):
        out.append((m.group(1), set(re.findall(r"--[a-z][a-z-]+", m.group(2)))))
    return out


@pytest.mark.parametrize(
    "command",
    ["run", "accept", "query", "replay", "demo", "import", "digest", "warehouse", "sample", "ui"],
)
def test_every_flag_the_readme_shows_exists(command):
    flags = set().union(*(f for c, f in _commands() if c == command))
    assert flags, f"the README shows no flag of {command}?"
    out = subprocess.run(
        [sys.executable, "-m", "pipeline", command, "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"COLUMNS": "200", "PATH": "/usr/bin"},
    )
    assert out.returncode == 0, out.stderr
    missing = {f for f in flags if f not in out.stdout}
    assert not missing, f"README shows {command} {sorted(missing)}, which --help does not list"


def test_make_targets_the_readme_names_exist():
    targets = set(re.findall(r"^([a-z0-9-]+):", (ROOT / "Makefile").read_text(), re.M))
    named = set(re.findall(r"`make ([a-z0-9-]+)`", README)) | set(
        re.findall(r"^make ([a-z0-9-]+)", README, re.M)
    )
    assert named and named <= targets, named - targets


def test_every_quoted_name_exists_in_the_code():
    """A snake_case name in backquotes (a table, view, column, check, setting, source) that
    no code mentions is stale: renamed or gone."""
    names = set(re.findall(r"`([a-z][a-z0-9]*(?:_[a-z0-9]+)+)`", README))
    words = set(re.findall(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)+", CODE))
    # the table checks' names are generated from the schemas' rules
    words |= {name for table in RULES for name, _, _ in checks.declared(table)}
    assert len(names) > 50
    stale = sorted(n for n in names if n not in words and not n.startswith("list_"))
    assert not stale, f"README names {stale}, which no code mentions"


def test_views_the_readme_names_are_in_the_warehouse(clean_build):
    layout, _ = clean_build
    with duckdb.connect(str(layout.warehouse_path), read_only=True) as con:
        views = {r[0] for r in con.sql("SELECT view_name FROM duckdb_views()").fetchall()}
        macros = {r[0] for r in con.sql("SELECT function_name FROM duckdb_functions()").fetchall()}
    named = set(re.findall(r"`([a-z_]+)`", README))
    for name in (
        "cheapest_endpoint_per_model",
        "cheapest_endpoint_per_unit",
        "free_variant_training_flags",
        "price_changes",
        "catalog_changes",
        "usable_endpoints",
        "model_usage_daily",
        "market_share_daily",
        "model_share_daily",
        "model_trends",
        "provider_traffic_share",
        "effective_vs_list_price",
        "endpoint_uptime_daily",
        "endpoint_uptime_hourly",
        "provider_scorecard",
        "model_price_spread",
        "price_performance",
        "endpoint_performance_hourly",
        "endpoint_performance_daily",
        "fastest_endpoint_per_model",
        "performance_by_hour_of_day",
    ):
        assert name in named and name in views, name
    assert "cheapest_endpoint" in macros and "blended_usd_per_mtok" in macros
    assert "best_model_under" in macros


def test_the_demo_prints_the_views_own_column_names(clean_build):
    layout, _ = clean_build
    with duckdb.connect(str(layout.warehouse_path), read_only=True) as con:
        for view, sql in SHOW:
            shown = con.sql(sql.format(n=1)).columns
            own = con.sql(f"SELECT * FROM {view} LIMIT 0").columns
            assert set(shown) <= set(own), (view, set(shown) - set(own))


NUMBERS = {"three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}


def _said(pattern: str) -> list[int]:
    """Every count the README states in ``pattern`` (its number group in words or digits)."""
    found = re.findall(pattern, README)
    assert found, pattern
    return [NUMBERS.get(n, None) or int(n) for n in found]


def test_the_counts_the_readme_states_are_the_codes():
    """Groups, demo runs, notebook questions and charts, read from what they count."""
    import json

    from assets.definitions import defs
    from pipeline.cli.demo import sample_days

    groups = {spec.group_name for a in defs.assets for spec in a.specs}
    assert set(_said(r"(\w+) groups: `raw`")) == {len(groups)}
    assert set(_said(r"the demo's (\w+) runs of `daily_snapshot`")) == {len(sample_days())}
    notebook = json.loads((ROOT / "notebooks" / "explore.ipynb").read_text())
    questions = [
        c for c in notebook["cells"]
        if c["cell_type"] == "markdown" and re.match(r"## \d+\. ", "".join(c["source"]))
    ]  # fmt: skip
    assert set(_said(r"notebook answers (\w+) questions")) == {len(questions)}
    charts = len(list((ROOT / "pipeline" / "report").glob("[1-9]*.sql")))
    assert set(_said(r"(\w+) charts, one file")) == {charts}
