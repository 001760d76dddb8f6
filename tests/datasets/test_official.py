"""OpenRouter's official daily rankings, from the real rows a public recorder kept, through a
real Dagster run against the replay: the first run backfills them all, a later one replaces a
revised day and counts it, the budget holds, and the views agree with plain Python.

The benchmark runs and the zero-data-retention list served here are built in the test: the
runs from the OpenAPI text's example item (its fields, other figures), the list from the
bundled sample's own v1 endpoints of three providers. No real answer of either is recorded.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipeline.fetch.datasets import windows
from tests.conftest import ROOT, Sample, materialization
from tests.datasets.support import (
    SAMPLE,
    answers_folder,
    datasets_rows,
    recorded_rows,
    run,
    serving,
)

FIRST, NEXT = "2026-08-22", "2026-08-23"
ZDR_PROVIDERS = ("DeepInfra", "Novita", "Azure")
# (benchmark, model, accuracy, avg cost per task): some runs dominated, some not
RUNS = [
    ("gpqa_diamond", "openai/gpt-4o", 0.72, 0.002),
    ("gpqa_diamond", "anthropic/claude-sonnet-4", 0.80, 0.010),
    ("gpqa_diamond", "google/gemini-2.5-flash", 0.70, 0.003),
    ("gpqa_diamond", "x-ai/grok-4", 0.80, 0.012),
    ("gpqa_diamond", "qwen/qwen3-32b", 0.60, 0.001),
    ("tau_bench_verified_airline", "openai/gpt-4o", 0.50, 0.05),
    ("tau_bench_verified_airline", "anthropic/claude-sonnet-4", 0.60, 0.04),
]


def _design_arena() -> dict:
    """The OpenAPI text's example of a Design Arena item (UnifiedBenchmarksDAItem)."""
    import gzip

    import yaml

    spec = yaml.safe_load(
        gzip.decompress((ROOT / "tests/fixtures/datasets/data-api-openapi.yaml.gz").read_bytes())
    )
    return spec["components"]["schemas"]["UnifiedBenchmarksDAItem"]["example"]


def _benchmarks() -> dict:
    example = json.loads((SAMPLE / "benchmarks.json").read_text())
    [item] = [i for i in example["data"] if i["source"] == "openrouter"]
    data = [i for i in example["data"] if i["source"] != "openrouter"] + [_design_arena()]
    for bench, model, acc, cost in RUNS:
        data.append(
            {**item, "benchmark_type": bench, "model_permaslug": model, "display_name": model,
             "accuracy": acc, "avg_cost_per_task": cost}
        )  # fmt: skip
    return {"data": data, "meta": example["meta"]}


def _zdr(sample: Sample) -> list[dict]:
    out = []
    for doc in sample.bodies("v1_endpoints").values():
        model = doc["data"]
        for e in model["endpoints"]:
            if e["provider_name"] in ZDR_PROVIDERS:
                out.append({**e, "model_id": model["id"], "model_name": model["name"]})
    return out


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The first run (2026-08-22) and the next day's, whose answer revised one row of the
    last recorded day."""
    tmp = tmp_path_factory.mktemp("official")
    sample = Sample(Path(__file__).parents[2] / "data" / "sample")
    zdr = _zdr(sample)
    first_folder = answers_folder(
        tmp / "answers",
        files={"benchmarks.json": _benchmarks(), "endpoints_zdr.json": {"data": zdr}},
    )
    data_dir = tmp / "data"
    with serving(first_folder) as url:
        first, first_lines = run(url, data_dir, FIRST)
    assert first.success
    stored = {
        p: p.read_bytes() for p in (data_dir / "tables/official_rankings_daily").rglob("*.parquet")
    }
    rows = recorded_rows()
    revised_slug = next(iter(rows["2026-08-21"]))
    rows["2026-08-21"][revised_slug] = {
        **rows["2026-08-21"][revised_slug],
        "total_tokens": str(int(rows["2026-08-21"][revised_slug]["total_tokens"]) + 1234),
    }
    second_folder = answers_folder(
        tmp / "revised",
        rows=rows,
        files={"benchmarks.json": _benchmarks(), "endpoints_zdr.json": {"data": zdr}},
    )
    with serving(second_folder) as url:
        second, second_lines = run(url, data_dir, NEXT)
    assert second.success
    return {
        "data_dir": data_dir,
        "first": first,
        "first_lines": first_lines,
        "second": second,
        "second_lines": second_lines,
        "stored_after_first": stored,
        "revised": (revised_slug, rows["2026-08-21"][revised_slug]["total_tokens"]),
        "zdr": zdr,
    }


def _official(data_dir: Path) -> pl.DataFrame:
    return pl.read_parquet(data_dir / "tables/official_rankings_daily/date=*/*.parquet")


def test_a_first_run_backfills_every_recorded_row_exactly(runs):
    data_dir = runs["data_dir"]
    # what the first run stored, before the second revised a day
    first = pl.concat(
        [pl.read_parquet(io.BytesIO(b)) for _, b in sorted(runs["stored_after_first"].items())]
    )
    expected = {
        (d, slug, int(r["total_tokens"]))
        for d, day in recorded_rows().items()
        for slug, r in day.items()
    }
    got = {
        (str(d), s, t)
        for d, s, t in first.select("date", "model_permaslug", "total_tokens").iter_rows()
    }
    assert got == expected and first.height == len(expected) == 4590
    assert first.filter(pl.col("is_other")).height == 90  # one 'other' row a day
    assert (
        first.select(pl.col(["period", "modality", "category"]).is_null().all()).row(0)
        == (True,) * 3
    )
    assert first["snapshot_date"].unique().to_list() == [dt.date(2026, 8, 22)]
    assert first["as_of"].null_count() == 0
    # one file per data date
    days = sorted(
        p.parent.name for p in (data_dir / "tables/official_rankings_daily").glob("date=*/*")
    )
    assert days == [f"date={d}" for d in sorted(recorded_rows())]
    # the windows: fixed 366-day windows from 2025-01-01 up to the day before the snapshot
    asked = [
        r["key"] for r in datasets_rows(data_dir, FIRST) if r["source"] == "datasets_rankings_daily"
    ]
    assert asked == [f"{a}..{b}" for a, b in windows(dt.date(2025, 1, 1), dt.date(2026, 8, 21))]
    assert asked == ["2025-01-01..2026-01-01", "2026-01-02..2026-08-21"]


def test_a_later_answer_replaces_a_revised_day_and_is_counted(runs):
    data_dir = runs["data_dir"]
    slug, tokens = runs["revised"]
    asked = [
        r["key"] for r in datasets_rows(data_dir, NEXT) if r["source"] == "datasets_rankings_daily"
    ]
    assert asked == ["2026-08-18..2026-08-22"]  # three days before the last stored one
    meta = materialization(runs["second"], "official_rankings_daily").metadata
    assert meta["revisions"].value == 1
    assert any("1 revisions (days 2026-08-21)" in line for line in runs["second_lines"])
    now = _official(data_dir)
    row = now.filter((pl.col("date") == dt.date(2026, 8, 21)) & (pl.col("model_permaslug") == slug))
    assert row["total_tokens"].to_list() == [int(tokens)]
    assert row["snapshot_date"].to_list() == [dt.date(2026, 8, 23)]
    # every other row is the first run's, as it was
    before = pl.concat(
        [pl.read_parquet(io.BytesIO(b)) for _, b in sorted(runs["stored_after_first"].items())]
    )
    key = ["date", "model_permaslug"]
    same = now.join(before, on=key, suffix="_b").filter(
        pl.col("total_tokens") != pl.col("total_tokens_b")
    )
    assert same.select(key).rows() == [(dt.date(2026, 8, 21), slug)]
    assert now.height == before.height


def test_the_budget_of_a_first_and_a_daily_run(runs):
    """A first run spends a handful of calls, a day's run fewer than 30 (the key's minute),
    and the ledger in the storage root counts every attempt of both."""
    data_dir = runs["data_dir"]
    first = sum(r["attempts"] for r in datasets_rows(data_dir, FIRST))
    daily = sum(r["attempts"] for r in datasets_rows(data_dir, NEXT))
    assert first == 6  # two rankings windows, tasks, apps, benchmarks, one page of sessions
    assert daily == 5 < 30
    [ledger] = (data_dir / "quota/datasets/host=127.0.0.1").glob("day=*.json")
    assert json.loads(ledger.read_text())["spent"] == first + daily <= 450


def _warehouse(data_dir: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)


def test_official_shares_and_trends_against_plain_python(runs):
    rows = recorded_rows()
    slug, tokens = runs["revised"]
    rows["2026-08-21"][slug]["total_tokens"] = tokens
    share = {}
    for d, day in rows.items():
        total = sum(int(r["total_tokens"]) for r in day.values())
        for s, r in day.items():
            share[(d, s)] = int(r["total_tokens"]) / total
    with _warehouse(runs["data_dir"]) as con:
        got = {
            (str(d), s): v
            for d, s, v in con.sql(
                "SELECT date, model_permaslug, token_share FROM official_token_share_daily"
            ).fetchall()
        }
        trends = con.sql(
            "SELECT date, model_permaslug, change_7d, change_30d FROM official_model_trends"
        ).fetchall()
    assert got == share  # exact: the counts and their sums are exact in a double
    assert len(trends) == len(share)
    for d, s, c7, c30 in trends:
        for days, change in ((7, c7), (30, c30)):
            then = (str(d - dt.timedelta(days=days)), s)
            assert change == (share[(str(d), s)] - share[then] if then in share else None)


def test_task_leaders_and_the_cost_per_task_frontier_against_plain_python(runs):
    tasks = json.loads((SAMPLE / "task_classifications.json").read_text())["data"]
    expected = [
        (c["tag"], rank, m["id"], c["token_share"] * m["tag_token_share"])
        for c in tasks["classifications"]
        for rank, m in enumerate(c["models"], start=1)
    ]
    frontier = {}
    for bench, model, acc, cost in RUNS:
        frontier[(bench, model)] = not any(
            b == bench and a >= acc and c <= cost and (a > acc or c < cost) for b, _, a, c in RUNS
        )
    with _warehouse(runs["data_dir"]) as con:
        leaders = con.sql(
            "SELECT tag, rank, model_permaslug, share_of_classified_tokens FROM task_leaders"
        ).fetchall()
        got = {
            (b, m): f
            for b, m, f in con.sql(
                "SELECT benchmark_type, model_permaslug, on_frontier FROM cost_per_task_frontier"
            ).fetchall()
        }
    assert leaders == expected
    assert got == frontier
    assert sorted(k for k, v in frontier.items() if v) == [
        ("gpqa_diamond", "anthropic/claude-sonnet-4"),
        ("gpqa_diamond", "openai/gpt-4o"),
        ("gpqa_diamond", "qwen/qwen3-32b"),
        ("tau_bench_verified_airline", "anthropic/claude-sonnet-4"),
    ]


def test_zero_retention_flags_and_the_cheapest_zdr_pick_against_plain_python(runs):
    data_dir = runs["data_dir"]
    listed = {(e["model_id"], e["tag"]) for e in runs["zdr"]}
    endpoints = pl.read_parquet(data_dir / f"tables/endpoints/snapshot_date={NEXT}/part-0.parquet")
    flags = {
        (m, t): f
        for m, t, f in endpoints.select(
            "model_id", "provider_tag", "is_zero_data_retention"
        ).iter_rows()
    }
    assert {k for k, f in flags.items() if f} == listed & set(flags)
    assert all(f is False for k, f in flags.items() if k not in listed)
    best: dict[str, tuple] = {}
    for e in endpoints.iter_rows(named=True):
        healthy = (
            not (e["is_disabled"] or e["is_hidden"] or e["is_deranked"]) and (e["status"] or 0) >= 0
        )
        p, c = e["prompt_usd_per_mtok"], e["completion_usd_per_mtok"]
        priced = (
            e["is_priced_per_token"]
            if e["is_priced_per_token"] is not None
            else (p is not None and c is not None)
        )
        if not (healthy and priced and (e["model_id"], e["provider_tag"]) in listed):
            continue
        blended = (3 * Decimal(p) + Decimal(c)) / 4
        order = (
            blended,
            -(e["uptime_last_1d"] if e["uptime_last_1d"] is not None else float("-inf")),
            -(e["throughput_p50_tps"] if e["throughput_p50_tps"] is not None else float("-inf")),
            e["provider_name"],
            e["endpoint_id"],
        )
        if e["model_id"] not in best or order < best[e["model_id"]][0]:
            best[e["model_id"]] = (order, e["endpoint_id"])
    with _warehouse(data_dir) as con:
        got = dict(
            con.sql("SELECT model_id, endpoint_id FROM zdr_cheapest_endpoint_per_model").fetchall()
        )
    assert got == {m: eid for m, (_, eid) in best.items()}
    assert len(got) > 50


def test_model_benchmarks_gains_what_benchmarks_adds_beyond_the_v1_list(runs):
    """The Design Arena item's figures that the v1 list does not carry for that model, arena
    and category (its placings, its generation time; elo and win rate when the list lacks
    them) are rows reported_by 'benchmarks'; the rest stays the v1 list's."""
    item = _design_arena()
    sample = Sample(ROOT / "data" / "sample")
    models = {m["id"]: m for m in sample.data("v1_models")}
    catalog = {
        (r["canonical_slug"] or r["id"]): r["id"] for r in models.values() if ":" not in r["id"]
    }
    model_id = catalog.get(item["model_permaslug"], item["model_permaslug"])
    listed = {
        (a["arena"], a["category"], m)
        for a in ((models.get(model_id) or {}).get("benchmarks") or {}).get("design_arena") or []
        for m in ("elo", "win_rate", "rank")
    }
    figures = {"elo": item["elo"], "win_rate": item["win_rate"]}
    figures["avg_generation_time_ms"] = item["avg_generation_time_ms"]
    figures |= {f"tournament_{k}": v for k, v in item["tournament_stats"].items()}
    expected = {
        (model_id, "design_arena", item["arena"], item["category"], m, float(v))
        for m, v in figures.items()
        if (item["arena"], item["category"], m) not in listed
    }
    # the Artificial Analysis item of the example, for a model the v1 list does not score
    [aa] = [i for i in _benchmarks()["data"] if i["source"] == "artificial-analysis"]
    aa_id = catalog.get(aa["model_permaslug"], aa["model_permaslug"])
    if aa_id in models and not (models[aa_id].get("benchmarks") or {}).get("artificial_analysis"):
        for m in ("intelligence_index", "coding_index", "agentic_index"):
            expected.add((aa_id, "artificial_analysis", None, None, m, float(aa[m])))
    table = pl.read_parquet(
        runs["data_dir"] / f"tables/model_benchmarks/snapshot_date={FIRST}/part-0.parquet"
    )
    added = table.filter(pl.col("reported_by") == "benchmarks")
    got = set(added.select("model_id", "source", "arena", "category", "metric", "value").rows())
    assert got == expected and len(expected) >= 6
    assert set(table["reported_by"].unique()) == {"v1_models", "benchmarks"}


def test_the_report_and_the_digest_show_the_official_datasets_with_their_citation(runs):
    """The stacked area has a band per top model (and the rest); the cost-per-task chart a
    dot per run; each section, and the digest's movers, print the call's citation with the
    rows' as_of and license."""
    import re

    data_dir = runs["data_dir"]
    page = (data_dir / "reports" / f"catalog_report_{NEXT}.html").read_text()
    charts = re.findall(r"<svg.*?</svg>", page, re.S)
    official, per_task = charts[-2], charts[-1]
    assert official.count("<polygon") == 9  # the 8 biggest models and the rest
    assert per_task.count("<circle") == len(RUNS)  # a dot per run (the legend draws squares)
    as_of = "2026-08-23T02:00:00.000Z"  # the second run's answer: end_date 08-22, plus a day
    cite = f"Source: OpenRouter (openrouter.ai/rankings), as of {as_of}. License: CC BY 4.0"
    assert cite in page
    digest = (data_dir / "reports" / f"digest_{NEXT}.md").read_text()
    assert "## Official token share, biggest 7-day moves (10)" in digest
    assert cite in digest


def test_the_demo_prints_the_top_5_by_official_share_over_the_last_30_days(runs):
    import contextlib

    from pipeline.cli.demo import show_official_top

    rows = recorded_rows()
    slug, tokens = runs["revised"]
    rows["2026-08-21"][slug]["total_tokens"] = tokens
    last = dt.date.fromisoformat(max(rows))
    recent = [d for d in rows if dt.date.fromisoformat(d) > last - dt.timedelta(days=30)]
    total = sum(int(r["total_tokens"]) for d in recent for r in rows[d].values())
    per: dict[str, int] = {}
    for d in recent:
        for s, r in rows[d].items():
            if s != "other":
                per[s] = per.get(s, 0) + int(r["total_tokens"])
    top = sorted(per.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
    out = io.StringIO()
    with _warehouse(runs["data_dir"]) as con, contextlib.redirect_stdout(out):
        show_official_top(con)
    printed = out.getvalue()
    assert f"top 5 models, {min(recent)} to {max(recent)}" in printed
    lines = [line for line in printed.splitlines() if line.startswith("│ ") and "/" in line]
    assert [line.split("│")[1].strip() for line in lines] == [s for s, _ in top]
    for line, (_, n) in zip(lines, top, strict=True):
        assert line.split("│")[3].strip() == str(n)
        assert float(line.split("│")[4]) == round(n / total, 4)
    assert "Source: OpenRouter (openrouter.ai/rankings), as of" in printed
