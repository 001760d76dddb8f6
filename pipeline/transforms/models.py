"""``models``: one row per inference id, v1 list joined with the frontend catalog."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl

from pipeline.transforms.common import model_id_from, price_columns, split_model_id
from pipeline.transforms.frames import Origins, SourceFrame, origins_of, source_frame
from pipeline.transforms.schemas import TS, conform

Records = Sequence[dict[str, Any]] | SourceFrame


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


# catalog columns that stand in for the v1 ones when v1 does not list the model
FALLBACKS = (
    "context_length",
    "description",
    "input_modalities",
    "output_modalities",
    "instruct_type",
    "knowledge_cutoff",
    "hugging_face_id",
)


def catalog_frame(catalog: Records, origins: Origins = None) -> pl.DataFrame:
    """Frontend catalog rows keyed by model_id (the variant is their default endpoint's)."""
    cat = source_frame(catalog, "frontend_catalog", origins_of(origins, "frontend_catalog")).df
    endpoint = pl.col("endpoint")
    variant = pl.coalesce(endpoint.struct.field("variant"), pl.lit("standard"))
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
            endpoint.struct.field("id").alias("default_endpoint_id"),
            pl.col("context_length").alias("cat_context_length"),
            pl.col("description").alias("cat_description"),
            pl.col("input_modalities").alias("cat_input_modalities"),
            pl.col("output_modalities").alias("cat_output_modalities"),
            _empty_to_null(pl.col("instruct_type")).alias("cat_instruct_type"),
            pl.col("knowledge_cutoff").alias("cat_knowledge_cutoff"),
            _empty_to_null(pl.col("hf_slug")).alias("cat_hugging_face_id"),
        )
        .unique("model_id", keep="first", maintain_order=True)
    )


def models_table(v1_models: Records, catalog: Records, origins: Origins = None) -> pl.DataFrame:
    v1 = source_frame(v1_models, "v1_models", origins_of(origins, "v1_models")).df.unique(
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
        pl.col("alias_target").struct.field("slug").alias("alias_target_slug"),
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
        # a model only the catalog lists has no known prices: unknown, not "not variable"
        pl.when(pl.col("in_v1")).then(pl.col("is_variable_price").fill_null(False)),
        pl.when(pl.col("in_v1")).then(pl.col("per_request_limit_is_unlimited").fill_null(False)),
        *[pl.coalesce(c, f"cat_{c}").alias(c) for c in FALLBACKS],
    )
    return conform(df.sort("model_id"), "models")
