"""``providers``: v1 provider list joined with frontend all-providers on the slug."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl

from pipeline.transforms.frames import Origins, SourceFrame, origins_of, source_frame
from pipeline.transforms.schemas import conform

Records = Sequence[dict[str, Any]] | SourceFrame


def providers_table(
    v1_providers: Records, all_providers: Records, origins: Origins = None
) -> pl.DataFrame:
    v1 = (
        source_frame(v1_providers, "v1_providers", origins_of(origins, "v1_providers"))
        .df.select(
            "slug",
            pl.col("name").alias("v1_name"),
            pl.col("headquarters").alias("v1_headquarters"),
            pl.col("datacenters").alias("v1_datacenters"),
            "privacy_policy_url",
            "terms_of_service_url",
            pl.col("status_page_url").alias("v1_status_page_url"),
            pl.lit(True).alias("in_v1"),
        )
        .unique("slug", keep="first", maintain_order=True)
    )
    dp = pl.col("dataPolicy")
    fe = (
        source_frame(
            all_providers, "frontend_all_providers", origins_of(origins, "frontend_all_providers")
        )
        .df.select(
            "slug",
            pl.col("name").alias("fe_name"),
            pl.col("displayName").alias("display_name"),
            pl.col("headquarters").alias("fe_headquarters"),
            pl.col("datacenters").alias("fe_datacenters"),
            pl.col("hasChatCompletions").alias("has_chat_completions"),
            pl.col("hasCompletions").alias("has_completions"),
            pl.col("isAbortable").alias("is_abortable"),
            pl.col("moderationRequired").alias("moderation_required"),
            pl.col("byokEnabled").alias("byok_enabled"),
            pl.col("isMultipartSupported").alias("supports_multipart"),
            dp.struct.field("privacyPolicyURL").alias("fe_privacy_policy_url"),
            dp.struct.field("termsOfServiceURL").alias("fe_terms_of_service_url"),
            pl.col("statusPageUrl").alias("fe_status_page_url"),
            pl.lit(True).alias("in_frontend"),
        )
        .unique("slug", keep="first", maintain_order=True)
    )
    df = v1.join(fe, on="slug", how="full", coalesce=True).with_columns(
        pl.coalesce("fe_name", "v1_name").alias("provider_name"),
        pl.coalesce("display_name", "fe_name", "v1_name").alias("display_name"),
        pl.coalesce("v1_headquarters", "fe_headquarters").alias("headquarters"),
        pl.coalesce("v1_datacenters", "fe_datacenters").alias("datacenters"),
        pl.coalesce("privacy_policy_url", "fe_privacy_policy_url").alias("privacy_policy_url"),
        pl.coalesce("terms_of_service_url", "fe_terms_of_service_url").alias(
            "terms_of_service_url"
        ),
        pl.coalesce("v1_status_page_url", "fe_status_page_url").alias("status_page_url"),
        pl.col("in_v1").fill_null(False),
        pl.col("in_frontend").fill_null(False),
    )
    return conform(df.sort("provider_name"), "providers")
