"""``endpoints``: one row per provider endpoint of a model, v1 and frontend paired one to one.

The v1 call and frontend stats/endpoint describe the same endpoints, each without the other's
key (v1 has no UUID, the frontend no v1 tag before 2025). They are paired in stages, each on
the rows the one before left unpaired, so that an exact match always wins over a guess:
  1. same model, tag, prompt and completion price (as decimals: "9e-7" is "0.0000009") and
     context length;
  2. same model and tag, in price order (one provider can list two endpoints under one tag);
  3. for 2025 v1 endpoints, which have no tag: same model and provider slug.
v1 values come first; the frontend fills what v1 lacks (UUID, flags, limits, percentiles).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import polars as pl

from pipeline.sources.shapes import PRICE_COMPONENTS
from pipeline.transforms.common import decimal, price_columns, undiscount
from pipeline.transforms.frames import Origins, SourceFrame, origins_of, source_frame
from pipeline.transforms.schemas import TS, conform

Records = Sequence[dict[str, Any]] | SourceFrame
PERCENTILES = ("p50", "p75", "p90", "p95", "p99")
V1_WINDOW_MINUTES = 30  # latency_last_30m / throughput_last_30m


def _stable_hash(s: pl.Series) -> pl.Series:
    # polars' own hash is not stable across versions; ids must be (a per-row map is the cost,
    # paid only by endpoints the frontend does not list).
    return s.map_elements(
        lambda v: hashlib.sha256(v.encode()).hexdigest()[:32], return_dtype=pl.String
    )


# what names a provider in a key: its slug (see ``_endpoint_ids``)
PROVIDER_KEY = pl.coalesce("provider_slug", "provider_name")


def provider_slugs(*provider_lists: pl.DataFrame) -> pl.DataFrame:
    """(provider_name, provider_slug) from provider records, earlier lists first."""
    frames = [
        df.select(pl.col("name").alias("provider_name"), pl.col("slug").alias("provider_slug"))
        for df in provider_lists
        if {"name", "slug"} <= set(df.columns)
    ]
    if not frames:
        return pl.DataFrame(schema={"provider_name": pl.String, "provider_slug": pl.String})
    return pl.concat(frames).drop_nulls().unique("provider_name", keep="first", maintain_order=True)


def _v1_frame(docs: Records, origins: Origins) -> pl.DataFrame:
    sf = source_frame(docs, "v1_endpoints", origins_of(origins, "v1_endpoints"))
    ep = pl.col("ep")
    lat, thr = ep.struct.field("latency_last_30m"), ep.struct.field("throughput_last_30m")
    pricing = ep.struct.field("pricing")
    return (
        sf.df.select(pl.col("id").alias("model_id"), pl.col("endpoints").alias("ep"))
        .explode("ep")
        .filter(pl.col("ep").is_not_null())
        .select(
            "model_id",
            ep.struct.field("tag").alias("tag"),
            ep.struct.field("provider_name").alias("v1_provider_name"),
            ep.struct.field("name").alias("v1_name"),
            ep.struct.field("quantization").alias("v1_quantization"),
            ep.struct.field("context_length").alias("v1_context_length"),
            ep.struct.field("max_prompt_tokens").alias("v1_max_prompt_tokens"),
            ep.struct.field("max_completion_tokens").alias("v1_max_completion_tokens"),
            pricing.alias("v1_pricing"),
            decimal(pricing.struct.field("prompt")).alias("_prompt"),
            decimal(pricing.struct.field("completion")).alias("_completion"),
            ep.struct.field("status").alias("v1_status"),
            ep.struct.field("uptime_last_5m").alias("uptime_last_5m"),
            ep.struct.field("uptime_last_30m").alias("uptime_last_30m"),
            ep.struct.field("uptime_last_1d").alias("uptime_last_1d"),
            *[lat.struct.field(p).alias(f"v1_latency_{p}") for p in PERCENTILES if p != "p95"],
            *[thr.struct.field(p).alias(f"v1_throughput_{p}") for p in PERCENTILES if p != "p95"],
            (lat.is_not_null() | thr.is_not_null()).alias("_v1_has_stats"),
            ep.struct.field("supported_parameters").alias("v1_supported_parameters"),
            ep.struct.field("supports_implicit_caching").alias("supports_implicit_caching"),
        )
        # the same endpoint listed twice is one endpoint, however its prices are written
        # ("3e-06" and "0.000003" are one price)
        .unique(
            [
                "model_id",
                "tag",
                "v1_provider_name",
                "_prompt",
                "_completion",
                "v1_context_length",
                "v1_name",
            ],  # fmt: skip
            keep="first",
            maintain_order=True,
        )
        .with_row_index("_vi")
    )


def _frontend_frame(endpoints: Records, origins: Origins) -> pl.DataFrame:
    sf = source_frame(
        endpoints, "frontend_stats_endpoint", origins_of(origins, "frontend_stats_endpoint")
    )
    st = pl.col("stats")
    pricing = pl.col("pricing")
    display = pl.col("display_pricing")
    kinds = display.list.eval(pl.element().struct.field("kind")).list.unique()
    return (
        sf.df.select(
            pl.col("model_variant_slug").alias("fe_model_id"),
            pl.col("provider_slug").alias("fe_tag"),
            pl.col("provider_info").struct.field("slug").alias("fe_provider_slug"),
            pl.col("id").alias("fe_id"),
            pl.col("provider_name").alias("fe_provider_name"),
            pl.col("name").alias("fe_name"),
            pl.col("quantization").alias("fe_quantization"),
            pl.col("context_length").alias("fe_context_length"),
            pl.col("max_prompt_tokens").alias("fe_max_prompt_tokens"),
            pl.col("max_completion_tokens").alias("fe_max_completion_tokens"),
            pricing.alias("fe_pricing"),
            decimal(pricing.struct.field("prompt")).alias("_prompt"),
            decimal(pricing.struct.field("completion")).alias("_completion"),
            pl.col("status").alias("fe_status"),
            "is_free",
            "is_hidden",
            "is_disabled",
            "is_deranked",
            "limit_rpm",
            "limit_rpd",
            "max_prompt_images",
            "max_tokens_per_image",
            *[st.struct.field(f"{p}_latency").alias(f"fe_latency_{p}") for p in PERCENTILES],
            *[st.struct.field(f"{p}_throughput").alias(f"fe_throughput_{p}") for p in PERCENTILES],
            st.struct.field("window_minutes").alias("fe_window_minutes"),
            st.struct.field("request_count").alias("request_count"),
            pl.col("supported_parameters").alias("fe_supported_parameters"),
            "provider_display_name",
            "provider_model_id",
            "provider_region",
            "supports_reasoning",
            "supports_tool_parameters",
            "is_byok",
            "is_byok_only",
            "moderation_required",
            pl.col("deprecation_date")
            .str.to_datetime(time_zone="UTC", strict=False)
            .alias("deprecation_date"),
            pl.col("created_at").str.to_datetime(time_zone="UTC", strict=False).alias("created_at"),
            display.alias("fe_display_pricing"),
            pl.col("tiers").alias("fe_service_tiers"),
            pl.col("variable_pricings").alias("fe_variable_pricings"),
            pl.when(display.list.len() == 0)
            .then(None)
            .when(kinds.list.len() > 1)
            .then(pl.lit("mixed"))
            .otherwise(kinds.list.first())
            .alias("price_unit_kind"),
            display.list.eval(decimal(pl.element().struct.field("price")) > 0)
            .list.any()
            .alias("_display_paid"),
        )
        # one row per endpoint UUID: '~' aliases answer with their target's endpoints again
        .unique("fe_id", keep="first", maintain_order=True)
        .with_row_index("_fi")
    )


def _rank(df: pl.DataFrame, keys: list[str], first: list[pl.Expr]) -> pl.DataFrame:
    order = [
        *first,
        pl.col("_prompt"),
        pl.col("_completion"),
        pl.col("_context"),
        pl.col("_name"),
    ]
    return df.with_columns(pl.int_range(pl.len()).over(keys, order_by=order).alias("_k"))


def _pairs(v1: pl.DataFrame, fe: pl.DataFrame, slugs: pl.DataFrame) -> pl.DataFrame:
    """(_vi, _fi) of every v1 and frontend row, paired one to one where they meet."""
    a = v1.join(slugs, left_on="v1_provider_name", right_on="provider_name", how="left").select(
        "_vi",
        "model_id",
        "tag",
        "provider_slug",
        "_prompt",
        "_completion",
        pl.col("v1_context_length").alias("_context"),
        pl.col("v1_name").alias("_name"),
    )
    b = fe.select(
        "_fi",
        pl.col("fe_model_id").alias("model_id"),
        pl.col("fe_tag").alias("tag"),
        pl.col("fe_provider_slug").alias("provider_slug"),
        "_prompt",
        "_completion",
        pl.col("fe_context_length").alias("_context"),
        pl.col("fe_name").alias("_name"),
        # v1 lists what the router can use: a disabled or hidden twin is paired last
        pl.col("is_disabled").fill_null(False).alias("_off"),
        pl.col("is_hidden").fill_null(False).alias("_hid"),
    )
    stages = [
        ["model_id", "tag", "_prompt", "_completion", "_context"],
        ["model_id", "tag"],
        ["model_id", "provider_slug"],  # v1 rows without a tag (2025) only
    ]
    found: list[pl.DataFrame] = []
    for i, keys in enumerate(stages):
        left = a.filter(pl.col("tag").is_null()) if i == 2 else a
        matched = _rank(left, keys, []).join(
            _rank(b, keys, [pl.col("_off"), pl.col("_hid")]),
            on=[*keys, "_k"],
            how="inner",
        )
        pairs = matched.select("_vi", "_fi")
        found.append(pairs)
        a = a.join(pairs, on="_vi", how="anti")
        b = b.join(pairs, on="_fi", how="anti")
    schema = {"_vi": pl.UInt32, "_fi": pl.UInt32}
    return pl.concat(
        [
            *found,
            a.select("_vi", pl.lit(None, pl.UInt32).alias("_fi")),
            b.select(pl.lit(None, pl.UInt32).alias("_vi"), "_fi"),
        ]
    ).cast(schema)


def _endpoint_ids(df: pl.DataFrame) -> pl.Series:
    """The frontend UUID, else a hash of model, provider and tag; a second endpoint under the
    same (model, provider, tag) hashes its rank too, so no two endpoints share an id.

    The provider is its slug: a display name that changes must not change an id. Only a v1
    record whose provider name no provider list places (2025, no slug anywhere) falls back
    to the name, the one thing that names it."""
    key = pl.concat_str(
        [pl.col("model_id"), PROVIDER_KEY, pl.col("provider_tag")],
        separator="|",
        ignore_nulls=True,
    )
    rank = pl.int_range(pl.len()).over(
        key, order_by=[pl.col("context_length"), pl.col("_prompt"), pl.col("_completion"), "name"]
    )
    hashed_input = df.select(
        pl.when(rank == 0)
        .then(key)
        .otherwise(pl.concat_str([key, pl.lit("|#"), rank.cast(pl.String)]))
    ).to_series()
    uuid = df["fe_id"]
    need = uuid.is_null()
    hashed = pl.Series("h", [None] * df.height, dtype=pl.String)
    if need.any():
        hashed = hashed.scatter(need.arg_true(), _stable_hash(hashed_input.filter(need)))
    return uuid.fill_null(hashed).alias("endpoint_id")


def endpoint_rows(
    v1_docs: Records,
    frontend_endpoints: Records,
    origins: Origins = None,
    slugs: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Every endpoint with its id and all it was built from (the pricing objects of both
    sides, the frontend's price lists and tiers): the endpoints table and the price tables
    that hang off it are cut from this one frame, so they agree on every id.

    ``slugs`` (provider_name → provider_slug, see ``provider_slugs``) places 2025 v1
    endpoints, which have no tag, under their provider's slug; without it they stay apart."""
    v1 = _v1_frame(v1_docs, origins)
    fe = _frontend_frame(frontend_endpoints, origins)
    slugs = slugs if slugs is not None else provider_slugs()
    df = (
        _pairs(v1, fe, slugs)
        .join(v1.drop("_prompt", "_completion"), on="_vi", how="left")
        .join(fe, on="_fi", how="left")
        .with_columns(
            pl.col("_vi").is_not_null().alias("in_v1"),
            pl.col("_fi").is_not_null().alias("in_frontend"),
        )
        .join(slugs, left_on="v1_provider_name", right_on="provider_name", how="left")
    )
    in_v1 = pl.col("in_v1")
    df = df.with_columns(
        pl.coalesce("model_id", "fe_model_id").alias("model_id"),
        pl.coalesce("fe_provider_slug", "provider_slug").alias("provider_slug"),
        pl.coalesce("v1_provider_name", "fe_provider_name").alias("provider_name"),
        pl.coalesce("v1_name", "fe_name").alias("name"),
        pl.coalesce("v1_quantization", "fe_quantization").alias("quantization"),
        pl.coalesce("v1_context_length", "fe_context_length").alias("context_length"),
        pl.coalesce("v1_max_prompt_tokens", "fe_max_prompt_tokens").alias("max_prompt_tokens"),
        pl.coalesce("v1_max_completion_tokens", "fe_max_completion_tokens").alias(
            "max_completion_tokens"
        ),
        pl.coalesce("v1_status", "fe_status").alias("status"),
        *[
            pl.coalesce(f"v1_{m}_{p}", f"fe_{m}_{p}").alias(f"{m}_{p}_{u}")
            if p != "p95"
            else pl.col(f"fe_{m}_{p}").alias(f"{m}_{p}_{u}")
            for m, u in (("latency", "ms"), ("throughput", "tps"))
            for p in PERCENTILES
        ],
        pl.coalesce(
            "fe_window_minutes",
            pl.when(pl.col("_v1_has_stats")).then(pl.lit(V1_WINDOW_MINUTES)),
        ).alias("stats_window_minutes"),
        pl.coalesce("v1_supported_parameters", "fe_supported_parameters").alias(
            "supported_parameters"
        ),
        # the whole pricing object of one side, v1 when v1 lists the endpoint: never a mix
        pl.when(in_v1).then(pl.col("v1_pricing")).otherwise(pl.col("fe_pricing")).alias("pricing"),
        pl.col("fe_id").is_not_null().alias("endpoint_id_is_uuid"),
    ).with_columns(
        # the tag when the API gave one, else the provider's slug from its record
        pl.coalesce("tag", "fe_tag", "provider_slug").alias("provider_tag"),
        pl.coalesce("is_free", pl.col("model_id").str.ends_with(":free")).alias("is_free"),
        decimal(pl.col("pricing").struct.field("prompt")).alias("_prompt"),
        decimal(pl.col("pricing").struct.field("completion")).alias("_completion"),
        *price_columns(pl.col("pricing")),
        pl.col("pricing").struct.field("discount").alias("discount"),
    )
    df = df.with_columns(_endpoint_ids(df))
    others = [c for c in PRICE_COMPONENTS if c not in ("prompt", "completion")]
    others_paid = pl.any_horizontal([pl.col(f"{c}_usd_per_token") > 0 for c in others]).fill_null(
        False
    ) | pl.col("_display_paid").fill_null(False)
    prompt, completion = pl.col("prompt_usd_per_token"), pl.col("completion_usd_per_token")
    df = df.with_columns(
        *[
            undiscount(pl.col(f"{c}_usd_per_mtok"), pl.col("discount")).alias(
                f"list_{c}_usd_per_mtok"
            )
            for c in PRICE_COMPONENTS
        ],
        (
            prompt.is_not_null()
            & completion.is_not_null()
            & (pl.col("price_unit_kind").fill_null("token") != "unit")
            & ~((prompt == 0) & (completion == 0) & others_paid)
        ).alias("is_priced_per_token"),
        pl.col("created_at").cast(TS),
        pl.col("deprecation_date").cast(TS),
        # unknown until /endpoints/zdr is read (``zero_retention``)
        pl.lit(None, pl.Boolean).alias("is_zero_data_retention"),
    )
    return df.sort(["model_id", "provider_name", "provider_tag", "endpoint_id"])


def endpoints_table(
    v1_docs: Records,
    frontend_endpoints: Records,
    origins: Origins = None,
    slugs: pl.DataFrame | None = None,
) -> pl.DataFrame:
    return conform(endpoint_rows(v1_docs, frontend_endpoints, origins, slugs), "endpoints")


def zero_retention(rows: pl.DataFrame, zdr: pl.DataFrame, answered: bool) -> pl.DataFrame:
    """``is_zero_data_retention`` of every endpoint: listed by ``/endpoints/zdr`` (same model
    id and tag; the provider's name for an entry without a tag), false when the call answered
    without it, null when it did not answer."""
    rows = rows.drop("is_zero_data_retention", strict=False)
    if not answered:
        return rows.with_columns(pl.lit(None, pl.Boolean).alias("is_zero_data_retention"))
    listed = zdr.filter(pl.col("model_id").is_not_null())
    by_tag = (
        listed.filter(pl.col("tag").is_not_null())
        .select("model_id", pl.col("tag").alias("provider_tag"), pl.lit(True).alias("_tag"))
        .unique()
    )
    by_name = (
        listed.filter(pl.col("tag").is_null())
        .select("model_id", "provider_name", pl.lit(True).alias("_name"))
        .unique()
    )
    return (
        rows.join(by_tag, on=["model_id", "provider_tag"], how="left")
        .join(by_name, on=["model_id", "provider_name"], how="left")
        .with_columns(
            (pl.col("_tag").fill_null(False) | pl.col("_name").fill_null(False)).alias(
                "is_zero_data_retention"
            )
        )
        .drop("_tag", "_name")
    )
