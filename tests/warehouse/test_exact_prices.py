"""Prices are exact decimals in every answer: a view column that says `usd` is DECIMAL unless
it is one of the API's own floats (the effective prices OpenRouter measures) or derived from
one, and each blended price is exactly (3 × prompt + completion) / 4 of the raw prices."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import duckdb
import pytest

# the API's own floats (effective-pricing answers, the Data API's median session cost: JSON
# numbers, format double), and a ratio to a float index
FLOATS = {
    "effective_input_usd_per_mtok",
    "effective_output_usd_per_mtok",
    "usd_per_index_point",
    "median_session_cost_usd",
}


@pytest.fixture(scope="module")
def con(clean_build):
    layout, _ = clean_build
    with duckdb.connect(str(layout.warehouse_path), read_only=True) as c:
        yield c


def test_every_price_column_of_every_view_is_a_decimal(con):
    columns = con.execute(
        "SELECT table_name, column_name, data_type FROM information_schema.columns "
        "WHERE column_name ILIKE '%usd%'"
    ).fetchall()
    assert len(columns) > 60
    floats = [(t, c, d) for t, c, d in columns if not d.startswith("DECIMAL") and c not in FLOATS]
    assert floats == []


def test_each_blended_price_is_exactly_three_prompts_and_a_completion_over_four(con, sample):
    """From the raw v1 endpoints answers: per token, as the API sent them, times a million.
    A (model, provider, tag) the raw names twice (two regions' prices under one tag) is left
    out: it does not say which row is which."""
    expected, seen = {}, Counter()
    for doc in sample.bodies("v1_endpoints").values():
        model = doc["data"]["id"]
        for e in doc["data"]["endpoints"]:
            pricing = e.get("pricing") or {}
            p, c = pricing.get("prompt"), pricing.get("completion")
            key = (model, e["provider_name"], e.get("tag"))
            seen[key] += 1
            if p is not None and c is not None and Decimal(p) >= 0 and Decimal(c) >= 0:
                expected[key] = (3 * Decimal(p) + Decimal(c)) / 4 * 1_000_000
    expected = {k: v for k, v in expected.items() if seen[k] == 1}
    rows = con.execute(
        "SELECT model_id, provider_name, provider_tag, blended_usd_per_mtok FROM usable_endpoints"
    ).fetchall()
    matched = [(k, b) for *k, b in rows if tuple(k) in expected]
    assert len(matched) > 300
    wrong = [(k, b, expected[tuple(k)]) for k, b in matched if b != expected[tuple(k)]]
    assert wrong == []


def test_a_request_costs_what_its_tokens_cost_to_the_cent_and_beyond(con):
    """The cheapest macro's request cost is a decimal: the README's CSV prints no float
    noise."""
    (kind,) = con.execute(
        "SELECT DISTINCT typeof(request_usd) FROM cheapest_endpoint(200000, 2000)"
    ).fetchone()
    assert kind.startswith("DECIMAL")
