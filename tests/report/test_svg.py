"""The report's charts are drawn right: values land where their axes say, ticks are round
numbers, text is escaped, and the same data gives the same bytes."""

from __future__ import annotations

import datetime as dt
import math
import re

import polars as pl
import pytest

from pipeline.report import charts, svg
from pipeline.report.svg import Scale


def test_scales_map_their_ends_and_middles():
    lin = Scale(0, 600, 100, 700)
    assert (lin(0), lin(300), lin(600)) == (100, 400, 700)
    log = Scale(0.01, 10, 400, 100, log=True)  # y grows upwards: start below end
    assert log(0.01) == pytest.approx(400) and log(10) == pytest.approx(100)
    assert log(0.1) == pytest.approx(300) and log(1) == pytest.approx(200)  # a decade each


def test_ticks_are_round_and_cover_the_range():
    assert svg.nice_range(0, 517) == (0, 600)
    assert svg.linear_ticks(0, 600) == [0, 200, 400, 600]
    assert svg.linear_ticks(-75, 60) == [-50, 0, 50]  # inside the range
    assert svg.nice_range(-75, 60) == (-100, 100)  # the range a chart uses: whole ticks
    assert svg.log_range(0.037, 4.8) == (0.01, 10)
    assert svg.log_ticks(0.01, 10) == pytest.approx([0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10])
    assert svg.log_ticks(1e-4, 100) == pytest.approx([1e-4, 1e-3, 1e-2, 0.1, 1, 10, 100])
    assert [svg.fmt(v) for v in (0, 0.001, 0.5, 20, 1500, -25)] == [
        "0",
        "0.001",
        "0.5",
        "20",
        "1,500",
        "-25",
    ]


def test_text_is_escaped_and_nothing_outside_is_named():
    c = svg.Canvas(100, 50, "a <chart> & more")
    c.text(1, 2, "<script>alert(1)</script>")
    c.circle(1, 2, 3, "#000", tip='"quoted" & <b>')
    out = c.render()
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert "&quot;quoted&quot; &amp; &lt;b&gt;" in out
    assert "http" not in out and "xmlns" not in out


ENDPOINTS = pl.DataFrame(
    {
        "model_id": ["a/x", "a/x", "b/y", "b/y"],
        "provider_name": ["P1", "P2", "P1", "Free"],
        "blended_usd_per_mtok": [1.0, 0.1, 5.0, 0.0],
        "throughput_p50_tps": [50.0, 200.0, 20.0, 120.0],
    }
)


def _circles(page: str) -> list[tuple[float, float, str]]:
    return [
        (float(x), float(y), tip)
        for x, y, tip in re.findall(
            r'<circle cx="([\d.]+)" cy="([\d.]+)"[^>]*><title>([^<]*)</title>', page
        )
    ]


def test_scatter_puts_each_endpoint_at_its_throughput_and_price():
    page = charts.price_vs_throughput(ENDPOINTS)
    dots = _circles(page)
    assert len(dots) == ENDPOINTS.height
    by_provider = {tip.split(": ")[0]: (x, y) for x, y, tip in dots}
    # faster is further right; dearer is higher up (smaller y), free sits at the floor
    xs = sorted(by_provider, key=lambda k: by_provider[k][0])
    assert xs == ["b/y · P1", "a/x · P1", "b/y · Free", "a/x · P2"]
    ys = sorted(by_provider, key=lambda k: by_provider[k][1])
    assert ys == ["b/y · P1", "a/x · P1", "a/x · P2", "b/y · Free"]
    # on the log axis, 1.0 and 0.1 are one decade apart, as are 0.1 and 0.01
    (_, y1), (_, y01) = by_provider["a/x · P1"], by_provider["a/x · P2"]
    decade = y01 - y1
    assert decade > 0
    assert "$5 per Mtok, 20 tps" in page and "$0 per Mtok" in page
    ticks = [float(t.replace(",", "")) for t in re.findall(r">([\d.,]+)</text>", page)]
    assert 1e-4 in ticks and 10 in ticks  # the y axis spans the floor to the dearest
    assert math.isclose(
        decade, (by_provider["b/y · Free"][1] - y01) / 3, rel_tol=0.02
    )  # 0.1 → 1e-4 (the floor) is three decades


def test_the_same_data_gives_the_same_bytes():
    assert charts.price_vs_throughput(ENDPOINTS) == charts.price_vs_throughput(ENDPOINTS.clone())


def test_changes_draw_a_bar_per_change_coloured_by_direction():
    df = pl.DataFrame(
        {
            "model_id": ["m/a", "m/b", "m/c"],
            "provider_name": ["P", "Q", "R"],
            "component": ["prompt", "completion", "prompt"],
            "old_usd_per_mtok": [1.0, 2.0, 0.0],
            "new_usd_per_mtok": [1.5, 1.0, 1.0],
            "pct_change": [50.0, -50.0, None],  # from zero: no percentage, not drawn
        }
    )
    page = charts.price_changes(df)
    bars = re.findall(r'<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"[^>]*fill="(#\w+)"', page)
    assert len(bars) == 2
    (x_up, w_up, up), (x_down, w_down, down) = bars
    assert (up, down) == (charts.UP, charts.DOWN)
    assert float(x_up) == pytest.approx(float(x_down) + float(w_down))  # both start at zero
    assert float(w_up) == pytest.approx(float(w_down))  # +50 % and −50 % are as long


@pytest.mark.parametrize(
    "draw, columns",
    [
        (charts.price_vs_throughput, ENDPOINTS.columns),
        (charts.price_spread, ["model_id", "endpoint_count", "min_usd", "median_usd", "max_usd"]),
        (charts.training_policy, ["scope", "policy", "providers"]),
        (charts.price_changes, ["model_id", "provider_name", "component", "pct_change"]),
        (charts.market_share, ["usage_date", "author", "share", "is_complete"]),
        (
            charts.effective_vs_list,
            [
                "model_id",
                "provider_name",
                "list_prompt_usd_per_mtok",
                "effective_input_usd_per_mtok",
                "cache_hit_rate",
                "tokens",
            ],
        ),
    ],
)
def test_nothing_to_draw_is_said_not_left_blank(draw, columns):
    page = draw(pl.DataFrame(schema=dict.fromkeys(columns, pl.String)))
    assert page.startswith("<svg") and "<text" in page and "<circle" not in page


def test_market_share_stacks_each_day_to_the_whole_axis():
    df = pl.DataFrame(
        {
            "usage_date": [dt.date(2026, 7, 1)] * 3 + [dt.date(2026, 7, 2)] * 2,
            "author": ["a", "b", "other", "a", "b"],
            "share": [0.5, 0.3, 0.2, 0.6, 0.4],
            "is_complete": [True, True, True, False, False],
        }
    )
    page = charts.market_share(df)
    bars = re.findall(
        r'<rect x="([\d.]+)" y="([\d.]+)" width="[\d.]+" height="([\d.]+)"[^>]*><title>'
        r"([^<]*)</title>",
        page,
    )
    assert len(bars) == 5
    by_day: dict[str, list[float]] = {}
    for x, _, h, _ in bars:
        by_day.setdefault(x, []).append(float(h))
    heights = [sum(hs) for hs in by_day.values()]
    assert heights[0] == pytest.approx(heights[1])  # each day fills the axis: shares sum to 1
    tips = [t for *_, t in bars]
    assert "2026-07-02: b 40.0% (partial day)" in tips and "2026-07-01: a 50.0%" in tips
    # the biggest author over the period at the bottom of every bar
    first = {x: float(y) for x, y, _, t in bars if ": a " in t}
    assert all(float(y) <= first[x] for x, y, _, _ in bars)


def test_effective_against_list_is_on_the_diagonal_when_nothing_was_saved():
    df = pl.DataFrame(
        {
            "model_id": ["m/a", "m/b"],
            "provider_name": ["P", "Q"],
            "list_prompt_usd_per_mtok": [1.0, 1.0],
            "effective_input_usd_per_mtok": [1.0, 0.1],
            "cache_hit_rate": [0.0, 0.9],
            "tokens": [10.0, 20.0],
        }
    )
    page = charts.effective_vs_list(df)
    (x1, y1, t1), (x2, y2, t2) = _circles(page)
    assert x1 == x2 and y2 > y1  # same list price; paid a tenth: lower on the chart
    assert "90% cache hits" in t2 and "paid $0.1 per Mtok" in t2


def test_price_against_intelligence_says_where_free_models_sit():
    """A free model has no place on a log axis: it is drawn at the floor, and the axis says
    so; with no free model the axis says nothing of a floor."""
    models = pl.DataFrame(
        {
            "model_id": ["a/paid", "b/free"],
            "index_value": [60.0, 30.0],
            "blended_usd_per_mtok": [2.5, 0.0],
            "provider_name": ["P1", "P2"],
            "on_frontier": [True, True],
        }
    )
    page = charts.price_vs_intelligence(models)
    assert "log scale (free at the floor, 0.0001)" in page
    assert "b/free: index 30, $0 per Mtok" in page
    paid = charts.price_vs_intelligence(models.filter(pl.col("blended_usd_per_mtok") > 0))
    assert "free at the floor" not in paid and "log scale" in paid


def test_a_step_line_has_a_point_where_each_interval_starts_at_its_day_and_value():
    first, last = dt.date(2026, 1, 1), dt.date(2026, 1, 31)
    intervals = [
        (dt.date(2026, 1, 1), dt.date(2026, 1, 11), 2.0, "a"),
        (dt.date(2026, 1, 11), dt.date(2026, 1, 31), 4.0, "b & c"),
    ]
    out = charts.steps(intervals, first, last, "USD", "price")
    points = [
        (float(x), float(y)) for x, y in re.findall(r'<circle cx="([\d.]+)" cy="([\d.]+)"', out)
    ]
    assert len(points) == 2
    (x0, y0), (x1, y1) = points
    # day 10 of a 30-day axis: a third of the way; the value 4 twice as high above 0 as 2
    ticks = [float(x) for x in re.findall(r'<line x1="([\d.]+)" y1="[\d.]+" x2="\1"', out)]
    left, right = min(ticks), max(ticks)
    assert (x1 - x0) / (right - left) == pytest.approx(10 / 30, abs=0.01)
    zero = max(
        float(y) for y in re.findall(r'<line x1="[\d.]+" y1="([\d.]+)" x2="[\d.]+" y2="\1"', out)
    )
    assert (zero - y1) == pytest.approx(2 * (zero - y0), abs=0.2)
    assert "b &amp; c" in out and "2026-01-01" in out and "2026-01-31" in out
    assert charts.steps(intervals, first, last, "USD", "price") == out  # same bytes


def test_a_timeline_breaks_where_days_are_missing():
    first, last = dt.date(2026, 1, 1), dt.date(2026, 1, 10)
    days = [1, 2, 3, 7, 8]
    out = charts.timeline([(dt.date(2026, 1, d), float(d)) for d in days], first, last, "%", "s")
    lines = re.findall(r'<polyline points="([^"]+)"', out)
    assert [len(p.split()) for p in lines] == [3, 2]  # two runs: 1-3 and 7-8
