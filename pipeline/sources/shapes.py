"""Sub-objects several sources share: the pricing object, a context-threshold tier, the
data-policy object and latency/throughput percentiles. Each is described once, with the
table its fields land in passed in."""

from __future__ import annotations

from pipeline.sources.fields import Bool, Dropped, Float, Int, ListOf, Obj, Str, Text

# Every per-unit price key of a pricing object, in the order the tables list them.
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
# What each key is priced per (the OpenAPI descriptions; image_output is per token in every
# response seen: 0.0000146 USD cannot be the price of an image).
PRICE_UNITS: dict[str, str] = {
    "prompt": "prompt token",
    "completion": "completion token",
    "request": "request",
    "image": "input image",
    "image_token": "image token",
    "image_output": "output image token",
    "audio": "audio input token",
    "audio_output": "audio output token",
    "input_audio_cache": "cached audio input token",
    "web_search": "web search",
    "internal_reasoning": "internal reasoning token",
    "input_cache_read": "cached input token read",
    "input_cache_write": "input token written to the cache (5-minute TTL where there are two)",
    "input_cache_write_1h": "input token written to the 1-hour cache",
}
# The components a context-threshold tier can change.
TIER_COMPONENTS: tuple[str, ...] = (
    "prompt",
    "completion",
    "input_cache_read",
    "input_cache_write",
    "input_cache_write_1h",
    "audio",
    "input_audio_cache",
)


# The conditions of an override entry that make it a time-of-day window, not a context tier.
WINDOW_CONDITIONS: tuple[str, ...] = ("utc_start", "utc_end", "utc_days")


def override(table: str, windows_table: str) -> Obj:
    """One entry of ``pricing.overrides``: its conditions (above ``min_prompt_tokens``; inside
    a UTC window) and the prices that apply when they all hold."""
    return Obj(
        "",
        {
            "min_prompt_tokens": Int(
                f"→ {table}.min_prompt_tokens (the tier applies above this many prompt tokens)"
            ),
            "utc_start": Int(
                f"→ {windows_table}.utc_start (HHMM, UTC: the window opens at this time)"
            ),
            "utc_end": Int(
                f"→ {windows_table}.utc_end (HHMM, UTC, exclusive; a window may wrap midnight)"
            ),
            "utc_days": ListOf(
                f"→ {windows_table}.utc_days (the days the window applies; absent: every day)",
                Text(f"→ {windows_table}.utc_days"),
            ),
            **{
                c: Text(f"→ {table}.{c}_usd_per_token or {windows_table}.{c}_usd_per_token")
                for c in TIER_COMPONENTS
            },
        },
    )


def pricing(
    prices_table: str,
    tiers_table: str,
    windows_table: str,
    *,
    discount: bool = True,
    display: bool = False,
) -> Obj:
    """A pricing object: one decimal string per component, the discount, context tiers."""
    fields = {
        c: Text(f"→ {prices_table}.{c}_usd_per_token (USD per {PRICE_UNITS[c]})")
        for c in PRICE_COMPONENTS
    }
    if discount:
        fields["discount"] = Float(
            f"→ {prices_table}.discount (already applied to every price; list_* undo it)"
        )
    fields["overrides"] = ListOf(
        f"→ context-threshold tiers, one row each in {tiers_table}, and time-of-day windows, "
        f"one row each in {windows_table}",
        override(tiers_table, windows_table),
    )
    if display:
        fields["display_pricing"] = Dropped(
            "the same list as the endpoint's top-level display_pricing, read there"
        )
    return Obj("", fields)


def display_item(table: str) -> Obj:
    """One priced item as the frontend shows it (an element of ``display_pricing``)."""
    return Obj(
        "",
        {
            "kind": Str(f"→ {table}.kind ('token' or 'unit')"),
            "sku_label": Str(f"→ {table}.item"),
            "price": Text(f"→ {table}.usd_per_unit (× displayMultiplier: per displayed unit)"),
            "displayMultiplier": Float(f"→ {table}.usd_per_unit (how many units are shown)"),
            "unitLabel": Str(f"→ {table}.unit (without the leading '/')"),
            "scheduleWindows": Dropped(
                "the UTC hours at which this displayed price holds: the windows of "
                "pricing.overrides, read there (endpoint_price_windows)"
            ),
            "tiers": ListOf(
                f"→ one row per tier in {table}",
                Obj(
                    "",
                    {
                        "sku_label": Str(f"→ {table}.tier_label (≤200K, >200K, 720p, …)"),
                        "price": Text(f"→ {table}.usd_per_unit of the tier"),
                    },
                ),
            ),
        },
    )


def data_policy(scope: str) -> Obj:
    """A data-policy object, stating the policy of ``scope`` (rows of data_policies): 2025
    nests the flags under paidModels / freeModels, 2026 puts them at the top."""
    t = "data_policies"
    nested = {
        "paidModels": "scope provider_paid" if scope == "provider" else "a paid endpoint",
        "freeModels": "scope provider_free" if scope == "provider" else "a free endpoint",
    }

    def flags(sub: str) -> Obj:
        wins = "" if scope == "provider" else "; the top-level flag wins"
        why = f"(2025: {nested[sub]}{wins})"
        return Obj(
            f"2025: the flags for {'paid' if sub == 'paidModels' else 'free'} models",
            {
                "training": Bool(f"→ {t}.training {why}"),
                "retainsPrompts": Bool(f"→ {t}.retains_prompts {why}"),
                "retentionDays": Int(f"→ {t}.retention_days {why}"),
            },
        )

    return Obj(
        f"→ {t} rows of scope "
        + ("provider_paid (and provider_free with freeModels)" if scope == "provider" else scope),
        {
            "training": Bool(f"→ {t}.training"),
            "trainingOpenRouter": Bool(f"→ {t}.training_openrouter"),
            "retainsPrompts": Bool(f"→ {t}.retains_prompts"),
            "retentionDays": Int(f"→ {t}.retention_days"),
            "canPublish": Bool(f"→ {t}.can_publish"),
            "requiresUserIDs": Bool(f"→ {t}.requires_user_ids"),
            "termsOfServiceURL": Str(f"→ {t}.terms_of_service_url"),
            "privacyPolicyURL": Str(f"→ {t}.privacy_policy_url"),
            "dataPolicyUrl": Str(f"→ {t}.data_policy_url"),
            "paidModels": flags("paidModels"),
            "freeModels": flags("freeModels"),
        },
    )


def percentiles(table: str, metric: str, unit: str) -> Obj:
    return Obj(
        "",
        {p: Float(f"→ {table}.{metric}_{p}_{unit}") for p in ("p50", "p75", "p90", "p99")},
    )
