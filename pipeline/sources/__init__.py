"""The OpenRouter API, described apart from the code that fetches and flattens it: one module
per source holding its requests (``SOURCE``) and the shape of its records at every depth
(``CONTRACT``: what is read, into which column, and what is left in raw and why).

A moved endpoint or a new field is a change in one module here, not a hunt through call sites.
"""

from __future__ import annotations

from pipeline.sources import (
    datasets_app_rankings,
    datasets_benchmarks,
    datasets_rankings_daily,
    datasets_session_cost,
    datasets_task_classifications,
    frontend_all_providers,
    frontend_catalog,
    frontend_effective_pricing,
    frontend_model_activity,
    frontend_rankings,
    frontend_stats_endpoint,
    frontend_top_apps,
    frontend_uptime_hourly,
    frontend_uptime_recent,
    v1_endpoints,
    v1_endpoints_zdr,
    v1_models,
    v1_providers,
)
from pipeline.sources.fields import Contract
from pipeline.sources.request import (
    CACHE_BUSTER,
    ModelVariant,
    Source,
    encode_segment,
    endpoints_path,
    split_stats_key,
    stats_key,
)

__all__ = [
    "CACHE_BUSTER",
    "ModelVariant",
    "Source",
    "encode_segment",
    "endpoints_path",
    "split_stats_key",
    "stats_key",
]

V1_MODELS = v1_models.SOURCE
V1_ENDPOINTS = v1_endpoints.SOURCE
V1_PROVIDERS = v1_providers.SOURCE
FRONTEND_CATALOG = frontend_catalog.SOURCE
FRONTEND_ALL_PROVIDERS = frontend_all_providers.SOURCE
FRONTEND_STATS_ENDPOINT = frontend_stats_endpoint.SOURCE
FRONTEND_EFFECTIVE_PRICING = frontend_effective_pricing.SOURCE
FRONTEND_MODEL_ACTIVITY = frontend_model_activity.SOURCE
FRONTEND_RANKINGS = frontend_rankings.SOURCE
FRONTEND_UPTIME_RECENT = frontend_uptime_recent.SOURCE
FRONTEND_UPTIME_HOURLY = frontend_uptime_hourly.SOURCE
FRONTEND_TOP_APPS = frontend_top_apps.SOURCE
V1_ENDPOINTS_ZDR = v1_endpoints_zdr.SOURCE
# the Data API (key-gated, on a daily quota): each answer is one record, envelope included,
# so its meta (as_of, the window) is described and checked like its rows
DATASET_MODULES = (
    datasets_rankings_daily,
    datasets_app_rankings,
    datasets_session_cost,
    datasets_task_classifications,
    datasets_benchmarks,
)

ALL_SOURCES: tuple[Source, ...] = (
    V1_MODELS,
    V1_ENDPOINTS,
    V1_PROVIDERS,
    FRONTEND_CATALOG,
    FRONTEND_ALL_PROVIDERS,
    FRONTEND_STATS_ENDPOINT,
    FRONTEND_EFFECTIVE_PRICING,
    FRONTEND_MODEL_ACTIVITY,
    FRONTEND_RANKINGS,
    FRONTEND_UPTIME_RECENT,
    FRONTEND_UPTIME_HOURLY,
    FRONTEND_TOP_APPS,
    v1_endpoints_zdr.SOURCE,
    *(m.SOURCE for m in DATASET_MODULES),
)
SOURCES_BY_NAME = {s.name: s for s in ALL_SOURCES}
GROUPS: dict[str, tuple[str, ...]] = {
    g: tuple(s.name for s in ALL_SOURCES if s.group == g)
    for g in ("v1", "frontend", "zdr", "datasets")
}
# the groups the catalog's tables are built from; the datasets group publishes on its own
CATALOG_GROUPS = ("v1", "frontend", "zdr")
# the contract of every source whose answers are checked, and the fields it must carry
DATASET_CONTRACTS: dict[str, Contract] = {m.SOURCE.name: m.CONTRACT for m in DATASET_MODULES}
REQUIRED: dict[str, tuple[str, ...]] = {
    m.SOURCE.name: m.REQUIRED for m in (*DATASET_MODULES, v1_endpoints_zdr)
}
# the Data API's terms: per key a minute, per account a day (its 429 for the day names
# QUOTA_MARKER, and the quota resets at 00:00 UTC)
DATA_API_PER_MINUTE = 30
DATA_API_PER_DAY = 500
QUOTA_MARKER = "datasets-per-account-rpd"
# The API's own published limits, per source: requests per minute.
PER_MINUTE_LIMITS: dict[str, float] = {
    s.name: s.max_requests_per_minute for s in ALL_SOURCES if s.max_requests_per_minute
}
USAGE_MODULES = (
    frontend_effective_pricing,
    frontend_model_activity,
    frontend_rankings,
    frontend_uptime_recent,
    frontend_uptime_hourly,
    frontend_top_apps,
)
# The sources the tables are built from, each with the shape of its records.
CONTRACTS: dict[str, Contract] = {
    m.CONTRACT.source: m.CONTRACT
    for m in (
        v1_models,
        v1_endpoints,
        v1_providers,
        frontend_catalog,
        frontend_all_providers,
        frontend_stats_endpoint,
        v1_endpoints_zdr,
        *USAGE_MODULES,
    )
}
# How a response's data becomes records, for the sources whose body is not a plain list of
# them (a map, a wrapped list, or records that need their request key to be named).
RECORDS = {m.SOURCE.name: m.records for m in USAGE_MODULES}
