"""``data_policies``: who may train on or keep prompts, per provider (paid and free models)
and per endpoint. Handles the 2025 shape (``paidModels``/``freeModels`` sub-objects) and the
2026 one (flags at the top of ``dataPolicy``)."""

from __future__ import annotations

from typing import Any

import polars as pl

from pipeline.schemas import conform
from pipeline.transforms.source_schemas import CONTRACTS, Origins, _o, frame


def _policy(dp: pl.Expr, sub: str | None) -> list[pl.Expr]:
    """Policy columns; flags from the ``sub`` object (paidModels/freeModels) win when given."""

    def flag(name: str) -> pl.Expr:
        top = dp.struct.field(name)
        return pl.coalesce(dp.struct.field(sub).struct.field(name), top) if sub else top

    return [
        flag("training").alias("training"),
        dp.struct.field("trainingOpenRouter").alias("training_openrouter"),
        flag("retainsPrompts").alias("retains_prompts"),
        flag("retentionDays").alias("retention_days"),
        dp.struct.field("canPublish").alias("can_publish"),
        dp.struct.field("requiresUserIDs").alias("requires_user_ids"),
        dp.struct.field("termsOfServiceURL").alias("terms_of_service_url"),
        dp.struct.field("privacyPolicyURL").alias("privacy_policy_url"),
        dp.struct.field("dataPolicyUrl").alias("data_policy_url"),
    ]


def data_policies_table(
    all_providers: list[dict[str, Any]],
    frontend_endpoints: list[dict[str, Any]],
    origins: Origins = None,
) -> pl.DataFrame:
    prov = frame(
        all_providers, CONTRACTS["frontend_all_providers"], _o(origins, "frontend_all_providers")
    ).unique("name", keep="first", maintain_order=True)
    dp = pl.col("dataPolicy")
    none = pl.lit(None, dtype=pl.String)
    paid = prov.select(
        pl.lit("provider_paid").alias("scope"),
        pl.col("name").alias("provider_name"),
        none.alias("endpoint_id"),
        none.alias("model_id"),
        *_policy(dp, "paidModels"),
    )
    free = prov.filter(dp.struct.field("freeModels").is_not_null()).select(
        pl.lit("provider_free").alias("scope"),
        pl.col("name").alias("provider_name"),
        none.alias("endpoint_id"),
        none.alias("model_id"),
        *_policy(dp, "freeModels"),
    )
    eps = frame(
        frontend_endpoints,
        CONTRACTS["frontend_stats_endpoint"],
        _o(origins, "frontend_stats_endpoint"),
    ).unique("id", keep="first", maintain_order=True)
    edp = pl.col("data_policy")
    endpoint = (
        eps.select(
            pl.lit("endpoint").alias("scope"),
            "provider_name",
            pl.col("id").alias("endpoint_id"),
            pl.col("model_variant_slug").alias("model_id"),
            pl.col("is_free"),
            *_policy(edp, None),
            edp.struct.field("freeModels").struct.field("training").alias("_free_training"),
            edp.struct.field("paidModels").struct.field("training").alias("_paid_training"),
        )
        .with_columns(
            # 2025 endpoint policies nest the flags like provider ones; pick by the endpoint's kind
            pl.coalesce(
                "training",
                pl.when(pl.col("is_free")).then(pl.col("_free_training")),
                pl.col("_paid_training"),
            ).alias("training")
        )
        .drop("is_free", "_free_training", "_paid_training")
    )
    df = pl.concat(
        [
            conform(paid, "data_policies"),
            conform(free, "data_policies"),
            conform(endpoint, "data_policies"),
        ]
    )
    return df.sort(["scope", "provider_name", "model_id", "endpoint_id"], nulls_last=True)
