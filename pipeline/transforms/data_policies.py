"""``data_policies``: who may train on or keep prompts, per provider (paid and free models)
and per endpoint. Handles the 2025 shape (``paidModels``/``freeModels`` sub-objects) and the
2026 one (flags at the top of ``dataPolicy``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl

from pipeline.transforms.frames import Origins, SourceFrame, origins_of, source_frame
from pipeline.transforms.schemas import conform

Records = Sequence[dict[str, Any]] | SourceFrame


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


def _endpoint_provider_slug(columns: list[str], providers: pl.DataFrame) -> pl.Expr:
    """An endpoint's provider slug: its own record's ``provider_info.slug``, else the slug
    the provider list gives its provider's name."""
    names = providers.select("name", "slug").drop_nulls().unique("name", keep="first")
    by_name = pl.col("provider_name").replace_strict(
        names["name"], names["slug"], default=None, return_dtype=pl.String
    )
    if "provider_info" not in columns:
        return by_name.alias("provider_slug")
    own = pl.col("provider_info").struct.field("slug")
    return pl.coalesce(own, by_name).alias("provider_slug")


def data_policies_table(
    all_providers: Records, frontend_endpoints: Records, origins: Origins = None
) -> pl.DataFrame:
    prov = source_frame(
        all_providers, "frontend_all_providers", origins_of(origins, "frontend_all_providers")
    ).df
    # a provider is its slug (a record without one, none seen, falls back to its name)
    if "slug" not in prov.columns:
        prov = prov.with_columns(pl.lit(None, pl.String).alias("slug"))
    prov = prov.with_columns(pl.coalesce("slug", "name").alias("slug")).unique(
        "slug", keep="first", maintain_order=True
    )
    dp = pl.col("dataPolicy")
    none = pl.lit(None, dtype=pl.String)
    paid = prov.select(
        pl.lit("provider_paid").alias("scope"),
        pl.col("slug").alias("provider_slug"),
        pl.col("name").alias("provider_name"),
        none.alias("endpoint_id"),
        none.alias("model_id"),
        *_policy(dp, "paidModels"),
    )
    free = prov.filter(dp.struct.field("freeModels").is_not_null()).select(
        pl.lit("provider_free").alias("scope"),
        pl.col("slug").alias("provider_slug"),
        pl.col("name").alias("provider_name"),
        none.alias("endpoint_id"),
        none.alias("model_id"),
        *_policy(dp, "freeModels"),
    )
    eps = source_frame(
        frontend_endpoints,
        "frontend_stats_endpoint",
        origins_of(origins, "frontend_stats_endpoint"),
    ).df.unique("id", keep="first", maintain_order=True)
    edp = pl.col("data_policy")
    nested = [
        ("training", "training"),
        ("retains_prompts", "retainsPrompts"),
        ("retention_days", "retentionDays"),
    ]
    endpoint = eps.select(
        pl.lit("endpoint").alias("scope"),
        _endpoint_provider_slug(eps.columns, prov),
        "provider_name",
        pl.col("id").alias("endpoint_id"),
        pl.col("model_variant_slug").alias("model_id"),
        *_policy(edp, None),
        # 2025 endpoint policies nest the flags like provider ones: a flag the top level does
        # not state comes from the object for the endpoint's kind (free or paid)
        *[
            pl.when(pl.col("is_free"))
            .then(edp.struct.field("freeModels").struct.field(key))
            .otherwise(edp.struct.field("paidModels").struct.field(key))
            .alias(f"_nested_{name}")
            for name, key in nested
        ],
    ).with_columns(pl.coalesce(name, f"_nested_{name}").alias(name) for name, _ in nested)
    df = pl.concat(
        [
            conform(paid, "data_policies"),
            conform(free, "data_policies"),
            conform(endpoint, "data_policies"),
        ]
    )
    return df.sort(["scope", "provider_slug", "model_id", "endpoint_id"], nulls_last=True)
