"""The hourly performance sample on a real day: 2026-07-21, published from its recorded
bundle, then the captures a public scraper took that day (tests/fixtures/perf_hourly, CSV
rows, not API responses) replayed through the replay server, one `openrouter-catalog sample`
per capture. Every expected figure is read here from the CSV and the bundle's own files."""

from __future__ import annotations

import asyncio
import datetime as dt
import gzip
import json
import statistics
import threading
import urllib.parse
import urllib.request
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from pipeline.cli.app import app
from pipeline.fetch.client import ApiClient
from pipeline.publish.samples import TABLE, NothingToSample, sample_targets, take_sample
from pipeline.replay.faults import FaultPlan
from pipeline.replay.server import make_server
from pipeline.storage.layout import Layout
from tests.conftest import rebuild_from_raw
from tests.support.perf_checks import (
    check_rows,
    csv_rows,
    expected,
    minute,
    model_id,
    recorded_ids,
    served_pairs,
)
from tests.support.recorded_day import build_day

FIXTURES = Path(__file__).parents[1] / "fixtures"
DAY = "2026-07-21"
CAPTURES = FIXTURES / "perf_hourly" / f"{DAY}.csv.gz"
BUNDLE = FIXTURES / "daily_2026-07" / DAY


def _serve(server) -> str:
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Layout:
    layout = Layout(str(tmp_path_factory.mktemp("samples")))
    build_day(BUNDLE, layout.raw_dir(dt.date.fromisoformat(DAY)))
    assert rebuild_from_raw(layout, DAY).success
    return layout


@pytest.fixture(scope="module")
def sampled(published):
    """One sample per capture of the day, each at its capture's minute, over HTTP."""
    layout = published
    server = make_server(layout.raw_dir(dt.date.fromisoformat(DAY)), captures=[CAPTURES])
    url = _serve(server)
    times = sorted({r["scraped_at"] for r in csv_rows(CAPTURES)})
    for t in times:
        q = urllib.parse.urlencode({"at": t})
        with urllib.request.urlopen(f"{url}/_replay/clock?{q}") as r:
            assert json.load(r)["capture"] == dt.datetime.fromisoformat(t).isoformat()
        at = minute(t).strftime("%Y-%m-%dT%H:%M")
        result = CliRunner().invoke(
            app,
            ["sample", "--at", at, "--base-url", url, "--data-dir", layout.root,
             "--dagster-home", "memory"],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        assert f"sample {at}Z:" in result.output
        # the views see each sample as it lands (the first rebuilt them: the table had none)
        with duckdb.connect(str(layout.warehouse_path), read_only=True) as con:
            seen = con.sql(f"SELECT count(DISTINCT sampled_at) FROM {TABLE}").fetchall()[0][0]
        assert seen == times.index(t) + 1
    server.shutdown()
    with duckdb.connect(str(layout.warehouse_path), read_only=True) as con:
        yield layout, con, times


def test_samples_equal_the_captures_field_by_field(sampled):
    _, con, times = sampled
    want = expected(CAPTURES, BUNDLE)
    rel = con.sql(f"SELECT * FROM {TABLE}_history")
    got = {}
    for row in rel.fetchall():
        d = dict(zip(rel.columns, row, strict=True))
        got[(d["sampled_at"].astimezone(dt.UTC), d["endpoint_id"], d["model_id"])] = d
    assert len(want.rows) > 10_000 and want.unservable < 100
    assert check_rows(want, got) == []
    assert len({k[0] for k in got}) == len(times) == len(want.times)


def test_daily_median_and_fastest_endpoint_match_the_csv(sampled):
    _, con, _ = sampled
    ids, pairs = recorded_ids(BUNDLE), served_pairs(BUNDLE)
    by_endpoint: dict[tuple[str, str], list[float]] = {}
    latency: dict[tuple[str, str], list[float]] = {}
    for r in csv_rows(CAPTURES):
        if (r["permaslug"], r["variant"]) not in pairs or r["endpoint_id"] not in ids:
            continue
        key = (model_id(r["model_slug"], r["variant"]), r["endpoint_id"])
        by_endpoint.setdefault(key, [])
        if r["p50_throughput"]:
            by_endpoint[key].append(float(r["p50_throughput"]))
        if r["p50_latency"]:
            latency.setdefault(key, []).append(float(r["p50_latency"]))
    daily = {
        (m, e): v
        for m, e, v in con.sql(
            "SELECT model_id, endpoint_id, median_of_p50_throughput_tps "
            "FROM endpoint_performance_daily"
        ).fetchall()
    }
    assert set(daily) == set(by_endpoint)
    for key, values in by_endpoint.items():
        want = statistics.median(values) if values else None
        assert daily[key] == pytest.approx(want) if want is not None else daily[key] is None, key

    usable = {e for (e,) in con.sql("SELECT endpoint_id FROM usable_endpoints").fetchall()}
    best: dict[str, list[tuple]] = {}
    for (model, endpoint), values in by_endpoint.items():
        if endpoint in usable and values:
            lat = (
                statistics.median(latency[(model, endpoint)])
                if (model, endpoint) in latency
                else float("inf")
            )
            best.setdefault(model, []).append((-statistics.median(values), lat, endpoint))
    fastest = {
        m: (e, v, r)
        for m, e, v, r in con.sql(
            "SELECT model_id, endpoint_id, median_of_p50_throughput_tps, runner_up_endpoint_id "
            "FROM fastest_endpoint_per_model WHERE period = '24h'"
        ).fetchall()
    }
    assert len(best) > 250 and set(fastest) == set(best)
    for model, cands in best.items():
        cands.sort()
        endpoint, value, runner = fastest[model]
        assert endpoint == cands[0][2], model
        assert value == pytest.approx(-cands[0][0])
        assert runner == (cands[1][2] if len(cands) > 1 else None), model
    # the whole day is within 24 h of its last capture, so 7 days says the same
    seven = dict(
        con.sql(
            "SELECT model_id, endpoint_id FROM fastest_endpoint_per_model WHERE period = '7d'"
        ).fetchall()
    )
    assert seven == {m: v[0] for m, v in fastest.items()}


def test_hourly_and_hour_of_day_views(sampled):
    _, con, times = sampled
    hours = {minute(t).replace(minute=0) for t in times}
    got = {
        h for (h,) in con.sql("SELECT DISTINCT hour FROM endpoint_performance_hourly").fetchall()
    }
    assert got == {h.replace(tzinfo=None) for h in hours}
    by_hour = con.sql(
        "SELECT hour_of_day, sum(samples) FROM performance_by_hour_of_day GROUP BY ALL"
    ).fetchall()
    n = con.sql(f"SELECT count(*) FROM {TABLE}_history").fetchall()[0][0]
    assert sum(s for _, s in by_hour) == n
    assert {h for h, _ in by_hour} == {h.hour for h in hours}


def test_one_call_per_pair_with_a_cache_buster(sampled):
    layout, _, times = sampled
    pairs = sample_targets(layout).pairs
    first = minute(times[0])
    with gzip.open(Path(layout.root) / layout.sample_raw_key(first)) as fh:
        lines = [json.loads(x) for x in fh]
    assert len(lines) == len(pairs) == len({x["key"] for x in lines})
    assert all("_cb=" in x["request"] and x["source"] == "frontend_stats_endpoint" for x in lines)
    # the pairs asked are the catalog's rows with an endpoint, computed from the bundle
    assert {(p.permaslug, p.variant) for p in pairs} == served_pairs(BUNDLE)


def _faulty(layout: Layout, folder: Path, plan: FaultPlan) -> tuple[object, str, Layout]:
    """A replay of the day with ``plan``'s faults, and a layout of its own in ``folder``
    holding the module's published models and endpoints (what a sample reads)."""
    server = make_server(layout.raw_dir(dt.date.fromisoformat(DAY)), plan=plan)
    own = Layout(str(folder))
    for table in ("models", "endpoints"):
        date = dt.date.fromisoformat(DAY)
        own.write_partition(table, date, layout.read_partition(table, date))
    return server, _serve(server), own


def test_frontend_down_the_v1_call_gives_latency_throughput_and_uptime(published, tmp_path):
    layout = published
    plan = FaultPlan(fail_always=("/api/frontend/*",))
    server, url, own = _faulty(layout, tmp_path, plan)
    at = dt.datetime(2026, 7, 21, 12, 0, tzinfo=dt.UTC)

    async def go():
        async with ApiClient(url, max_attempts=1) as client:
            return await take_sample(own, client, at)

    outcome = asyncio.run(go())
    pairs = sample_targets(own).pairs
    assert outcome.answers.frontend_down
    assert len(outcome.answers.frontend) == 3 and len(outcome.answers.v1) == len(pairs)
    import polars as pl

    df = pl.read_parquet(Path(own.root) / own.sample_key(TABLE, at))
    assert set(df["answered_by"]) == {"v1"} and df.height > 900
    # each row against the v1 answer read here over plain HTTP
    ids = {
        (r["model_id"], r["provider_name"], r["provider_tag"]): r["endpoint_id"]
        for r in layout.read_partition("endpoints", at.date()).iter_rows(named=True)
    }
    checked = 0
    for model in sorted(set(df["model_id"]))[:60]:
        author, slug = model.split("/", 1)
        path = f"/api/v1/models/{author}/{urllib.parse.quote(slug)}/endpoints"
        with urllib.request.urlopen(url + path) as r:
            answer = json.load(r)["data"]
        for e in answer["endpoints"]:
            row = df.filter(
                (pl.col("model_id") == model)
                & (pl.col("endpoint_id") == ids[(model, e["provider_name"], e["tag"])])
            ).row(0, named=True)
            assert row["uptime_last_30m"] == e["uptime_last_30m"]
            assert row["uptime_last_1d"] == e["uptime_last_1d"]
            for p in ("p50", "p75", "p90", "p99"):
                lat, thr = e["latency_last_30m"], e["throughput_last_30m"]
                assert row[f"latency_{p}_ms"] == (lat[p] if lat else None)
                assert row[f"throughput_{p}_tps"] == (thr[p] if thr else None)
            assert row["latency_p95_ms"] is None  # v1 has no p95
            checked += 1
    server.shutdown()
    assert checked > 100


def test_nothing_published_is_a_clear_error(tmp_path):
    with pytest.raises(NothingToSample, match="run `openrouter-catalog run` first"):
        sample_targets(Layout(str(tmp_path)))
    result = CliRunner().invoke(
        app, ["sample", "--base-url", "http://127.0.0.1:9", "--data-dir", str(tmp_path),
              "--dagster-home", "memory"],
    )  # fmt: skip
    assert result.exit_code == 1
    assert "no published snapshot" in result.output


def test_the_report_draws_throughput_through_the_day_and_the_price_frontier(sampled):
    layout, con, times = sampled
    from pipeline.report.build import build_report

    report = build_report(layout)
    page = Path(report.path).read_text()
    hourly = page.split("Throughput through the day</h2>")[1].split("</svg>")[0]
    busiest = con.sql(
        "SELECT model_id FROM endpoint_performance_hourly GROUP BY ALL "
        "ORDER BY sum(request_count) DESC NULLS LAST, model_id LIMIT 6"
    ).fetchall()
    for (model,) in busiest:
        assert f"{model} at " in hourly  # a point per sample, its value in the tip
    assert hourly.count("<circle") == sum(
        1 for (m,) in busiest for t in times
        if con.execute(
            "SELECT count(*) FROM endpoint_performance_hourly WHERE model_id = ? AND hour = ? "
            "AND throughput_p50_tps IS NOT NULL",
            [m, minute(t).replace(minute=0, tzinfo=None)],
        ).fetchall()[0][0]
    )  # fmt: skip
    frontier = page.split("Price against intelligence</h2>")[1].split("</svg>")[0]
    on = con.sql(
        "SELECT count(*) FROM price_performance "
        "WHERE index_name = 'intelligence_index' AND on_frontier"
    ).fetchall()[0][0]
    assert on > 5 and frontier.count(", on the frontier</title>") == on


def test_a_partition_is_sampled_only_while_it_is_now():
    import dagster as dg

    from assets.performance import sample_moment

    now = dt.datetime(2026, 7, 21, 10, 5, tzinfo=dt.UTC)
    # the schedule runs the hour just ended at five past: that is now
    assert sample_moment("2026-07-21-09:00", None, now) == now
    assert sample_moment("2026-07-21-10:00", None, now) == now
    with pytest.raises(dg.Failure, match="the API answers for now only"):
        sample_moment("2026-07-21-03:00", None, now)
    # an explicit moment (sample --at, a replay of captures) is taken as given
    at = sample_moment("2026-07-21-03:00", "2026-07-21T03:54", now)
    assert at == dt.datetime(2026, 7, 21, 3, 54, tzinfo=dt.UTC)
    with pytest.raises(dg.Failure, match="not YYYY-MM-DDTHH:MM"):
        sample_moment("2026-07-21-03:00", "yesterday", now)


def test_too_few_answers_fail_the_sample_and_keep_what_answered(published, tmp_path):
    import polars as pl

    from pipeline.publish.samples import SampleIncomplete

    layout = published
    # every pair whose permaslug starts with m-q fails: far more than 5 % of them, and not
    # the first ones asked (whose failing together would read as the frontend down)
    plan = FaultPlan(fail_always=("/api/frontend/v1/stats/endpoint?permaslug=[m-q]*",))
    server, url, own = _faulty(layout, tmp_path, plan)
    at = dt.datetime(2026, 7, 21, 13, 0, tzinfo=dt.UTC)
    pairs = sample_targets(own).pairs
    failing = [p for p in pairs if p.permaslug[0] in "mnopq"]

    async def go():
        async with ApiClient(url, max_attempts=1) as client:
            return await take_sample(own, client, at)

    with pytest.raises(SampleIncomplete, match=r"coverage \d+\.\d% \(below 95%") as err:
        asyncio.run(go())
    server.shutdown()
    assert f"{len(failing)} failed" in str(err.value) and "HTTP 500" in str(err.value)
    df = pl.read_parquet(Path(own.root) / own.sample_key(TABLE, at))
    asked = {p.model_id for p in pairs} - {p.model_id for p in failing}
    assert set(df["model_id"]) <= asked and len(set(df["model_id"])) > 0.8 * len(asked)


def test_a_failed_sample_leaves_no_file_and_the_next_good_one_is_seen_at_once(published, tmp_path):
    """The reproduction of issue #40: on a data dir with a published snapshot and no sample,
    a sample against a dead host, then one against a replay: the views answer the good
    sample's rows (before, the first left a file of no rows and the views kept reading 0)."""
    import shutil

    import polars as pl

    layout = Layout(str(tmp_path / "data"))
    shutil.copytree(published.base, layout.base)
    # no sample yet (the module's other tests sample into the published folder)
    shutil.rmtree(layout.table_dir(TABLE), ignore_errors=True)
    shutil.rmtree(layout.base / "raw_samples", ignore_errors=True)
    from pipeline.warehouse.build import build_warehouse

    build_warehouse(layout, reuse=False)  # its views read this copy
    at = "2026-07-21T13:00"
    dead = CliRunner().invoke(
        app,
        ["sample", "--at", at, "--base-url", "http://127.0.0.1:9", "--data-dir", layout.root,
         "--dagster-home", "memory"],
    )  # fmt: skip
    assert dead.exit_code != 0
    assert not list(layout.table_dir(TABLE).glob("*/*.parquet"))  # no sample of nothing
    server = make_server(layout.raw_dir(dt.date.fromisoformat(DAY)), captures=[CAPTURES])
    url = _serve(server)
    good = CliRunner().invoke(
        app,
        ["sample", "--at", "2026-07-21T14:00", "--base-url", url, "--data-dir", layout.root,
         "--dagster-home", "memory"],
    )  # fmt: skip
    server.shutdown()
    assert good.exit_code == 0, good.output
    (file,) = layout.table_dir(TABLE).glob("*/*.parquet")
    rows = pl.read_parquet(file).height
    assert rows > 100
    out = CliRunner().invoke(
        app,
        ["query", "SELECT count(*) FROM endpoint_performance_samples", "--data-dir",
         layout.root, "--format", "csv"],
    )  # fmt: skip
    assert out.exit_code == 0 and out.output.splitlines()[1] == str(rows), out.output
    with duckdb.connect(str(layout.warehouse_path), read_only=True) as con:
        hourly = con.sql("SELECT count(*) FROM endpoint_performance_hourly").fetchall()[0][0]
    assert hourly > 0
