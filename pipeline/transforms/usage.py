"""Usage, rankings, prices actually paid, uptime and top apps: the frontend's traffic sources
as typed tables. Each record names its model by (permaslug, variant), which the day's catalog
turns into the inference id the other tables use."""

from __future__ import annotations

import polars as pl

from pipeline.sources.frontend_model_activity import USAGE_FIELDS
from pipeline.transforms.frames import SourceFrame
from pipeline.transforms.schemas import conform, empty

KEY = ["permaslug", "variant"]


def model_ids(models: pl.DataFrame) -> pl.DataFrame:
    """(permaslug, variant) → model_id, one row per pair. An alias (``~…``) shares its
    target's permaslug; the id the v1 API lists wins, then the shortest."""
    return (
        models.filter(pl.col("permaslug").is_not_null())
        .sort(
            [
                pl.col("model_id").str.starts_with("~"),
                ~pl.col("in_v1").fill_null(False),
                pl.col("model_id").str.len_chars(),
                pl.col("model_id"),
            ]
        )
        .unique(KEY, keep="first", maintain_order=True)
        .select(*KEY, "model_id")
    )


def _with_model(df: pl.DataFrame, ids: pl.DataFrame) -> pl.DataFrame:
    return df.join(ids, on=KEY, how="left").with_columns(
        pl.col("permaslug").str.split("/").list.first().alias("author")
    )


def _day(col: str) -> pl.Expr:
    return pl.col(col).str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)


def _usage_columns() -> list[pl.Expr]:
    return [pl.col(api).alias(col) for api, (col, _) in USAGE_FIELDS.items()]


def model_activity_table(src: SourceFrame, ids: pl.DataFrame) -> pl.DataFrame:
    df = src.df
    if df.is_empty():
        return empty("model_activity")
    out = df.select(
        pl.col("model_permaslug").alias("permaslug"),
        pl.col("variant").fill_null("standard"),
        _day("date").alias("usage_date"),
        *_usage_columns(),
    )
    return conform(_with_model(out, ids), "model_activity").sort(
        "model_id", "permaslug", "variant", "usage_date", nulls_last=True
    )


def model_rankings_table(src: SourceFrame, ids: pl.DataFrame) -> pl.DataFrame:
    df = src.df
    if df.is_empty():
        return empty("model_rankings")
    out = df.select(
        "view",
        pl.col("model_permaslug").alias("permaslug"),
        pl.col("variant").fill_null("standard"),
        _day("date").alias("last_traffic_date"),
        *_usage_columns(),
        "change",
    ).with_columns(
        (pl.col("prompt_tokens").fill_null(0) + pl.col("completion_tokens").fill_null(0))
        .rank("ordinal", descending=True)
        .over("view")
        .cast(pl.Int64)
        .alias("rank")
    )
    return conform(_with_model(out, ids), "model_rankings").sort("view", "rank")


def _match_endpoints(per_endpoint: pl.DataFrame, endpoints: pl.DataFrame) -> pl.DataFrame:
    """The endpoint and provider name of each summary. Since 2026-08-04 the API names the
    endpoint (``endpointId``). Before, only a display label ("NovitaAI", "Google Vertex (EU)",
    "Amazon Bedrock (2)") and the provider's base slug (``google-vertex`` for every region),
    so a summary gets the model's endpoint of that base slug when there is exactly one, and
    none when the provider has several (which label is which region is not stated)."""
    eps = endpoints.select(
        "model_id",
        "endpoint_id",
        pl.col("provider_name").alias("ep_provider"),
        pl.col("provider_slug").str.split("/").list.first().alias("provider_slug"),
    )
    by_slug = eps.group_by("model_id", "provider_slug").agg(
        pl.col("endpoint_id").first().alias("only_endpoint"),
        pl.col("ep_provider").first().alias("slug_provider"),
        pl.len().alias("n"),
    )
    by_id = eps.select("endpoint_id", pl.col("ep_provider").alias("id_provider")).unique(
        "endpoint_id"
    )
    joined = per_endpoint.join(by_slug, on=["model_id", "provider_slug"], how="left").join(
        by_id, on="endpoint_id", how="left"
    )
    only = pl.when(pl.col("n") == 1).then(pl.col("only_endpoint"))
    return joined.with_columns(
        pl.when(pl.col("endpoint_id").is_not_null())
        .then(pl.lit("endpointId"))
        .when(only.is_not_null())
        .then(pl.lit("provider"))
        .alias("endpoint_matched_by"),
        pl.coalesce("endpoint_id", only).alias("endpoint_id"),
        pl.coalesce(
            "id_provider", "slug_provider", pl.col("provider_label").str.replace(r" \(.*\)$", "")
        ).alias("provider_name"),
    )


def effective_pricing_tables(
    src: SourceFrame, ids: pl.DataFrame, endpoints: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(per model variant, per endpoint)."""
    df = src.df
    if df.is_empty():
        return empty("model_effective_pricing"), empty("provider_effective_pricing")
    summaries = (
        df.select(*KEY, pl.col("providerSummaries").alias("s"))
        .explode("s")
        .filter(pl.col("s").is_not_null())
        .unnest("s")
    )
    per_endpoint = summaries.select(
        *KEY,
        pl.col("endpointId").alias("endpoint_id"),
        pl.col("providerName").alias("provider_label"),
        pl.col("providerSlug").alias("provider_slug"),
        pl.col("effectiveInputPrice").alias("effective_input_usd_per_mtok"),
        pl.col("effectiveOutputPrice").alias("effective_output_usd_per_mtok"),
        pl.col("cacheHitRate").alias("cache_hit_rate"),
        pl.col("totalTokens").alias("tokens"),
    ).with_columns(
        # a variant whose summaries all say 0 tokens has no share to give
        (pl.col("tokens") / pl.col("tokens").sum().over(KEY).replace(0, None)).alias("share")
    )
    totals = per_endpoint.group_by(KEY).agg(
        pl.col("tokens").sum(), pl.len().cast(pl.Int64).alias("endpoints_with_traffic")
    )
    per_model = (
        df.select(
            *KEY,
            pl.col("weightedInputPrice").alias("effective_input_usd_per_mtok"),
            pl.col("weightedOutputPrice").alias("effective_output_usd_per_mtok"),
            pl.col("weightedCacheHitRate").alias("cache_hit_rate"),
        )
        .join(totals, on=KEY, how="left")
        .with_columns(pl.col("tokens", "endpoints_with_traffic").fill_null(0))
    )
    per_endpoint = _match_endpoints(_with_model(per_endpoint, ids), endpoints)
    return (
        conform(_with_model(per_model, ids), "model_effective_pricing").sort(KEY),
        conform(per_endpoint, "provider_effective_pricing").sort(
            *KEY, "tokens", descending=[False, False, True]
        ),
    )


def _uptime(src: SourceFrame, table: str, when: pl.Expr, *keep: str) -> pl.DataFrame:
    if src.df.is_empty():
        return empty(table)
    out = src.df.select("endpoint_id", *keep, when, pl.col("uptime").alias("uptime_pct"))
    return conform(out, table).sort("endpoint_id", when.meta.output_name())


def uptime_tables(recent: SourceFrame, hourly: SourceFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(daily, hourly) observations; the warehouse keeps the latest of each day or hour."""
    hour = pl.col("date").str.to_datetime("%Y-%m-%d %H:%M:%S", time_zone="UTC", strict=False)
    return (
        _uptime(
            recent, "endpoint_uptime_observations", _day("date").alias("uptime_date"), "permaslug"
        ),
        _uptime(hourly, "endpoint_uptime_hourly_observations", hour.alias("uptime_hour")),
    )


def top_apps_table(src: SourceFrame, ids: pl.DataFrame) -> pl.DataFrame:
    df = src.df
    if df.is_empty():
        return empty("model_top_apps")
    app = pl.col("app")
    out = df.select(
        *KEY,
        "rank",
        "app_id",
        app.struct.field("title"),
        app.struct.field("description"),
        app.struct.field("origin_url"),
        app.struct.field("main_url"),
        app.struct.field("source_code_url"),
        app.struct.field("created_at")
        .str.to_datetime(time_zone="UTC", strict=False)
        .alias("app_created_at"),
        pl.col("total_tokens").str.to_integer(strict=False).alias("tokens"),
    )
    return conform(_with_model(out, ids), "model_top_apps").sort(*KEY, "rank")
