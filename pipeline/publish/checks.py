"""Data quality checks on one snapshot's tables: pure functions, DataFrames in, a verdict and
the offending rows out (so a failure explains itself in the Dagster UI)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from pipeline.transforms.schemas import RULES

SAMPLE_ROWS = 20


@dataclass
class Verdict:
    name: str
    passed: bool
    description: str
    warn_only: bool = False
    metadata: dict[str, Any] = field(default_factory=dict)
    # a failed blocking check holds the date: its tables stay staged, unpublished
    blocking: bool = False
    # the figures, in a few words, for the line a held run prints
    summary: str = ""


def _rows(df: pl.DataFrame) -> list[dict[str, Any]]:
    return [{k: str(v) for k, v in r.items()} for r in df.head(SAMPLE_ROWS).iter_rows(named=True)]


def key_check(table: str, key: str | tuple[str, ...]) -> tuple[str, str]:
    """(name, description) of a table's key check: one column, or several together."""
    if isinstance(key, str):
        return f"{table}_{key}_unique", f"{table}.{key} is unique"
    return f"{table}_key_unique", f"({', '.join(key)}) is unique in {table}"


def unique_key(df: pl.DataFrame, table: str, key: str | tuple[str, ...]) -> Verdict:
    cols = [key] if isinstance(key, str) else list(key)
    dups = df.group_by(cols).len().filter(pl.col("len") > 1)
    name, text = key_check(table, key)
    return Verdict(
        name,
        dups.is_empty(),
        text,
        metadata={"duplicates": dups.height, "sample": _rows(dups)},
        blocking=True,
        summary=f"{dups.height:,} {'/'.join(cols)} values repeated",
    )


def references(
    df: pl.DataFrame, table: str, column: str, other: pl.DataFrame, other_table: str
) -> Verdict:
    """Every value of ``table.column`` is a key of ``other_table``."""
    key = RULES[other_table].key
    mine = RULES[table].key
    orphans = df.join(other.select(pl.col(key).alias(column)), on=column, how="anti")
    return Verdict(
        f"{table}_reference_{other_table}",
        orphans.is_empty(),
        _reference_text(table, column, other_table),
        metadata={
            "orphans": orphans.height,
            "sample": _rows(orphans.select(*{c: None for c in (mine, column) if c})),
        },
        blocking=True,
        summary=f"{orphans.height:,} {table} whose {column} is not in {other_table}",
    )


def _reference_text(table: str, column: str, other_table: str) -> str:
    return f"every {table}.{column} is a {RULES[other_table].key} of {other_table}"


def declared(table: str) -> list[tuple[str, str, bool]]:
    """(name, description, blocking) of every check ``RULES`` declares for ``table``."""
    rules = RULES[table]
    out = []
    if rules.key:
        out.append((*key_check(table, rules.key), True))
    for column, other in rules.references:
        out.append((f"{table}_reference_{other}", _reference_text(table, column, other), True))
    if rules.prices:
        out.append((f"{table}_prices_valid", "prices ≥ 0, null only when variable", False))
    if rules.row_count_change is not None:
        out.append(
            (
                f"{table}_row_count_change",
                f"row count within ±{rules.row_count_change:.0%} of the previous snapshot "
                "(warning)",
                False,
            )
        )
    return out


def of_rules(
    frames: dict[str, pl.DataFrame], previous_rows: Callable[[str], int | None]
) -> list[Verdict]:
    """The verdicts of every rule ``RULES`` declares, on the tables given."""
    out = []
    for table, rules in RULES.items():
        df = frames.get(table)
        if df is None:
            continue
        if rules.key:
            out.append(unique_key(df, table, rules.key))
        for column, other in rules.references:
            if frames.get(other) is not None:
                out.append(references(df, table, column, frames[other], other))
        if rules.prices:
            out.append(prices_non_negative(df, table))
        if rules.row_count_change is not None:
            out.append(
                row_count_change(table, df.height, previous_rows(table), rules.row_count_change)
            )
    return out


def prices_non_negative(df: pl.DataFrame, table: str) -> Verdict:
    if "in_v1" in df.columns and table == "models":
        df = df.filter(pl.col("in_v1"))  # catalog-only models have no price to check
    price_cols = [c for c in df.columns if c.endswith("_usd_per_mtok")]
    negative = df.filter(pl.any_horizontal([pl.col(c) < 0 for c in price_cols]))
    unexplained_null = df.filter(
        ~pl.col("is_variable_price")
        & pl.any_horizontal(
            [pl.col(c).is_null() for c in ("prompt_usd_per_mtok", "completion_usd_per_mtok")]
        )
    )
    bad = pl.concat([negative, unexplained_null]).unique()
    key = "endpoint_id" if "endpoint_id" in df.columns else "model_id"
    return Verdict(
        f"{table}_prices_valid",
        bad.is_empty(),
        "prices are ≥ 0, and null only when the price is variable",
        metadata={
            "negative": negative.height,
            "null_not_variable": unexplained_null.height,
            "sample": _rows(bad.select(key)),
        },
        summary=f"{negative.height:,} negative prices, {unexplained_null.height:,} unknown "
        "prompt or completion prices",
    )


# A router has no endpoint of its own: it sends each request to other models. Most say so by
# a variable price ("-1"); openrouter/free is priced 0 and says so in its description ("a
# router that selects free models at random").
ROUTER_DESCRIPTION = r"(?i)\bis a router\b|\ba router that\b|\brouted to one of\b"


def models_without_endpoints(models: pl.DataFrame, endpoints: pl.DataFrame) -> Verdict:
    """v1-listed models (routers and ~aliases aside) that no endpoint serves: a warning, since
    a model can be between providers, but it should never go unnoticed."""
    served = endpoints.select("model_id").unique()
    router = pl.col("is_variable_price") | pl.col("description").fill_null("").str.contains(
        ROUTER_DESCRIPTION
    )
    lonely = models.filter(pl.col("in_v1") & ~pl.col("is_alias") & ~router).join(
        served, on="model_id", how="anti"
    )
    named = lonely["model_id"].sort().to_list()
    return Verdict(
        "models_without_endpoints",
        lonely.is_empty(),
        "every v1 model (routers and aliases aside) has an endpoint",
        warn_only=True,
        metadata={"models": lonely.height, "sample": _rows(lonely.select("model_id"))},
        summary=f"{lonely.height:,} v1 {'model' if lonely.height == 1 else 'models'} without "
        f"an endpoint: {', '.join(named[:5])}" + (" …" if len(named) > 5 else ""),
    )


def row_count_change(table: str, rows: int, previous: int | None, limit: float = 0.2) -> Verdict:
    change = None if not previous else (rows - previous) / previous
    ok = change is None or abs(change) <= limit
    return Verdict(
        f"{table}_row_count_change",
        ok,
        f"{table} row count within ±{limit:.0%} of the previous snapshot",
        warn_only=True,
        metadata={
            "rows": rows,
            "previous_rows": previous,
            "change_pct": None if change is None else round(100 * change, 2),
        },
    )


def fetch_coverage(requested: int, failed: int, min_coverage: float) -> Verdict:
    coverage = 1.0 if requested == 0 else (requested - failed) / requested
    return Verdict(
        "v1_endpoints_coverage",
        coverage >= min_coverage,
        f"at least {min_coverage:.0%} of the per-model endpoints calls succeeded",
        metadata={
            "requested": requested,
            "failed": failed,
            "coverage_pct": round(100 * coverage, 2),
        },
    )


MAX_LISTED = 20


def values_typed(group: str, problems: dict[str, list[str]], sources: tuple[str, ...]) -> Verdict:
    """Values of ``group``'s sources read as null for having the wrong type. The v1 API is
    documented, so one there is an error; the frontend API changes without notice (warning)."""
    found = [line for s in sources for line in problems.get(s, [])]
    return Verdict(
        f"{group}_values_typed",
        not found,
        f"no value of the {group} API had to be read as null for having the wrong type",
        warn_only=group != "v1",
        metadata={"values_nulled": len(found), "sample": found[:MAX_LISTED]},
    )


def fields_known(drift: dict[str, dict[str, str]]) -> Verdict:
    """Fields the API sent that no source description lists: they are in raw, in no table."""
    listed = [
        f"{s}: {path} = {example}" for s, paths in drift.items() for path, example in paths.items()
    ]
    return Verdict(
        "api_fields_known",
        not listed,
        "every field the API sent is described in pipeline/sources",
        warn_only=True,
        metadata={"new_fields": len(listed), "sample": listed[:MAX_LISTED]},
    )


def fetch_complete(coverage: dict[str, dict[str, int]]) -> Verdict:
    """Calls that failed in a way a later run could fix (5xx, 429, the network) leave rows
    out of the tables; the next run of the date fetches only those (a warning)."""
    missing = {s: c["transient"] for s, c in coverage.items() if c.get("transient")}
    return Verdict(
        "fetch_complete",
        not missing,
        "every call of the snapshot ended for good: no transient failure left to retry",
        warn_only=True,
        metadata={
            "transient_failures": sum(missing.values()),
            "sample": [
                f"{s}: {n:,} of {coverage[s]['calls']:,} calls failed and a later run of this "
                "date fetches them"
                for s, n in missing.items()
            ],
        },
    )
