"""Long (one value per row) tables: modalities, supported parameters, price tiers."""

from __future__ import annotations

from typing import Any

import polars as pl

from pipeline.schemas import conform
from pipeline.transforms.common import PER_MTOK, PER_TOKEN
from pipeline.transforms.source_schemas import (
    CONTRACTS,
    TIER_COMPONENTS,
    Origins,
    _o,
    frame,
)


def model_modalities_table(models: pl.DataFrame) -> pl.DataFrame:
    """From the ``models`` table: one row per (model, direction, modality)."""
    parts = [
        models.select(
            "model_id",
            pl.lit(direction).alias("direction"),
            pl.col(f"{direction}_modalities").alias("modality"),
        )
        .explode("modality")
        .drop_nulls("modality")
        for direction in ("input", "output")
    ]
    df = pl.concat(parts).unique(maintain_order=True)
    return conform(df.sort("model_id", "direction", "modality"), "model_modalities")


def endpoint_supported_parameters_table(endpoints: pl.DataFrame) -> pl.DataFrame:
    """From the ``endpoints`` table: one row per (endpoint, parameter)."""
    df = (
        endpoints.select(
            "endpoint_id",
            "model_id",
            "provider_name",
            pl.col("supported_parameters").alias("parameter"),
        )
        .explode("parameter")
        .drop_nulls("parameter")
        .unique(["endpoint_id", "parameter"], maintain_order=True)
    )
    return conform(
        df.sort("model_id", "provider_name", "parameter"), "endpoint_supported_parameters"
    )


def _tier_prices(raw: dict[str, pl.Expr]) -> list[pl.Expr]:
    cols = []
    for c in TIER_COMPONENTS:
        per_token = raw[c].str.to_decimal(scale=30) if c in raw else pl.lit(None, PER_TOKEN)
        cols.append(per_token.cast(PER_TOKEN).alias(f"{c}_usd_per_token"))
        cols.append((per_token * 1_000_000).cast(PER_MTOK).alias(f"{c}_usd_per_mtok"))
    return cols


def endpoint_variable_pricings_table(
    frontend_endpoints: list[dict[str, Any]], origins: Origins = None
) -> pl.DataFrame:
    """Context-threshold price tiers per endpoint: from ``min_prompt_tokens`` prompt tokens on,
    the listed components cost this instead. A component a tier does not list is null (the
    base price applies). 2026 ``pricing.overrides`` and 2025 ``variable_pricings`` both land."""
    eps = frame(
        frontend_endpoints,
        CONTRACTS["frontend_stats_endpoint"],
        _o(origins, "frontend_stats_endpoint"),
    ).unique("id", maintain_order=True)
    ids = [
        pl.col("id").alias("endpoint_id"),
        pl.col("model_variant_slug").alias("model_id"),
        "provider_name",
    ]
    t = pl.col("tier")

    def tiers(field: pl.Expr, name: str, threshold: str, prices: dict[str, pl.Expr]):  # noqa: ANN202
        """One row per tier listed in ``field`` (a list of tier objects) of each endpoint."""
        return (
            eps.select(*ids, field.alias("tier"))
            .explode("tier")
            .drop_nulls("tier")
            .select(
                "endpoint_id",
                "model_id",
                "provider_name",
                t.struct.field(threshold).alias("min_prompt_tokens"),
                pl.lit(name).alias("source_field"),
                *_tier_prices(prices),
            )
        )

    overrides = tiers(
        pl.col("pricing").struct.field("overrides"),
        "pricing.overrides",
        "min_prompt_tokens",
        {c: t.struct.field(c) for c in TIER_COMPONENTS},
    )
    legacy = tiers(  # 2025 spelled the completion price "completions"
        pl.col("variable_pricings"),
        "variable_pricings",
        "threshold",
        {
            c: t.struct.field("completions" if c == "completion" else c)
            for c in ("prompt", "completion", "input_cache_read", "input_cache_write")
        },
    )
    df = pl.concat([overrides, legacy])
    return conform(
        df.sort("model_id", "provider_name", "min_prompt_tokens"), "endpoint_variable_pricings"
    )
