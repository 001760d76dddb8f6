"""Every typed value has a declared range (``Column.range``, ``Rules.ordered``), and the range
checks are generated from the declarations: a model or endpoint out of range is quarantined
with its published rows standing in; a value of another table is left out, its row kept."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from pipeline.publish.quarantine import quarantine
from pipeline.publish.thresholds import Thresholds
from pipeline.transforms.schemas import ALL_TABLES, RULES

DAY = dt.date(2026, 7, 18)
UTC = dt.UTC
# typed columns with no range of their own, and why
UNRANGED = {
    "snapshot_date": "set by the pipeline, the partition's date",
    "from_date": "set by the pipeline, the previous snapshot's date",
    "fetched_at": "the pipeline's own clock",
    "sampled_at": "the pipeline's own clock",
    "deprecation_date": "a scheduled date: up to 2098 on real days",
    "start_date": "a ranking period's bounds, as the Data API states them",
    "end_date": "a ranking period's bounds, as the Data API states them",
    "window_end_date": "a ranking period's bounds, as the Data API states them",
    "date": "a Data API day; its rows are checked against the snapshot by the datasets step",
    "app_id": "an identifier",
    "status": "an endpoint's status code (0 ok, negative degraded): no bound is documented",
    "value": "a benchmark figure: each benchmark has its own scale",
    "change": "a change in rank share: any sign",
    "pct_change": "a change in per cent: any sign",
    "accuracy": "a benchmark's accuracy, on the scale its run states",
    "accuracy_stddev": "a benchmark's spread, on the scale its run states",
}


def test_every_typed_value_declares_a_range_or_why_not():
    missing = set()
    for table, cols in ALL_TABLES.items():
        for c in cols:
            typed = c.dtype.is_numeric() or c.dtype == pl.Date or isinstance(c.dtype, pl.Datetime)
            derived = c.name.endswith("_usd_per_mtok") or c.name.endswith("usd_per_unit")
            if typed and c.range is None and not derived and c.name not in UNRANGED:
                missing.add(f"{table}.{c.name}")
    assert not missing, f"declare a Range on these columns, or say why not: {sorted(missing)}"


def endpoints(**changes: object) -> pl.DataFrame:
    row = {
        "endpoint_id": "e1",
        "model_id": "m/a",
        "context_length": 1000,
        "created_at": dt.datetime(2026, 7, 1, tzinfo=UTC),
        "deprecation_date": dt.datetime(2098, 1, 1, tzinfo=UTC),
        "latency_p50_ms": 100.0,
        "latency_p75_ms": 200.0,
        "latency_p90_ms": 300.0,
        "uptime_last_1d": 99.5,
    }
    good = {**row, "endpoint_id": "e2"}
    return pl.DataFrame([{**row, **changes}, good])


def published(table: str) -> tuple[dt.date, pl.DataFrame] | None:
    if table == "endpoints":
        return DAY - dt.timedelta(days=1), endpoints(context_length=900)
    return None


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"context_length": -5}, "context_length -5 is out of range (≥ 0)"),
        ({"uptime_last_1d": 250.0}, "uptime_last_1d 250 is out of range (≥ 0, ≤ 100)"),
        (
            {"created_at": dt.datetime(2026, 7, 19, 0, 0, tzinfo=UTC)},
            "created_at 2026-07-19 00:00:00 UTC is out of range (not after the snapshot date)",
        ),
        (
            {"latency_p75_ms": 50.0},
            "latency_p50_ms ≤ latency_p75_ms ≤ latency_p90_ms 100 ≤ 50 ≤ 300 is out of range "
            "(ordered)",
        ),
    ],
)
def test_an_endpoint_out_of_range_is_quarantined_and_its_published_row_stands_in(changes, says):
    frames = {"endpoints": endpoints(**changes)}
    q = quarantine(frames, published, Thresholds(), date=DAY)
    assert q.keys == {"endpoints": ["e1"]}
    assert q.lines == [f"endpoints e1: {says}; quarantined"]
    kept = frames["endpoints"].sort("endpoint_id")
    assert kept["endpoint_id"].to_list() == ["e1", "e2"]
    # e1 is yesterday's row; e2, which was in range, is today's
    assert kept["context_length"].to_list() == [900, 1000]


def test_what_is_real_is_in_range():
    # a context of 0 (image and video models), a deprecation scheduled for 2098, a surcharge,
    # something created on the snapshot's own day
    frames = {
        "endpoints": endpoints(
            context_length=0, created_at=dt.datetime(2026, 7, 18, 23, 59, tzinfo=UTC)
        ).with_columns(discount=pl.lit(-0.2))
    }
    q = quarantine(frames, published, Thresholds(), date=DAY)
    assert q.count == 0 and frames["endpoints"]["context_length"].to_list() == [0, 1000]


def test_a_value_of_a_table_keyed_by_neither_is_left_out_and_its_row_kept():
    activity = pl.DataFrame(
        {
            "usage_date": [DAY, DAY + dt.timedelta(days=3), DAY],
            "requests": [10, 20, -1],
            "prompt_tokens": [5, 6, 7],
        }
    )
    frames = {"model_activity": activity}
    q = quarantine(frames, published, Thresholds(), date=DAY)
    assert q.values == {"model_activity": 2} and q.count == 2
    out = frames["model_activity"]
    assert out.height == 3
    assert out["usage_date"].to_list() == [DAY, None, DAY]
    assert out["requests"].to_list() == [10, 20, None]
    assert out["prompt_tokens"].to_list() == [5, 6, 7]
    assert sorted(q.lines) == [
        "model_activity row 1: usage_date 2026-07-21 is out of range (not after the snapshot "
        "date); the value is left out (null), the row kept",
        "model_activity row 2: requests -1 is out of range (≥ 0); the value is left out (null), "
        "the row kept",
    ]


def test_the_ordered_percentiles_are_declared():
    ordered = RULES["endpoints"].ordered
    assert ("latency_p50_ms", "latency_p75_ms", "latency_p90_ms", "latency_p95_ms",
            "latency_p99_ms") in ordered  # fmt: skip
