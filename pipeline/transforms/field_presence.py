"""The field census of a snapshot: for every described field of every source, how many of the
objects that could carry it did. The publish audit compares it with the previous published
snapshot's: a field most records carried yesterday and almost none carry today was renamed or
dropped upstream, and its column would otherwise fill with nulls (or, for an omitted price,
zeros) without a word."""

from __future__ import annotations

import polars as pl

from pipeline.transforms.schemas import conform


def field_presence_table(presence: dict[str, dict[str, tuple[int, int]]]) -> pl.DataFrame:
    rows = [
        {"source": source, "path": path, "records": of, "carried": carried}
        for source, paths in sorted(presence.items())
        for path, (carried, of) in sorted(paths.items())
    ]
    df = pl.DataFrame(
        rows,
        schema={"source": pl.String, "path": pl.String, "records": pl.Int64, "carried": pl.Int64},
    )
    return conform(df, "api_field_presence")
