"""The traffic tables over all 20 shared real days (2026-07-17 → 08-05), built from raw out of
order (the last ten first, then the rest), against values computed here from the recorded
JSON: every usage day once, from the latest snapshot that saw it; market shares summing to 1;
provider shares and effective prices of the newest day equal to its records; uptime days
once. It also checks the fetch's skip rule on every day (no answer with data is left out)
and prints the requests a day costs by that rule.

Reads ../shared/openrouter-samples (not in the repository, so not part of ``make test``):

    .venv/bin/python scripts/check_usage_days.py [--shared DIR] 2>/dev/null
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402

from pipeline.storage.layout import Layout  # noqa: E402
from tests.conftest import rebuild_from_raw  # noqa: E402
from tests.support.recorded_day import build_day  # noqa: E402


def lines_of(day: Path) -> list[dict]:
    with gzip.open(day / "model_stats.jsonl.gz") as fh:
        return [json.loads(x) for x in fh]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", default=str(ROOT.parent / "shared" / "openrouter-samples"))
    args = ap.parse_args()
    days = sorted(Path(args.shared).glob("daily_2026-0*/2026-*"))
    assert len(days) == 20, f"expected 20 days, found {len(days)}"
    problems: list[str] = []

    # the skip rule and the requests of each day
    usage: dict[tuple[str, str, str], tuple[dict, str]] = {}
    for day in days:
        lines = lines_of(day)
        every = {(x["permaslug"], x["variant"]) for x in lines}
        served = {(x["permaslug"], x["variant"]) for x in lines if x["endpoints"]}
        ranked = day / "rankings.json.gz"
        if ranked.is_file():
            rows = json.loads(gzip.decompress(ranked.read_bytes()))
            wanted = served | ({(r["model_permaslug"], r["variant"]) for r in rows} & every)
        else:
            wanted = every
        for x in lines:
            key = (x["permaslug"], x["variant"])
            if key in wanted:
                continue
            if x["activity"]["analytics"] or x["effective_pricing"]["providerSummaries"]:
                problems.append(f"{day.name}: {key} has data but would not be asked")
        # lists (4), rankings (3 views), stats/endpoint, effective-pricing and model-activity
        shared = 4 + 3 + len(served) + 2 * len(wanted)
        print(
            f"{day.name}: {len(served)} with endpoints, {len(wanted)} asked for usage, "
            f"{shared:,} requests of the scraper's sources"
        )
        for x in lines:
            for r in x["activity"]["analytics"]:
                usage[(x["permaslug"], x["variant"], r["date"][:10])] = (r, day.name)

    with tempfile.TemporaryDirectory() as tmp:
        layout = Layout(tmp)
        t0 = time.perf_counter()
        for day in days:
            build_day(day, layout.raw_dir(dt.date.fromisoformat(day.name)))
        order = [d.name for d in days[10:]] + [d.name for d in days[:10]]
        for i, name in enumerate(order):
            result = rebuild_from_raw(layout, name, warehouse=i == len(order) - 1)
            assert result.success, name
        print(f"built 20 days out of order in {time.perf_counter() - t0:.0f} s")
        with duckdb.connect(str(layout.warehouse_path), read_only=True) as con:
            got = con.sql(
                "SELECT permaslug, variant, usage_date::VARCHAR, requests, prompt_tokens, "
                "completion_tokens, observed_on::VARCHAR FROM model_usage_daily"
            ).fetchall()
            keys = [(p, v, d) for p, v, d, *_ in got]
            if len(keys) != len(set(keys)) or set(keys) != set(usage):
                problems.append(
                    f"usage days: {len(keys)} rows, {len(set(keys))} distinct, "
                    f"{len(usage)} expected"
                )
            for p, v, d, requests, prompt, completion, seen in got:
                row, day = usage.get((p, v, d), ({}, None))
                want = (
                    row.get("count"),
                    row.get("total_prompt_tokens"),
                    row.get("total_completion_tokens"),
                    day,
                )
                if (requests, prompt, completion, seen) != want:
                    problems.append(
                        f"usage {p}:{v} {d}: {(requests, prompt, completion, seen)} != {want}"
                    )
            tokens: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
            for (p, _, d), (r, _) in usage.items():
                tokens[d][p.split("/")[0]] += (
                    r["total_prompt_tokens"] + r["total_completion_tokens"]
                )
            for d, author, t, share in con.sql(
                "SELECT usage_date::VARCHAR, author, tokens, share FROM market_share_daily"
            ).fetchall():
                total = sum(tokens[d].values())
                if t != tokens[d][author] or (total and abs(share - t / total) > 1e-9):
                    problems.append(f"market share {d} {author}: {t}, {share}")
            sums = con.sql(
                "SELECT usage_date, sum(share) FROM market_share_daily GROUP BY 1"
            ).fetchall()
            bad = [(d, s) for d, s in sums if s is not None and abs(s - 1) > 1e-9]
            if bad:
                problems.append(f"market shares not summing to 1: {bad[:3]}")
            newest = lines_of(days[-1])
            want_eff = {
                (x["permaslug"], x["variant"], s["providerName"]): (
                    s["effectiveInputPrice"],
                    s["effectiveOutputPrice"],
                    s["totalTokens"],
                )
                for x in newest
                for s in x["effective_pricing"]["providerSummaries"]
            }
            got_eff = {
                (p, v, label): (i, o, t)
                for p, v, label, i, o, t in con.sql(
                    "SELECT permaslug, variant, provider_label, effective_input_usd_per_mtok, "
                    "effective_output_usd_per_mtok, tokens FROM provider_effective_pricing"
                ).fetchall()
            }
            if got_eff != want_eff:
                problems.append(
                    f"effective pricing of {days[-1].name}: {len(got_eff)} rows, "
                    f"{len(want_eff)} expected"
                )
            matched = con.sql(
                "SELECT count(*) FILTER (WHERE endpoint_id IS NOT NULL), count(*) "
                "FROM provider_effective_pricing_history"
            ).fetchall()[0]
            dup = con.sql(
                "SELECT count(*) - count(DISTINCT (endpoint_id, uptime_date)) "
                "FROM endpoint_uptime_daily"
            ).fetchall()[0][0]
            if dup:
                problems.append(f"uptime: {dup} repeated (endpoint, day)")
            n_usage, n_days = con.sql(
                "SELECT count(*), count(DISTINCT usage_date) FROM model_usage_daily"
            ).fetchall()[0]
            print(
                f"model_usage_daily {n_usage:,} rows over {n_days} days; provider summaries "
                f"matched to an endpoint {matched[0]:,} of {matched[1]:,}"
            )
    if problems:
        print(f"{len(problems)} problems; first: " + "; ".join(problems[:5]))
        sys.exit(1)
    print(
        "20 days: every usage day once from the latest snapshot, shares sum to 1, effective "
        "prices equal the records, uptime days once, the skip rule leaves nothing out"
    )


if __name__ == "__main__":
    main()
