"""``models``: one row per inference id, v1 list joined with the frontend catalog."""

from __future__ import annotations

from typing import Any

import polars as pl

from pipeline.schemas import TS, conform
from pipeline.transforms.common import model_id_from, price_columns, split_model_id
from pipeline.transforms.source_schemas import CONTRACTS, Origins, _o, frame


def _empty_to_null(e: pl.Expr) -> pl.Expr:
    return pl.when(e.str.strip_chars().is_in(["", "none"])).then(None).otherwise(e)


def _request_limits(limits: pl.Expr) -> list[pl.Expr]:
    """Until mid-2024 limits came as strings, "Infinity" meaning none: null plus a flag."""
    out = []
    for part in ("prompt_tokens", "completion_tokens"):
        raw = limits.struct.field(part)
        out.append(
            pl.when(raw.str.to_lowercase() == "infinity")
            .then(None)
            .otherwise(raw.cast(pl.Float64, strict=False))
            .alias(f"per_request_limit_{part}")
        )
    out.append(
        pl.any_horizontal(
            [
                limits.struct.field(p).str.to_lowercase() == "infinity"
                for p in ("prompt_tokens", "completion_tokens")
            ]
        )
        .fill_null(False)
        .alias("per_request_limit_is_unlimited")
    )
    return out


def catalog_frame(catalog: list[dict[str, Any]], origins: Origins = None) -> pl.DataFrame:
    """Frontend catalog rows keyed by model_id (variant from the row or its default endpoint)."""
    cat = frame(catalog, CONTRACTS["frontend_catalog"], _o(origins, "frontend_catalog"))
    variant = pl.coalesce(
        pl.col("variant"), pl.col("endpoint").struct.field("variant"), pl.lit("standard")
    )
    return (
        cat.with_columns(variant.alias("cat_variant"))
        .select(
            model_id_from(pl.col("slug"), pl.col("cat_variant")).alias("model_id"),
            pl.col("slug").alias("cat_slug"),
            pl.col("cat_variant"),
            pl.col("permaslug").alias("cat_permaslug"),
            pl.col("name").alias("cat_name"),
            pl.col("author").alias("cat_author"),
            pl.col("hidden").alias("cat_hidden"),
            pl.col("created_at")
            .str.to_datetime(time_zone="UTC", strict=False)
            .alias("cat_created"),
        )
        .unique("model_id", keep="first", maintain_order=True)
    )


def models_table(
    v1_models: list[dict[str, Any]], catalog: list[dict[str, Any]], origins: Origins = None
) -> pl.DataFrame:
    v1 = frame(v1_models, CONTRACTS["v1_models"], _o(origins, "v1_models")).unique(
        "id", keep="first", maintain_order=True
    )
    arch = pl.col("architecture")
    top = pl.col("top_provider")
    v1 = v1.select(
        pl.col("id").alias("model_id"),
        pl.col("canonical_slug"),
        pl.col("name"),
        pl.col("description"),
        pl.from_epoch(pl.col("created"), time_unit="s")
        .dt.replace_time_zone("UTC")
        .alias("created_v1"),
        pl.col("context_length"),
        arch.struct.field("modality").alias("modality"),
        arch.struct.field("input_modalities").alias("input_modalities"),
        arch.struct.field("output_modalities").alias("output_modalities"),
        arch.struct.field("tokenizer").alias("tokenizer"),
        _empty_to_null(arch.struct.field("instruct_type")).alias("instruct_type"),
        _empty_to_null(pl.col("hugging_face_id")).alias("hugging_face_id"),
        top.struct.field("context_length").alias("top_provider_context_length"),
        top.struct.field("max_completion_tokens").alias("top_provider_max_completion_tokens"),
        top.struct.field("is_moderated").alias("is_moderated"),
        pl.col("supported_parameters"),
        pl.col("knowledge_cutoff"),
        pl.col("expiration_date"),
        *price_columns(pl.col("pricing")),
        *_request_limits(pl.col("per_request_limits")),
        pl.lit(True).alias("in_v1"),
    )
    cat = catalog_frame(catalog, origins)
    df = v1.join(cat, on="model_id", how="full", coalesce=True).with_columns(
        split_model_id(pl.col("model_id"))
    )
    df = df.with_columns(
        pl.col("in_v1").fill_null(False),
        pl.col("cat_slug").is_not_null().alias("in_frontend_catalog"),
        pl.coalesce("cat_permaslug", "canonical_slug", "slug").alias("permaslug"),
        pl.coalesce("name", "cat_name").alias("name"),
        pl.coalesce("created_v1", "cat_created").cast(TS).alias("created_at"),
        pl.col("cat_hidden").alias("is_hidden"),
        pl.col("model_id").str.starts_with("~").alias("is_alias"),
        pl.coalesce(
            "cat_author", pl.col("slug").str.strip_chars_start("~").str.extract(r"^([^/]+)", 1)
        ).alias("author"),
        pl.col("is_variable_price").fill_null(False),
        pl.col("per_request_limit_is_unlimited").fill_null(False),
    )
    return conform(df.sort("model_id"), "models")
