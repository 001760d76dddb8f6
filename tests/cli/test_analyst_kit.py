"""Where analysts meet the data: the notebook (executed top to bottom), the HTML report (whole,
charted, self-contained) and `openrouter-catalog query` (table, CSV, JSON, errors)."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
import re
import shutil
import subprocess
import sys
from collections import defaultdict
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import nbformat
import pytest

from pipeline.cli.notebook import execute_notebook
from pipeline.report.build import SQL_DIR as REPORT_SQL
from pipeline.report.build import build_report
from tests.conftest import DAYS, ROOT
from tests.support.day_checks import dec, healthy, priced_per_token
from tests.warehouse.test_price_changes import prices, stats_endpoints
from tests.warehouse.test_price_windows import ISSUE_0821
from tests.warehouse.test_price_windows import MODEL as HOURLY_MODEL

CHARTS = len(list(REPORT_SQL.glob("[1-9]*.sql")))  # one chart per query file

# --- the notebook ------------------------------------------------------------------------


def run_notebook(data_dir: Path) -> tuple[nbformat.NotebookNode, dict]:
    nb = execute_notebook(data_dir)
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    line = next(ln for ln in text.splitlines() if ln.startswith("ANSWERS "))
    return nb, json.loads(line.removeprefix("ANSWERS "))


@pytest.fixture(scope="module")
def hourly_demo(history_layout, tmp_path_factory) -> tuple[Path, str]:
    """The three days, and beside them the demo's later day with time-of-day prices, run into
    ``by-the-hour/`` by the demo's own step; with what that step printed."""
    from pipeline.cli.demo import show_prices_by_the_hour

    data = tmp_path_factory.mktemp("hourly") / "data"
    shutil.copytree(history_layout.base, data)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert show_prices_by_the_hour(data / "by-the-hour") == 0
    return data, out.getvalue()


@pytest.fixture(scope="module")
def notebook_run(hourly_demo):
    return run_notebook(hourly_demo[0])


def test_the_demo_shows_the_cheapest_provider_of_a_model_by_the_hour(hourly_demo):
    """In stretches of hours, as the issue's table of 2026-08-21 has them (which
    tests/warehouse/test_price_windows.py derives from raw)."""
    _, printed = hourly_demo
    assert f"cheapest_by_hour: {HOURLY_MODEL}, 2026-08-21" in printed
    stretches, start = [], 0
    for hour in range(1, 25):
        if hour == 24 or ISSUE_0821[hour] != ISSUE_0821[start]:
            stretches.append((start, hour, *ISSUE_0821[start]))
            start = hour
    assert len(stretches) == 6
    shown = []
    for line in printed.splitlines():
        cells = [c.strip() for c in line.strip("│ ").split("│")]
        if re.fullmatch(r"\d\d:00-\d\d:00", cells[0]):
            shown.append((cells[0], cells[1], round(float(cells[2]), 2), cells[3]))
    assert shown == [
        (f"{a:02d}:00-{b:02d}:00", provider, price, "Alibaba")
        for a, b, provider, price in stretches
    ]


def test_notebook_names_a_model_whose_cheapest_provider_depends_on_the_hour(notebook_run):
    _, answers = notebook_run
    q5 = answers["q5"]
    assert q5["data"] == "by-the-hour" and q5["polars_matches_view"]
    assert q5["model"] == HOURLY_MODEL and q5["models_depending_on_the_hour"] >= 1
    assert q5["providers_by_hour"] == [ISSUE_0821[h][0] for h in range(24)]


def test_notebook_runs_top_to_bottom_and_draws_charts(notebook_run):
    nb, _ = notebook_run
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 2


def test_notebook_answers_match_the_source(notebook_run):
    """Each answer, polars and DuckDB alike, against the newest day's raw records."""
    _, answers = notebook_run
    q1, q2, q3 = answers["q1"], answers["q2"], answers["q3"]
    newest = stats_endpoints(DAYS[2])
    # question 1: one request of 20,000 + 1,000 tokens of gpt-oss-120b, on its usable endpoints
    costs = [
        (
            20_000 * dec(e["pricing"].get("prompt", "0"))
            + 1_000 * dec(e["pricing"].get("completion", "0"))
            + dec(e["pricing"].get("request", "0")),
            e["provider_name"],
        )
        for e in newest.values()
        if e["model_variant_slug"] == "openai/gpt-oss-120b" and healthy(e) and priced_per_token(e)
    ]
    best = min(costs)[0]
    assert q1["polars_provider"] == q1["duckdb_provider"]
    assert q1["duckdb_provider"] in {provider for usd, provider in costs if usd == best}
    assert Decimal(str(q1["request_usd"])) == best  # exact: the view answers in decimals
    assert q1["endpoints"] == len(costs) >= 10
    # the chart draws one bar per endpoint, a provider's second endpoint included
    assert q1["bars"] == len(costs)
    assert len({provider for _, provider in costs}) < len(costs)  # such a provider exists
    # question 2: free endpoints whose own policy says they train on prompts
    free = [e for e in newest.values() if e["is_free"] or e["model_variant_slug"].endswith(":free")]
    training = sum(e["data_policy"]["training"] is True for e in free)
    assert q2["free_endpoints"] == len(free)
    assert q2["training_polars"] == q2["training_duckdb"] == training > 0
    # question 3, counted here from the recorded stats of the two newest days
    a, b = stats_endpoints(DAYS[1]), stats_endpoints(DAYS[2])
    expected = sum(
        prices(a[i])[c] != prices(b[i])[c] for i in a.keys() & b.keys() for c in prices(a[i])
    )
    assert (q3["from"], q3["to"]) == (DAYS[1], DAYS[2])
    assert q3["changes_polars"] == q3["changes_duckdb"] == expected > 0


def test_notebook_growth_matches_the_recorded_activity(notebook_run):
    """Question 4 against the three days' model-activity answers, each day once from the
    latest snapshot that saw it."""
    from tests.transforms.test_usage import recorded

    q4 = notebook_run[1]["q4"]
    latest: dict[tuple[str, str, str], tuple[int, str]] = {}
    for day in DAYS:
        for (p, v), activity in recorded(day, "activity").items():
            for r in activity["analytics"]:
                tokens = r["total_prompt_tokens"] + r["total_completion_tokens"]
                latest[(p, v, r["date"][:10])] = (tokens, day)
    end = max(d for (_, _, d), (_, seen) in latest.items() if d < seen)
    last: dict = defaultdict(int)
    prev: dict = defaultdict(int)
    for (p, v, d), (tokens, _) in latest.items():
        age = (dt.date.fromisoformat(end) - dt.date.fromisoformat(d)).days
        if 0 <= age < 7:
            last[(p, v)] += tokens
        elif 7 <= age < 14:
            prev[(p, v)] += tokens
    growth = sorted((last[k] / n - 1 for k, n in prev.items() if n > 1e9), reverse=True)
    assert q4["window_end"] == end == "2026-07-18"
    assert q4["growth_polars"] == pytest.approx(growth[:5])
    assert q4["top_polars"] == q4["top_view"]


def test_notebook_on_the_demo_data_alone_says_there_is_one_snapshot(clean_build):
    layout, _ = clean_build
    nb, answers = run_notebook(layout.base)
    assert answers["q3"] is None and answers["q1"]["endpoints"] > 5
    text = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
    assert "only one snapshot" in text
    # a day without time-of-day prices: question 5 says so
    assert answers["q5"]["models_depending_on_the_hour"] == 0
    assert "no model's cheapest provider depends on the hour" in text


# --- the report --------------------------------------------------------------------------


class References(HTMLParser):
    """Every attribute or CSS that could fetch something from outside the page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: dict[str, int] = {}
        self.outside: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] = self.tags.get(tag, 0) + 1
        if tag in ("script", "link", "iframe", "object", "embed", "img", "image", "use"):
            for name, value in attrs:
                if name in ("src", "href", "xlink:href", "data") and not (value or "").startswith(
                    ("#", "data:")
                ):
                    self.outside.append(f"<{tag} {name}={value}>")
            if tag in ("script", "link", "iframe", "object", "embed"):
                self.outside.append(f"<{tag}>")
        for name, value in attrs:
            if name in ("src", "href", "action", "poster", "srcset") and not (
                value or ""
            ).startswith(("#", "data:")):
                self.outside.append(f"<{tag} {name}={value}>")


def check_self_contained(page: str) -> References:
    refs = References()
    refs.feed(page)
    assert refs.outside == []
    assert not re.search(r"https?://|//[a-z0-9.-]+\.[a-z]{2,}/|@import|@font-face", page, re.I)
    assert all(u.startswith("url(#") for u in re.findall(r"url\([^)]*\)", page))
    return refs


def query_rows(warehouse: Path, chart: str) -> int:
    """Rows of a report chart's query (pipeline/report/NN_<chart>.sql), run here."""
    sql = next((ROOT / "pipeline" / "report").glob(f"??_{chart}.sql")).read_text()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return len(con.sql(sql).fetchall())


def test_report_is_written_with_its_charts_and_references_nothing_outside(clean_build):
    layout, result = clean_build
    page = layout.report_path.read_text()
    refs = check_self_contained(page)
    assert refs.tags.get("svg") == CHARTS  # every chart, inline
    charts = re.findall(r"<svg.*?</svg>", page, re.S)
    scatter, spread, policy, changes, share, paid, hourly, frontier, official, per_task = charts
    # a run without an API key: the Data API's charts say why they are empty
    assert "no official rankings stored (the Data API needs an API key)" in official
    assert "no benchmark run with a cost per task" in per_task
    rows = {
        name: query_rows(layout.warehouse_path, name)
        for name in ("price_vs_throughput", "price_spread", "training_policy")
    }
    # a mark per row of the chart's query: a dot per endpoint, a bar and a median per model,
    # a bar segment per (scope, policy)
    assert scatter.count("<circle") == rows["price_vs_throughput"] > 20
    assert spread.count("<circle") == rows["price_spread"] > 10
    assert policy.count("<title>") - 1 == rows["training_policy"] >= 2  # the svg's own title
    # one snapshot: no change to draw, and the chart says so instead of an empty frame
    assert "no price changed between the two newest snapshots (or only one)" in changes
    # usage: a bar segment per (day, author) of the last 31 days; a dot per busy endpoint
    assert share.count("<rect") - 7 - 1 == query_rows(layout.warehouse_path, "market_share")
    assert paid.count("<circle") == query_rows(layout.warehouse_path, "effective_vs_list") > 20
    # no hourly sample in a daily run: the chart says so; a dot per model with an index
    assert "no performance samples yet" in hourly
    assert frontier.count("<circle") == query_rows(layout.warehouse_path, "price_vs_intelligence")
    with duckdb.connect(str(layout.warehouse_path), read_only=True) as con:
        on = con.sql(
            "SELECT count(*) FROM price_performance "
            "WHERE index_name = 'intelligence_index' AND on_frontier"
        ).fetchall()[0][0]
    assert frontier.count(", on the frontier</title>") == on > 3
    for title in (
        "Price versus throughput",
        "Price spread per model",
        "Providers by training policy",
        "Latest price changes",
        "Market share by author",
        "List price versus price paid",
        "Throughput through the day",
        "Price against intelligence",
        "Official daily token share",
        "Accuracy against cost per task",
    ):
        assert title in page
    meta = result.asset_materializations_for_node("catalog_report")[0].metadata
    # the partition's own report; the undated one is the newest snapshot's, here the same
    dated = layout.report_path_for(dt.date.fromisoformat(DAYS[2]))
    assert meta["open"].value == dated.as_uri()
    assert dated.read_text() == page
    assert meta["charts"].value == CHARTS and meta["snapshot_shown"].value == DAYS[2]


def test_report_over_history_lists_the_latest_price_changes(history_layout):
    report = build_report(history_layout)
    assert report.snapshot_date.isoformat() == DAYS[2]
    a, b = stats_endpoints(DAYS[1]), stats_endpoints(DAYS[2])
    expected = sum(
        prices(a[i])[c] != prices(b[i])[c] for i in a.keys() & b.keys() for c in prices(a[i])
    )
    assert report.price_changes == expected > 0
    page = report.path.read_text()
    check_self_contained(page)
    changes = re.findall(r"<svg.*?</svg>", page, re.S)[3]
    assert changes.count("<rect") == min(expected, 20)  # a bar per change shown
    assert f"{expected} price components changed" in page
    assert page.count("<tr>") == 1 + min(expected, 30)  # header + rows shown


# --- openrouter-catalog query ---------------------------------------------------------------


def query(data_dir: Path, sql: str, *flags: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipeline", "query", sql, "--data-dir", str(data_dir), *flags],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )


SQL = (
    "SELECT model_id, provider_name, prompt_usd_per_mtok, endpoint_count "
    "FROM cheapest_endpoint_per_model ORDER BY endpoint_count DESC, model_id LIMIT 7"
)


def test_query_prints_csv_json_and_a_table(clean_build):
    layout, _ = clean_build
    with duckdb.connect(str(layout.warehouse_path), read_only=True) as con:
        expected = con.sql(SQL).fetchall()
    out = query(layout.base, SQL, "--format", "csv")
    assert out.returncode == 0, out.stderr
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert [(r["model_id"], r["provider_name"]) for r in rows] == [
        (m, p) for m, p, _, _ in expected
    ]
    # decimals exact, trailing zeros trimmed
    assert [r["prompt_usd_per_mtok"] for r in rows] == [
        format(d.normalize(), "f") for _, _, d, _ in expected
    ]
    out = query(layout.base, SQL, "--format", "json")
    data = json.loads(out.stdout)
    assert [(r["model_id"], r["endpoint_count"]) for r in data] == [
        (m, n) for m, _, _, n in expected
    ]
    out = query(layout.base, SQL)
    assert out.returncode == 0 and expected[0][0] in out.stdout and "7 rows" in out.stdout


@pytest.mark.parametrize(
    "sql, flags, message",
    [
        ("SELEC 1", (), "query failed: Parser Error"),
        ("SELECT * FROM no_such_view", (), "query failed: Catalog Error"),
        ("SELECT 1", ("--format", "xml"), "--format must be table, csv or json"),
    ],
)
def test_query_errors_are_one_line(clean_build, sql, flags, message):
    layout, _ = clean_build
    out = query(layout.base, sql, *flags)
    assert out.returncode == 1
    assert out.stderr.strip().startswith(f"error: {message}") and len(out.stderr.splitlines()) == 1


def test_query_without_a_warehouse_says_how_to_build_one(tmp_path):
    out = query(tmp_path, "SELECT 1")
    assert out.returncode == 1 and "make demo" in out.stderr


def test_the_report_of_a_partition_draws_that_snapshot(history_layout):
    """The report of 07-18 (built after 07-19 existed) shows 07-18: its own date, the price
    changes from 07-17 into it, and none of 07-19's."""
    report = build_report(history_layout, dt.date.fromisoformat(DAYS[1]))
    assert report.snapshot_date.isoformat() == DAYS[1]
    assert report.path.name == f"catalog_report_{DAYS[1]}.html"
    a, b = stats_endpoints(DAYS[0]), stats_endpoints(DAYS[1])
    expected = sum(
        prices(a[i])[c] != prices(b[i])[c] for i in a.keys() & b.keys() for c in prices(a[i])
    )
    assert report.price_changes == expected > 0
    page = report.path.read_text()
    assert f"OpenRouter catalog on {DAYS[1]}" in page and DAYS[2] not in page
    # the newest report is left as it was
    assert f"OpenRouter catalog on {DAYS[2]}" in history_layout.report_path.read_text()
    with pytest.raises(ValueError, match="no snapshot of 2026-07-10"):
        build_report(history_layout, dt.date(2026, 7, 10))
