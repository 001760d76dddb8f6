"""``make demo``: the whole product against the bundled sample, over real loopback HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb

from pipeline.replay.launcher import replay_server
from pipeline.replay.server import BUNDLED_SAMPLE
from pipeline.storage.layout import Layout

SAMPLE_DATE = "2026-07-19"  # the bundled sample's own day (data/sample/README.md)
# a later real day with time-of-day prices, run into a data folder of its own: its recorder
# kept no catalog, so against the three days its catalog would read as half removed
BY_THE_HOUR = "by-the-hour"
HOURLY_MODEL = "deepseek/deepseek-v4-pro-0813"
# the cheapest provider of a model through the day, as stretches of hours at one price
HOURLY_SQL = """
WITH c AS (
    SELECT *, provider_name || ' ' || round(blended_usd_per_mtok, 4) AS k
    FROM cheapest_by_hour WHERE model_id = '{model}'
),
r AS (
    SELECT *, sum(CASE WHEN k IS DISTINCT FROM before THEN 1 ELSE 0 END)
        OVER (ORDER BY hour_utc) AS stretch
    FROM (SELECT *, lag(k) OVER (ORDER BY hour_utc) AS before FROM c)
)
SELECT printf('%02d:00-%02d:00', min(hour_utc), max(hour_utc) + 1) AS utc_hours,
       any_value(provider_name) AS cheapest_provider,
       round(any_value(blended_usd_per_mtok), 4) AS blended_usd_per_mtok,
       any_value(base_provider_name) AS base_price_answer,
       round(any_value(base_blended_usd_per_mtok), 4) AS base_blended_usd_per_mtok
FROM r GROUP BY stretch ORDER BY min(hour_utc)
"""
SUMMARY = Path(__file__).parents[1] / "report" / "00_summary.sql"

# What the demo prints after the runs: the first rows of a few views, under the views' own
# column names (a test checks that), prices rounded for the screen.
SHOW = (
    (
        "cheapest_endpoint_per_model",
        "SELECT model_id, provider_name, provider_tag, "
        "round(prompt_usd_per_mtok, 4) AS prompt_usd_per_mtok, "
        "round(completion_usd_per_mtok, 4) AS completion_usd_per_mtok, "
        "round(blended_usd_per_mtok, 4) AS blended_usd_per_mtok, discount, endpoint_count, "
        "runner_up_provider, round(savings_vs_median_pct, 1) AS savings_vs_median_pct "
        "FROM cheapest_endpoint_per_model "
        "WHERE endpoint_count >= 3 ORDER BY endpoint_count DESC, model_id LIMIT {n}",
    ),
    (
        "cheapest_endpoint_per_unit",
        # one example per unit, the most common units first
        "WITH u AS (SELECT *, count(*) OVER (PARTITION BY unit) AS priced "
        "FROM cheapest_endpoint_per_unit WHERE kind = 'unit') "
        "SELECT model_id, item, unit, tier_label, provider_name, "
        "round(usd_per_unit, 4) AS usd_per_unit, endpoint_count, runner_up_provider FROM u "
        "QUALIFY row_number() OVER (PARTITION BY unit ORDER BY endpoint_count DESC, model_id, "
        "item, tier_label NULLS FIRST) = 1 ORDER BY priced DESC, unit LIMIT {n}",
    ),
    (
        "free_variant_training_flags",
        "SELECT model_id, provider_name, trains_on_prompts, retains_prompts, retention_days, "
        "policy_source, paid_variant_without_training FROM free_variant_training_flags "
        "ORDER BY model_id, provider_name LIMIT {n}",
    ),
    (
        "price_changes",
        "SELECT model_id, provider_name, provider_tag, component, "
        "round(old_usd_per_mtok, 4) AS old_usd_per_mtok, "
        "round(new_usd_per_mtok, 4) AS new_usd_per_mtok, round(pct_change, 1) AS pct_change, "
        "from_date, to_date FROM price_changes ORDER BY to_date DESC, abs(pct_change) DESC "
        "NULLS LAST, model_id, provider_name, provider_tag, component LIMIT {n}",
    ),
    (
        "catalog_changes",
        "SELECT change, model_id, provider_name, provider_tag, from_date, to_date "
        "FROM catalog_changes "
        "ORDER BY to_date DESC, change, model_id, provider_name, provider_tag LIMIT {n}",
    ),
    (
        "market_share_daily",
        # the newest complete day (the snapshot's own day is still counting)
        "SELECT usage_date, author, tokens, round(share, 4) AS share "
        "FROM market_share_daily WHERE usage_date = "
        "(SELECT max(usage_date) FROM market_share_daily WHERE is_complete) "
        "ORDER BY share DESC LIMIT {n}",
    ),
    (
        "model_trends",
        "SELECT model_id, tokens_last_7d, tokens_prev_7d, round(growth, 3) AS growth, "
        "rank_last_7d, rank_change FROM model_trends WHERE tokens_prev_7d > 1e9 "
        "ORDER BY growth DESC LIMIT {n}",
    ),
    (
        "price_performance",
        # the models nothing beats on both price and the intelligence index, cheapest first
        "SELECT model_id, index_name, index_value, "
        "round(blended_usd_per_mtok, 4) AS blended_usd_per_mtok, "
        "round(usd_per_index_point, 5) AS usd_per_index_point, provider_name "
        "FROM price_performance WHERE index_name = 'intelligence_index' AND on_frontier "
        "ORDER BY blended_usd_per_mtok, model_id LIMIT {n}",
    ),
)


def run_command(base_url: str, data_dir: str | Path, date: str, *flags: str) -> list[str]:
    """``openrouter-catalog run`` of one date against one server, as a child process runs it
    (the demo, and the tests and benchmarks that start runs the way a user does)."""
    return [
        sys.executable, "-m", "pipeline", "run", "--base-url", base_url,
        "--data-dir", str(data_dir), "--snapshot-date", date, *flags,
    ]  # fmt: skip


def sample_days(sample: Path = BUNDLED_SAMPLE) -> list[tuple[str, Path]]:
    """(date, raw snapshot folder) of every bundled day, oldest first: the days under
    ``earlier/`` and the sample itself (its date from its own log)."""
    days = [(p.name, p) for p in sorted((sample / "earlier").glob("20??-??-??"))]
    return [*days, (SAMPLE_DATE, sample)]


# OpenRouter's official daily rankings: each model's share of the tokens over the last 30 days
# of the stored rows ('other' is the long tail of each day)
OFFICIAL_TOP = """
WITH recent AS (
    SELECT * FROM official_token_share_daily
    WHERE "date" > (SELECT max("date") FROM official_token_share_daily) - 30
)
SELECT model_permaslug, model_id, sum(total_tokens) AS tokens,
       round(sum(total_tokens) / (SELECT sum(total_tokens) FROM recent), 4) AS share,
       min("date") AS since, max("date") AS until, max(as_of) AS as_of
FROM recent WHERE NOT is_other
GROUP BY ALL ORDER BY tokens DESC, model_permaslug LIMIT 5
"""
# the key the demo's runs send: the replay on loopback wants one for the Data API, and no key
# leaves this machine (the client sends it to loopback or over https only)
DEMO_KEY = "sk-or-demo-replay"


def _with_key() -> dict[str, str]:
    return {**os.environ, "OPENROUTER_API_KEY": os.environ.get("OPENROUTER_API_KEY") or DEMO_KEY}


def show_official_top(con: duckdb.DuckDBPyConnection) -> None:
    """The top 5 models by OpenRouter's official share over the last 30 days of its rows."""
    found = con.sql(OFFICIAL_TOP)
    rows = found.fetchall()
    if not rows:
        print("\ndemo: no official rankings stored (the Data API needs a key)")
        return
    since, until, as_of = rows[0][4], rows[0][5], max(r[6] for r in rows)
    print(f"\n== official_token_share_daily: top 5 models, {since} to {until} ==")
    found.select("model_permaslug, model_id, tokens, share").show(max_width=200)
    print(
        f"Source: OpenRouter (openrouter.ai/rankings), as of {as_of}. License: CC BY 4.0; "
        "each provider's tokenizer counts its own way."
    )


def run_demo(data_dir: str, rows: int) -> int:
    days = sample_days()
    print(
        f"demo: {len(days)} real days ({days[0][0]} to {days[-1][0]}), each replayed on "
        "loopback and run through the pipeline in order, so the history shows what changed",
        flush=True,
    )
    for i, (date, folder) in enumerate(days, start=1):
        with replay_server(str(folder)) as url:
            print(f"\ndemo: day {i} of {len(days)}, {date}: replay server at {url}", flush=True)
            # --refetch: the demo is about fetching over HTTP, every time
            code = subprocess.call(run_command(url, data_dir, date, "--refetch"), env=_with_key())
        if code != 0:
            print(f"demo: the run of {date} failed (exit {code})", file=sys.stderr)
            return code
    layout = Layout(data_dir)
    with duckdb.connect(str(layout.warehouse_path), read_only=True) as con:
        date = con.sql("SELECT max(snapshot_date) FROM endpoints").fetchall()[0][0]
        print(f"\ndemo: the answers of {date}, the newest day built")
        counts = con.sql(SUMMARY.read_text()).fetchall()[0]
        cols = con.sql(SUMMARY.read_text()).columns
        figures = dict(zip(cols, counts, strict=True))
        print(
            f"demo: {figures['models_on_offer']} models on offer (a healthy endpoint), "
            f"{figures['models_listed']} listed by /api/v1/models, "
            f"{figures['models_catalog_only']} catalog-only rows (not in /api/v1/models: "
            f"hidden, deprecated or without endpoint); {figures['endpoints']} endpoints of "
            f"{figures['providers']} providers; "
            f"{figures['snapshots']} snapshots in history"
        )
        for view in (v for v, _ in SHOW):
            n = con.sql(f"SELECT count(*) FROM {view}").fetchall()[0][0]
            print(f"demo: view {view}: {n} rows")
        for view, sql in SHOW:
            print(f"\n== {view} (first {rows} rows) ==")
            con.sql(sql.format(n=rows)).show(max_width=200)
        show_official_top(con)
    code = show_prices_by_the_hour(Path(data_dir) / BY_THE_HOUR)
    if code != 0:
        return code
    print(
        f"\ndemo: warehouse at {layout.warehouse_path}; open it with duckdb.connect(path, "
        "read_only=True); 'make ui' shows the runs and assets"
    )
    print(f"demo: report at {layout.report_path} (one HTML file, opens offline)")
    newest = layout.dates("models")[-1]
    print(
        f"demo: what changed on {newest}: {layout.digest_path(newest)} "
        "(openrouter-catalog digest prints it)"
    )
    return 0


def show_prices_by_the_hour(data_dir: Path, sample: Path = BUNDLED_SAMPLE) -> int:
    """The bundled later day (data/sample/by-the-hour/) run into ``data_dir``, and the model
    whose cheapest provider changes with the hour, stretch by stretch."""
    day = next(iter(sorted((sample / BY_THE_HOUR).glob("20??-??-??"))), None)
    if day is None:
        print("demo: no later day bundled (data/sample/by-the-hour/): prices by the hour skipped")
        return 0
    with replay_server(str(day)) as url:
        print(
            f"\ndemo: prices by the hour: {day.name} (a later real day, with time-of-day "
            f"prices), replayed at {url} into {data_dir}",
            flush=True,
        )
        code = subprocess.call(run_command(url, data_dir, day.name, "--refetch"))
    if code != 0:
        print(f"demo: the run of {day.name} failed (exit {code})", file=sys.stderr)
        return code
    with duckdb.connect(str(Layout(str(data_dir)).warehouse_path), read_only=True) as con:
        changing = con.sql(
            "SELECT count(DISTINCT model_id) FROM cheapest_by_hour "
            "WHERE provider_name <> base_provider_name"
        ).fetchall()[0][0]
        print(
            f"demo: on {day.name}, {changing} {'model has' if changing == 1 else 'models have'} "
            "a cheaper provider than the "
            "base-price answer for part of the day (view cheapest_by_hour)"
        )
        print(f"\n== cheapest_by_hour: {HOURLY_MODEL}, {day.name}, in stretches of hours ==")
        con.sql(HOURLY_SQL.format(model=HOURLY_MODEL)).show(max_width=200)
    return 0
