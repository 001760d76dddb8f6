"""``endpoints``: one row per provider endpoint of a model, v1 and frontend merged.

The v1 call and frontend stats/endpoint describe the same endpoints; they meet on
(model_id, provider tag), v1 values first, frontend filling what v1 lacks (UUID, flags, limits).
"""

from __future__ import annotations

import hashlib
from typing import Any

import polars as pl

from pipeline.schemas import conform
from pipeline.transforms.common import price_columns
from pipeline.transforms.source_schemas import (
    CONTRACTS,
    PRICE_COMPONENTS,
    PRICING,
    Origins,
    _o,
    frame,
)

KEY = ["model_id", "provider_tag"]


def _stable_hash(s: pl.Series) -> pl.Series:
    # polars' own hash is not stable across versions; ids must be (a per-row map is the cost).
    return s.map_elements(
        lambda v: hashlib.sha256(v.encode()).hexdigest()[:32], return_dtype=pl.String
    )


def v1_endpoints_frame(docs: list[dict[str, Any]], origins: Origins = None) -> pl.DataFrame:
    ep = pl.col("ep")
    df = (
        frame(docs, CONTRACTS["v1_endpoints"], _o(origins, "v1_endpoints"))
        .select(pl.col("id").alias("model_id"), pl.col("endpoints").alias("ep"))
        .explode("ep")
        .filter(pl.col("ep").is_not_null())
    )
    lat, thr = ep.struct.field("latency_last_30m"), ep.struct.field("throughput_last_30m")
    return (
        df.select(
            "model_id",
            pl.coalesce(  # 2025 responses have no tag: the provider name, slugified
                ep.struct.field("tag"),
                ep.struct.field("provider_name")
                .str.to_lowercase()
                .str.replace_all(r"[^a-z0-9]+", "-"),
            ).alias("provider_tag"),
            ep.struct.field("provider_name").alias("v1_provider_name"),
            ep.struct.field("name").alias("v1_name"),
            ep.struct.field("quantization").alias("v1_quantization"),
            ep.struct.field("context_length").alias("v1_context_length"),
            ep.struct.field("max_prompt_tokens").alias("v1_max_prompt_tokens"),
            ep.struct.field("max_completion_tokens").alias("v1_max_completion_tokens"),
            ep.struct.field("pricing").alias("v1_pricing"),
            ep.struct.field("status").alias("v1_status"),
            ep.struct.field("uptime_last_5m").alias("uptime_last_5m"),
            ep.struct.field("uptime_last_30m").alias("uptime_last_30m"),
            ep.struct.field("uptime_last_1d").alias("uptime_last_1d"),
            lat.struct.field("p50").alias("v1_latency_p50"),
            lat.struct.field("p90").alias("v1_latency_p90"),
            thr.struct.field("p50").alias("v1_throughput_p50"),
            thr.struct.field("p90").alias("v1_throughput_p90"),
            ep.struct.field("supported_parameters").alias("v1_supported_parameters"),
            ep.struct.field("supports_implicit_caching").alias("supports_implicit_caching"),
            pl.lit(True).alias("in_v1"),
        )
        .unique(  # the same endpoint listed twice is one endpoint
            [*KEY, "v1_pricing", "v1_context_length", "v1_name"], keep="first", maintain_order=True
        )
        .with_columns(_pairing_tag(pl.col("v1_pricing"), "v1_context_length", "v1_name"))
    )


def _pairing_tag(pricing: pl.Expr, context_length: str, name: str, *first: pl.Expr) -> pl.Expr:
    """(model, tag) is not always unique: one provider can list two endpoints of a model under
    the same tag (gemma-4-31b-it on together, at two prices). v1 and frontend rows of such a
    group are paired in the order of their (price, context, name), usable frontend rows first,
    so that each v1 endpoint meets its own frontend twin whatever order the API lists them in.
    """
    rank = pl.int_range(pl.len()).over(
        KEY,
        order_by=[
            *first,
            pricing.struct.field("prompt").fill_null(""),
            pricing.struct.field("completion").fill_null(""),
            pl.col(context_length).fill_null(0),
            pl.col(name).fill_null(""),
        ],
    )
    return pl.concat_str([pl.col("provider_tag"), pl.lit("#"), rank.cast(pl.String)]).alias(
        "_join_tag"
    )


def frontend_endpoints_frame(
    endpoints: list[dict[str, Any]], origins: Origins = None
) -> pl.DataFrame:
    st = pl.col("stats")
    return (
        frame(
            endpoints, CONTRACTS["frontend_stats_endpoint"], _o(origins, "frontend_stats_endpoint")
        )
        .select(
            pl.col("model_variant_slug").alias("model_id"),
            pl.coalesce(  # provider_slug appeared in 2025; before, the provider's own slug
                "provider_slug", pl.col("provider_info").struct.field("slug")
            ).alias("provider_tag"),
            pl.col("id").alias("fe_id"),
            pl.col("provider_name").alias("fe_provider_name"),
            pl.col("name").alias("fe_name"),
            pl.col("quantization").alias("fe_quantization"),
            pl.col("context_length").alias("fe_context_length"),
            pl.col("max_prompt_tokens").alias("fe_max_prompt_tokens"),
            pl.col("max_completion_tokens").alias("fe_max_completion_tokens"),
            pl.col("pricing").alias("fe_pricing"),
            pl.col("status").alias("fe_status"),
            "is_free",
            "is_hidden",
            "is_disabled",
            "is_deranked",
            "limit_rpm",
            "limit_rpd",
            st.struct.field("p50_latency").alias("fe_latency_p50"),
            st.struct.field("p90_latency").alias("fe_latency_p90"),
            st.struct.field("p50_throughput").alias("fe_throughput_p50"),
            st.struct.field("p90_throughput").alias("fe_throughput_p90"),
            st.struct.field("request_count").alias("request_count"),
            pl.col("supported_parameters").alias("fe_supported_parameters"),
            "provider_display_name",
            "provider_model_id",
            "provider_region",
            "supports_reasoning",
            "supports_tool_parameters",
            "is_byok",
            pl.col("created_at").str.to_datetime(time_zone="UTC", strict=False).alias("created_at"),
            pl.lit(True).alias("in_frontend"),
        )
        # one row per endpoint UUID (aliases return the same endpoints twice); several UUIDs
        # can share (model, tag): the v1 row then belongs to the usable one, the others keep
        # their own rows, apart from v1
        .unique("fe_id", keep="first", maintain_order=True)
        .with_columns(
            _pairing_tag(
                pl.col("fe_pricing"),
                "fe_context_length",
                "fe_name",
                pl.col("is_disabled").fill_null(False),
                pl.col("is_hidden").fill_null(False),
            )
        )
    )


def _merge_pricing() -> pl.Expr:
    """Per component, the v1 string when v1 listed the endpoint, else the frontend one."""
    v1, fe = pl.col("v1_pricing"), pl.col("fe_pricing")
    fields = [
        pl.when(pl.col("in_v1")).then(v1.struct.field(c)).otherwise(fe.struct.field(c)).alias(c)
        for c in (*PRICE_COMPONENTS, "discount")
    ]
    return pl.struct(fields).cast(PRICING).alias("pricing")


def endpoints_table(
    v1_docs: list[dict[str, Any]],
    frontend_endpoints: list[dict[str, Any]],
    origins: Origins = None,
) -> pl.DataFrame:
    v1 = v1_endpoints_frame(v1_docs, origins)
    fe = frontend_endpoints_frame(frontend_endpoints, origins).rename(
        {"model_id": "fe_model_id", "provider_tag": "fe_provider_tag"}
    )
    df = v1.join(
        fe,
        left_on=["model_id", "_join_tag"],
        right_on=["fe_model_id", "_join_tag"],
        how="full",
        coalesce=False,
    ).with_columns(
        pl.coalesce("model_id", "fe_model_id").alias("model_id"),
        pl.coalesce("provider_tag", "fe_provider_tag").alias("provider_tag"),
    )
    df = df.with_columns(
        pl.col("in_v1").fill_null(False), pl.col("in_frontend").fill_null(False)
    ).with_columns(
        _merge_pricing(),
        pl.coalesce("v1_provider_name", "fe_provider_name").alias("provider_name"),
        pl.coalesce("v1_name", "fe_name").alias("name"),
        pl.coalesce("v1_quantization", "fe_quantization").alias("quantization"),
        pl.coalesce("v1_context_length", "fe_context_length").alias("context_length"),
        pl.coalesce("v1_max_prompt_tokens", "fe_max_prompt_tokens").alias("max_prompt_tokens"),
        pl.coalesce("v1_max_completion_tokens", "fe_max_completion_tokens").alias(
            "max_completion_tokens"
        ),
        pl.coalesce("v1_status", "fe_status").alias("status"),
        pl.coalesce("v1_latency_p50", "fe_latency_p50").alias("latency_p50_ms"),
        pl.coalesce("v1_latency_p90", "fe_latency_p90").alias("latency_p90_ms"),
        pl.coalesce("v1_throughput_p50", "fe_throughput_p50").alias("throughput_p50_tps"),
        pl.coalesce("v1_throughput_p90", "fe_throughput_p90").alias("throughput_p90_tps"),
        pl.coalesce("v1_supported_parameters", "fe_supported_parameters").alias(
            "supported_parameters"
        ),
        pl.coalesce("is_free", pl.col("model_id").str.ends_with(":free")).alias("is_free"),
        pl.col("is_hidden").fill_null(False),
        pl.col("is_disabled").fill_null(False),
        pl.col("is_deranked").fill_null(False),
        pl.col("fe_id").is_not_null().alias("endpoint_id_is_uuid"),
    )
    hashed = _stable_hash(
        df.select(
            pl.concat_str(
                ["model_id", "provider_name", "provider_tag"], separator="|", ignore_nulls=True
            )
        ).to_series()
    )
    df = df.with_columns(
        pl.coalesce(pl.col("fe_id"), pl.lit(hashed)).alias("endpoint_id"),
        *price_columns(pl.col("pricing")),
        pl.col("pricing").struct.field("discount").alias("discount"),
    )
    return conform(df.sort(["model_id", "provider_name", "provider_tag"]), "endpoints")
