"""Models and endpoints that appeared, disappeared or went free ↔ paid, from one snapshot to
the next. Like the price changes, computed when a date's tables are written, so the
warehouse's catalog_changes view is a scan rather than a year of history joined with itself."""

from __future__ import annotations

import datetime as dt

import polars as pl

from pipeline.transforms.schemas import conform, empty


def catalog_changes_table(
    previous: tuple[pl.DataFrame, pl.DataFrame] | None,
    models: pl.DataFrame,
    endpoints: pl.DataFrame,
    previous_date: dt.date | None,
) -> pl.DataFrame:
    """``previous`` is the (models, endpoints) partitions of ``previous_date``."""
    if previous is None or previous_date is None:
        return empty("catalog_change_events")
    old_models, old_endpoints = previous
    m_new, m_old = models.select("model_id"), old_models.select("model_id")
    e_cols = ["endpoint_id", "model_id", "provider_name", "is_free"]
    e_new, e_old = endpoints.select(e_cols), old_endpoints.select(e_cols)
    none = pl.lit(None, dtype=pl.String)
    flips = e_new.join(e_old, on="endpoint_id", suffix="_old").filter(
        pl.col("is_free").ne_missing(pl.col("is_free_old"))
    )
    parts = [
        m_new.join(m_old, on="model_id", how="anti").select(
            change=pl.lit("model_appeared"),
            model_id="model_id",
            provider_name=none,
            endpoint_id=none,
        ),
        m_old.join(m_new, on="model_id", how="anti").select(
            change=pl.lit("model_disappeared"),
            model_id="model_id",
            provider_name=none,
            endpoint_id=none,
        ),
        e_new.join(e_old, on="endpoint_id", how="anti").select(
            change=pl.lit("endpoint_appeared"),
            model_id="model_id",
            provider_name="provider_name",
            endpoint_id="endpoint_id",
        ),
        e_old.join(e_new, on="endpoint_id", how="anti").select(
            change=pl.lit("endpoint_disappeared"),
            model_id="model_id",
            provider_name="provider_name",
            endpoint_id="endpoint_id",
        ),
        flips.select(
            change=pl.when(pl.col("is_free_old"))
            .then(pl.lit("endpoint_free_to_paid"))
            .otherwise(pl.lit("endpoint_paid_to_free")),
            model_id="model_id",
            provider_name="provider_name",
            endpoint_id="endpoint_id",
        ),
    ]
    df = pl.concat(parts).with_columns(pl.lit(previous_date, dtype=pl.Date).alias("from_date"))
    return conform(
        df.sort("change", "model_id", "endpoint_id", nulls_last=True), "catalog_change_events"
    )
