"""No single record can stop a day: a value out of its declared range, or a price of the
wrong type, is quarantined.

Every typed column declares its range on its ``Column`` (``Range``: counts ≥ 0, shares
within their scale, prices under ceilings no real price comes near, something that happened
not after the snapshot), and a table may declare columns that are ordered (``Rules.ordered``:
percentiles). The checks are generated from those declarations:

- a row of ``endpoints`` or of the v1 ``models`` with a value outside (a price of "-150", a
  unit error, a context of -1), or a price of the wrong type (read as null by the build), is
  kept out of the tables. In its place every table keeps that record's rows of the last
  published snapshot, so the history reads "unchanged" rather than "changed to null" or
  "removed"; a record with no published past is left out;
- in a table keyed by neither model nor endpoint (usage, rankings, uptime), the value alone
  is left out (null) and its row is kept: a row has no published past to stand in, and its
  other values are good.

The lines name each record and value for the drift report, and the audit counts them: a few
publish, many hold the date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass, field

import polars as pl

from pipeline.publish.thresholds import Thresholds
from pipeline.transforms.common import REQUIRED_PRICES, short_text
from pipeline.transforms.schemas import ALL_TABLES, RULES, Column, Range

# (table, its key, the rows of it the check reads)
RECORDS = (("endpoints", "endpoint_id", None), ("models", "model_id", "in_v1"))
MAX_LINES = 20


@dataclass
class Quarantined:
    """The records kept out of a date's tables, per table: their keys and why."""

    keys: dict[str, list[str]] = field(default_factory=dict)
    # tables keyed by neither model nor endpoint: how many values were left out (null)
    values: dict[str, int] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)
    carried: int = 0  # records whose published rows stand in for them

    @property
    def count(self) -> int:
        return sum(len(k) for k in self.keys.values()) + sum(self.values.values())


def _bounds(rng: Range, limits: Thresholds) -> tuple[float | None, float | None]:
    hi = getattr(limits, rng.hi) if isinstance(rng.hi, str) else rng.hi
    return rng.lo, hi


def _outside(col: Column, limits: Thresholds, date: dt.date | None) -> pl.Expr | None:
    """True where ``col``'s value lies outside its declared range (null is never outside)."""
    rng = col.range
    if rng is None:
        return None
    lo, hi = _bounds(rng, limits)
    value = pl.col(col.name)
    parts = []
    if lo is not None:
        parts.append(value < lo)
    if hi is not None:
        parts.append(value > hi)
    if rng.past and date is not None:
        if col.dtype == pl.Date:
            parts.append(value > date)
        else:  # a timestamp of the snapshot's day is not after it
            end_of_day = dt.datetime.combine(date + dt.timedelta(days=1), dt.time(), dt.UTC)
            parts.append(value.dt.replace_time_zone(None) >= end_of_day.replace(tzinfo=None))
    return pl.any_horizontal(parts).fill_null(False) if parts else None


def _range_text(col: Column, limits: Thresholds) -> str:
    assert col.range is not None
    lo, hi = _bounds(col.range, limits)
    return (
        col.range.describe()
        if not isinstance(col.range.hi, str)
        else (Range(lo=lo, hi=hi, past=col.range.past).describe())
    )


def out_of_range(
    df: pl.DataFrame,
    table: str,
    key: str | None,
    limits: Thresholds,
    date: dt.date | None = None,
    priced_rows: str | None = None,
) -> pl.DataFrame:
    """(key, column, value, range) of every value outside its column's declared range, one
    row each; ``key`` null for a table keyed by neither model nor endpoint. Prices are read
    on the ``priced_rows`` only (a model only the frontend lists has no price to judge)."""
    parts = []
    for col in ALL_TABLES.get(table, ()):
        if col.name not in df.columns or (outside := _outside(col, limits, date)) is None:
            continue
        rows = df
        if priced_rows and isinstance(col.range.hi, str) and priced_rows in df.columns:
            rows = df.filter(pl.col(priced_rows))
        bad = rows.with_row_index("_row").filter(outside)
        if bad.is_empty():
            continue
        parts.append(
            bad.select(
                (pl.col(key) if key else pl.col("_row").cast(pl.String)).alias("key"),
                pl.col("_row"),
                pl.lit(col.name).alias("column"),
                (
                    pl.col(col.name).dt.to_string("%Y-%m-%d %H:%M:%S UTC")
                    if isinstance(col.dtype, pl.Datetime)
                    else short_text(pl.col(col.name))
                ).alias("value"),
                pl.lit(_range_text(col, limits)).alias("range"),
            )
        )
    return pl.concat(parts) if parts else pl.DataFrame()


def disordered(df: pl.DataFrame, table: str, key: str) -> pl.DataFrame:
    """(key, column, value, range) of every row whose declared ordered columns
    (``Rules.ordered``: percentiles) are out of order, nulls skipped."""
    rules = RULES.get(table)
    parts = []
    for names in rules.ordered if rules else ():
        present = [n for n in names if n in df.columns]
        if len(present) < 2:
            continue
        values = pl.concat_list(present).list.drop_nulls()
        bad = df.filter((values.list.sort() != values).fill_null(False))
        if bad.is_empty():
            continue
        parts.append(
            bad.select(
                pl.col(key).alias("key"),
                pl.lit(0, pl.UInt32).alias("_row"),
                pl.lit(" ≤ ".join(present)).alias("column"),
                pl.concat_str(
                    [short_text(pl.col(n)).fill_null("null") for n in present], separator=" ≤ "
                ).alias("value"),
                pl.lit("ordered").alias("range"),
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
    date: dt.date | None = None,
) -> Quarantined:
    """Take every value outside its declared range (``Column.range``, ``Rules.ordered``), or
    a price of the wrong type (``mistyped_records``: source → record ids, from the build), out
    of ``frames`` (in place). A model or endpoint leaves whole, its last published rows
    standing in (``previous(table)`` gives a table's last published partition); in any other
    table the value alone leaves (null), its row kept."""
    out = Quarantined()
    wrong = mistyped(frames, mistyped_records) if mistyped_records else {}
    for table, key, rows in RECORDS:
        df = frames.get(table)
        if df is None or key not in df.columns:
            continue
        found = [out_of_range(df, table, key, limits, date, rows), disordered(df, table, key)]
        bad = pl.concat([f for f in found if not f.is_empty()] or [pl.DataFrame()])
        typed = sorted(wrong.get(table, set()))
        if bad.is_empty() and not typed:
            continue
        keys = sorted(set(bad["key"].to_list() if not bad.is_empty() else []) | set(typed))
        out.keys[table] = keys
        for r in bad.head(MAX_LINES).iter_rows(named=True) if not bad.is_empty() else ():
            out.lines.append(
                f"{table} {r['key']}: {r['column']} {r['value']} is out of range "
                f"({r['range']}); quarantined"
            )
        for k in typed[:MAX_LINES]:
            out.lines.append(
                f"{table} {k}: a price of the wrong type (read as null, named in the type "
                "problems); quarantined"
            )
        _stand_in(frames, key, keys, previous, out)
    records = {table for table, _, _ in RECORDS}
    for table, df in list(frames.items()):
        if table in records:
            continue
        bad = out_of_range(df, table, None, limits, date)
        if bad.is_empty():
            continue
        out.values[table] = bad.height
        for r in bad.head(MAX_LINES).iter_rows(named=True):
            out.lines.append(
                f"{table} row {r['key']}: {r['column']} {r['value']} is out of range "
                f"({r['range']}); the value is left out (null), the row kept"
            )
        frames[table] = _null_values(df, bad)
    return out


def _null_values(df: pl.DataFrame, bad: pl.DataFrame) -> pl.DataFrame:
    """``df`` with the (row, column) cells named in ``bad`` set to null."""
    index = pl.int_range(pl.len(), dtype=pl.UInt32)
    return df.with_columns(
        pl.when(index.is_in(rows["_row"].implode())).then(None).otherwise(pl.col(column))
        .alias(column)
        for (column,), rows in bad.group_by("column")
    )  # fmt: skip


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


# the per-model calls that describe a model's endpoints, and how their keys name the model
ENDPOINT_CALLS = ("v1_endpoints", "frontend_stats_endpoint")


def unobserved_models(unanswered: Mapping[str, list[str]], models: pl.DataFrame) -> set[str]:
    """The model ids whose endpoint calls failed or answered about something else today:
    a v1 endpoints key is the model id; a stats/endpoint key is ``permaslug:variant``."""
    found = set(unanswered.get("v1_endpoints", ()))
    stats = unanswered.get("frontend_stats_endpoint", ())
    if stats and {"permaslug", "variant", "model_id"} <= set(models.columns):
        asked = pl.DataFrame(
            [k.rpartition(":")[::2] for k in stats],
            schema={"permaslug": pl.String, "variant": pl.String},
            orient="row",
        )
        found |= set(asked.join(models, on=["permaslug", "variant"])["model_id"].to_list())
    return found


def carry_unobserved(
    frames: MutableMapping[str, pl.DataFrame],
    previous: Callable[[str], tuple[dt.date, pl.DataFrame] | None],
    models: set[str],
) -> list[str]:
    """A call that failed says nothing. A model whose endpoint call failed (or answered
    about another model) is seen today by one source at most, so its endpoints are what was
    last published, in every endpoint table (prices, windows, tiers, endpoint policies):
    "not observed" never reads as "removed", nor as "replaced" by ids the other source
    gives. A model with no published endpoints keeps today's. Returns the models carried."""
    now, prev = frames.get("endpoints"), previous("endpoints")
    if not models or now is None or prev is None:
        return []
    wanted = pl.col("model_id").is_in(sorted(models))
    before = prev[1].filter(wanted).select("model_id", "endpoint_id")
    carried = set(before["model_id"].to_list())
    if not carried:
        return []
    today = now.filter(pl.col("model_id").is_in(sorted(carried)))["endpoint_id"].to_list()
    keys = sorted(set(today) | set(before["endpoint_id"].to_list()))
    _stand_in(frames, "endpoint_id", keys, previous, Quarantined())
    return sorted(carried)
