"""Expressions shared by several tables: prices and model ids."""

from __future__ import annotations

import polars as pl

from pipeline.transforms.source_schemas import PRICE_COMPONENTS

PER_TOKEN = pl.Decimal(38, 30)
PER_MTOK = pl.Decimal(38, 24)
VARIABLE = "-1"


def price_columns(pricing: pl.Expr) -> list[pl.Expr]:
    """Per-token and per-million-token decimals parsed exactly from the API's strings.

    An omitted key means 0 (the API omits zero prices since 2026-01); "-1" means the price is
    variable (routers) and becomes null, with ``is_variable_price`` set.
    """
    cols: list[pl.Expr] = []
    for c in PRICE_COMPONENTS:
        raw = pricing.struct.field(c).str.strip_chars()
        per_token = (
            pl.when(raw == VARIABLE)
            .then(pl.lit(None, dtype=PER_TOKEN))
            .otherwise(raw.fill_null("0").str.to_decimal(scale=30))
        )
        cols.append(per_token.alias(f"{c}_usd_per_token"))
        cols.append((per_token * 1_000_000).cast(PER_MTOK).alias(f"{c}_usd_per_mtok"))
    cols.append(
        pl.any_horizontal([pricing.struct.field(c) == VARIABLE for c in PRICE_COMPONENTS])
        .fill_null(False)
        .alias("is_variable_price")
    )
    return cols


def price_column_names() -> list[str]:
    return [f"{c}_usd_per_{u}" for c in PRICE_COMPONENTS for u in ("token", "mtok")] + [
        "is_variable_price"
    ]


def split_model_id(model_id: pl.Expr) -> list[pl.Expr]:
    """``slug`` and ``variant`` from an inference id (``author/slug:variant``)."""
    return [
        model_id.str.extract(r"^([^:]*)", 1).alias("slug"),
        model_id.str.extract(r":([^:/]+)$", 1).fill_null("standard").alias("variant"),
    ]


def model_id_from(slug: pl.Expr, variant: pl.Expr) -> pl.Expr:
    """The inference id from the frontend's (slug, variant): the variant after a colon."""
    return (
        pl.when(variant.is_null() | (variant == "standard"))
        .then(slug)
        .otherwise(pl.concat_str([slug, pl.lit(":"), variant]))
    )
