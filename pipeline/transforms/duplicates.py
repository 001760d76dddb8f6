"""Duplicate ids in the API's lists: reported by source, id and file, the first kept.

The transforms keep the first record of a repeated id (a table key must be unique); this
report says that it happened, so a silently shrinking table never goes unexplained.
"""

from __future__ import annotations

import polars as pl

from pipeline.raw.reader import RawDocs
from pipeline.transforms.frames import SourceFrames

# source → the field that must be unique within one snapshot. The stats/endpoint lists repeat
# an endpoint on purpose ('~' aliases answer with their target's endpoints), so they are not
# listed; neither is the catalog, which lists one slug once per variant.
KEYS = {"v1_models": "id", "v1_endpoints": "id", "v1_providers": "slug"}
MAX_LISTED = 20


def duplicates_report(docs: RawDocs, frames: SourceFrames) -> list[str]:
    """One line per repeated id: ``source: field 'x' = '…' appears N times (file …)``."""
    lines: list[str] = []
    for source, key in KEYS.items():
        sf = frames.frames.get(source)
        df = None if sf is None else sf.df
        if df is None or key not in df.columns or df.is_empty():
            continue
        origins = sf.origins if sf is not None else []
        ids = df.select(
            pl.col(key),
            pl.Series("file", origins if len(origins) == df.height else [None] * df.height),
        )
        repeated = (
            ids.filter(pl.col(key).is_not_null() & pl.col(key).is_duplicated())
            .group_by(key, maintain_order=True)
            .agg(pl.len().alias("n"), pl.col("file").first())
        )
        for value, n, file in repeated.head(MAX_LISTED).iter_rows():
            where = f" (file {file})" if file else ""
            lines.append(
                f"{source}: field '{key}' = {value!r} appears {n} times{where}; the first is kept"
            )
        if repeated.height > MAX_LISTED:
            lines.append(f"{source}: {repeated.height - MAX_LISTED} more repeated ids")
    return lines
