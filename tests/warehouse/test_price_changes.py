"""The change views over three real consecutive days (2026-07-17, -18, -19), checked against
counts computed here from the scraper's own files."""

from __future__ import annotations

import gzip
import json
from decimal import Decimal

import duckdb
import pytest

from pipeline.sources.shapes import PRICE_COMPONENTS
from tests.conftest import DAILY, DAYS, SAMPLE


@pytest.fixture(scope="module")
def history(history_layout):
    con = duckdb.connect(str(history_layout.warehouse_path), read_only=True)
    yield con
    con.close()


def stats_endpoints(day: str) -> dict[str, dict]:
    """endpoint UUID → endpoint object, straight from the scraper's bundle of that day."""
    folder = DAILY / day if day != "2026-07-19" else None
    lines = []
    if folder is not None:
        with gzip.open(folder / "model_stats.jsonl.gz") as fh:
            lines = [json.loads(line) for line in fh]
        eps = [e for line in lines for e in (line["endpoints"] or [])]
    else:
        eps = []
        for f in (SAMPLE / "frontend_stats_endpoint").glob("*.gz"):
            eps += json.loads(gzip.decompress(f.read_bytes()))["data"]
    return {e["id"]: e for e in eps}


def prices(e: dict) -> dict[str, Decimal]:
    return {c: Decimal(e["pricing"].get(c, "0")) for c in PRICE_COMPONENTS}


@pytest.mark.parametrize("pair", [(0, 1), (1, 2)])
def test_price_changes_match_the_source(history, pair):
    a, b = (stats_endpoints(DAYS[i]) for i in pair)
    changed = {i for i in a.keys() & b.keys() if prices(a[i]) != prices(b[i])}
    components = {
        (i, c) for i in changed for c in PRICE_COMPONENTS if prices(a[i])[c] != prices(b[i])[c]
    }
    rows = history.sql(
        "SELECT endpoint_id, component, old_usd_per_mtok, new_usd_per_mtok, pct_change "
        f"FROM price_changes WHERE from_date = '{DAYS[pair[0]]}' AND to_date = '{DAYS[pair[1]]}'"
    ).fetchall()
    assert {(r[0], r[1]) for r in rows} == components
    for endpoint_id, component, old, new, pct in rows:
        assert old == prices(a[endpoint_id])[component] * 10**6
        assert new == prices(b[endpoint_id])[component] * 10**6
        if old:
            assert pct == pytest.approx(float((new - old) / old * 100), abs=1e-3)
    if pair == (0, 1):
        assert len(changed) == 12  # as the archive's README says of 07-17 → 07-18


@pytest.mark.parametrize("pair", [(0, 1), (1, 2)])
def test_endpoints_appearing_and_disappearing_match_the_source(history, pair):
    a, b = (stats_endpoints(DAYS[i]) for i in pair)
    got = dict(
        history.sql(
            "SELECT change, count(*) FROM catalog_changes "
            f"WHERE from_date = '{DAYS[pair[0]]}' AND to_date = '{DAYS[pair[1]]}' "
            "AND change LIKE 'endpoint_%' GROUP BY 1"
        ).fetchall()
    )
    assert got.get("endpoint_appeared", 0) == len(b.keys() - a.keys())
    assert got.get("endpoint_disappeared", 0) == len(a.keys() - b.keys())
    flips = sum(1 for i in a.keys() & b.keys() if a[i]["is_free"] != b[i]["is_free"])
    assert got.get("endpoint_free_to_paid", 0) + got.get("endpoint_paid_to_free", 0) == flips
    if pair == (0, 1):
        assert (len(b.keys() - a.keys()), len(a.keys() - b.keys())) == (10, 3)


def test_latest_views_show_the_newest_day_and_history_all(history):
    assert history.sql("SELECT DISTINCT snapshot_date::VARCHAR FROM endpoints").fetchall() == [
        ("2026-07-19",)
    ]
    days = history.sql(
        "SELECT DISTINCT snapshot_date::VARCHAR FROM endpoints_history ORDER BY 1"
    ).fetchall()
    assert [d for (d,) in days] == DAYS


@pytest.mark.parametrize("pair", [(0, 1), (1, 2)])
def test_models_appearing_and_disappearing_match_the_partitions(history, history_layout, pair):
    import datetime as dt

    a, b = (
        set(history_layout.read_partition("models", dt.date.fromisoformat(DAYS[i]))["model_id"])
        for i in pair
    )
    got = dict(
        history.sql(
            "SELECT change, count(*) FROM catalog_changes "
            f"WHERE from_date = '{DAYS[pair[0]]}' AND to_date = '{DAYS[pair[1]]}' "
            "AND change LIKE 'model_%' GROUP BY 1"
        ).fetchall()
    )
    assert got.get("model_appeared", 0) == len(b - a)
    assert got.get("model_disappeared", 0) == len(a - b)
    assert len(a ^ b) > 0  # the real days do differ


def test_price_and_catalog_changes_carry_the_endpoints_tag(history):
    """Two endpoints of one provider were two identical rows; the tag, from the raw record
    of the endpoint, tells them apart."""
    tags = {}
    for day in DAYS:
        tags.update({u: e["provider_slug"] for u, e in stats_endpoints(day).items()})
    for view in ("price_changes", "catalog_changes"):
        rows = history.sql(
            f"SELECT endpoint_id, provider_tag FROM {view} WHERE endpoint_id IS NOT NULL"
        ).fetchall()
        assert rows, view
        known = [(u, t) for u, t in rows if u in tags]
        assert len(known) > 0.9 * len(rows), view
        assert all(t == tags[u] for u, t in known), view
    shared = history.sql(
        "SELECT model_id, provider_name, component, to_date, count(DISTINCT provider_tag) AS n "
        "FROM price_changes WHERE change = 'price' GROUP BY ALL HAVING count(*) > 1"
    ).fetchall()
    assert shared and all(n > 1 for *_, n in shared)
