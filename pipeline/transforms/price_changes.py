"""Price changes of one snapshot against the previous one: endpoint by endpoint, component by
component. Computed when a date's tables are written (a few thousand rows compared, not a
year of history), so the warehouse's price_changes view is a plain scan."""

from __future__ import annotations

import datetime as dt

import polars as pl

from pipeline.sources.shapes import PRICE_COMPONENTS
from pipeline.transforms.schemas import conform, empty


def _long(endpoints: pl.DataFrame) -> pl.DataFrame:
    cols = [f"{c}_usd_per_mtok" for c in PRICE_COMPONENTS]
    return endpoints.select("endpoint_id", "model_id", "provider_name", *cols).unpivot(
        index=["endpoint_id", "model_id", "provider_name"],
        on=cols,
        variable_name="component",
        value_name="usd_per_mtok",
    )


def price_changes_table(
    previous: pl.DataFrame | None, current: pl.DataFrame, previous_date: dt.date | None
) -> pl.DataFrame:
    """Rows of ``current`` whose price of a component differs (nulls included: a price that
    became or stopped being variable is a change) from ``previous``, an endpoints partition."""
    if previous is None or previous_date is None:
        return empty("endpoint_price_changes")
    old = _long(previous).select("endpoint_id", "component", old_usd_per_mtok="usd_per_mtok")
    new = _long(current).rename({"usd_per_mtok": "new_usd_per_mtok"})
    joined = new.join(old, on=["endpoint_id", "component"], how="inner").filter(
        pl.col("old_usd_per_mtok").ne_missing(pl.col("new_usd_per_mtok"))
    )
    old_f = pl.col("old_usd_per_mtok").cast(pl.Float64)
    df = joined.with_columns(
        pl.col("component").str.strip_suffix("_usd_per_mtok"),
        pl.when(old_f > 0)
        .then((100 * (pl.col("new_usd_per_mtok").cast(pl.Float64) - old_f) / old_f).round(4))
        .alias("pct_change"),
        pl.lit(previous_date, dtype=pl.Date).alias("from_date"),
    )
    return conform(df.sort("endpoint_id", "component"), "endpoint_price_changes")
