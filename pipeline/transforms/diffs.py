"""The tables computed from one snapshot *and the one before it*: price changes, catalog
changes and the history events. The one list of them, which the tables asset (and the
benchmark) walk: each is written with its date, and the next date's is rewritten when a date
is (re)built, since the next date's previous snapshot has changed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import polars as pl

from pipeline.transforms.catalog_changes import catalog_changes_table
from pipeline.transforms.history import HISTORIES, History, events_table
from pipeline.transforms.price_changes import price_changes_table
from pipeline.transforms.price_windows import window_changes_table

Frames = Mapping[str, pl.DataFrame]


@dataclass(frozen=True)
class Diff:
    table: str
    base: str  # the table whose previous snapshot the diff is taken against
    inputs: tuple[str, ...]  # the tables it reads, of both dates
    compute: Callable[[Frames | None, Frames, dt.date | None], pl.DataFrame]


def _price_changes(prev: Frames | None, cur: Frames, prev_date: dt.date | None) -> pl.DataFrame:
    return price_changes_table(prev["endpoints"] if prev else None, cur["endpoints"], prev_date)


def _catalog_changes(prev: Frames | None, cur: Frames, prev_date: dt.date | None) -> pl.DataFrame:
    old = (prev["models"], prev["endpoints"]) if prev and "models" in prev else None
    return catalog_changes_table(old, cur["models"], cur["endpoints"], prev_date)


def _events(h: History) -> Callable[[Frames | None, Frames, dt.date | None], pl.DataFrame]:
    return lambda prev, cur, _date: events_table(h, prev, cur)


DIFFS: tuple[Diff, ...] = (
    Diff("endpoint_price_changes", "endpoints", ("endpoints",), _price_changes),
    Diff("catalog_change_events", "endpoints", ("models", "endpoints"), _catalog_changes),
    Diff(
        "price_window_changes",
        "endpoints",
        ("endpoints", "endpoint_price_windows"),
        lambda prev, cur, prev_date: window_changes_table(prev, dict(cur), prev_date),
    ),
    *(Diff(h.table, h.base, h.inputs, _events(h)) for h in HISTORIES),
)
DIFF_TABLES = tuple(d.table for d in DIFFS)
