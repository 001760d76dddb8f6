"""An endpoint keeps its id whichever source described it today.

The frontend's stats/endpoint gives an endpoint its UUID; an endpoint that only v1 described
gets a hash of (model, provider, tag). When the frontend misses some models for a day (a
partial outage within the coverage limit), their endpoints would come back under hash ids and
read as "removed" plus "appeared". Matching them on the natural key against the last published
snapshot gives them their UUID back, so "not observed by one source" is never "replaced".
"""

from __future__ import annotations

from collections.abc import MutableMapping

import polars as pl

from pipeline.transforms.endpoints import PROVIDER_KEY

# a provider is its slug, never its display name (``PROVIDER_KEY``)
NATURAL_KEY = ("model_id", "_provider", "provider_tag")
# what identity needs of the previous published endpoints
COLUMNS = ("endpoint_id", "endpoint_id_is_uuid", "model_id", "provider_slug", "provider_name",
           "provider_tag")  # fmt: skip


def _keyed(df: pl.DataFrame) -> pl.DataFrame:
    return df.with_columns(PROVIDER_KEY.alias("_provider"))


def _unique_keys(df: pl.DataFrame) -> pl.DataFrame:
    """Rows whose natural key is theirs alone (a second endpoint under one key is ranked by
    the transform; a match on such a key would be a guess)."""
    return _keyed(df).filter(pl.len().over(list(NATURAL_KEY)) == 1)


def carried_ids(now: pl.DataFrame, before: pl.DataFrame) -> dict[str, str]:
    """Today's hash id → the UUID the same natural key had in ``before``, where today no
    frontend record named the endpoint and that UUID is not taken by another row today."""
    hashed = _unique_keys(now).filter(~pl.col("endpoint_id_is_uuid"))
    known = _unique_keys(before).filter(pl.col("endpoint_id_is_uuid"))
    if hashed.is_empty() or known.is_empty():
        return {}
    pairs = hashed.select(*NATURAL_KEY, "endpoint_id").join(
        known.select(*NATURAL_KEY, pl.col("endpoint_id").alias("uuid")),
        on=list(NATURAL_KEY),
        nulls_equal=True,
    )
    pairs = pairs.filter(~pl.col("uuid").is_in(now["endpoint_id"].implode()))
    return dict(zip(pairs["endpoint_id"].to_list(), pairs["uuid"].to_list(), strict=True))


def carry_ids(frames: MutableMapping[str, pl.DataFrame], before: pl.DataFrame | None) -> int:
    """Give every table's rows of an endpoint the id it was published under; returns how
    many endpoints took their previous id back."""
    now = frames.get("endpoints")
    if now is None or before is None:
        return 0
    mapping = carried_ids(now, before)
    if not mapping:
        return 0
    for name, df in frames.items():
        if "endpoint_id" in df.columns:
            frames[name] = df.with_columns(pl.col("endpoint_id").replace(mapping))
    frames["endpoints"] = frames["endpoints"].with_columns(
        endpoint_id_is_uuid=pl.col("endpoint_id_is_uuid")
        | pl.col("endpoint_id").is_in(list(mapping.values()))
    )
    return len(mapping)


def id_changes(now: pl.DataFrame, before: pl.DataFrame) -> tuple[int, int]:
    """(natural keys seen on both days whose endpoint id differs, natural keys on both days),
    over keys that name one endpoint on each day."""
    both = (
        _unique_keys(before)
        .select(*NATURAL_KEY, "endpoint_id")
        .join(
            _unique_keys(now).select(*NATURAL_KEY, pl.col("endpoint_id").alias("now")),
            on=list(NATURAL_KEY),
            nulls_equal=True,
        )
    )
    return both.filter(pl.col("endpoint_id") != pl.col("now")).height, both.height
