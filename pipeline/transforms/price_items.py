"""``endpoint_price_items``: every price of every endpoint, in the unit it is charged in.

The frontend's ``display_pricing`` lists what an endpoint charges for, each item with its
own unit: tokens for a chat model, but images, seconds of video, minutes of audio,
megapixels, searches or requests for others (whose per-token prompt and completion prices
are then 0 and say nothing). ``price`` is per single unit and ``displayMultiplier`` says how
many units the label counts (10^6 for "/M tokens", 60 for a "/minute" priced per second), so
USD per labelled unit is their product. An item can carry tiers (context sizes, video
resolutions); each tier is a row. Service tiers (flex, priority) have lists of their own.

Endpoints without such a list (v1 only, or 2025) get one row per pricing key instead.
"""

from __future__ import annotations

import polars as pl

from pipeline.sources.shapes import PRICE_COMPONENTS
from pipeline.transforms.common import PER_MTOK, decimal, undiscount
from pipeline.transforms.schemas import conform

TOKEN_UNIT = "M tokens"
# the pricing keys charged per unit rather than per token, and that unit
UNIT_KEYS = {"request": "request", "image": "image", "web_search": "search"}
SERVICE_TIERS = ("flex", "priority")
IDS = ("endpoint_id", "model_id", "provider_name", "discount")


def _display_items(rows: pl.DataFrame) -> pl.DataFrame:
    tiers = pl.col("fe_service_tiers")
    lists = [("default", pl.col("fe_display_pricing"))] + [
        (t, tiers.struct.field(t).struct.field("display_pricing")) for t in SERVICE_TIERS
    ]
    it = pl.col("it")
    items = pl.concat(
        [
            rows.select(*IDS, pl.lit(name).alias("service_tier"), expr.alias("it"))
            .explode("it")
            .drop_nulls("it")
            for name, expr in lists
        ]
    ).select(
        *IDS,
        "service_tier",
        it.struct.field("sku_label").alias("item"),
        it.struct.field("kind").alias("kind"),
        it.struct.field("unitLabel").str.strip_chars_start("/").str.strip_chars().alias("unit"),
        it.struct.field("displayMultiplier").cast(pl.Int64, strict=False).alias("_multiplier"),
        it.struct.field("price").alias("_price"),
        it.struct.field("tiers").alias("_tiers"),
    )
    has_tiers = pl.col("_tiers").list.len() > 0
    t = pl.col("_tiers")
    flat = pl.concat(
        [
            items.filter(~has_tiers.fill_null(False))
            .drop("_tiers")
            .with_columns(pl.lit(None, pl.String).alias("tier_label")),
            items.filter(has_tiers)
            .explode("_tiers")
            .with_columns(
                t.struct.field("sku_label").alias("tier_label"),
                t.struct.field("price").alias("_price"),
            )
            .drop("_tiers"),
        ],
        how="diagonal",
    )
    return flat.with_columns(
        (decimal(pl.col("_price")).cast(PER_MTOK) * pl.col("_multiplier")).alias("usd_per_unit"),
        pl.lit("display_pricing").alias("source"),
    )


def _key_items(rows: pl.DataFrame) -> pl.DataFrame:
    """One row per pricing key of the endpoints the frontend gave no display list for."""
    bare = rows.filter(pl.col("fe_display_pricing").list.len().fill_null(0) == 0)
    parts = []
    for c in PRICE_COMPONENTS:
        raw = pl.col("pricing").struct.field(c).str.strip_chars()
        per_unit = decimal(raw.replace("-1", None)).cast(PER_MTOK)
        is_unit = c in UNIT_KEYS
        parts.append(
            bare.filter(raw.is_not_null()).select(
                *IDS,
                pl.lit("default").alias("service_tier"),
                pl.lit(c).alias("item"),
                pl.lit("unit" if is_unit else "token").alias("kind"),
                pl.lit(UNIT_KEYS.get(c, TOKEN_UNIT)).alias("unit"),
                pl.lit(None, pl.String).alias("tier_label"),
                (per_unit if is_unit else per_unit * 1_000_000).alias("usd_per_unit"),
                pl.lit("pricing").alias("source"),
            )
        )
    return pl.concat(parts)


def _search_tiers(rows: pl.DataFrame) -> pl.DataFrame:
    """2025 web-search tiers: a price per request for each search context size."""
    t = pl.col("t")
    return (
        rows.select(*IDS, pl.col("fe_variable_pricings").alias("t"))
        .explode("t")
        .drop_nulls("t")
        .filter(t.struct.field("type") == "search-threshold")
        .select(
            *IDS,
            pl.lit("default").alias("service_tier"),
            pl.lit("web_search").alias("item"),
            pl.lit("unit").alias("kind"),
            pl.lit("request").alias("unit"),
            t.struct.field("threshold").alias("tier_label"),
            decimal(t.struct.field("request")).cast(PER_MTOK).alias("usd_per_unit"),
            pl.lit("variable_pricings").alias("source"),
        )
    )


def endpoint_price_items_table(rows: pl.DataFrame) -> pl.DataFrame:
    """From ``endpoint_rows``: the frontend's price lists, or the pricing keys."""
    df = pl.concat(
        [_display_items(rows), _key_items(rows), _search_tiers(rows)], how="diagonal_relaxed"
    ).with_columns(
        pl.col("usd_per_unit").cast(PER_MTOK),
        undiscount(pl.col("usd_per_unit"), pl.col("discount")).alias("list_usd_per_unit"),
    )
    return conform(
        df.sort(
            "model_id",
            "provider_name",
            "endpoint_id",
            "service_tier",
            "item",
            "tier_label",
            nulls_last=False,
            maintain_order=True,
        ),
        "endpoint_price_items",
    )
