"""Models and endpoints that appeared, disappeared or went free ↔ paid, from one snapshot to
the next. Like the price changes, computed when a date's tables are written, so the
warehouse's catalog_changes view is a scan rather than a year of history joined with itself."""

from __future__ import annotations

import datetime as dt

import polars as pl

from pipeline.transforms.schemas import conform, empty


def _renamed(endpoints: pl.DataFrame, old_endpoints: pl.DataFrame) -> pl.DataFrame:
    """A provider whose display name changed under the same slug: one changed attribute,
    never its endpoints removed and listed again (ids and policies are keyed by the slug)."""
    if "provider_slug" not in old_endpoints.columns:
        return pl.DataFrame(schema=_CHANGE)

    def names(df: pl.DataFrame) -> pl.DataFrame:
        return (
            df.select("provider_slug", "provider_name")
            .drop_nulls()
            .unique("provider_slug", keep="first", maintain_order=True)
        )

    return (
        names(endpoints)
        .join(names(old_endpoints), on="provider_slug", suffix="_old")
        .filter(pl.col("provider_name") != pl.col("provider_name_old"))
        # one provider may serve under several slugs (regions): one rename each name
        .unique(["provider_name_old", "provider_name"], keep="first", maintain_order=True)
        .select(
            change=pl.lit("provider_renamed"),
            model_id=pl.lit(None, pl.String),
            provider_name="provider_name",
            endpoint_id=pl.lit(None, pl.String),
        )
    )


_CHANGE = {"change": pl.String, "model_id": pl.String, "provider_name": pl.String,
           "endpoint_id": pl.String}  # fmt: skip


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
        _renamed(endpoints, old_endpoints),
    ]
    df = pl.concat(parts).with_columns(pl.lit(previous_date, dtype=pl.Date).alias("from_date"))
    return conform(
        df.sort("change", "model_id", "endpoint_id", nulls_last=True), "catalog_change_events"
    )
