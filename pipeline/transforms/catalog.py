"""Every table of one snapshot from its raw documents: the one place that says which
transform builds which table from which sources (the tables asset and the benchmark use it).

Everything is transformed before anything is written: a failing transform leaves no table
half-updated, and one source whose field changed type does not keep the other tables from
landing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl

from pipeline.gc_pause import gc_paused
from pipeline.raw_reader import RawDocs
from pipeline.transforms.data_policies import data_policies_table
from pipeline.transforms.drift import drift_report
from pipeline.transforms.duplicates import duplicates_report
from pipeline.transforms.endpoints import endpoints_table
from pipeline.transforms.fetch_log import fetch_log_table
from pipeline.transforms.long_tables import (
    endpoint_supported_parameters_table,
    endpoint_variable_pricings_table,
    model_modalities_table,
)
from pipeline.transforms.models import models_table
from pipeline.transforms.providers import providers_table
from pipeline.transforms.source_schemas import SourceFrames
from pipeline.transforms.validate import SourceTypeError


@dataclass
class CatalogBuild:
    frames: dict[str, pl.DataFrame] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)  # table → why it was not built
    drift: dict[str, dict[str, str]] = field(default_factory=dict)
    duplicates: list[str] = field(default_factory=list)


def build_tables(docs: RawDocs) -> CatalogBuild:
    out = CatalogBuild()
    with gc_paused():  # see pipeline/gc_pause.py: millions of live objects, no cycles
        src = SourceFrames(docs)
        frames = out.frames
        builders: dict[str, Callable[[], pl.DataFrame]] = {
            "models": lambda: models_table(src.get("v1_models"), src.get("frontend_catalog")),
            "endpoints": lambda: endpoints_table(
                src.get("v1_endpoints"), src.get("frontend_stats_endpoint")
            ),
            "providers": lambda: providers_table(
                src.get("v1_providers"), src.get("frontend_all_providers")
            ),
            "data_policies": lambda: data_policies_table(
                src.get("frontend_all_providers"), src.get("frontend_stats_endpoint")
            ),
            "fetch_log": lambda: fetch_log_table(docs.log_rows),
            "model_modalities": lambda: model_modalities_table(frames["models"]),
            "endpoint_supported_parameters": lambda: endpoint_supported_parameters_table(
                frames["endpoints"]
            ),
            "endpoint_variable_pricings": lambda: endpoint_variable_pricings_table(
                src.get("frontend_stats_endpoint")
            ),
        }
        for name, build in builders.items():
            try:
                frames[name] = build()
            except SourceTypeError as exc:
                out.errors[name] = str(exc)
            except KeyError as exc:  # a table built from another that failed
                out.errors[name] = f"not built: {exc.args[0]} failed"
        out.drift = drift_report(docs)
        out.duplicates = duplicates_report(docs, src)
    return out
