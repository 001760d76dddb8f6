"""Usage, market share, prices actually paid, rankings and uptime, on five consecutive real
days (2026-07-17 → 07-21: four scraper bundles and the bundled sample) built from raw out of
order. Every expected value is computed here from the recorded JSON (the bundles'
model_stats lines and rankings files, the sample's response files), not by the pipeline."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import shutil
from collections import defaultdict
from pathlib import Path

import duckdb
import pytest

from pipeline.fetch.cadence import due
from pipeline.raw.landing import raw_snapshot
from pipeline.raw.store import RawSnapshot
from pipeline.storage.layout import Layout
from tests.conftest import ROOT, SAMPLE, SAMPLE_DATE, build_history

FIXTURES = ROOT / "tests" / "fixtures" / "daily_2026-07"
DAYS = ["2026-07-17", "2026-07-18", "2026-07-19", "2026-07-20", "2026-07-21"]
BUILD_ORDER = ["2026-07-21", "2026-07-20", "2026-07-17", "2026-07-19", "2026-07-18"]


def recorded(day: str, field: str) -> dict[tuple[str, str], object]:
    """(permaslug, variant) → the recorded ``data`` of one per-model call of a day."""
    if day == SAMPLE_DATE:  # the sample's own response files
        source = {
            "activity": "frontend_model_activity",
            "effective_pricing": ("frontend_effective_pricing"),
        }[field]
        out = {}
        for line in (SAMPLE / "fetch_log_frontend.jsonl").read_text().splitlines():
            row = json.loads(line)
            if row["source"] == source and row["status"] == 200:
                doc = json.loads(gzip.decompress((SAMPLE / row["file"]).read_bytes()))
                permaslug, _, variant = row["key"].rpartition(":")
                out[(permaslug, variant)] = doc["data"]
        return out
    with gzip.open(FIXTURES / day / "model_stats.jsonl.gz") as fh:
        lines = [json.loads(x) for x in fh]
    return {(x["permaslug"], x["variant"]): x[field] for x in lines}


def expected_usage() -> dict[tuple[str, str, str], tuple[dict, str]]:
    """(permaslug, variant, day) → (the row of the latest snapshot that saw the day, that
    snapshot's date)."""
    out: dict[tuple[str, str, str], tuple[dict, str]] = {}
    for day in DAYS:  # in date order: a later snapshot overwrites
        for (permaslug, variant), activity in recorded(day, "activity").items():
            for row in activity["analytics"]:
                out[(permaslug, variant, row["date"][:10])] = (row, day)
    return out


@pytest.fixture(scope="module")
def five_days(tmp_path_factory) -> Layout:
    layout = Layout(str(tmp_path_factory.mktemp("five_days")))
    build_history(layout, DAYS, BUILD_ORDER, {d: FIXTURES / d for d in DAYS})
    return layout


@pytest.fixture(scope="module")
def con(five_days):
    with duckdb.connect(str(five_days.warehouse_path), read_only=True) as c:
        yield c


def test_each_day_once_from_the_latest_snapshot_that_saw_it(con):
    want = expected_usage()
    got = con.sql(
        "SELECT permaslug, variant, usage_date::VARCHAR, requests, prompt_tokens, "
        "completion_tokens, reasoning_tokens, cached_tokens, tool_calls, tool_call_errors, "
        "observed_on::VARCHAR, is_complete FROM model_usage_daily"
    ).fetchall()
    keys = [(p, v, d) for p, v, d, *_ in got]
    assert len(keys) == len(set(keys)) == len(want)  # every day once: no more, no fewer
    for p, v, d, requests, prompt, completion, reasoning, cached, tools, errors, seen, done in got:
        row, day = want[(p, v, d)]
        assert (requests, prompt, completion, reasoning, cached, tools, errors) == (
            row["count"],
            row["total_prompt_tokens"],
            row["total_completion_tokens"],
            row["total_native_tokens_reasoning"],
            row["total_native_tokens_cached"],
            row["total_tool_calls"],
            row["requests_with_tool_call_errors"],
        ), (p, v, d)
        assert seen == day and done == (d < day)
    # history grew past one window: the oldest day is 31 days before the first snapshot
    days = {d for _, _, d in want}
    assert min(days) == "2026-06-17" and max(days) == DAYS[-1]
    # and a day seen by several snapshots took the later one's (different) figures
    first = recorded(DAYS[0], "activity")
    changed = [
        k
        for k, (row, day) in want.items()
        if day != DAYS[0]
        and k[2] == DAYS[0]
        and k[:2] in first
        and any(r["date"][:10] == k[2] and r != row for r in first[k[:2]]["analytics"])
    ]
    assert changed, "the partial 07-17 of the first snapshot should differ from later views"


def test_market_share_sums_to_one_and_matches_the_raw_sums(con):
    tokens: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for (permaslug, _, d), (row, _) in expected_usage().items():
        author = permaslug.split("/")[0]
        tokens[d][author] += row["total_prompt_tokens"] + row["total_completion_tokens"]
    got = con.sql(
        "SELECT usage_date::VARCHAR, author, tokens, share FROM market_share_daily"
    ).fetchall()
    assert len(got) == sum(len(a) for a in tokens.values())
    sums: dict[str, float] = defaultdict(float)
    for d, author, t, share in got:
        assert t == tokens[d][author]
        total = sum(tokens[d].values())
        if total:
            assert share == pytest.approx(t / total, rel=1e-12)
            sums[d] += share
    assert all(s == pytest.approx(1.0, abs=1e-9) for s in sums.values())
    top = con.sql(
        "SELECT author FROM market_share_daily WHERE usage_date = '2026-07-20' "
        "ORDER BY share DESC LIMIT 1"
    ).fetchall()[0][0]
    assert top == max(tokens["2026-07-20"], key=tokens["2026-07-20"].get)


def test_provider_shares_and_effective_prices_are_the_real_records(con):
    newest = DAYS[-1]
    records = recorded(newest, "effective_pricing")
    got = con.sql(
        "SELECT permaslug, variant, provider_label, provider_slug, effective_input_usd_per_mtok, "
        "effective_output_usd_per_mtok, cache_hit_rate, tokens, share "
        "FROM provider_effective_pricing"
    ).fetchall()
    want = {}
    for (permaslug, variant), e in records.items():
        total = sum(s["totalTokens"] for s in e["providerSummaries"])
        for s in e["providerSummaries"]:
            want[(permaslug, variant, s["providerName"])] = (
                s["providerSlug"],
                s["effectiveInputPrice"],
                s["effectiveOutputPrice"],
                s["cacheHitRate"],
                s["totalTokens"],
                s["totalTokens"] / total if total else None,  # no share of 0 tokens
            )
    assert len(got) == len(want)
    for p, v, label, *values in got:
        slug, inp, out, hit, tokens, share = want[(p, v, label)]
        assert values[:5] == [slug, inp, out, hit, tokens]
        assert values[5] == (None if share is None else pytest.approx(share, rel=1e-12))
    per_model = con.sql(
        "SELECT permaslug, variant, effective_input_usd_per_mtok, effective_output_usd_per_mtok,"
        " cache_hit_rate FROM model_effective_pricing"
    ).fetchall()
    assert len(per_model) == len(records)
    for p, v, inp, out, hit in per_model:
        e = records[(p, v)]
        assert (inp, out, hit) == (
            e["weightedInputPrice"],
            e["weightedOutputPrice"],
            e["weightedCacheHitRate"],
        )
    # the traffic view adds a provider's endpoints up: shares of a model still sum to 1
    sums = con.sql("SELECT model_id, sum(share) FROM provider_traffic_share GROUP BY 1").fetchall()
    assert sums and all(s is None or s == pytest.approx(1.0) for _, s in sums)


def test_effective_prices_sit_beside_the_same_endpoints_list_price(con):
    """Where the API's label names one endpoint of the model, the row pairs what requests
    paid there with that endpoint's own prices; caching makes the paid price lower."""
    rows = con.sql(
        "SELECT v.model_id, v.endpoint_id, v.list_prompt_usd_per_mtok, "
        "e.list_prompt_usd_per_mtok, v.input_effective_to_list "
        "FROM effective_vs_list_price v JOIN endpoints e USING (endpoint_id)"
    ).fetchall()
    assert len(rows) > 300
    for _, _, listed, own, _ in rows:
        assert listed == own
    cached = [r for *_, r in rows if r is not None]
    assert sorted(cached)[len(cached) // 2] < 1  # the median request paid below list


def test_rankings_keep_the_api_date_as_last_traffic_and_rank_by_tokens(con):
    ranked = json.loads(gzip.decompress((FIXTURES / DAYS[-1] / "rankings.json.gz").read_bytes()))
    got = con.sql(
        "SELECT permaslug, variant, last_traffic_date::VARCHAR, prompt_tokens, rank "
        "FROM model_rankings WHERE view = 'month' ORDER BY rank"
    ).fetchall()
    assert len(got) == len(ranked)
    want = {(r["model_permaslug"], r["variant"]): r for r in ranked}
    for p, v, last, prompt, _ in got:
        assert (last, prompt) == (want[(p, v)]["date"][:10], want[(p, v)]["total_prompt_tokens"])
    top = max(ranked, key=lambda r: r["total_prompt_tokens"] + r["total_completion_tokens"])
    assert (got[0][0], got[0][1]) == (top["model_permaslug"], top["variant"])


def test_model_trends_compare_the_last_two_complete_weeks(con):
    usage = expected_usage()
    end = con.sql("SELECT max(window_end)::VARCHAR FROM model_trends").fetchall()[0][0]
    assert end == "2026-07-20"  # the newest complete day (07-21 is still partial)
    end_d = dt.date.fromisoformat(end)
    last, prev = defaultdict(int), defaultdict(int)
    for (p, v, d), (row, _) in usage.items():
        age = (end_d - dt.date.fromisoformat(d)).days
        t = row["total_prompt_tokens"] + row["total_completion_tokens"]
        if 0 <= age < 7:
            last[(p, v)] += t
        elif 7 <= age < 14:
            prev[(p, v)] += t
    got = con.sql(
        "SELECT permaslug, variant, tokens_last_7d, tokens_prev_7d, growth FROM model_trends"
    ).fetchall()
    assert len(got) == len({k for k in {**last, **prev} if last[k] or prev[k]})
    for p, v, a, b, growth in got:
        assert (a, b) == (last[(p, v)], prev[(p, v)])
        assert growth == (pytest.approx(a / b - 1) if b else None)


def test_uptime_days_are_kept_once_with_the_latest_observation(con, five_days):
    # every snapshot of the five asked uptime (build_day lands it daily); the view keeps each
    # (endpoint, day) once, from the newest snapshot that listed it
    got = con.sql(
        "SELECT endpoint_id, uptime_date::VARCHAR, observed_on::VARCHAR FROM endpoint_uptime_daily"
    ).fetchall()
    keys = [(e, d) for e, d, _ in got]
    assert len(keys) == len(set(keys))
    newest = {}
    for day in DAYS:
        snap = RawSnapshot(five_days.raw_dir(dt.date.fromisoformat(day)))
        for row in snap.log_rows():
            if row["source"] == "frontend_uptime_recent" and row["status"] == 200:
                body = json.loads(snap.body(row))["data"]
                for uuid, points in body.items():
                    for point in points:
                        newest[(uuid, point["date"][:10])] = day
    assert dict(((e, d), seen) for e, d, seen in got) == newest


def test_a_week_of_daily_runs_at_the_default_cadence_loses_no_uptime_day(tmp_path):
    """Seven daily runs: each asks uptime-recent only when no run of the previous day landed
    it; an answer covers its day and the two before. Every day of the week is covered, and
    every day before the newest by an answer given after the day was over."""
    layout = Layout(str(tmp_path))
    start = dt.date(2026, 7, 15)
    answered: dict[dt.date, list[dt.date]] = {}
    for i in range(7):
        day = start + dt.timedelta(days=i)
        ask, why = due(
            "frontend_uptime_recent", day, 2, lambda d: raw_snapshot(layout, d, bodies=False)
        )
        snap = raw_snapshot(layout, day)
        rows = []
        if ask:
            answered[day] = [day - dt.timedelta(days=k) for k in range(3)]
            rows = [{"source": "frontend_uptime_recent", "key": "x", "status": 200, "error": None}]
        else:
            assert "landed on" in why
        snap.folder.mkdir(parents=True, exist_ok=True)
        snap.write_log("frontend", rows)
    assert len(answered) == 4  # every second day
    covered = {d for days in answered.values() for d in days}
    week = {start + dt.timedelta(days=i) for i in range(7)}
    assert week <= covered
    complete = {d for asked_on, days in answered.items() for d in days if d < asked_on}
    assert week - complete == {max(week)}
    # a failed day makes the next one ask again
    snap = raw_snapshot(layout, start + dt.timedelta(days=7))
    snap.folder.mkdir(parents=True, exist_ok=True)
    snap.write_log("frontend", [])
    landed = lambda d: raw_snapshot(layout, d, bodies=False)  # noqa: E731
    assert due("frontend_uptime_recent", start + dt.timedelta(days=8), 2, landed)[0]


def test_a_run_the_day_after_does_not_ask_uptime_again_and_probes_what_was_absent(
    replay_url, tmp_path
):
    """The sample answers uptime-recent, and 404 for every key of uptime-hourly and top apps
    (never recorded): the day after, uptime is not due, and the two absent sources are probed
    again, a few calls each, not swept."""
    from pipeline.fetch.snapshot import PROBE
    from tests.conftest import SAME_ANSWERS, materialize_snapshot

    for day in ("2026-07-19", "2026-07-20"):
        result = materialize_snapshot(replay_url, tmp_path, partition=day, limits=SAME_ANSWERS)
        assert result.success
    layout = Layout(str(tmp_path))

    def rows(day: str) -> list[dict]:
        return raw_snapshot(layout, dt.date.fromisoformat(day)).log_rows()

    def asked(day: str) -> set[str]:
        return {r["source"] for r in rows(day)}

    cadenced = {"frontend_uptime_recent", "frontend_uptime_hourly", "frontend_top_apps"}
    absent = {"frontend_uptime_hourly", "frontend_top_apps"}
    assert cadenced <= asked("2026-07-19")
    for day in ("2026-07-19", "2026-07-20"):
        assert {r["source"] for r in rows(day) if r.get("absent")} == absent
        for source in absent:  # a probe on each of the two known paths
            made = [r for r in rows(day) if r["source"] == source and not r.get("absent")]
            assert len(made) == 2 * PROBE and {r["status"] for r in made} == {404}
    assert cadenced & asked("2026-07-20") == absent
    assert layout.dates("endpoint_uptime_observations") == [dt.date(2026, 7, 19)]
    assert layout.dates("model_activity") == [dt.date(2026, 7, 19), dt.date(2026, 7, 20)]
    with duckdb.connect(str(layout.warehouse_path), read_only=True) as c:
        assert c.sql("SELECT count(*) FROM endpoint_uptime_daily").fetchall()[0][0] > 1000
        # the newest snapshot of the apps table is the newest that asked
        assert c.sql("SELECT DISTINCT snapshot_date::VARCHAR FROM model_top_apps").fetchall() in (
            [],
            [("2026-07-19",)],
        )


def test_sample_readme_says_what_is_recorded_and_derived():
    text = (SAMPLE / "README.md").read_text()
    for source in ("frontend_model_activity", "frontend_uptime_recent", "frontend_rankings"):
        assert f"`{source}`" in text
    assert Path(SAMPLE / "frontend_model_activity").is_dir()


ARCHIVED = ROOT / "tests" / "fixtures"


def _archived(folder: str, name: str) -> object:
    return json.loads(gzip.decompress((ARCHIVED / folder / f"{name}.gz").read_bytes()))


def test_uptime_and_top_apps_tables_from_the_real_2025_answers(tmp_path):
    """The only real answers of these calls (liquid/lfm-7b, 2025-05) landed beside the sample
    as a fetch would land them, then tabulated."""
    from pipeline.raw.reader import read_snapshot
    from pipeline.transforms.catalog import build_tables

    folder = tmp_path / "raw"
    shutil.copytree(SAMPLE, folder)
    snap = RawSnapshot(folder)
    recent = _archived("frontend_uptime_recent", "deankerr__orchid__1dd4019b__uptime-recent.json")
    hourly = {
        f"hourly-{i}": _archived(
            "frontend_uptime_hourly", f"deankerr__orchid__1dd4019b__uptime-hourly-{i}.json"
        )
        for i in (1, 2)
    }
    apps = _archived("frontend_stats_app", "deankerr__orchid__1dd4019b__app.json")
    rows = [json.loads(x) for x in (folder / "fetch_log_frontend.jsonl").read_text().splitlines()]
    for source, key, doc in [
        ("frontend_uptime_recent", "liquid/lfm-7b", recent),
        *(("frontend_uptime_hourly", k, v) for k, v in hourly.items()),
        ("frontend_top_apps", "liquid/lfm-7b:standard", apps),
    ]:
        file = snap.write_body(source, key, json.dumps(doc).encode())
        rows.append({"source": source, "key": key, "status": 200, "error": None, "file": file})
    snap.write_log("frontend", rows)

    frames = build_tables(read_snapshot(snap)).frames
    daily = frames["endpoint_uptime_observations"].filter(permaslug="liquid/lfm-7b")
    want = {(uuid, p["date"][:10]): p["uptime"] for uuid, ps in recent["data"].items() for p in ps}
    assert daily.height == len(want) == 6
    for r in daily.iter_rows(named=True):
        assert r["uptime_pct"] == want[(r["endpoint_id"], r["uptime_date"].isoformat())]
    hours = frames["endpoint_uptime_hourly_observations"]
    assert hours.height == sum(len(v["data"]["history"]) for v in hourly.values())
    first = hourly["hourly-1"]["data"]["history"][0]
    got = (
        hours.filter(endpoint_id="hourly-1").sort("uptime_hour", descending=True).row(0, named=True)
    )
    assert got["uptime_hour"].strftime("%Y-%m-%d %H:%M:%S") == first["date"]
    assert got["uptime_pct"] == first["uptime"]
    top = frames["model_top_apps"].filter(permaslug="liquid/lfm-7b").sort("rank")
    assert top["app_id"].to_list() == [a["app_id"] for a in apps]
    assert top["tokens"].to_list() == [int(a["total_tokens"]) for a in apps]
    assert top["title"][0] == apps[0]["app"]["title"] and top["rank"][0] == 1
    # liquid/lfm-7b is in the sample's catalog (without an endpoint): the id is known
    assert set(top["model_id"]) == {"liquid/lfm-7b"}
