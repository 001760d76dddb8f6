"""Time-of-day price windows: ``endpoint_price_windows`` and ``model_price_windows``.

Since 2026-08-17 an entry of ``pricing.overrides`` may carry a time condition instead of (or
beside) ``min_prompt_tokens``: ``utc_start`` / ``utc_end`` (HHMM as a number, half-open,
wrapping past midnight: 1000 → 100 is 10:00 → 01:00) and ``utc_days`` (the days it applies;
absent = every day). The API's rule (its SDKs' ``PricingOverride``): an entry applies when all
of its conditions match the request; among the entries that apply, the later one wins per
price key; a price key an entry leaves out keeps the base price. So a row keeps its position
in the list (``override_index``) and its ``min_prompt_tokens`` when it has one.

An endpoint's windows are the same rows whichever part of the API states them: v1 endpoints
and the frontend's stats/endpoint are read together and each window is kept once. Entries
without a time condition are context tiers (``pipeline/transforms/price_tiers.py``).
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from pipeline.sources.shapes import TIER_COMPONENTS, WINDOW_CONDITIONS
from pipeline.transforms.common import tier_price_columns
from pipeline.transforms.frames import SourceFrame
from pipeline.transforms.schemas import conform, empty

_CONTENT = ("utc_start", "utc_end", "utc_days", "min_prompt_tokens", *TIER_COMPONENTS)


def is_window(entry: pl.Expr) -> pl.Expr:
    """Whether an override entry (a struct) has a time condition."""
    return pl.any_horizontal(entry.struct.field(c).is_not_null() for c in WINDOW_CONDITIONS)


def _minutes(hhmm: pl.Expr) -> pl.Expr:
    return (hhmm // 100) * 60 + hhmm % 100


def _entries(lists: pl.DataFrame, key: str) -> pl.DataFrame:
    """The window entries of a frame of (key, list of override structs), with positions."""
    t = pl.col("entry")
    return (
        lists.with_columns(
            pl.col("entry").list.eval(pl.int_range(pl.len())).alias("override_index")
        )
        .explode("entry", "override_index")
        .drop_nulls("entry")
        .filter(is_window(t))
        .select(
            key,
            "override_index",
            *[t.struct.field(c).alias(c) for c in _CONTENT],
        )
    )


def _finish(df: pl.DataFrame, table: str, sort: tuple[str, ...]) -> pl.DataFrame:
    start, end = _minutes(pl.col("utc_start")), _minutes(pl.col("utc_end"))
    df = df.with_columns(
        # a window of start = end covers the whole day (the convention of time-of-use
        # schedules); an open bound means midnight
        pl.when(start.fill_null(0) == end.fill_null(0))
        .then(24 * 60)
        .otherwise((end.fill_null(0) - start.fill_null(0)) % (24 * 60))
        .alias("minutes_per_day"),
        pl.col("utc_days").list.eval(pl.element().str.to_lowercase()),
        *tier_price_columns(TIER_COMPONENTS),
    )
    return conform(df.sort(*sort), table)


def endpoint_price_windows_table(rows: pl.DataFrame) -> pl.DataFrame:
    """From ``endpoint_rows``: the windows of v1's pricing and of the frontend's, once each."""
    ids = rows.select("endpoint_id", "model_id", "provider_name").unique(
        "endpoint_id", keep="first", maintain_order=True
    )
    parts = [
        _entries(
            rows.select("endpoint_id", pl.col(col).struct.field("overrides").alias("entry")),
            "endpoint_id",
        ).with_columns(pl.lit(priority).alias("_priority"))
        for priority, col in enumerate(("v1_pricing", "fe_pricing"))
    ]
    windows = (
        pl.concat(parts)
        .sort("_priority", "endpoint_id", "override_index")
        .unique(["endpoint_id", *_CONTENT], keep="first", maintain_order=True)
    )
    df = windows.join(ids, on="endpoint_id", how="left")
    return _finish(
        df, "endpoint_price_windows", ("model_id", "provider_name", "endpoint_id", "override_index")
    )


def model_price_windows_table(models: SourceFrame) -> pl.DataFrame:
    """The windows of ``pricing.overrides`` of every model of ``/api/v1/models``."""
    lists = models.df.select(
        pl.col("id").alias("model_id"),
        pl.col("pricing").struct.field("overrides").alias("entry"),
    ).unique("model_id", keep="first", maintain_order=True)
    return _finish(
        _entries(lists, "model_id"), "model_price_windows", ("model_id", "override_index")
    )


def _hhmm(col: str) -> pl.Expr:
    v = pl.col(col).fill_null(0)
    return (v // 100).cast(pl.String).str.zfill(2) + ":" + (v % 100).cast(pl.String).str.zfill(2)


def schedules(windows: pl.DataFrame) -> pl.DataFrame:
    """Per endpoint and component, the windows that price it as one text, in the API's order:
    ``10:00-01:00 0.66; 04:00-06:00 0.66`` (USD per million units; days and a context
    condition in brackets when the window has them)."""
    cols = ["endpoint_id", "component", "schedule"]
    if windows.is_empty():
        return pl.DataFrame(schema=dict.fromkeys(cols, pl.String))
    long = windows.unpivot(
        index=["endpoint_id", "override_index", "utc_start", "utc_end", "utc_days",
               "min_prompt_tokens"],
        on=[f"{c}_usd_per_mtok" for c in TIER_COMPONENTS],
        variable_name="component",
        value_name="usd_per_mtok",
    ).drop_nulls("usd_per_mtok")  # fmt: skip
    price = pl.col("usd_per_mtok").cast(pl.String).str.replace(r"(\.\d*?)0+$", "$1")
    text = (
        _hhmm("utc_start")
        + "-"
        + _hhmm("utc_end")
        + " "
        + price.str.replace(r"\.$", "")
        + pl.when(pl.col("utc_days").is_not_null())
        .then(" [" + pl.col("utc_days").list.join(", ") + "]")
        .otherwise(pl.lit(""))
        + pl.when(pl.col("min_prompt_tokens").is_not_null())
        .then(" [>" + pl.col("min_prompt_tokens").cast(pl.String) + " prompt tokens]")
        .otherwise(pl.lit(""))
    )
    return (
        long.with_columns(pl.col("component").str.strip_suffix("_usd_per_mtok"), text.alias("t"))
        .sort("endpoint_id", "component", "override_index")
        .group_by("endpoint_id", "component", maintain_order=True)
        .agg(pl.col("t").str.join("; ").alias("schedule"))
    )


def window_changes_table(
    previous: dict[str, pl.DataFrame] | None,
    current: dict[str, pl.DataFrame],
    previous_date: dt.date | None,
) -> pl.DataFrame:
    """One row per endpoint (listed in both snapshots) and component whose windows appeared,
    changed or ended since ``previous``; an endpoint's first or last day is a catalog change,
    not a window change."""
    if previous is None or previous_date is None or "endpoints" not in previous:
        return empty("price_window_changes")
    both = current["endpoints"].join(
        previous["endpoints"].select("endpoint_id"), on="endpoint_id", how="semi"
    )
    none = empty("endpoint_price_windows")
    new = schedules(current.get("endpoint_price_windows", none))
    old = schedules(previous.get("endpoint_price_windows", none))
    joined = (
        new.rename({"schedule": "new_windows"})
        .join(
            old.rename({"schedule": "old_windows"}),
            on=["endpoint_id", "component"],
            how="full",
            coalesce=True,
        )  # fmt: skip
        .filter(pl.col("old_windows").ne_missing(pl.col("new_windows")))
        .join(both.select("endpoint_id", "model_id", "provider_name"), on="endpoint_id")
    )
    if joined.is_empty():
        return empty("price_window_changes")
    base = both.select("endpoint_id", *[f"{c}_usd_per_mtok" for c in TIER_COMPONENTS]).unpivot(
        index="endpoint_id", variable_name="component", value_name="base_usd_per_mtok"
    )
    df = joined.join(
        base.with_columns(pl.col("component").str.strip_suffix("_usd_per_mtok")),
        on=["endpoint_id", "component"],
        how="left",
    ).with_columns(
        pl.when(pl.col("old_windows").is_null())
        .then(pl.lit("appeared"))
        .when(pl.col("new_windows").is_null())
        .then(pl.lit("ended"))
        .otherwise(pl.lit("changed"))
        .alias("change"),
        pl.lit(previous_date, dtype=pl.Date).alias("from_date"),
    )
    return conform(df.sort("model_id", "provider_name", "endpoint_id", "component"),
                   "price_window_changes")  # fmt: skip
