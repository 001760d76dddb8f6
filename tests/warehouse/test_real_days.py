"""The acceptance checks of tests/support/day_checks.py on the real days kept in tests/fixtures (one
per month of the shared archive): no paid model shown free, no degraded pick while a healthy
endpoint exists, every displayed price and every stated tier a row with the same decimal, the
cost of a long request on tiered models, every model tier. scripts/check_days.py runs the same
over all 20 days of ../shared."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tests.support.day_checks import Day, build_day_warehouse, check_day

FIXTURES = Path(__file__).parents[1] / "fixtures"
DAYS = sorted(FIXTURES.glob("daily_2026-0*/2026-*"))
# what each real day must exercise, so that a check never passes on nothing
MINIMA = {
    "picks": 300,
    "picks_at_0": 5,
    "display_prices": 3000,
    "stated_tiers": 150,
    "tiered_single_endpoint_models": 10,
    "model_tiers": 40,
}


@pytest.mark.parametrize("folder", DAYS, ids=lambda p: p.name)
def test_real_day(folder, tmp_path):
    warehouse = build_day_warehouse(folder, tmp_path / folder.name)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        outcome = check_day(Day.read(folder), con)
    assert outcome.failures == []
    for name, least in MINIMA.items():
        assert outcome.counts[name] >= least, (name, outcome.counts)
    assert outcome.counts["picks"] == outcome.counts["models_with_usable_endpoint"]


def test_the_fixtures_hold_days_of_both_months():
    assert {p.parent.name for p in DAYS} == {"daily_2026-07", "daily_2026-08"}
