"""No single record can stop a day: a price out of range, or of the wrong type, is quarantined.

A row of ``endpoints`` or of the v1 ``models`` whose price is negative (other than the API's
"-1", which means variable), above a ceiling no real price comes near (a unit error, a typo:
"150" USD a token), or of the wrong type (read as null by the build) is kept out of the
tables. In its place every table keeps that
record's rows of the last published snapshot, so the history reads "unchanged" rather than
"changed to null" or "removed"; a record with no published past is left out. The lines name
each record and value for the drift report, and the audit counts them: a few publish, many
hold the date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass, field

import polars as pl

from pipeline.publish.thresholds import Thresholds
from pipeline.sources.shapes import PRICE_COMPONENTS
from pipeline.transforms.common import REQUIRED_PRICES
from pipeline.transforms.price_items import UNIT_KEYS

# (table, its key, the rows of it the check reads)
RECORDS = (("endpoints", "endpoint_id", None), ("models", "model_id", "in_v1"))
MAX_LINES = 20


@dataclass
class Quarantined:
    """The records kept out of a date's tables, per table: their keys and why."""

    keys: dict[str, list[str]] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)
    carried: int = 0  # records whose published rows stand in for them

    @property
    def count(self) -> int:
        return sum(len(k) for k in self.keys.values())


def _ceiling(component: str, limits: Thresholds) -> float:
    return limits.max_usd_per_unit if component in UNIT_KEYS else limits.max_usd_per_token


def out_of_range(df: pl.DataFrame, key: str, limits: Thresholds) -> pl.DataFrame:
    """(key, component, value) of every price out of range, one row each."""
    parts = []
    for c in PRICE_COMPONENTS:
        col = f"{c}_usd_per_token"
        if col not in df.columns:
            continue
        price = pl.col(col)
        parts.append(
            df.filter((price < 0) | (price > _ceiling(c, limits))).select(
                pl.col(key).alias("key"),
                pl.lit(c).alias("component"),
                price.cast(pl.String).str.strip_chars_end("0").str.strip_chars_end(".")
                .alias("value"),
            )
        )  # fmt: skip
    return pl.concat(parts) if parts else pl.DataFrame()


def mistyped(
    frames: Mapping[str, pl.DataFrame], records: Mapping[str, set[str]]
) -> dict[str, set[str]]:
    """table → the keys of its rows built from a record with a price of the wrong type:
    a v1 model by its id, a stats/endpoint record by its endpoint id, and a v1 endpoints
    answer (one per model) by the endpoints v1 described for that model."""
    out: dict[str, set[str]] = {}
    # only where the wrong type cost a price: another source (v1 beside the frontend) may
    # have given the same endpoint's prices whole
    priced = pl.all_horizontal(
        [pl.col(f"{c}_usd_per_token").is_not_null() for c in REQUIRED_PRICES]
    ) | pl.col("is_variable_price")
    models, endpoints = frames.get("models"), frames.get("endpoints")
    models = None if models is None else models.filter(~priced)
    endpoints = None if endpoints is None else endpoints.filter(~priced)
    if models is not None and records.get("v1_models"):
        out["models"] = set(records["v1_models"]) & set(models["model_id"].to_list())
    if endpoints is not None:
        ids = set(records.get("frontend_stats_endpoint", ()))
        by_model = records.get("v1_endpoints", set())
        if by_model:
            ids |= set(
                endpoints.filter(pl.col("in_v1") & pl.col("model_id").is_in(list(by_model)))[
                    "endpoint_id"
                ].to_list()
            )
        out["endpoints"] = ids & set(endpoints["endpoint_id"].to_list())
    return {t: keys for t, keys in out.items() if keys}


def quarantine(
    frames: MutableMapping[str, pl.DataFrame],
    previous: Callable[[str], tuple[dt.date, pl.DataFrame] | None],
    limits: Thresholds,
    mistyped_records: Mapping[str, set[str]] | None = None,
) -> Quarantined:
    """Take the records with a price out of range, or of the wrong type (``mistyped_records``:
    source → record ids, from the build), out of ``frames`` (in place), standing in their
    last published rows; ``previous(table)`` gives a table's last published partition."""
    out = Quarantined()
    wrong = mistyped(frames, mistyped_records or {})
    for table, key, rows in RECORDS:
        df = frames.get(table)
        if df is None or key not in df.columns:
            continue
        checked = df.filter(pl.col(rows)) if rows else df
        bad = out_of_range(checked, key, limits)
        typed = sorted(wrong.get(table, set()))
        if bad.is_empty() and not typed:
            continue
        keys = sorted(set(bad["key"].to_list() if not bad.is_empty() else []) | set(typed))
        out.keys[table] = keys
        for r in bad.head(MAX_LINES).iter_rows(named=True) if not bad.is_empty() else ():
            ceiling = _ceiling(r["component"], limits)
            out.lines.append(
                f"{table} {r['key']}: {r['component']} {r['value']} USD a unit is out of range "
                f"(0 to {ceiling:g}); quarantined"
            )
        for k in typed[:MAX_LINES]:
            out.lines.append(
                f"{table} {k}: a price of the wrong type (read as null, named in the type "
                "problems); quarantined"
            )
        _stand_in(frames, key, keys, previous, out)
    return out


def _stand_in(
    frames: MutableMapping[str, pl.DataFrame],
    key: str,
    keys: list[str],
    previous: Callable[[str], tuple[dt.date, pl.DataFrame] | None],
    out: Quarantined,
) -> None:
    """Every table holding ``key``: today's rows of ``keys`` out, the published ones in."""
    gone = pl.Series(keys, dtype=pl.String).implode()
    # a model with no published past leaves with its endpoints (none may point at no model);
    # one with a past keeps today's endpoints beside its published row
    base = previous("models") if key == "model_id" else None
    known = set(base[1]["model_id"].to_list()) if base is not None else set()
    orphans = pl.Series([k for k in keys if k not in known], dtype=pl.String).implode()
    for name, df in list(frames.items()):
        if key not in df.columns:
            continue
        if key == "model_id" and "endpoint_id" in df.columns:
            frames[name] = df.filter(~pl.col(key).is_in(orphans).fill_null(False))
            continue
        # a row whose key is null (a provider-wide policy row has no endpoint) is no
        # quarantined record's: ``is_in`` of a null is null, which a filter drops
        kept = df.filter(~pl.col(key).is_in(gone).fill_null(False))
        prev = previous(name)
        if prev is not None and key in prev[1].columns:
            old = prev[1].filter(pl.col(key).is_in(gone))
            if name in ("endpoints", "models"):
                out.carried += old.height
            if old.height:
                kept = pl.concat([kept, old], how="diagonal_relaxed").select(df.columns)
        frames[name] = kept
