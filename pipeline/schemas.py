"""Every output column: name, type and meaning. Used by the transforms (to conform their
output), by Dagster column metadata, and later by the generated data dictionary."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from pipeline.transforms.common import PER_MTOK, PER_TOKEN
from pipeline.transforms.source_schemas import PRICE_COMPONENTS, TIER_COMPONENTS

S, I, F, B = pl.String, pl.Int64, pl.Float64, pl.Boolean
LS = pl.List(pl.String)
TS = pl.Datetime("us", "UTC")


@dataclass(frozen=True)
class Column:
    name: str
    dtype: pl.DataType
    description: str


def _prices(scope: str) -> list[Column]:
    cols = []
    for c in PRICE_COMPONENTS:
        cols.append(
            Column(
                f"{c}_usd_per_token",
                PER_TOKEN,
                f"{scope} {c} price in USD per unit, exact from the API string; "
                "0 when the key is omitted, null when variable (or unknown: a model only the "
                "frontend catalog lists)",
            )
        )
        cols.append(
            Column(
                f"{c}_usd_per_mtok",
                PER_MTOK,
                f"{scope} {c} price in USD per million units (per_token × 10^6)",
            )
        )
    cols.append(
        Column(
            "is_variable_price",
            B,
            'true when any price is "-1" (decided per request, e.g. routers)',
        )
    )
    return cols


MODELS = [
    Column("model_id", S, "id used for inference: slug plus ':variant' unless standard"),
    Column("slug", S, "model slug without variant"),
    Column("variant", S, "variant after the colon (free, beta, thinking, …) or 'standard'"),
    Column(
        "permaslug",
        S,
        "frontend permanent slug (opaque; keys frontend calls), "
        "canonical_slug when the frontend is missing",
    ),
    Column("canonical_slug", S, "v1 canonical slug (names the base model, drops the variant)"),
    Column("author", S, "author part of the slug"),
    Column("name", S, "display name"),
    Column("description", S, "model description"),
    Column("created_at", TS, "when the model was added to OpenRouter (UTC)"),
    Column("context_length", I, "advertised context length in tokens"),
    Column("modality", S, "v1 architecture.modality, e.g. text+image->text"),
    Column("input_modalities", LS, "input modalities"),
    Column("output_modalities", LS, "output modalities"),
    Column("tokenizer", S, "tokenizer family"),
    Column("instruct_type", S, "instruction format; null when none"),
    Column("hugging_face_id", S, "Hugging Face id; null when empty"),
    Column("top_provider_context_length", I, "context length of the top provider"),
    Column("top_provider_max_completion_tokens", I, "max completion tokens of the top provider"),
    Column("is_moderated", B, "top provider moderates input"),
    Column("supported_parameters", LS, "parameters supported by at least one endpoint"),
    Column("knowledge_cutoff", S, "knowledge cutoff as given"),
    Column("expiration_date", S, "expiration date as given"),
    *_prices("default"),
    Column(
        "per_request_limit_prompt_tokens",
        F,
        "per-request prompt token limit (until mid-2024); null when none or unlimited",
    ),
    Column(
        "per_request_limit_completion_tokens",
        F,
        "per-request completion token limit (until mid-2024); null when none or unlimited",
    ),
    Column("per_request_limit_is_unlimited", B, 'a per-request limit was "Infinity"'),
    Column("is_alias", B, "a '~' alias id that redirects to the latest model of a family"),
    Column("is_hidden", B, "hidden in the frontend catalog; null when not in the catalog"),
    Column("in_v1", B, "listed by /api/v1/models"),
    Column("in_frontend_catalog", B, "listed by the frontend catalog"),
]

ENDPOINTS = [
    Column(
        "endpoint_id",
        S,
        "frontend endpoint UUID when known, else a stable hash of "
        "model_id + provider_name + provider_tag",
    ),
    Column("endpoint_id_is_uuid", B, "endpoint_id is the frontend UUID"),
    Column("model_id", S, "inference id of the model this endpoint serves"),
    Column("provider_name", S, "provider name"),
    Column("provider_tag", S, "provider tag / slug of the endpoint (e.g. deepinfra/fp8)"),
    Column("name", S, "endpoint display name"),
    Column("quantization", S, "quantization (fp8, bf16, unknown, …)"),
    Column("context_length", I, "context length of this endpoint"),
    Column("max_prompt_tokens", I, "max prompt tokens; null when unlimited"),
    Column("max_completion_tokens", I, "max completion tokens; null when unlimited"),
    *_prices("endpoint"),
    Column("discount", F, "fractional discount as given (0 = none)"),
    Column("status", I, "endpoint status code (0 ok; negative = degraded/deranked)"),
    Column("is_free", B, "free endpoint (frontend is_free, else a ':free' model id)"),
    Column("is_disabled", B, "disabled (frontend); false when only v1 lists it"),
    Column("is_hidden", B, "hidden (frontend); false when only v1 lists it"),
    Column("is_deranked", B, "deranked by the router (frontend)"),
    Column("uptime_last_5m", F, "uptime % over 5 minutes (v1)"),
    Column("uptime_last_30m", F, "uptime % over 30 minutes (v1)"),
    Column("uptime_last_1d", F, "uptime % over 1 day (v1)"),
    Column("latency_p50_ms", F, "median time to first token, ms"),
    Column("latency_p90_ms", F, "p90 time to first token, ms"),
    Column("throughput_p50_tps", F, "median output tokens per second"),
    Column("throughput_p90_tps", F, "p90 output tokens per second"),
    Column("request_count", I, "requests in the stats window (frontend)"),
    Column("limit_rpm", I, "rate limit, requests per minute (frontend)"),
    Column("limit_rpd", I, "rate limit, requests per day (frontend)"),
    Column("supported_parameters", LS, "parameters this endpoint supports"),
    Column("supports_implicit_caching", B, "prompt caching without cache_control (v1)"),
    Column("supports_reasoning", B, "reasoning tokens supported (frontend)"),
    Column("supports_tool_parameters", B, "tool calling supported (frontend)"),
    Column("is_byok", B, "served with the user's own provider key (frontend)"),
    Column("provider_display_name", S, "provider display name (frontend)"),
    Column("provider_model_id", S, "the provider's own id for the model (frontend)"),
    Column("provider_region", S, "region the provider serves from, when given (frontend)"),
    Column("created_at", TS, "when the endpoint was added (frontend, UTC)"),
    Column("in_v1", B, "listed by the v1 endpoints call"),
    Column("in_frontend", B, "listed by frontend stats/endpoint"),
]

PROVIDERS = [
    Column("provider_name", S, "provider name as used in endpoints"),
    Column("display_name", S, "user-facing name"),
    Column("slug", S, "provider slug"),
    Column("headquarters", S, "two-letter country code of the headquarters"),
    Column("datacenters", LS, "country codes of datacenters"),
    Column("has_chat_completions", B, "supports chat completions"),
    Column("has_completions", B, "supports legacy completions"),
    Column("is_abortable", B, "requests can be aborted"),
    Column("moderation_required", B, "input is moderated"),
    Column("byok_enabled", B, "bring-your-own-key supported"),
    Column("privacy_policy_url", S, "privacy policy URL"),
    Column("terms_of_service_url", S, "terms of service URL"),
    Column("status_page_url", S, "status page URL"),
    Column("in_v1", B, "listed by /api/v1/providers"),
    Column("in_frontend", B, "listed by frontend all-providers"),
]

DATA_POLICIES = [
    Column("scope", S, "provider_paid, provider_free or endpoint"),
    Column("provider_name", S, "provider name"),
    Column("endpoint_id", S, "endpoint UUID (scope endpoint only)"),
    Column("model_id", S, "model id (scope endpoint only)"),
    Column("training", B, "the provider may train on prompts"),
    Column("training_openrouter", B, "OpenRouter may train on prompts via this route"),
    Column("retains_prompts", B, "prompts are retained"),
    Column("retention_days", I, "days prompts are retained"),
    Column("can_publish", B, "prompts may be published"),
    Column("requires_user_ids", B, "user ids must be sent"),
    Column("terms_of_service_url", S, "terms of service URL"),
    Column("privacy_policy_url", S, "privacy policy URL"),
    Column("data_policy_url", S, "data policy URL"),
]

FETCH_LOG = [
    Column("source", S, "source name (v1_models, v1_endpoints, …)"),
    Column("key", S, "request key within the source (model id, permaslug:variant, all)"),
    Column("url", S, "full URL requested (never carries credentials)"),
    Column("status", I, "final HTTP status; null when no response"),
    Column("attempts", I, "attempts made"),
    Column("bytes", I, "body size in bytes"),
    Column("duration_ms", F, "wall time of all attempts, ms"),
    Column("error", S, "why the request failed; null when it succeeded"),
    Column("sha256", S, "sha256 of the body as received"),
    Column("fetched_at", TS, "when the request started (UTC)"),
    Column("file", S, "body file relative to the raw snapshot folder"),
]

MODEL_MODALITIES = [
    Column("model_id", S, "model id"),
    Column("direction", S, "input or output"),
    Column("modality", S, "text, image, file, audio, video, …"),
]

ENDPOINT_SUPPORTED_PARAMETERS = [
    Column("endpoint_id", S, "endpoint id (see endpoints)"),
    Column("model_id", S, "model id"),
    Column("provider_name", S, "provider name"),
    Column("parameter", S, "a request parameter the endpoint supports (temperature, tools, …)"),
]

ENDPOINT_VARIABLE_PRICINGS = [
    Column("endpoint_id", S, "endpoint UUID"),
    Column("model_id", S, "model id"),
    Column("provider_name", S, "provider name"),
    Column(
        "min_prompt_tokens", I, "the tier applies to requests with at least this many prompt tokens"
    ),
    Column("source_field", S, "pricing.overrides (2026) or variable_pricings (2025)"),
    *[
        col
        for c in TIER_COMPONENTS
        for col in (
            Column(
                f"{c}_usd_per_token",
                PER_TOKEN,
                f"tier {c} price per unit; null when the tier does not change it",
            ),
            Column(f"{c}_usd_per_mtok", PER_MTOK, f"tier {c} price per million units"),
        )
    ],
]

ENDPOINT_PRICE_CHANGES = [
    Column("endpoint_id", S, "endpoint id (see endpoints)"),
    Column("model_id", S, "model id, as of this snapshot"),
    Column("provider_name", S, "provider name, as of this snapshot"),
    Column("component", S, "price component (prompt, completion, request, image, …)"),
    Column("old_usd_per_mtok", PER_MTOK, "price per million units on from_date (null: variable)"),
    Column("new_usd_per_mtok", PER_MTOK, "price per million units on this snapshot"),
    Column(
        "pct_change",
        F,
        "100 × (new − old) / old, rounded to 4 places; null when old is 0 or null",
    ),
    Column("from_date", pl.Date, "the previous snapshot date of the endpoints table"),
]

CATALOG_CHANGE_EVENTS = [
    Column(
        "change",
        S,
        "model_appeared, model_disappeared, endpoint_appeared, endpoint_disappeared, "
        "endpoint_free_to_paid or endpoint_paid_to_free",
    ),
    Column("model_id", S, "model id"),
    Column("provider_name", S, "provider name (endpoint changes only)"),
    Column("endpoint_id", S, "endpoint id (endpoint changes only)"),
    Column("from_date", pl.Date, "the previous snapshot date of the endpoints table"),
]

TABLE_DESCRIPTIONS = {
    "models": "One row per model id as used for inference (variant after a colon), v1 list "
    "joined with the frontend catalog; default prices as exact decimals.",
    "endpoints": "One row per provider endpoint of a model; v1 endpoints and frontend "
    "stats/endpoint merged on (model_id, provider tag); every price component, limits, "
    "flags, uptime, latency and throughput.",
    "providers": "One row per provider: v1 providers joined with frontend all-providers.",
    "data_policies": "Training / retention policies per provider (paid and free models) and "
    "per endpoint, with the scope that stated them.",
    "fetch_log": "One row per HTTP request made for the snapshot, failures included.",
    "model_modalities": "One row per (model, direction, modality): input and output "
    "modalities in long form.",
    "endpoint_supported_parameters": "One row per (endpoint, supported request parameter).",
    "endpoint_variable_pricings": "Context-threshold price tiers per endpoint (from N prompt "
    "tokens on, these prices apply).",
    "endpoint_price_changes": "One row per (endpoint, price component) whose price differs "
    "from the previous snapshot's. Written with each date, and rewritten for the next date "
    "when a date is (re)built, so backfills in any order stay right. The warehouse view "
    "price_changes reads every partition.",
    "catalog_change_events": "One row per model or endpoint that appeared or disappeared, or "
    "endpoint that went free ↔ paid, since the previous snapshot. Written and rewritten like "
    "endpoint_price_changes; the warehouse view catalog_changes reads every partition.",
}

TABLES: dict[str, list[Column]] = {
    "models": MODELS,
    "endpoints": ENDPOINTS,
    "providers": PROVIDERS,
    "data_policies": DATA_POLICIES,
    "fetch_log": FETCH_LOG,
    "model_modalities": MODEL_MODALITIES,
    "endpoint_supported_parameters": ENDPOINT_SUPPORTED_PARAMETERS,
    "endpoint_variable_pricings": ENDPOINT_VARIABLE_PRICINGS,
    "endpoint_price_changes": ENDPOINT_PRICE_CHANGES,
    "catalog_change_events": CATALOG_CHANGE_EVENTS,
}


def empty(table: str) -> pl.DataFrame:
    """A table with no rows and exactly its declared columns."""
    return pl.DataFrame(schema={c.name: c.dtype for c in TABLES[table]})


def conform(df: pl.DataFrame, table: str) -> pl.DataFrame:
    """Exactly the declared columns, in order, with the declared types."""
    cols = TABLES[table]
    missing = [c.name for c in cols if c.name not in df.columns]
    if missing:
        raise ValueError(f"table {table}: transform did not produce {missing}")
    return df.select([pl.col(c.name).cast(c.dtype) for c in cols])
