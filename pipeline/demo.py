"""``make demo``: the whole product against the bundled sample, over real loopback HTTP."""

from __future__ import annotations

import subprocess
import sys

import duckdb

from pipeline.replay.launcher import replay_server
from pipeline.storage import Layout

SHOW = (
    (
        "cheapest_endpoint_per_model",
        "SELECT model_id, provider_name, round(prompt_usd_per_mtok, 4) AS prompt_mtok, "
        "round(completion_usd_per_mtok, 4) AS completion_mtok, "
        "round(blended_usd_per_mtok, 4) AS blended_mtok, endpoint_count, runner_up_provider, "
        "round(savings_vs_median_pct, 1) AS savings_pct FROM cheapest_endpoint_per_model "
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
        "market_share_daily",
        # the newest complete day (the snapshot's own day is still counting)
        "SELECT usage_date, author, tokens, round(100 * share, 1) AS share_pct "
        "FROM market_share_daily WHERE usage_date = "
        "(SELECT max(usage_date) FROM market_share_daily WHERE is_complete) "
        "ORDER BY share DESC LIMIT {n}",
    ),
    (
        "model_trends",
        "SELECT model_id, tokens_last_7d, tokens_prev_7d, round(100 * growth, 1) AS growth_pct, "
        "rank_last_7d, rank_change FROM model_trends WHERE tokens_prev_7d > 1e9 "
        "ORDER BY growth DESC LIMIT {n}",
    ),
)


def run_demo(data_dir: str, snapshot_date: str, rows: int) -> int:
    print("demo: starting the replay server with the bundled sample (data/sample/)", flush=True)
    with replay_server() as url:
        print(f"demo: replay server at {url}; running the pipeline", flush=True)
        code = subprocess.call(
            [
                sys.executable,
                "-m",
                "pipeline",
                "run",
                "--base-url",
                url,
                "--data-dir",
                data_dir,
                "--snapshot-date",
                snapshot_date,
                "--refetch",  # the demo is about fetching over HTTP, every time
            ]
        )
    print("demo: replay server stopped", flush=True)
    if code != 0:
        return code
    path = Layout(data_dir).warehouse_path
    with duckdb.connect(str(path), read_only=True) as con:
        for view in ("models", "endpoints", "providers", *(v for v, _ in SHOW)):
            n = con.sql(f"SELECT count(*) FROM {view}").fetchall()[0][0]
            print(f"demo: view {view}: {n} rows")
        for view, sql in SHOW:
            print(f"\n== {view} (first {rows} rows) ==")
            con.sql(sql.format(n=rows)).show(max_width=200)
    print(
        f"\ndemo: warehouse at {path}; open it with duckdb.connect(path, read_only=True);"
        " 'make ui' shows the assets"
    )
    print(f"demo: report at {Layout(data_dir).report_path} (one HTML file, opens offline)")
    return 0
