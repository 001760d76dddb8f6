"""Each source's records as a typed polars frame, checked against the source's description
(``pipeline/sources``) once and shared by every table that reads the source."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from pipeline.raw.reader import TABULATED
from pipeline.sources import CONTRACTS
from pipeline.transforms.validate import TypeProblem, inspect

Origins = dict[str, list[str] | str] | None  # source → file per record (or one file)


# The fields a transform reads from the records themselves (keys that are data, which no
# schema can type): a frame built from raw keeps only these of each record, not the dicts.
KEPT_FIELDS: dict[str, tuple[str, ...]] = {"frontend_stats_endpoint": ("id", "pricing_json")}


@dataclass
class SourceFrame:
    source: str
    df: pl.DataFrame  # the described fields, typed; offending values null
    # the records as dicts: whole when framed from a list, else only their KEPT_FIELDS
    records: list[dict[str, Any]]
    problems: list[TypeProblem] = field(default_factory=list)
    new_fields: dict[str, str] = field(default_factory=dict)
    presence: dict[str, tuple[int, int]] = field(default_factory=dict)
    origins: list[str] = field(default_factory=list)  # the file of each row of ``df``
    _parts: list[pl.DataFrame] = field(default_factory=list, repr=False)

    def add(self, other: SourceFrame) -> None:
        """Fold in the frame of the source's next batch of bodies (``finish`` joins them)."""
        self._parts.append(other.df)
        self.records.extend(other.records)
        self.problems.extend(other.problems)
        for path, example in other.new_fields.items():
            self.new_fields.setdefault(path, example)
        for path, (carried, of) in other.presence.items():
            c, o = self.presence.get(path, (0, 0))
            self.presence[path] = (c + carried, o + of)
        self.origins.extend(other.origins)

    def finish(self) -> SourceFrame:
        if self._parts:
            self.df = (
                pl.concat([self.df, *self._parts]) if self.df.height else pl.concat(self._parts)
            )
            self._parts = []
        return self


def _read(records: list[dict[str, Any]], schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """The records as a frame of ``schema``, built from the dicts. polars' JSON reader was
    faster, but its frames held several times their size (string views into the whole
    input), which made the transform's memory grow with the catalog (bench/README.md)."""
    if not records:
        return pl.DataFrame(schema=schema)
    return pl.DataFrame(records, schema=schema, strict=False)


def source_frame(
    records: Sequence[dict[str, Any]] | SourceFrame,
    source: str,
    origins: Sequence[str] | str | None = None,
) -> SourceFrame:
    """The checked frame of ``records`` (an already built SourceFrame passes through: several
    tables read one source, and building the frame is the costliest step of the transforms)."""
    if isinstance(records, SourceFrame):
        return records
    contract = CONTRACTS[source]
    found = inspect(records, contract, origins)
    return SourceFrame(
        source,
        _read(found.records, contract.schema),
        found.records,
        found.problems,
        found.new_fields,
        found.presence,
    )


def origins_of(origins: Origins, source: str) -> list[str] | str | None:
    return (origins or {}).get(source)


def _slim(records: list[dict[str, Any]], keep: tuple[str, ...]) -> list[dict[str, Any]]:
    return [{k: r[k] for k in keep if k in r} for r in records] if keep else []


def frame_source(docs: object, source: str) -> SourceFrame:
    """One source of a RawDocs checked and framed, a few bodies at a time: the parsed records
    of one batch are all that is held besides the frame."""
    frame = SourceFrame(source, pl.DataFrame(schema=CONTRACTS[source].schema), [])
    keep = KEPT_FIELDS.get(source, ())
    for records, origins in docs.batches(source):  # type: ignore[attr-defined]
        batch = source_frame(records, source, origins)
        batch.records = _slim(batch.records, keep)
        batch.origins = list(origins)
        frame.add(batch)
    return frame.finish()


class SourceFrames:
    """Every tabulated source of a RawDocs, each checked and framed once."""

    def __init__(self, docs: object) -> None:
        self.frames: dict[str, SourceFrame] = {
            source: frame_source(docs, source) for source in TABULATED
        }

    def get(self, source: str) -> SourceFrame:
        return self.frames[source]

    @property
    def problems(self) -> dict[str, list[TypeProblem]]:
        return {s: f.problems for s, f in self.frames.items() if f.problems}

    @property
    def drift(self) -> dict[str, dict[str, str]]:
        return {s: f.new_fields for s, f in self.frames.items() if f.new_fields}

    @property
    def presence(self) -> dict[str, dict[str, tuple[int, int]]]:
        """source → described path → (records carrying it, records that could), for the
        sources that had records."""
        return {s: f.presence for s, f in self.frames.items() if f.df.height}
