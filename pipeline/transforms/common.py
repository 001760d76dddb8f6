"""Expressions shared by several tables: exact prices, list prices and model ids."""

from __future__ import annotations

import polars as pl

from pipeline.sources.shapes import PRICE_COMPONENTS

PER_TOKEN = pl.Decimal(38, 30)
PER_MTOK = pl.Decimal(38, 24)
VARIABLE = "-1"
# The OpenAPI description requires these two keys of every pricing object, and every recorded
# answer (2023-12 → 2026-08) carries them: absent, the price is unknown, never 0. A renamed
# key must not turn every completion price into a free one.
REQUIRED_PRICES = ("prompt", "completion")


def decimal(text: pl.Expr) -> pl.Expr:
    """A price string (``"0.0000009"``, ``"9e-7"``, ``".03e-6"``) as an exact decimal."""
    return text.str.strip_chars().str.to_decimal(scale=30).cast(PER_TOKEN)


def per_mtok(per_token: pl.Expr) -> pl.Expr:
    # to the coarser scale first: a product at scale 30 has room for 8 integer digits only,
    # so a price of $150 a token (a unit error) would overflow and stop the whole day, where
    # the audit should quarantine that one record
    return per_token.cast(PER_MTOK) * 1_000_000


def tier_price_columns(components: tuple[str, ...]) -> list[pl.Expr]:
    """``<c>_usd_per_token`` and ``<c>_usd_per_mtok`` of an override entry's price columns
    (strings, null where the entry leaves the base price)."""
    out = []
    for c in components:
        per_token = decimal(pl.col(c).cast(pl.String))
        out += [
            per_token.alias(f"{c}_usd_per_token"),
            per_mtok(per_token).alias(f"{c}_usd_per_mtok"),
        ]
    return out


def price_columns(pricing: pl.Expr) -> list[pl.Expr]:
    """Per-token and per-million-token decimals parsed exactly from the API's strings.

    An omitted key means 0 (the API omits zero prices since 2026-01), except for the required
    ``prompt`` and ``completion``, which are null when absent; "-1" means the price is
    variable (routers) and becomes null, with ``is_variable_price`` set.
    """
    cols: list[pl.Expr] = []
    for c in PRICE_COMPONENTS:
        raw = pricing.struct.field(c).str.strip_chars()
        per_token = (
            pl.when(raw == VARIABLE)
            .then(pl.lit(None, dtype=PER_TOKEN))
            .otherwise(decimal(raw if c in REQUIRED_PRICES else raw.fill_null("0")))
        )
        cols.append(per_token.alias(f"{c}_usd_per_token"))
        cols.append(per_mtok(per_token).alias(f"{c}_usd_per_mtok"))
    cols.append(
        pl.any_horizontal([pricing.struct.field(c) == VARIABLE for c in PRICE_COMPONENTS])
        .fill_null(False)
        .alias("is_variable_price")
    )
    return cols


def undiscount(price: pl.Expr, discount: pl.Expr, dtype: pl.DataType = PER_MTOK) -> pl.Expr:
    """The list price before ``discount`` (a fraction): prices arrive already multiplied by
    ``1 - discount``, so the list price is ``price / (1 - discount)``, exact in decimals. No
    discount gives the price itself; a discount of 1 (free) leaves the list price unknown."""
    # the discount at a coarse scale, and every branch at the price's: a supertype at scale 30
    # would leave 8 integer digits, and an out-of-range price would stop the day here
    d = decimal(discount.cast(pl.String)).fill_null(0).cast(pl.Decimal(38, 12))
    return (
        pl.when(d == 0)
        .then(price.cast(dtype))
        .when(d < 1)
        .then((price / (pl.lit(1) - d)).cast(dtype))
        .otherwise(pl.lit(None, dtype))
    )


def split_model_id(model_id: pl.Expr) -> list[pl.Expr]:
    """``slug`` and ``variant`` from an inference id (``author/slug:variant``): the variant
    is what follows the last colon, so that ``model_id_from(slug, variant)`` gives the id
    back for any id, odd ones (``a/b:free:extra``) included."""
    variant = model_id.str.extract(r":([^:/]+)$", 1)
    return [
        pl.when(variant.is_null())
        .then(model_id)
        .otherwise(model_id.str.replace(r":[^:/]+$", ""))
        .alias("slug"),
        variant.fill_null("standard").alias("variant"),
    ]


def model_id_from(slug: pl.Expr, variant: pl.Expr) -> pl.Expr:
    """The inference id from the frontend's (slug, variant): the variant after a colon."""
    return (
        pl.when(variant.is_null() | (variant == "standard"))
        .then(slug)
        .otherwise(pl.concat_str([slug, pl.lit(":"), variant]))
    )


def short_text(value: pl.Expr) -> pl.Expr:
    """A number as its shortest exact text ("2.5", not "2.500000000000000000000000")."""
    text = value.cast(pl.String)
    return text.str.replace(r"(\.\d*?)0+$", "$1").str.replace(r"\.$", "")
