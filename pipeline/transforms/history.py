"""The history of prices and policies as events: what was listed, changed or removed on a
snapshot date, against the snapshot before it.

Why events and not the intervals themselves: an event of date D depends on D and the
snapshot before it only, so each date writes its own partition (nothing shared is rewritten,
and dates can be built in any order, by several processes). When a date is (re)built, the
events of the next date are recomputed against it, exactly as the change tables are; the
intervals (``endpoint_price_history`` …) are then a window over the events in the warehouse,
which splits or merges them with no further bookkeeping.

A snapshot that lacks a table (an archive without endpoints, a day whose source failed for
good) is not a day on which everything disappeared: it has no partition of the table, and
the events skip it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

from pipeline.sources.shapes import PRICE_COMPONENTS, TIER_COMPONENTS
from pipeline.transforms.common import short_text
from pipeline.transforms.schemas import POLICY_STATE, conform

PRICES = tuple(f"{c}_usd_per_mtok" for c in PRICE_COMPONENTS)
TIER_PRICES = tuple(f"{c}_usd_per_mtok" for c in TIER_COMPONENTS)
POLICY = POLICY_STATE


@dataclass(frozen=True)
class History:
    """One kind of history: the snapshot table it follows, its key, the columns that make a
    new interval when they change (``state``) and those only carried along."""

    table: str  # the events table
    base: str  # the snapshot table followed
    key: tuple[str, ...]
    carried: tuple[str, ...]
    state: tuple[str, ...]
    tiers: str | None = None  # a tiers table, folded into a ``tiers`` state column
    tier_key: str | None = None
    windows: str | None = None  # a time-of-day windows table, folded into ``windows``
    keep: str | None = None  # a boolean column: only its true rows are followed
    # the warehouse's names for it (pipeline/warehouse/_history.sql, _removed.sql)
    view: str = ""  # the intervals
    as_of: str = ""  # the table macro: the rows as they stood on a date
    removed: str | None = None  # what disappeared, and whether it came back

    @property
    def inputs(self) -> tuple[str, ...]:
        return tuple(t for t in (self.base, self.tiers, self.windows) if t)

    @property
    def state_columns(self) -> tuple[str, ...]:
        folded = (("tiers",) if self.tiers else ()) + (("windows",) if self.windows else ())
        return (*self.state, *folded)


HISTORIES: tuple[History, ...] = (
    History(
        "endpoint_price_events",
        "endpoints",
        key=("endpoint_id",),
        carried=("model_id", "provider_name"),
        state=(*PRICES, "is_variable_price", "discount"),
        tiers="endpoint_variable_pricings",
        tier_key="endpoint_id",
        windows="endpoint_price_windows",
        view="endpoint_price_history",
        as_of="endpoints_as_of",
        removed="removed_endpoints",
    ),
    History(
        "model_price_events",
        "models",
        key=("model_id",),
        carried=("name",),
        state=(*PRICES, "is_variable_price"),
        tiers="model_price_tiers",
        tier_key="model_id",
        windows="model_price_windows",
        keep="in_v1",  # the models offered; not those only the frontend catalog lists
        view="model_price_history",
        as_of="models_as_of",
        removed="removed_models",
    ),
    History(
        "policy_events",
        "data_policies",
        # a provider is its slug: a new display name is carried, never a new key
        key=("scope", "provider_slug", "endpoint_id", "model_id"),
        carried=("provider_name",),
        state=POLICY,
        view="policy_history",
        as_of="policies_as_of",
    ),
)
BY_TABLE = {h.table: h for h in HISTORIES}


def _decimal_text(col: str) -> pl.Expr:
    """A decimal as its shortest exact text, under its own name."""
    return short_text(pl.col(col)).alias(col)


def _as_text(rows: pl.DataFrame, key: str, order: tuple[str, ...], fields: tuple[str, ...],
             column: str) -> pl.DataFrame:  # fmt: skip
    """Every row of a key as one canonical JSON text (in ``order``, prices as exact decimals):
    two days' rows are equal exactly when their texts are, and a reader can still parse it."""
    if rows.is_empty():
        return pl.DataFrame(schema={key: pl.String, column: pl.String})
    one = rows.sort(key, *order).select(
        key,
        pl.struct(*fields, *[_decimal_text(c) for c in TIER_PRICES])
        .struct.json_encode()
        .alias("r"),
    )
    return one.group_by(key, maintain_order=True).agg(
        ("[" + pl.col("r").str.join(",") + "]").alias(column)
    )


def tiers_text(tiers: pl.DataFrame, key: str) -> pl.DataFrame:
    """Every context tier of a key as one text: the ``tiers`` state column."""
    order = ("tier_source", "min_prompt_tokens")
    return _as_text(tiers, key, order, order, "tiers")


WINDOW_STATE = ("override_index", "utc_start", "utc_end", "utc_days", "min_prompt_tokens")


def windows_text(windows: pl.DataFrame, key: str) -> pl.DataFrame:
    """Every time-of-day window of a key as one text: the ``windows`` state column."""
    return _as_text(windows, key, ("override_index",), WINDOW_STATE, "windows")


def state_frame(h: History, frames: Mapping[str, pl.DataFrame]) -> pl.DataFrame:
    """Key, carried and state columns of one snapshot, one row per key."""
    base = frames[h.base]
    if h.keep:
        base = base.filter(pl.col(h.keep).fill_null(False))
    df = base.select(*h.key, *h.carried, *h.state)
    for table, as_text in ((h.tiers, tiers_text), (h.windows, windows_text)):
        if table:
            rows = frames.get(table)
            # a snapshot without the table (written before it existed) has none
            text = as_text(rows if rows is not None else pl.DataFrame(), h.tier_key)
            df = df.join(text, on=h.tier_key, how="left")
    return df.unique(list(h.key), keep="first", maintain_order=True)


def events_table(
    h: History,
    previous: Mapping[str, pl.DataFrame] | None,
    current: Mapping[str, pl.DataFrame],
) -> pl.DataFrame:
    """The events of the current snapshot against ``previous`` (None: the first snapshot,
    where everything is listed)."""
    new = state_frame(h, current)
    if previous is None:
        return _finish(h, new.with_columns(event=pl.lit("listed")))
    old = state_frame(h, previous)
    key = list(h.key)
    listed = new.join(old, on=key, how="anti", nulls_equal=True)
    both = new.join(old.select(*key, *h.state_columns), on=key, suffix="__old", nulls_equal=True)
    differs = pl.any_horizontal(
        [pl.col(c).ne_missing(pl.col(f"{c}__old")) for c in h.state_columns]
    )
    changed = both.filter(differs).select(new.columns)
    removed = (
        old.join(new, on=key, how="anti", nulls_equal=True)
        .select(*key, *h.carried)
        .with_columns([pl.lit(None, dtype=new.schema[c]).alias(c) for c in h.state_columns])
        .select(new.columns)
    )
    df = pl.concat(
        [
            listed.with_columns(event=pl.lit("listed")),
            changed.with_columns(event=pl.lit("changed")),
            removed.with_columns(event=pl.lit("removed")),
        ]
    )
    return _finish(h, df)


def _finish(h: History, df: pl.DataFrame) -> pl.DataFrame:
    return conform(df.sort(*h.key, nulls_last=True), h.table)
