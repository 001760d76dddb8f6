"""``GET /api/frontend/v1/stats/endpoint?permaslug=…&variant=…`` (2025: without ``v1/``), one
call per (permaslug, variant): every endpoint of a model variant with its UUID, flags, data
policy, prices in their own units, context tiers and latency/throughput percentiles."""

from __future__ import annotations

from pipeline.sources.fields import (
    KEPT_IN_RAW,
    Bool,
    Contract,
    Dropped,
    Float,
    Int,
    ListOf,
    MapOf,
    Obj,
    Str,
    Text,
)
from pipeline.sources.request import Source
from pipeline.sources.shapes import data_policy, display_item, pricing


def answers_for(key: str, data: object) -> str | None:
    """Every record is of the variant asked for, and of the permaslug asked for. An alias
    (``~author/name-latest``) answers with the records of the model it stands for, under that
    model's permaslug, so only its variant is compared."""
    permaslug, _, variant = key.rpartition(":")
    for r in data if isinstance(data, list) else ():
        if not isinstance(r, dict):
            continue
        got = r.get("variant")
        if isinstance(got, str) and got != variant:
            return f"a record of variant {got!r}, not {variant!r} as asked"
        named = r.get("model_variant_permaslug")
        if permaslug.startswith("~") or not isinstance(named, str):
            continue
        base = named.rpartition(":")[0] if ":" in named else named
        if base != permaslug:
            return f"a record of {named!r}, not {permaslug!r} as asked"
    return None


SOURCE = Source(
    "frontend_stats_endpoint",
    "frontend",
    ("/api/frontend/v1/stats/endpoint", "/api/frontend/stats/endpoint"),
    fan_out=True,
    about=answers_for,
    moves_daily=True,
)

ITEMS = "endpoint_price_items"


def _stats() -> Obj:
    fields = {
        f"{p}_{m}": Float(f"→ endpoints.{m}_{p}_{unit}")
        for m, unit in (("latency", "ms"), ("throughput", "tps"))
        for p in ("p50", "p75", "p90", "p95", "p99")
    }
    return Obj(
        "",
        {
            **fields,
            "request_count": Int("→ endpoints.request_count"),
            "window_minutes": Int("→ endpoints.stats_window_minutes"),
            "endpoint_id": Dropped("repeats the endpoint's id"),
        },
    )


def _variable_pricing() -> Obj:
    """2025 ``variable_pricings``: a prompt-threshold tier (threshold a token count) or a
    web-search tier (threshold 'low' / 'medium' / 'high', a price per request)."""
    t = "endpoint_variable_pricings"
    return Obj(
        "",
        {
            "type": Str(f"→ {t} (prompt-threshold) or {ITEMS} (search-threshold)"),
            "threshold": Text(f"→ {t}.min_prompt_tokens, or {ITEMS}.tier_label"),
            "prompt": Text(f"→ {t}.prompt_usd_per_token"),
            "completions": Text(f"→ {t}.completion_usd_per_token"),
            "input_cache_read": Text(f"→ {t}.input_cache_read_usd_per_token"),
            "input_cache_write": Text(f"→ {t}.input_cache_write_usd_per_token"),
            "request": Text(f"→ {ITEMS}.usd_per_unit (web search, per request)"),
        },
    )


ENDPOINT = Obj(
    "",
    {
        "id": Str("→ endpoints.endpoint_id"),
        "name": Str("→ endpoints.name"),
        "context_length": Int("→ endpoints.context_length"),
        "model_variant_slug": Str("→ endpoints.model_id"),
        "provider_name": Str("→ endpoints.provider_name"),
        "provider_display_name": Str("→ endpoints.provider_display_name"),
        "provider_slug": Str("→ endpoints.provider_tag"),
        "provider_info": Obj(
            "",
            {"slug": Str("→ endpoints.provider_slug")},
            rest="the provider's all-providers object again (providers, data_policies)",
        ),
        "provider_model_id": Str("→ endpoints.provider_model_id"),
        "provider_region": Str("→ endpoints.provider_region"),
        "quantization": Str("→ endpoints.quantization"),
        "is_free": Bool("→ endpoints.is_free"),
        "max_prompt_tokens": Int("→ endpoints.max_prompt_tokens"),
        "max_completion_tokens": Int("→ endpoints.max_completion_tokens"),
        "max_prompt_images": Int("→ endpoints.max_prompt_images"),
        "max_tokens_per_image": Int("→ endpoints.max_tokens_per_image"),
        "supported_parameters": ListOf(
            "→ endpoints.supported_parameters, endpoint_supported_parameters.parameter", Str("")
        ),
        "is_byok": Bool("→ endpoints.is_byok"),
        "is_byok_only": Bool("→ endpoints.is_byok_only"),
        "moderation_required": Bool("→ endpoints.moderation_required"),
        "data_policy": data_policy("endpoint"),
        "pricing": pricing(
            "endpoints",
            "endpoint_variable_pricings",
            "endpoint_price_windows",
            display=True,
        ),
        "display_pricing": ListOf(
            f"→ one row per item (and per tier) in {ITEMS}, service_tier 'default'",
            display_item(ITEMS),
        ),
        "tiers": Obj(
            "",
            {
                tier: Obj(
                    "",
                    {
                        "display_pricing": ListOf(
                            f"→ {ITEMS} rows with service_tier '{tier}'", display_item(ITEMS)
                        )
                    },
                )
                for tier in ("flex", "priority")
            },
        ),
        "pricing_json": MapOf(
            "→ endpoint_variable_pricings (tier_source pricing_json): the adapter's "
            "threshold and per-tier keys; its other keys are list prices in the adapter's own "
            "units (cents, multipliers), which display_pricing states in USD",
            Text(""),
        ),
        "variable_pricings": ListOf("→ one row per tier (2025)", _variable_pricing()),
        "is_hidden": Bool("→ endpoints.is_hidden"),
        "is_deranked": Bool("→ endpoints.is_deranked"),
        "is_disabled": Bool("→ endpoints.is_disabled"),
        "supports_tool_parameters": Bool("→ endpoints.supports_tool_parameters"),
        "supports_reasoning": Bool("→ endpoints.supports_reasoning"),
        "limit_rpm": Int("→ endpoints.limit_rpm"),
        "limit_rpd": Int("→ endpoints.limit_rpd"),
        "deprecation_date": Str("→ endpoints.deprecation_date"),
        "created_at": Str("→ endpoints.created_at"),
        "status": Int("→ endpoints.status"),
        "stats": _stats(),
        "model": Dropped("the whole model object again (models table)"),
        "model_variant_permaslug": Dropped("the requested permaslug and variant again"),
        "variant": Dropped("the variant of model_variant_slug again"),
        "adapter_name": Dropped("OpenRouter's internal adapter class name"),
        "provider_group": Dropped("2025: the provider's display group name; see provider_name"),
        "can_abort": Dropped("whether a request can be aborted; see providers.is_abortable"),
        "supports_multipart": Dropped("see providers.supports_multipart"),
        "has_completions": Dropped("see providers.has_completions"),
        "has_chat_completions": Dropped("see providers.has_chat_completions"),
        "excluded_parameters": Dropped("parameters OpenRouter removes; " + KEPT_IN_RAW),
        "allowed_passthrough_parameters": Dropped(
            "provider parameters passed through as given; " + KEPT_IN_RAW
        ),
        "features": Dropped("tool-choice, reasoning and input-type details; " + KEPT_IN_RAW),
        "supported_video_parameters": Dropped(
            "durations, resolutions and sizes a video endpoint accepts; " + KEPT_IN_RAW
        ),
        "supported_image_parameters": Dropped(
            "aspect ratios, resolutions and counts an image endpoint accepts; " + KEPT_IN_RAW
        ),
        "pricing_version_id": Dropped("opaque id of the price list version"),
        "is_private": Dropped("always false for listed endpoints"),
        "limit_rpm_cf": Dropped("always null in every response seen"),
        "capacity_tpm": Dropped("tokens-per-minute capacity of a few endpoints; " + KEPT_IN_RAW),
        **{
            k: Dropped(
                "success / error / rate-limited request counts behind the v1 uptime "
                "figures (endpoints.uptime_last_*); " + KEPT_IN_RAW + "; the hourly sample "
                "reads status_heuristics into endpoint_performance_samples"
            )
            for k in ("status_heuristics", "status_heuristics_5m", "status_heuristics_1d")
        },
        "statsByTier": Dropped("the stats again per service tier; the default tier's are stats"),
        "routing_heuristics_by_tier": Dropped("internal routing weights per service tier"),
    },
)

CONTRACT = Contract("frontend_stats_endpoint", ENDPOINT, "id")
