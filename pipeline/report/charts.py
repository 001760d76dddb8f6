"""The report's charts, as inline SVG (``pipeline.report.svg``).

Each takes the frame of its query (``pipeline/report/*.sql``) and returns one ``<svg>``; a
frame with nothing to draw gives a chart that says why. Every mark carries a ``<title>``
with its exact values, shown when the pointer rests on it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import polars as pl

from pipeline.report import svg
from pipeline.report.svg import Canvas, Scale

WIDTH = 760
PRICE_FLOOR = 1e-4  # a free endpoint (price 0) sits at the floor of a log price axis
UP, DOWN = "#c44e52", "#55a868"  # price up (worse), down (better)
POLICY_COLOURS = {
    "does not train": "#55a868",
    "trains on prompts": "#c44e52",
    "not stated": "#8c8c8c",
}


def _usd(v: float) -> str:
    return f"${v:,.4g}"


def price_vs_throughput(df: pl.DataFrame) -> str:
    """Scatter per endpoint: throughput (x) against blended price (y, log), one colour per
    model, so the fast-and-cheap corner (bottom right) is easy to find."""
    if df.is_empty():
        return svg.message("no endpoint reports both a price and a throughput")
    models = df["model_id"].unique(maintain_order=True).to_list()
    colour = {m: svg.PALETTE[i % len(svg.PALETTE)] for i, m in enumerate(models)}
    price = df["blended_usd_per_mtok"].clip(lower_bound=PRICE_FLOOR)
    legend_w = max(svg.text_width(m, svg.FONT_PX - 1) for m in models) + 30
    y_lo, y_hi = svg.log_range(price.min(), price.max())
    y_labels = max(svg.text_width(svg.fmt(v)) for v in svg.log_ticks(y_lo, y_hi))
    left, top, bottom = y_labels + 34, 12, 380
    right = WIDTH - legend_w - 10
    x_lo, x_hi = svg.nice_range(0, df["throughput_p50_tps"].max())
    x = Scale(x_lo, x_hi, left, right)
    y = Scale(y_lo, y_hi, bottom, top, log=True)
    c = Canvas(WIDTH, bottom + 42, "Price versus throughput, per endpoint")
    svg.x_axis(c, x, top, bottom, "throughput, p50 (tokens per second)")
    svg.y_axis(c, y, left, right, "blended price, USD per Mtok (3 prompt : 1 completion)")
    for row, p in zip(df.iter_rows(named=True), price, strict=True):
        tip = (
            f"{row['model_id']} · {row['provider_name']}: "
            f"{_usd(row['blended_usd_per_mtok'])} per Mtok, {row['throughput_p50_tps']:,.0f} tps"
        )
        c.circle(x(row["throughput_p50_tps"]), y(p), 3.5, colour[row["model_id"]], 0.8, tip)
    svg.legend(c, [(m, colour[m]) for m in models], right + 16, top + 6)
    return c.render()


def price_spread(df: pl.DataFrame) -> str:
    """Per model a bar from the cheapest to the dearest endpoint, the median marked; the model
    with the most endpoints on top."""
    if df.is_empty():
        return svg.message("no model has two or more usable endpoints")
    labels = [f"{m} ({n})" for m, n in zip(df["model_id"], df["endpoint_count"], strict=True)]
    band = 20
    left = max(svg.text_width(t) for t in labels) + 12
    top, right = 8, WIDTH - 20
    bottom = top + band * df.height
    lo = min(df["min_usd"].clip(lower_bound=PRICE_FLOOR).min(), 1.0)
    x_lo, x_hi = svg.log_range(lo, df["max_usd"].max())
    x = Scale(x_lo, x_hi, left, right, log=True)
    c = Canvas(WIDTH, bottom + 60, "Price spread per model")
    svg.x_axis(c, x, top, bottom, "blended price, USD per Mtok, log scale (free at the left edge)")
    svg.categories(c, labels, left, top, band)
    for i, row in enumerate(df.iter_rows(named=True)):
        mid = top + band * (i + 0.5)
        low, med, high = (max(row[k], PRICE_FLOOR) for k in ("min_usd", "median_usd", "max_usd"))
        tip = (
            f"{row['model_id']}: {_usd(row['min_usd'])} to {_usd(row['max_usd'])}, median "
            f"{_usd(row['median_usd'])}, {row['endpoint_count']} endpoints"
        )
        c.rect(x(low), mid - 4, max(x(high) - x(low), 2), 8, "#4c72b0", 0.6, tip)
        c.circle(x(med), mid, 3.5, UP, tip=tip)
    svg.legend(c, [("median", UP)], right - 70, bottom + 48)
    return c.render()


def training_policy(df: pl.DataFrame) -> str:
    """Stacked bars: for paid models and for free variants, how many providers train."""
    if df.is_empty():
        return svg.message("no data policy is known")
    scopes = df["scope"].unique(maintain_order=True).to_list()
    counts = {(s, p): n for s, p, n in df.select("scope", "policy", "providers").iter_rows()}
    totals = [sum(n for (s, _), n in counts.items() if s == scope) for scope in scopes]
    band, top = 34, 8
    left = max(svg.text_width(s) for s in scopes) + 12
    legend_w = max(svg.text_width(p, svg.FONT_PX - 1) for p in POLICY_COLOURS) + 30
    right = WIDTH - legend_w - 10
    bottom = top + band * len(scopes)
    x_lo, x_hi = svg.nice_range(0, max(totals))
    x = Scale(x_lo, x_hi, left, right)
    c = Canvas(WIDTH, bottom + 42, "Providers by training policy")
    svg.x_axis(c, x, top, bottom, "providers")
    svg.categories(c, scopes, left, top, band)
    for i, scope in enumerate(scopes):
        mid, start = top + band * (i + 0.5), 0
        for policy, colour in POLICY_COLOURS.items():
            n = counts.get((scope, policy), 0)
            if not n:
                continue
            c.rect(
                x(start), mid - 11, x(start + n) - x(start), 22, colour, 1, f"{scope}: {n} {policy}"
            )
            c.text((x(start) + x(start + n)) / 2, mid, str(n), anchor="middle", color="#fff")
            start += n
    svg.legend(c, list(POLICY_COLOURS.items()), right + 16, top + 6)
    return c.render()


def price_changes(df: pl.DataFrame, limit: int = 20) -> str:
    """The biggest relative changes of the latest day, one bar per (endpoint, component):
    red where the price went up, green where it went down."""
    if df.is_empty():
        return svg.message("no price changed between the two newest snapshots (or only one)")
    top_rows = df.filter(pl.col("pct_change").is_not_null()).head(limit)
    if top_rows.is_empty():
        return svg.message("only changes from or to a price of zero (no percentage)")
    labels = [
        f"{m} · {p} · {k}"
        for m, p, k in zip(
            top_rows["model_id"], top_rows["provider_name"], top_rows["component"], strict=True
        )
    ]
    band, top = 20, 8
    left = max(svg.text_width(t) for t in labels) + 12
    width = max(WIDTH, left + 320)  # long labels widen the chart rather than squeeze the bars
    right = width - 20
    bottom = top + band * top_rows.height
    pct = top_rows["pct_change"]
    x_lo, x_hi = svg.nice_range(min(0.0, pct.min()), max(0.0, pct.max()))
    x = Scale(x_lo, x_hi, left, right)
    c = Canvas(width, bottom + 42, "Latest price changes")
    svg.x_axis(c, x, top, bottom, "change (%)")
    svg.categories(c, labels, left, top, band)
    for i, (label, row) in enumerate(zip(labels, top_rows.iter_rows(named=True), strict=True)):
        v = row["pct_change"]
        tip = (
            f"{label}: {_usd(row['old_usd_per_mtok'])} → {_usd(row['new_usd_per_mtok'])} "
            f"per Mtok ({v:+.1f} %)"
        )
        c.rect(x(0), top + band * i + 4, x(v) - x(0), band - 8, UP if v > 0 else DOWN, 1, tip)
    c.line(x(0), top, x(0), bottom, "#333")
    return c.render()


def market_share(df: pl.DataFrame) -> str:
    """Stacked bars, one per day: each author's share of the day's tokens, biggest authors
    at the bottom, 'other' on top; a partial day (still counting) drawn lighter."""
    if df.is_empty():
        return svg.message("no usage recorded yet (stats/model-activity)")
    days = df["usage_date"].unique().sort().to_list()
    totals = df.group_by("author").agg(pl.col("share").sum()).sort("share", descending=True)
    authors = [a for a in totals["author"].to_list() if a != "other"]
    authors += ["other"] if "other" in totals["author"].to_list() else []
    colour = {a: svg.PALETTE[i % len(svg.PALETTE)] for i, a in enumerate(authors)}
    colour["other"] = "#bbbbbb"
    legend_w = max(svg.text_width(a, svg.FONT_PX - 1) for a in authors) + 30
    left, top, bottom = 56, 12, 320
    right = WIDTH - legend_w - 10
    band = (right - left) / len(days)
    y = Scale(0, 1, bottom, top)
    c = Canvas(WIDTH, bottom + 42, "Market share by author, per day")
    svg.y_axis(c, y, left, right, "share of the day's tokens")
    shares = {(r["usage_date"], r["author"]): r for r in df.iter_rows(named=True)}
    for i, day in enumerate(days):
        base = 0.0
        for author in authors:
            row = shares.get((day, author))
            if row is None:
                continue
            share = row["share"] or 0.0
            opacity = 1.0 if row["is_complete"] else 0.45
            tip = f"{day}: {author} {share:.1%}" + ("" if row["is_complete"] else " (partial day)")
            c.rect(
                left + i * band + 1,
                y(base + share),
                band - 2,
                y(base) - y(base + share),
                colour[author],
                opacity,
                tip,
            )
            base += share
        if i % max(1, len(days) // 8) == 0 or i == len(days) - 1:
            c.text(
                left + (i + 0.5) * band, bottom + 12, str(day)[5:], anchor="middle", color=svg.MUTED
            )
    c.line(left, bottom, right, bottom)
    c.text((left + right) / 2, bottom + 30, "day (UTC)", anchor="middle")
    svg.legend(c, [(a, colour[a]) for a in authors], right + 16, top + 6)
    return c.render()


def effective_vs_list(df: pl.DataFrame) -> str:
    """Scatter per endpoint: the list prompt price (x, log) against what prompts actually
    paid (y, log); the diagonal is 'paid the list price', the distance below it the saving
    from caching and discounts."""
    if df.is_empty():
        return svg.message("no endpoint with traffic and a price (stats/effective-pricing)")
    values = df["list_prompt_usd_per_mtok"].to_list() + df["effective_input_usd_per_mtok"].to_list()
    lo, hi = svg.log_range(min(values), max(values))
    labels = max(svg.text_width(svg.fmt(v)) for v in svg.log_ticks(lo, hi))
    left, top, bottom, right = labels + 34, 12, 380, WIDTH - 20
    x = Scale(lo, hi, left, right, log=True)
    y = Scale(lo, hi, bottom, top, log=True)
    c = Canvas(WIDTH, bottom + 42, "List price versus price paid, per endpoint")
    svg.x_axis(c, x, top, bottom, "list prompt price, USD per Mtok")
    svg.y_axis(c, y, left, right, "prompt price paid, USD per Mtok (after caching)")
    c.line(x(lo), y(lo), x(hi), y(hi), svg.MUTED, 1)
    for row in df.iter_rows(named=True):
        listed, paid = row["list_prompt_usd_per_mtok"], row["effective_input_usd_per_mtok"]
        hit = row["cache_hit_rate"] or 0.0
        tip = (
            f"{row['model_id']} · {row['provider_name']}: list {_usd(listed)}, paid "
            f"{_usd(paid)} per Mtok, {hit:.0%} cache hits, {row['tokens']:,.0f} tokens"
        )
        c.circle(x(listed), y(paid), 4, DOWN if paid < listed else UP, 0.75, tip)
    return c.render()


def throughput_by_hour(df: pl.DataFrame) -> str:
    """A line per busy model through the day: the median of its endpoints' p50 throughput
    at each sample, so a model that slows at peak hours shows as a dip."""
    if df.is_empty():
        return svg.message("no performance samples yet (the hourly_performance job)")
    models = df["model_id"].unique(maintain_order=True).to_list()
    colour = {m: svg.PALETTE[i % len(svg.PALETTE)] for i, m in enumerate(models)}
    legend_w = max(svg.text_width(m, svg.FONT_PX - 1) for m in models) + 30
    y_lo, y_hi = svg.nice_range(0, df["median_of_p50_throughput_tps"].max())
    y_labels = max(svg.text_width(svg.fmt(v)) for v in svg.linear_ticks(y_lo, y_hi))
    left, top, bottom = y_labels + 34, 12, 300
    right = WIDTH - legend_w - 10
    x = Scale(0, 24, left, right)
    y = Scale(y_lo, y_hi, bottom, top)
    c = Canvas(WIDTH, bottom + 42, "Throughput through the day")
    svg.x_axis(c, x, top, bottom, "hour of the day (UTC)")
    svg.y_axis(c, y, left, right, "median of endpoints' p50 throughput (tokens per second)")
    for model in models:
        rows = df.filter(pl.col("model_id") == model).sort("hour_of_day").iter_rows(named=True)
        points = [(r["hour_of_day"], r["median_of_p50_throughput_tps"], r) for r in rows]
        for (x1, y1, _), (x2, y2, _) in zip(points, points[1:], strict=False):
            c.line(x(x1), y(y1), x(x2), y(y2), colour[model], 1.5)
        for hx, hy, r in points:
            h, m = int(hx), round((hx - int(hx)) * 60)
            tip = f"{model} at {h:02d}:{m:02d} UTC: {hy:,.1f} tps ({r['endpoints']} endpoints)"
            c.circle(x(hx), y(hy), 3, colour[model], 0.9, tip)
    svg.legend(c, [(m, colour[m]) for m in models], right + 16, top + 6)
    return c.render()


FRONTIER = "#dd8452"


def price_vs_intelligence(df: pl.DataFrame) -> str:
    """Each model's cheapest price (y, log) against its intelligence index (x); the frontier
    (nothing both cheaper and smarter) joined and coloured, the rest grey."""
    if df.is_empty():
        return svg.message("no model has both an intelligence index and a usable endpoint")
    price = df["blended_usd_per_mtok"].clip(lower_bound=PRICE_FLOOR)
    y_lo, y_hi = svg.log_range(price.min(), price.max())
    y_labels = max(svg.text_width(svg.fmt(v)) for v in svg.log_ticks(y_lo, y_hi))
    left, top, bottom = y_labels + 34, 12, 380
    right = WIDTH - 20
    x_lo, x_hi = svg.nice_range(0, df["index_value"].max())
    x = Scale(x_lo, x_hi, left, right)
    y = Scale(y_lo, y_hi, bottom, top, log=True)
    c = Canvas(WIDTH, bottom + 42, "Price against intelligence index")
    svg.x_axis(c, x, top, bottom, "Artificial Analysis intelligence index")
    free = (df["blended_usd_per_mtok"] <= 0).any()
    svg.y_axis(
        c, y, left, right,
        "cheapest blended price, USD per Mtok (3 : 1)"
        + (f", log scale (free at the floor, {svg.fmt(PRICE_FLOOR)})" if free else ", log scale"),
    )  # fmt: skip
    frontier = [
        (r["index_value"], p)
        for r, p in zip(df.iter_rows(named=True), price, strict=True)
        if r["on_frontier"]
    ]
    frontier.sort()
    for (x1, y1), (x2, y2) in zip(frontier, frontier[1:], strict=False):
        c.line(x(x1), y(y1), x(x2), y(y2), FRONTIER, 1.5)
    for row, p in zip(df.iter_rows(named=True), price, strict=True):
        tip = (
            f"{row['model_id']}: index {row['index_value']:g}, "
            f"{_usd(row['blended_usd_per_mtok'])} per Mtok ({row['provider_name']})"
            + (", on the frontier" if row["on_frontier"] else "")
        )
        on = row["on_frontier"]
        c.circle(x(row["index_value"]), y(p), 4 if on else 3, FRONTIER if on else "#8c8c8c",
                 0.95 if on else 0.6, tip)  # fmt: skip
    svg.legend(c, [("on the frontier", FRONTIER), ("dominated", "#8c8c8c")], left + 12, top + 6)
    return c.render()


def official_share(df: pl.DataFrame) -> str:
    """A stacked area over the days: each top model's share of the day's tokens (OpenRouter's
    official series), the biggest at the bottom, the rest on top in grey."""
    if df.is_empty():
        return svg.message("no official rankings stored (the Data API needs an API key)")
    days = df["date"].unique().sort().to_list()
    totals = df.group_by("model").agg(pl.col("share").sum()).sort("share", descending=True)
    models = [m for m in totals["model"].to_list() if m != "rest"]
    models += ["rest"] if "rest" in totals["model"].to_list() else []
    colour = {m: svg.PALETTE[i % len(svg.PALETTE)] for i, m in enumerate(models)}
    colour["rest"] = "#bbbbbb"
    legend_w = max(svg.text_width(m, svg.FONT_PX - 1) for m in models) + 30
    left, top, bottom = 56, 12, 320
    right = WIDTH - legend_w - 10
    step = (right - left) / max(1, len(days) - 1)
    y = Scale(0, 1, bottom, top)
    c = Canvas(WIDTH, bottom + 42, "Official daily token share of the top models")
    svg.y_axis(c, y, left, right, "share of the day's tokens")
    share = {(r["date"], r["model"]): r["share"] or 0.0 for r in df.iter_rows(named=True)}
    base = [0.0] * len(days)
    for model in models:
        upper = [b + share.get((d, model), 0.0) for b, d in zip(base, days, strict=True)]
        xs = [left + i * step for i in range(len(days))]
        points = [(x_, y(u)) for x_, u in zip(xs, upper, strict=True)]
        points += [(x_, y(b)) for x_, b in reversed(list(zip(xs, base, strict=True)))]
        last = share.get((days[-1], model), 0.0)
        c.polygon(points, colour[model], 0.9, f"{model}: {last:.1%} on {days[-1]}")
        base = upper
    for i, day in enumerate(days):
        if i % max(1, len(days) // 8) == 0 or i == len(days) - 1:
            c.text(left + i * step, bottom + 12, str(day), anchor="middle", color=svg.MUTED)
    c.line(left, bottom, right, bottom)
    c.text((left + right) / 2, bottom + 30, "day (UTC)", anchor="middle")
    svg.legend(c, [(m, colour[m]) for m in models], right + 16, top + 6)
    return c.render()


def cost_per_task(df: pl.DataFrame) -> str:
    """Accuracy (y) against the average cost of one task (x, log), a colour per benchmark;
    each benchmark's frontier (nothing both cheaper and more accurate) joined."""
    rows = df.filter(pl.col("avg_cost_per_task") > 0)
    if rows.is_empty():
        return svg.message("no benchmark run with a cost per task (the Data API's /benchmarks)")
    benches = rows["benchmark_type"].unique().sort().to_list()
    colour = {b: svg.PALETTE[i % len(svg.PALETTE)] for i, b in enumerate(benches)}
    lo, hi = svg.log_range(rows["avg_cost_per_task"].min(), rows["avg_cost_per_task"].max())
    left, top, bottom, right = 60, 12, 360, WIDTH - 20
    x = Scale(lo, hi, left, right, log=True)
    y = Scale(0, 1, bottom, top)
    c = Canvas(WIDTH, bottom + 42, "Accuracy against cost per task")
    svg.x_axis(c, x, top, bottom, "average cost of one task, USD (log scale)")
    svg.y_axis(c, y, left, right, "accuracy (share of tasks solved)")
    for bench in benches:
        mine = rows.filter(pl.col("benchmark_type") == bench)
        line = sorted(
            (r["avg_cost_per_task"], r["accuracy"])
            for r in mine.iter_rows(named=True)
            if r["on_frontier"]
        )
        for (x1, y1), (x2, y2) in zip(line, line[1:], strict=False):
            c.line(x(x1), y(y1), x(x2), y(y2), colour[bench], 1.5)
        for r in mine.iter_rows(named=True):
            tip = (
                f"{r['display_name']} on {bench}: {r['accuracy']:.0%} at "
                f"${r['avg_cost_per_task']:.4g} a task"
                + (", on the frontier" if r["on_frontier"] else "")
            )
            on = r["on_frontier"]
            c.circle(x(r["avg_cost_per_task"]), y(r["accuracy"]), 4 if on else 3,
                     colour[bench], 0.95 if on else 0.5, tip)  # fmt: skip
    svg.legend(c, [(b, colour[b]) for b in benches], left + 12, top + 6)
    return c.render()


SMALL = (440, 150)  # a time series beside its table of values: half a page wide


def _over_time(
    first: dt.date, last: dt.date, values: Sequence[float], y_label: str, title: str
) -> tuple[Canvas, Scale, Scale]:
    """A canvas with a time axis over [first, last] (day numbers since ``first``) and a linear
    value axis from 0 to the largest value, widened to whole ticks."""
    width, height = SMALL
    y_lo, y_hi = svg.nice_range(0, max(values, default=0) or 1, count=3)
    y_labels = max(svg.text_width(svg.fmt(v)) for v in svg.linear_ticks(y_lo, y_hi, 3))
    left, top, bottom, right = y_labels + 30, 10, height - 34, width - 40
    x = Scale(0, max((last - first).days, 1), left, right)
    y = Scale(y_lo, y_hi, bottom, top)
    c = Canvas(width, height, title)
    svg.date_axis(c, x, top, bottom, first)
    for v in svg.linear_ticks(y_lo, y_hi, 3):
        c.line(left, y(v), right, y(v), svg.GRID)
        c.text(left - 6, y(v), svg.fmt(v), anchor="end", color=svg.MUTED)
    c.line(left, y.start, left, y.end)
    c.text(12, (top + bottom) / 2, y_label, anchor="middle", rotate=True, size=svg.FONT_PX - 1)
    return c, x, y


def steps(
    intervals: Sequence[tuple[dt.date, dt.date, float, str]],
    first: dt.date,
    last: dt.date,
    y_label: str,
    title: str,
) -> str:
    """A value held over intervals (an endpoint's price from one change to the next) as a step
    line over the span [first, last]: one point where each interval starts, a level to where
    it ends (its next change, or the day it was last seen). Each interval is (start, end,
    value, tip)."""
    if not intervals:
        return svg.message("no price interval in this release")
    c, x, y = _over_time(first, last, [v for *_, v, _ in intervals], y_label, title)
    colour = svg.PALETTE[0]
    ordered = sorted(intervals)
    for i, (start, end, value, _) in enumerate(ordered):
        x0, x1 = x((start - first).days), x((min(end, last) - first).days)
        c.line(x0, y(value), max(x1, x0), y(value), colour, 2)
        if i + 1 < len(ordered) and ordered[i + 1][0] == end:
            c.line(x1, y(value), x1, y(ordered[i + 1][2]), colour, 1)
    for start, _, value, tip in ordered:
        c.circle(x((start - first).days), y(value), 3.5, colour, 1, tip)
    return c.render()


def timeline(
    points: Sequence[tuple[dt.date, float]],
    first: dt.date,
    last: dt.date,
    y_label: str,
    title: str,
) -> str:
    """A daily series (a model's share of the day's tokens) as a line over [first, last];
    a gap where a day has no value."""
    if not points:
        return svg.message("no value in this release")
    c, x, y = _over_time(first, last, [v for _, v in points], y_label, title)
    runs: list[list[tuple[float, float]]] = [[]]
    previous: dt.date | None = None
    for day, value in sorted(points):
        if previous is not None and (day - previous).days > 1:
            runs.append([])
        runs[-1].append((x((day - first).days), y(value)))
        previous = day
    for run in runs:
        if len(run) > 1:
            c.polyline(run, svg.PALETTE[0])
        else:
            c.circle(*run[0], 2.5, svg.PALETTE[0])
    return c.render()
