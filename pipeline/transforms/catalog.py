"""Every table of one snapshot from its raw documents: the one place that says which
transform builds which table from which sources (the tables asset and the benchmark use it).

Everything is transformed before anything is written. A value of the wrong type in a source
is read as null and reported (``problems``), so it costs that value, never a table.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl

from pipeline.raw.gc_pause import gc_paused
from pipeline.raw.reader import RawDocs
from pipeline.transforms.agreement import Agreement, endpoints_agreement, models_agreement
from pipeline.transforms.benchmarks import model_benchmarks_table, with_data_api
from pipeline.transforms.data_policies import data_policies_table
from pipeline.transforms.datasets import benchmark_items
from pipeline.transforms.datasets import model_ids as permaslug_ids
from pipeline.transforms.duplicates import duplicates_report
from pipeline.transforms.endpoints import endpoint_rows, provider_slugs, zero_retention
from pipeline.transforms.fetch_log import fetch_log_table
from pipeline.transforms.field_presence import field_presence_table
from pipeline.transforms.frames import SourceFrames
from pipeline.transforms.long_tables import (
    endpoint_supported_parameters_table,
    model_modalities_table,
)
from pipeline.transforms.models import models_table
from pipeline.transforms.price_items import endpoint_price_items_table
from pipeline.transforms.price_tiers import (
    endpoint_variable_pricings_table,
    model_price_tiers_table,
)
from pipeline.transforms.price_windows import (
    endpoint_price_windows_table,
    model_price_windows_table,
)
from pipeline.transforms.providers import providers_table
from pipeline.transforms.schemas import conform
from pipeline.transforms.usage import (
    effective_pricing_tables,
    model_activity_table,
    model_ids,
    model_rankings_table,
    top_apps_table,
    uptime_tables,
)

# Tables of the sources fetched on a cadence (not every day): a snapshot that did not ask the
# source has no partition of its table, so "the newest snapshot" of it is the newest that asked.
CADENCED = {
    "endpoint_uptime_observations": "frontend_uptime_recent",
    "endpoint_uptime_hourly_observations": "frontend_uptime_hourly",
    "model_top_apps": "frontend_top_apps",
}

# The sources each table is built from (any one suffices). A fetched snapshot asks them all,
# and a table whose source failed is still written (empty, and reported). An imported archive
# holds only what was archived: a table none of whose sources it holds is not written for
# that date, so the history sees "not observed", never "everything disappeared".
SOURCES_OF = {
    "models": ("v1_models",),
    "model_modalities": ("v1_models",),
    "model_benchmarks": ("v1_models",),
    "model_price_tiers": ("v1_models",),
    "model_price_windows": ("v1_models",),
    "endpoints": ("v1_endpoints", "frontend_stats_endpoint"),
    "endpoint_supported_parameters": ("v1_endpoints", "frontend_stats_endpoint"),
    "endpoint_variable_pricings": ("v1_endpoints", "frontend_stats_endpoint"),
    "endpoint_price_windows": ("v1_endpoints", "frontend_stats_endpoint"),
    "endpoint_price_items": ("v1_endpoints", "frontend_stats_endpoint"),
    "providers": ("v1_providers", "frontend_all_providers"),
    "data_policies": ("frontend_all_providers", "frontend_stats_endpoint"),
    "model_activity": ("frontend_model_activity",),
    "model_rankings": ("frontend_rankings",),
    "model_effective_pricing": ("frontend_effective_pricing",),
    "provider_effective_pricing": ("frontend_effective_pricing",),
    **{table: (source,) for table, source in CADENCED.items()},
}


@dataclass
class CatalogBuild:
    frames: dict[str, pl.DataFrame] = field(default_factory=dict)
    drift: dict[str, dict[str, str]] = field(default_factory=dict)  # source → path → example
    problems: dict[str, list[str]] = field(default_factory=dict)  # source → values read as null
    # source → the records (their ids) with a price of the wrong type, read as null: the
    # publish quarantines them rather than read a price turned null
    mistyped_prices: dict[str, set[str]] = field(default_factory=dict)
    duplicates: list[str] = field(default_factory=list)
    present: set[str] = field(default_factory=set)  # sources with at least one good answer
    not_asked: list[str] = field(default_factory=list)  # tables whose sources were not asked
    imported: bool = False
    # per pair of sources that state one fact ("endpoints": v1 against the frontend,
    # "models": the v1 list against the catalog), how far they disagree today
    agreement: dict[str, Agreement] = field(default_factory=dict)
    # source → "key: why" of the answers about something other than their request
    misanswered: dict[str, list[str]] = field(default_factory=dict)


def build_tables(docs: RawDocs) -> CatalogBuild:
    """Every table of the snapshot."""
    out = CatalogBuild()
    with gc_paused():  # see pipeline/raw/gc_pause.py: millions of live objects, no cycles
        src = SourceFrames(docs)
        present = docs.present
        frames = out.frames
        stats = src.get("frontend_stats_endpoint")
        slugs = provider_slugs(src.get("frontend_all_providers").df, src.get("v1_providers").df)
        rows = endpoint_rows(src.get("v1_endpoints"), stats, slugs=slugs)
        builders: dict[str, Callable[[], pl.DataFrame]] = {
            "models": lambda: models_table(src.get("v1_models"), src.get("frontend_catalog")),
            "endpoints": lambda: conform(
                zero_retention(rows, src.get("v1_endpoints_zdr").df, "v1_endpoints_zdr" in present),
                "endpoints",
            ),
            "providers": lambda: providers_table(
                src.get("v1_providers"), src.get("frontend_all_providers")
            ),
            "data_policies": lambda: data_policies_table(src.get("frontend_all_providers"), stats),
            "fetch_log": lambda: fetch_log_table(docs.log_rows),
            "model_modalities": lambda: model_modalities_table(frames["models"]),
            "model_benchmarks": lambda: with_data_api(
                model_benchmarks_table(src.get("v1_models")),
                benchmark_items(docs),
                permaslug_ids(frames["models"]),
            ),
            "endpoint_supported_parameters": lambda: endpoint_supported_parameters_table(
                frames["endpoints"]
            ),
            "endpoint_variable_pricings": lambda: endpoint_variable_pricings_table(rows, stats),
            "model_price_tiers": lambda: model_price_tiers_table(src.get("v1_models")),
            "endpoint_price_windows": lambda: endpoint_price_windows_table(rows),
            "model_price_windows": lambda: model_price_windows_table(src.get("v1_models")),
            "endpoint_price_items": lambda: endpoint_price_items_table(rows),
            "model_activity": lambda: model_activity_table(
                src.get("frontend_model_activity"), ids()
            ),
            "model_rankings": lambda: model_rankings_table(src.get("frontend_rankings"), ids()),
            "model_effective_pricing": lambda: paid()[0],
            "provider_effective_pricing": lambda: paid()[1],
            "endpoint_uptime_observations": lambda: uptime()[0],
            "endpoint_uptime_hourly_observations": lambda: uptime()[1],
            "model_top_apps": lambda: top_apps_table(src.get("frontend_top_apps"), ids()),
            "api_field_presence": lambda: field_presence_table(
                {s: p for s, p in src.presence.items() if s not in derived}
            ),
        }
        # built on first use, after models (whose catalog rows name the usage records)
        ids = functools.cache(lambda: model_ids(frames["models"]))
        paid = functools.cache(
            lambda: effective_pricing_tables(
                src.get("frontend_effective_pricing"), ids(), frames["endpoints"]
            )
        )
        uptime = functools.cache(
            lambda: uptime_tables(
                src.get("frontend_uptime_recent"), src.get("frontend_uptime_hourly")
            )
        )
        asked = docs.asked - docs.absent  # an absent source is not observed that day
        derived = docs.derived
        out.imported = docs.imported
        for name, build in builders.items():
            lacking = name in CADENCED or out.imported
            if lacking and not asked.intersection(SOURCES_OF.get(name, asked)):
                out.not_asked.append(name)
                continue
            frames[name] = build()
        out.present = set(docs.present)
        out.drift = src.drift
        out.problems = {s: [str(p) for p in ps] for s, ps in src.problems.items()}
        out.mistyped_prices = {
            s: {p.record for p in ps if "pricing" in p.path} for s, ps in src.problems.items()
        }
        out.mistyped_prices = {s: ids for s, ids in out.mistyped_prices.items() if ids}
        out.duplicates = duplicates_report(docs, src)
        out.misanswered = {s: list(keys) for s, keys in docs.misanswered.items()}
        if "endpoints" in frames:
            out.agreement["endpoints"] = endpoints_agreement(rows)
        if "models" in frames:
            out.agreement["models"] = models_agreement(
                src.get("v1_models"), src.get("frontend_catalog")
            )
    return out
