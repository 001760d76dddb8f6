"""The cheapest_endpoint_per_model rule on hand-built tables: usable endpoints only, the 3:1
blend, and the tie-break (uptime, then throughput, then provider name)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import duckdb
import polars as pl
import pytest

from pipeline.schemas import TABLES
from pipeline.storage import Layout
from pipeline.warehouse.build import build_warehouse

DATE = dt.date(2026, 7, 19)


def make_table(name: str, rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={c.name: c.dtype for c in TABLES[name]})


def ep(model: str, provider: str, prompt: str | None, completion: str | None, **kw) -> dict:
    row = {
        "endpoint_id": f"{model}|{provider}",
        "model_id": model,
        "provider_name": provider,
        "provider_tag": provider.lower(),
        "prompt_usd_per_mtok": None if prompt is None else Decimal(prompt),
        "completion_usd_per_mtok": None if completion is None else Decimal(completion),
        "is_disabled": False,
        "is_hidden": False,
        "is_free": False,
    }
    row.update(kw)
    return row


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    layout = Layout(str(tmp_path_factory.mktemp("wh")))
    endpoints = [
        # A: p1 and p2 tie on price (blended 1.0); p2 has higher uptime and wins
        ep("a/tie-uptime", "P1", "1", "1", uptime_last_1d=99.0, throughput_p50_tps=50.0),
        ep("a/tie-uptime", "P2", "1", "1", uptime_last_1d=99.5, throughput_p50_tps=10.0),
        ep("a/tie-uptime", "P3", "2", "2", uptime_last_1d=100.0),
        # cheaper but unusable: disabled, hidden, or variable price
        ep("a/tie-uptime", "Off", "0.1", "0.1", is_disabled=True),
        ep("a/tie-uptime", "Hid", "0.1", "0.1", is_hidden=True),
        ep("a/tie-uptime", "Var", None, None, is_variable_price=True),
        # B: same price, same uptime: higher throughput wins; then the provider name
        ep("b/tie-throughput", "Slow", "1", "1", uptime_last_1d=99.0, throughput_p50_tps=10.0),
        ep("b/tie-throughput", "Fast", "1", "1", uptime_last_1d=99.0, throughput_p50_tps=90.0),
        ep("c/tie-name", "Beta", "1", "1", uptime_last_1d=99.0, throughput_p50_tps=10.0),
        ep("c/tie-name", "Alpha", "1", "1", uptime_last_1d=99.0, throughput_p50_tps=10.0),
        # D: blend 3:1 decides: X blended (3*2+1)/4 = 1.75, Y (3*1+5)/4 = 2.0, Z 4.0
        ep("d/blend", "X", "2", "1"),
        ep("d/blend", "Y", "1", "5"),
        ep("d/blend", "Z", "4", "4"),
        # E: nothing usable, so no row
        ep("e/none", "Off", "1", "1", is_disabled=True),
    ]
    frames = {name: make_table(name, []) for name in TABLES}
    frames["endpoints"] = make_table("endpoints", endpoints)
    for name, df in frames.items():
        layout.write_partition(name, DATE, df)
    build_warehouse(layout)
    with duckdb.connect(str(layout.warehouse_path), read_only=True) as c:
        yield c


def rows(con) -> dict[str, dict]:
    rel = con.sql("SELECT * FROM cheapest_endpoint_per_model")
    records = [dict(zip(rel.columns, r, strict=True)) for r in rel.fetchall()]
    return {r["model_id"]: r for r in records}


def test_one_row_per_model_with_a_usable_endpoint(con):
    got = rows(con)
    assert set(got) == {"a/tie-uptime", "b/tie-throughput", "c/tie-name", "d/blend"}


def test_tie_breaks(con):
    got = rows(con)
    assert got["a/tie-uptime"]["provider_name"] == "P2"
    assert got["a/tie-uptime"]["runner_up_provider"] == "P1"
    assert got["a/tie-uptime"]["endpoint_count"] == 3
    assert got["b/tie-throughput"]["provider_name"] == "Fast"
    assert got["c/tie-name"]["provider_name"] == "Alpha"
    assert got["c/tie-name"]["runner_up_provider"] == "Beta"


def test_blend_and_savings(con):
    d = rows(con)["d/blend"]
    assert d["provider_name"] == "X"
    assert d["blended_usd_per_mtok"] == pytest.approx(1.75)
    assert d["runner_up_provider"] == "Y"
    # median of 1.75, 2.0, 4.0 is 2.0: X saves 12.5 %
    assert d["savings_vs_median_pct"] == pytest.approx(12.5)
    assert d["snapshot_date"] == DATE
