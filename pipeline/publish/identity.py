"""An endpoint keeps its id whichever source described it today.

The frontend's stats/endpoint gives an endpoint its UUID; an endpoint that only v1 described
gets a hash of (model, provider, tag). When the frontend misses some models for a day (a
partial outage within the coverage limit), their endpoints would come back under hash ids and
read as "removed" plus "appeared". Matching them on the natural key against the last published
snapshot gives them their UUID back, so "not observed by one source" is never "replaced".
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping

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
    """Today's hash id → the id the same natural key was published under in ``before``
    (the frontend's UUID, or another hash: a model id carried back from a look-alike, or a
    name, changes the hash), where today no frontend record named the endpoint, the hash is
    new today, and the published id is not taken by another row today."""
    hashed = _unique_keys(now).filter(
        ~pl.col("endpoint_id_is_uuid")
        & ~pl.col("endpoint_id").is_in(before["endpoint_id"].implode())
    )
    known = _unique_keys(before)
    if hashed.is_empty() or known.is_empty():
        return {}
    pairs = hashed.select(*NATURAL_KEY, "endpoint_id").join(
        known.select(*NATURAL_KEY, pl.col("endpoint_id").alias("published")),
        on=list(NATURAL_KEY),
        nulls_equal=True,
    )
    pairs = pairs.filter(~pl.col("published").is_in(now["endpoint_id"].implode()))
    return dict(zip(pairs["endpoint_id"].to_list(), pairs["published"].to_list(), strict=True))


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
    uuids = before.filter(pl.col("endpoint_id_is_uuid"))["endpoint_id"].implode()
    frames["endpoints"] = frames["endpoints"].with_columns(
        endpoint_id_is_uuid=pl.col("endpoint_id_is_uuid")
        | (pl.col("endpoint_id").is_in(list(mapping.values())) & pl.col("endpoint_id").is_in(uuids))
    )
    return len(mapping)


def look(col: str) -> pl.Expr:
    """A key as it looks, cosmetic differences aside: Unicode form, letter case, spaces."""
    return pl.col(col).cast(pl.String).str.normalize("NFKC").str.strip_chars().str.to_lowercase()


# entity → (its key column in its own table, the columns that name it in every table)
LOOKALIKE_KEYS = {
    "models": ("model_id", ("model_id",)),
    "endpoints": ("endpoint_id", ("endpoint_id",)),
    "providers": ("slug", ("slug", "provider_slug")),
}


def lookalikes(now: pl.DataFrame, before: pl.DataFrame, key: str) -> dict[str, str]:
    """Today's key → yesterday's, where yesterday's vanished and today's is new and looks
    the same (letter case, spaces, Unicode form aside), one to one."""
    old = before.select(pl.col(key).cast(pl.String).alias("k")).drop_nulls().unique()
    new = now.select(pl.col(key).cast(pl.String).alias("k")).drop_nulls().unique()
    vanished = old.join(new, on="k", how="anti").with_columns(look("k").alias("look"))
    arrived = new.join(old, on="k", how="anti").with_columns(look("k").alias("look"))
    vanished = vanished.filter(pl.len().over("look") == 1)
    arrived = arrived.filter(pl.len().over("look") == 1)
    pairs = arrived.join(vanished, on="look", suffix="_old")
    return dict(zip(pairs["k"].to_list(), pairs["k_old"].to_list(), strict=True))


def carry_lookalikes(
    frames: MutableMapping[str, pl.DataFrame], before: Mapping[str, pl.DataFrame]
) -> dict[str, int]:
    """An entity whose key changed only in looks is the same row of history: every table's
    rows take the key it was published under. Returns, per entity, how many were carried
    (the audit judges the share before this: ``keys_kept``)."""
    out = {}
    for entity, (key, columns) in LOOKALIKE_KEYS.items():
        now, prev = frames.get(entity), before.get(entity)
        if now is None or prev is None or key not in now.columns or key not in prev.columns:
            continue
        mapping = lookalikes(now, prev, key)
        if not mapping:
            continue
        out[entity] = len(mapping)
        for name, df in frames.items():
            present = [c for c in columns if c in df.columns and df.schema[c] == pl.String]
            if present:
                frames[name] = df.with_columns(pl.col(c).replace(mapping) for c in present)
    return out


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
