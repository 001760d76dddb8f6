"""Long (one value per row) tables: modalities and supported parameters."""

from __future__ import annotations

import polars as pl

from pipeline.transforms.schemas import conform


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
