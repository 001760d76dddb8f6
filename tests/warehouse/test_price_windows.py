"""Prices by the hour, on real days of the second recorder (tests/fixtures/pulse_2026-08: 08-16,
the day before the first time-of-day windows, 08-17 and 08-18 with DeepSeek's, 08-20, and
08-21 with Alibaba's too), each served by the replay server and fetched by a daily run, in
and out of date order. Every expected value is read from the recorded JSON here: the window
rows, the window events, and the cheapest endpoint at each hour."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from assets.runner import run_snapshot
from pipeline.replay.launcher import replay_server
from pipeline.settings import Settings
from tests.conftest import ROOT
from tests.support.pulse_day import build_pulse_day
from tests.support.window_checks import (
    Outcome,
    blended,
    check_changes,
    check_cheapest_at,
    check_windows,
    raw_endpoints,
)

FIXTURES = ROOT / "tests" / "fixtures" / "pulse_2026-08"
DAYS = ("2026-08-16", "2026-08-17", "2026-08-18", "2026-08-20", "2026-08-21")
ORDER = ("2026-08-21", "2026-08-16", "2026-08-18", "2026-08-17", "2026-08-20")
MODEL = "deepseek/deepseek-v4-pro-0813"
# the issue's table for MODEL on 2026-08-21: hour → (provider, blended USD per Mtok)
ISSUE_0821 = {
    **{h: ("DeepSeek", 0.99) for h in (0, 4, 5, 10, 11, 12, 13)},
    **{h: ("Alibaba", 0.90) for h in range(14, 24)},
    **{h: ("Alibaba", 1.81) for h in (1, 2, 3, 6, 7, 8, 9)},
}


def run_days(days: list[Path], data: Path, work: Path) -> None:
    """A daily run of each recorded day, in the order given, each served by the replay."""
    for folder in days:
        served = work / f"served-{folder.name}"
        build_pulse_day(folder, served)
        with replay_server(str(served)) as url:
            settings = Settings(base_url=url, data_dir=str(data), dagster_home="memory")
            run_snapshot(settings, dt.date.fromisoformat(folder.name))


@pytest.fixture(scope="module")
def pulse(tmp_path_factory) -> Path:
    """The data dir after a daily run of each day, out of date order."""
    base = tmp_path_factory.mktemp("pulse")
    run_days([FIXTURES / d for d in ORDER], base / "data", base)
    return base / "data"


@pytest.fixture(scope="module")
def con(pulse):
    with duckdb.connect(str(pulse / "warehouse.duckdb"), read_only=True) as c:
        yield c


@pytest.mark.parametrize("day", DAYS)
def test_every_window_of_stats_endpoint_and_the_v1_list_is_a_row_with_its_exact_prices(con, day):
    out = Outcome()
    check_windows(FIXTURES / day, con, out)
    assert out.failures == []
    if day >= "2026-08-17":  # DeepSeek's four endpoints at least, four windows each
        assert out.counts["endpoint_price_windows_prices"] >= 4 * 4 * 3
    # the v1 list states them on some days only (08-17, 08-18)
    assert bool(out.counts["model_price_windows_prices"]) == (day in ("2026-08-17", "2026-08-18"))


def test_windows_are_described_and_not_reported_as_new_fields(pulse):
    from pipeline.raw.landing import raw_snapshot
    from pipeline.raw.reader import read_snapshot
    from pipeline.sources import CONTRACTS
    from pipeline.storage.layout import Layout
    from pipeline.transforms.catalog import build_tables

    for source in ("v1_models", "v1_endpoints", "frontend_stats_endpoint"):
        paths = {p for p, _ in CONTRACTS[source].paths()}
        for name in ("utc_start", "utc_end", "utc_days"):
            assert any(p.endswith(f"overrides[].{name}") for p in paths), (source, name)
    for day in ("2026-08-17", "2026-08-21"):
        built = build_tables(
            read_snapshot(raw_snapshot(Layout(str(pulse)), dt.date.fromisoformat(day)))
        )
        named = [
            (p, example)
            for fields in built.drift.values()
            for p, example in fields.items()
            if "utc_" in p or "utc_" in str(example)
        ]
        assert named == [], day


@pytest.mark.parametrize("pair", list(zip(DAYS, DAYS[1:], strict=False)), ids="→".join)
def test_a_window_that_appears_changes_or_ends_is_one_event_per_endpoint_and_component(con, pair):
    before, after = (FIXTURES / d for d in pair)
    out = Outcome()
    check_changes(before, after, con, out)
    assert out.failures == []
    feed = con.execute(
        "SELECT count(*) FROM price_changes WHERE to_date = ? AND change LIKE 'window %'",
        [after.name],
    ).fetchone()[0]
    assert feed == out.counts["window_changes"]
    if pair == ("2026-08-16", "2026-08-17"):  # DeepSeek's windows appear
        assert out.counts["window_changes"] >= 12
        assert {c for (c,) in con.execute(
            "SELECT DISTINCT change FROM price_window_changes_history WHERE snapshot_date = ?",
            [after.name],
        ).fetchall()} == {"appeared"}  # fmt: skip
    if pair == ("2026-08-17", "2026-08-18"):  # and stay the same
        assert out.counts["window_changes"] == 0


def test_the_digest_says_when_a_window_appeared(pulse):
    text = (pulse / "reports" / "digest_2026-08-17.md").read_text()
    assert "## Time-of-day prices (" in text
    (DEEPSEEK_TAG,) = {
        e["provider_slug"]
        for e in raw_endpoints(FIXTURES / "2026-08-17").values()
        if e["provider_name"] == "DeepSeek" and e["model_variant_slug"] == MODEL
    }
    # provider_tag beside the provider: the endpoint's tag, as its raw record states it
    assert (
        f"| {MODEL} | DeepSeek | {DEEPSEEK_TAG} | appeared | half price 10:00-01:00, "
        "04:00-06:00 UTC from 2026-08-17 |"
    ) in text
    # a day whose windows stay the same has no such section (built again: 08-18 was run
    # before 08-17, and its digest then compared it with 08-16)
    from pipeline.digest import build_digest
    from pipeline.storage.layout import Layout

    again = build_digest(Layout(str(pulse)), dt.date(2026, 8, 18))
    assert again.previous == dt.date(2026, 8, 17)
    assert "Time-of-day prices" not in again.text and "price_windows" not in again.counts


def test_a_window_appearing_starts_a_price_interval(con):
    uuid = next(
        u for u, e in raw_endpoints(FIXTURES / "2026-08-17").items()
        if e["provider_name"] == "DeepSeek" and e["model_variant_slug"] == MODEL
    )  # fmt: skip
    rows = con.execute(
        "SELECT valid_from, windows IS NOT NULL FROM endpoint_price_history "
        "WHERE endpoint_id = ? ORDER BY valid_from",
        [uuid],
    ).fetchall()
    assert (dt.date(2026, 8, 17), True) in rows


def test_cheapest_at_each_hour_of_0821_names_the_provider_and_price_of_the_raw_windows(con):
    day = "2026-08-21"
    usable = {u for (u,) in con.execute("SELECT endpoint_id FROM usable_endpoints").fetchall()}
    eps = [
        e
        for u, e in raw_endpoints(FIXTURES / day).items()
        if u in usable and e["model_variant_slug"] == MODEL
    ]
    assert {e["provider_name"] for e in eps} >= {"DeepSeek", "Alibaba"}
    for hour in range(24):
        best = min(eps, key=lambda e: blended(e, hour * 60))
        expected = (best["provider_name"], round(blended(best, hour * 60), 2))
        assert (expected[0], float(expected[1])) == ISSUE_0821[hour], hour
        provider, request_usd, applied = con.execute(
            "SELECT provider_name, request_usd, window_applied FROM "
            "cheapest_endpoint_at(?, 3000, 1000) WHERE model_id = ?",
            [f"{day} {hour:02d}:00:00", MODEL],
        ).fetchone()
        assert (provider, round(request_usd / 4000 * 1_000_000, 2)) == expected, hour
        assert applied  # both state a window for every hour (some at the base price)
        row = con.execute(
            "SELECT provider_name, round(blended_usd_per_mtok, 2), in_window, base_provider_name "
            "FROM cheapest_by_hour WHERE model_id = ? AND hour_utc = ?",
            [MODEL, hour],
        ).fetchone()
        assert row[:2] == expected and row[3] == "Alibaba"
    # the base-price answer is unchanged: Alibaba at 1.81 all day
    base = con.execute(
        "SELECT provider_name, round(blended_usd_per_mtok, 2) FROM cheapest_endpoint_per_model "
        "WHERE model_id = ?",
        [MODEL],
    ).fetchone()
    assert base == ("Alibaba", Decimal("1.81"))


def test_cheapest_at_24_hours_agrees_with_plain_python_for_every_model(con):
    out = Outcome()
    picks = check_cheapest_at(FIXTURES / "2026-08-21", con, out)
    assert out.failures == []
    assert out.counts["cheapest_at_checked"] > 24 * 250
    # the cheapest provider of MODEL changes six times a day (23:00 → 00:00 included)
    mine = picks[MODEL]
    changes = sum(mine[h] != mine[h - 1] for h in range(24))
    assert changes == 6
    # what the README says of the demo's later day
    readme = " ".join((ROOT / "README.md").read_text().split())
    said = "its cheapest provider changes six times that day, counting the turn of the day"
    assert said in readme


def test_price_at_and_off_peak_prices_read_the_windows(con):
    rows = con.execute(
        "SELECT provider_name, prompt_usd_per_mtok, in_window FROM price_at('2026-08-21 15:30') "
        "WHERE model_id = ? AND provider_name IN ('DeepSeek', 'Alibaba') ORDER BY 1",
        [MODEL],
    ).fetchall()
    assert rows == [("Alibaba", Decimal("0.60258"), True), ("DeepSeek", Decimal("0.66"), True)]
    off = con.execute(
        "SELECT usd_per_mtok, hours_per_day, day_mean_usd_per_mtok FROM off_peak_prices "
        "WHERE model_id = ? AND provider_name = 'DeepSeek' AND component = 'prompt' ORDER BY 1",
        [MODEL],
    ).fetchall()
    assert [(p, h) for p, h, _ in off] == [(Decimal("0.66"), 17.0), (Decimal("1.32"), 7.0)]
    # the mean over the day in decimals, to 12 places
    mean = (17 * Decimal("0.66") + 7 * Decimal("1.32")) / 24
    assert off[0][2] == mean.quantize(Decimal("1e-12"))


@pytest.mark.parametrize(
    ("start", "end", "days", "ts", "open_"),
    [
        (1000, 100, None, "2026-08-21 10:00", True),  # opens at its start
        (1000, 100, None, "2026-08-21 00:59", True),  # wraps past midnight
        (1000, 100, None, "2026-08-21 01:00", False),  # half-open: closed at its end
        (1400, 0, None, "2026-08-21 23:59", True),  # an end of 0 is midnight
        (1400, 0, None, "2026-08-21 13:59", False),
        (0, 0, None, "2026-08-21 05:00", True),  # start = end: the whole day
        (930, 1745, None, "2026-08-21 17:44", True),  # minutes count
        (930, 1745, None, "2026-08-21 09:29", False),
        # days: names, three letters, numbers (0 or 7 Sunday); 2026-08-22 is a Saturday
        (0, 0, ["saturday", "sunday"], "2026-08-22 12:00", True),
        (0, 0, ["sat", "sun"], "2026-08-24 12:00", False),
        (0, 0, ["0", "6"], "2026-08-23 12:00", True),
        (0, 0, ["7"], "2026-08-23 12:00", True),
        (0, 0, ["1"], "2026-08-24 12:00", True),
    ],
)
def test_window_applies(con, start, end, days, ts, open_):
    got = con.execute(
        "SELECT window_applies(?, ?, ?::VARCHAR[], ?::TIMESTAMP)", [start, end, days, ts]
    ).fetchone()[0]
    assert got is open_


def test_a_window_of_some_days_and_a_context_window_are_kept_as_stated():
    """No recorded day has utc_days or a window with min_prompt_tokens; the shapes the API's
    SDKs describe are read as stated (lower-cased days, the context condition kept)."""
    import polars as pl

    from pipeline.transforms.frames import source_frame
    from pipeline.transforms.price_tiers import model_price_tiers_table
    from pipeline.transforms.price_windows import model_price_windows_table

    model = {
        "id": "acme/model",
        "canonical_slug": "acme/model-2026",
        "name": "Acme: Model",
        "created": 1,
        "context_length": 1000,
        "architecture": {"modality": "text->text"},
        "pricing": {
            "prompt": "0.000002",
            "completion": "0.000004",
            "overrides": [
                {"min_prompt_tokens": 200000, "prompt": "0.000003"},
                {"utc_start": 0, "utc_end": 0, "utc_days": ["Sat", "Sun"], "prompt": "0.000001"},
                {"utc_start": 2200, "utc_end": 600, "min_prompt_tokens": 1000, "completion": "0"},
            ],
        },
    }
    frame = source_frame([model], "v1_models")
    windows = model_price_windows_table(frame)
    assert windows.select("override_index", "utc_days", "min_prompt_tokens").rows() == [
        (1, ["sat", "sun"], None),
        (2, None, 1000),
    ]
    assert windows["minutes_per_day"].to_list() == [1440, 480]
    assert windows["prompt_usd_per_mtok"][0] == Decimal("1")
    assert windows["completion_usd_per_token"].to_list()[1] == 0
    tiers = model_price_tiers_table(frame)  # the context tier alone
    assert tiers.select("min_prompt_tokens").to_series().to_list() == [200000]
    assert pl.Series(tiers["prompt_usd_per_mtok"]).cast(pl.Float64).to_list() == [3.0]
