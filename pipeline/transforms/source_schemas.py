"""Explicit polars schemas of the API's shapes: polars infers from the first 100 records
otherwise and silently drops a key first seen later. Keys not listed here are ignored."""

from __future__ import annotations

import io
from dataclasses import dataclass

import orjson
import polars as pl

from pipeline.transforms.validate import SourceTypeError, check_types

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
TIER_COMPONENTS = (
    "prompt",
    "completion",
    "input_cache_read",
    "input_cache_write",
    "input_cache_write_1h",
    "audio",
    "input_audio_cache",
)
# 2026: pricing.overrides, one entry per context threshold
OVERRIDE = pl.Struct({"min_prompt_tokens": I} | {c: S for c in TIER_COMPONENTS})
# 2025: variable_pricings with "threshold" and "completions"
VARIABLE_PRICING = pl.Struct(
    {
        "type": S,
        "threshold": I,
        "prompt": S,
        "completions": S,
        "input_cache_read": S,
        "input_cache_write": S,
    }
)
PRICING_WITH_TIERS = pl.Struct(
    {c: S for c in PRICE_COMPONENTS} | {"discount": F, "overrides": pl.List(OVERRIDE)}
)
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
    "per_request_limits": pl.Struct({"prompt_tokens": S, "completion_tokens": S}),
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
    "provider_info": pl.Struct({"slug": S}),
    "provider_model_id": S,
    "quantization": S,
    "variant": S,
    "is_free": B,
    "max_prompt_tokens": I,
    "max_completion_tokens": I,
    "supported_parameters": LS,
    "is_byok": B,
    "data_policy": DATA_POLICY,
    "pricing": PRICING_WITH_TIERS,
    "variable_pricings": pl.List(VARIABLE_PRICING),
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


Origins = dict[str, list[str] | str] | None  # source → file per record (or one file)


def _o(origins: Origins, source: str) -> list[str] | str | None:
    return (origins or {}).get(source)


@dataclass(frozen=True)
class Contract:
    """What we take from one source shape, and what we leave out on purpose (and why)."""

    source: str
    schema: dict[str, pl.DataType]
    id_field: str
    dropped: dict[str, str]

    @property
    def known(self) -> set[str]:
        return set(self.schema) | set(self.dropped)


KEPT_IN_RAW = "nested or free-form; kept in raw, not flattened yet"
CONTRACTS = {
    c.source: c
    for c in (
        Contract(
            "v1_models",
            V1_MODEL,
            "id",
            {
                "default_parameters": "per-parameter default values; " + KEPT_IN_RAW,
                "supported_voices": "text-to-speech voices of audio models; " + KEPT_IN_RAW,
                "links": "links.details drops the variant; the endpoints path is built from id",
                "benchmarks": "third-party benchmark scores; " + KEPT_IN_RAW,
                "reasoning": "reasoning efforts and defaults; " + KEPT_IN_RAW,
            },
        ),
        Contract(
            "v1_endpoints",
            {"id": S, "endpoints": pl.List(V1_ENDPOINT)},
            "id",
            {
                "name": "repeats the model name (models.name)",
                "created": "repeats the model's creation time (models.created_at)",
                "description": "repeats the model description (models.description)",
                "architecture": "repeats the model architecture (models table)",
            },
        ),
        Contract("v1_providers", V1_PROVIDER, "slug", {}),
        Contract(
            "frontend_catalog",
            CATALOG_ROW,
            "slug",
            {
                **{
                    k: "repeats a v1 model field (models table)"
                    for k in (
                        "context_length",
                        "description",
                        "input_modalities",
                        "output_modalities",
                        "instruct_type",
                        "knowledge_cutoff",
                        "default_parameters",
                    )
                },
                **{
                    k: "display-only text or UI hint"
                    for k in (
                        "short_name",
                        "author_display_name",
                        "warning_message",
                        "promotion_message",
                        "routing_error_message",
                        "quick_start_example_type",
                        "preview_thumbnail_url",
                        "group",
                        "default_order",
                    )
                },
                **{
                    k: "always null or empty in every response seen"
                    for k in ("hf_updated_at", "default_system", "router")
                },
                "hf_slug": "same as v1 hugging_face_id",
                "updated_at": "catalog row update time, not a property of the model",
                "model_version_group_id": "opaque grouping id; " + KEPT_IN_RAW,
                "has_text_output": "derivable from output_modalities",
                "default_stops": "stop sequences; " + KEPT_IN_RAW,
                "is_private": "always false for listed models",
                "supports_reasoning": "reasoning config; " + KEPT_IN_RAW,
                "reasoning_config": "reasoning tokens and efforts; " + KEPT_IN_RAW,
                "features": "reasoning and chat-template config; " + KEPT_IN_RAW,
                "is_trainable_text": "fine-tuning flag, always null so far",
                "is_trainable_image": "fine-tuning flag, always null so far",
                "limit_rpm": "model-level limits are 0 (none); endpoint limits are kept",
                "limit_rpd": "model-level limits are 0 (none); endpoint limits are kept",
                "supported_tts_voices": "text-to-speech voices; " + KEPT_IN_RAW,
            },
        ),
        Contract(
            "frontend_all_providers",
            ALL_PROVIDER,
            "name",
            {
                "baseUrl": "the literal 'url' (2025) or the upstream API URL",
                "editors": "always empty or placeholder strings",
                "owners": "always empty or placeholder strings",
                "icon": "UI icon URL",
                "adapterName": "internal adapter class name",
                "sendClientIp": "internal routing flag",
                "pricingStrategy": "internal pricing adapter name",
            },
        ),
        Contract(
            "frontend_stats_endpoint",
            STATS_ENDPOINT,
            "id",
            {
                "model": "the whole model object again (models table)",
                "adapter_name": "internal adapter class name",
                "can_abort": "see providers.is_abortable",
                "max_prompt_images": "image limits; " + KEPT_IN_RAW,
                "max_tokens_per_image": "image limits; " + KEPT_IN_RAW,
                "excluded_parameters": "parameters removed by OpenRouter; " + KEPT_IN_RAW,
                "moderation_required": "see providers.moderation_required",
                "display_pricing": "the same prices formatted for display",
                "pricing_json": "adapter-prefixed copies of pricing (exponent notation)",
                "pricing_version_id": "opaque id of the price list version",
                "is_private": "always false for listed endpoints",
                "is_byok_only": "bring-your-own-key only; " + KEPT_IN_RAW,
                "supports_multipart": "see providers",
                "limit_rpm_cf": "internal Cloudflare limit",
                "has_completions": "see providers.has_completions",
                "has_chat_completions": "see providers.has_chat_completions",
                "features": "tool-choice and parameter details; " + KEPT_IN_RAW,
                "supported_video_parameters": KEPT_IN_RAW,
                "supported_image_parameters": KEPT_IN_RAW,
                "deprecation_date": "not yet flattened; " + KEPT_IN_RAW,
                "allowed_passthrough_parameters": KEPT_IN_RAW,
                "capacity_tpm": "always null so far",
                "status_heuristics": "success / error counts behind the v1 uptime figures",
                "status_heuristics_5m": "success / error counts behind the v1 uptime figures",
                "status_heuristics_1d": "success / error counts behind the v1 uptime figures",
                "statsByTier": "stats per service tier; the default tier is in stats",
                "tiers": "service tiers (priority, flex) with their prices; " + KEPT_IN_RAW,
                "routing_heuristics_by_tier": "internal routing weights",
            },
        ),
    )
}


def frame(
    records: list[dict] | pl.DataFrame,
    contract: Contract,
    origins: list[str] | str | None = None,
) -> pl.DataFrame:
    """A DataFrame with exactly the contract's schema: missing keys give nulls, extra keys are
    ignored (and reported as drift elsewhere), a changed type is an error naming the record.

    An already built frame passes through: several tables read the same source, and building
    a frame from Python dicts is the costliest step of the transforms."""
    if isinstance(records, pl.DataFrame):
        return records
    check_types(
        records,
        contract.schema,
        source=contract.source,
        origins=origins,
        id_field=contract.id_field,
    )
    if not records:
        return pl.DataFrame(schema=contract.schema)
    try:
        # polars' JSON reader builds nested columns ~2.5x faster than it converts dicts
        lines = b"\n".join(orjson.dumps(r) for r in records)
        return pl.read_ndjson(io.BytesIO(lines), schema=contract.schema)
    except (pl.exceptions.PolarsError, orjson.JSONEncodeError):
        return pl.DataFrame(records, schema=contract.schema, strict=False)


class SourceFrames:
    """Every source of a RawDocs as a typed frame, each built (and type-checked) once.

    A source whose field changed type is remembered, not raised: only the tables that read it
    fail (``get`` raises), the others still land."""

    def __init__(self, docs: object) -> None:
        self.frames: dict[str, pl.DataFrame] = {}
        self.errors: dict[str, SourceTypeError] = {}
        for source, records in docs.by_source().items():
            try:
                self.frames[source] = frame(records, CONTRACTS[source], docs.origins.get(source))
            except SourceTypeError as exc:
                self.errors[source] = exc

    def get(self, source: str) -> pl.DataFrame:
        if source in self.errors:
            raise self.errors[source]
        return self.frames[source]
