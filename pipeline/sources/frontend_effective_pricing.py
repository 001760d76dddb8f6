"""``GET /api/frontend/v1/stats/effective-pricing?permaslug=…&variant=…``: what requests
actually paid over about the last week, after caching: token-weighted prices and cache hit
rate for the model variant, and the same per endpoint with its token volume. A variant
without traffic answers zeros and no provider summaries."""

from __future__ import annotations

from typing import Any

from pipeline.sources.fields import Contract, Dropped, Float, Int, ListOf, Obj, Str
from pipeline.sources.request import Source, split_stats_key

SOURCE = Source(
    "frontend_effective_pricing",
    "frontend",
    ("/api/frontend/v1/stats/effective-pricing",),  # 2026 only; no older path known
    fan_out=True,
    data=dict,
)

M, P = "model_effective_pricing", "provider_effective_pricing"
CHART = "daily series per endpoint (about 8 points) for the site's chart; kept in raw"
BY_ENDPOINT = "per-endpoint lookup of what providerSummaries already holds"

CONTRACT = Contract(
    "frontend_effective_pricing",
    Obj(
        "",
        {
            "permaslug": Str(f"→ {M}.permaslug, {P}.permaslug (from the request key)"),
            "variant": Str(f"→ {M}.variant, {P}.variant (from the request key)"),
            "weightedInputPrice": Float(f"→ {M}.effective_input_usd_per_mtok"),
            "weightedOutputPrice": Float(f"→ {M}.effective_output_usd_per_mtok"),
            "weightedCacheHitRate": Float(f"→ {M}.cache_hit_rate"),
            "providerSummaries": ListOf(
                "one per endpoint with traffic",
                Obj(
                    "",
                    {
                        "endpointId": Str(f"→ {P}.endpoint_id (sent since 2026-08-04)"),
                        "providerName": Str(f"→ {P}.provider_label, {P}.provider_name"),
                        "providerSlug": Str(f"→ {P}.provider_slug"),
                        "effectiveInputPrice": Float(f"→ {P}.effective_input_usd_per_mtok"),
                        "effectiveOutputPrice": Float(f"→ {P}.effective_output_usd_per_mtok"),
                        "cacheHitRate": Float(f"→ {P}.cache_hit_rate"),
                        "totalTokens": Int(f"→ {P}.tokens, {P}.share, {M}.tokens"),
                    },
                ),
            ),
            "providerNames": Dropped("the provider names of providerSummaries again"),
            "endpointNames": Dropped(BY_ENDPOINT),
            "endpointRawNames": Dropped(BY_ENDPOINT),
            "endpointProviderSlugs": Dropped(BY_ENDPOINT),
            "inputChartData": Dropped(CHART),
            "outputChartData": Dropped(CHART),
        },
    ),
    "permaslug",
)


def records(data: Any, key: str) -> list[dict[str, Any]]:  # noqa: ANN401
    """One record per response, named by the request (the body does not name its model)."""
    if not isinstance(data, dict):
        return []
    permaslug, variant = split_stats_key(key)
    return [{"permaslug": permaslug, "variant": variant, **data}]
