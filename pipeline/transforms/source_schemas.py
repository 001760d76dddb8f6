"""Explicit polars schemas of the API's shapes: polars infers from the first 100 records
otherwise and silently drops a key first seen later. Keys not listed here are ignored."""

from __future__ import annotations

import polars as pl

S, I, F, B = pl.String, pl.Int64, pl.Float64, pl.Boolean
LS = pl.List(pl.String)

PRICE_COMPONENTS: tuple[str, ...] = (
    "prompt",
    "completion",
    "request",
    "image",
    "image_token",
    "image_output",
    "audio",
    "audio_output",
    "input_audio_cache",
    "web_search",
    "internal_reasoning",
    "input_cache_read",
    "input_cache_write",
    "input_cache_write_1h",
)
PRICING = pl.Struct({c: S for c in PRICE_COMPONENTS} | {"discount": F})
PERCENTILES = pl.Struct({"p50": F, "p75": F, "p90": F, "p99": F})

V1_MODEL = {
    "id": S,
    "canonical_slug": S,
    "hugging_face_id": S,
    "name": S,
    "created": I,
    "description": S,
    "context_length": I,
    "architecture": pl.Struct(
        {
            "modality": S,
            "input_modalities": LS,
            "output_modalities": LS,
            "tokenizer": S,
            "instruct_type": S,
        }
    ),
    "pricing": PRICING,
    "top_provider": pl.Struct({"context_length": I, "max_completion_tokens": I, "is_moderated": B}),
    "supported_parameters": LS,
    "knowledge_cutoff": S,
    "expiration_date": S,
}

V1_ENDPOINT = pl.Struct(
    {
        "name": S,
        "model_id": S,
        "model_name": S,
        "context_length": I,
        "pricing": PRICING,
        "provider_name": S,
        "tag": S,
        "quantization": S,
        "max_completion_tokens": I,
        "max_prompt_tokens": I,
        "supported_parameters": LS,
        "status": I,
        "uptime_last_30m": F,
        "uptime_last_5m": F,
        "uptime_last_1d": F,
        "supports_implicit_caching": B,
        "latency_last_30m": PERCENTILES,
        "throughput_last_30m": PERCENTILES,
    }
)
V1_ENDPOINTS_DOC = {"id": S, "endpoints": pl.List(V1_ENDPOINT)}

V1_PROVIDER = {
    "name": S,
    "slug": S,
    "privacy_policy_url": S,
    "terms_of_service_url": S,
    "status_page_url": S,
    "headquarters": S,
    "datacenters": LS,
}

POLICY_FLAGS = pl.Struct({"training": B, "retainsPrompts": B, "retentionDays": I})
DATA_POLICY = pl.Struct(
    {
        "training": B,
        "trainingOpenRouter": B,
        "retainsPrompts": B,
        "retentionDays": I,
        "canPublish": B,
        "requiresUserIDs": B,
        "termsOfServiceURL": S,
        "privacyPolicyURL": S,
        "dataPolicyUrl": S,
        "paidModels": POLICY_FLAGS,
        "freeModels": POLICY_FLAGS,
    }
)

ALL_PROVIDER = {
    "name": S,
    "displayName": S,
    "slug": S,
    "adapterName": S,
    "dataPolicy": DATA_POLICY,
    "headquarters": S,
    "datacenters": LS,
    "hasChatCompletions": B,
    "hasCompletions": B,
    "isAbortable": B,
    "moderationRequired": B,
    "isMultipartSupported": B,
    "statusPageUrl": S,
    "byokEnabled": B,
}

STATS_ENDPOINT = {
    "id": S,
    "name": S,
    "context_length": I,
    "model_variant_slug": S,
    "model_variant_permaslug": S,
    "provider_name": S,
    "provider_display_name": S,
    "provider_slug": S,
    "provider_model_id": S,
    "quantization": S,
    "variant": S,
    "is_free": B,
    "max_prompt_tokens": I,
    "max_completion_tokens": I,
    "supported_parameters": LS,
    "is_byok": B,
    "data_policy": DATA_POLICY,
    "pricing": PRICING,
    "is_hidden": B,
    "is_deranked": B,
    "is_disabled": B,
    "supports_tool_parameters": B,
    "supports_reasoning": B,
    "limit_rpm": I,
    "limit_rpd": I,
    "provider_region": S,
    "created_at": S,
    "status": I,
    "stats": pl.Struct(
        {
            "p50_throughput": F,
            "p75_throughput": F,
            "p90_throughput": F,
            "p99_throughput": F,
            "p50_latency": F,
            "p75_latency": F,
            "p90_latency": F,
            "p99_latency": F,
            "request_count": I,
        }
    ),
}

CATALOG_ROW = {
    "slug": S,
    "permaslug": S,
    "variant": S,
    "name": S,
    "author": S,
    "hidden": B,
    "created_at": S,
    "endpoint": pl.Struct({"id": S, "variant": S}),
}


def frame(records: list[dict], schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """A DataFrame with exactly ``schema``: missing keys give nulls, extra keys are ignored."""
    return pl.DataFrame(records, schema=schema, strict=False)
