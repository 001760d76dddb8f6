"""A small vocabulary for describing a source's JSON at every depth: which fields we read
(with their type and the column they land in) and which we leave in raw (with the reason).

One description per source (``pipeline/sources/<source>.py``) gives four things that must
agree and so are derived, never written twice: the polars schema the frame is read with, the
type check at every depth, the drift report (a key nobody described is new), and the data
dictionary's list of source fields.

A ``doc`` starting with "→" names where a field goes (``→ endpoints.status``); any other
``doc`` is the reason the field is not read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl

# scalar kinds: what a JSON value must be, and (``dtype``) the polars type it is read as.
# polars is imported only when a schema is asked for: the fetch process never needs it.
_KINDS: dict[str, frozenset[type]] = {
    "str": frozenset({str}),
    # a string, or a JSON number the API sometimes sends instead (read as its text)
    "text": frozenset({str, int, float}),
    "int": frozenset({int}),  # integer-valued floats are accepted too
    "float": frozenset({int, float}),
    "bool": frozenset({bool}),
}
KEPT_IN_RAW = "kept in raw, not flattened yet"  # the reason for what may yet become columns
_TARGET = re.compile(r"\b([a-z_]+)\.([a-z0-9_]+)\b")


@dataclass(frozen=True)
class Field:
    doc: str

    @property
    def mapped(self) -> bool:
        return self.doc.startswith("→")

    def targets(self) -> list[tuple[str, str]]:
        """The ``table.column`` pairs a mapped field's doc names."""
        return _TARGET.findall(self.doc) if self.mapped else []


@dataclass(frozen=True)
class Scalar(Field):
    kind: str = "str"

    @property
    def allowed(self) -> frozenset[type]:
        return _KINDS[self.kind]

    @property
    def label(self) -> str:
        return {"text": "string or number"}.get(self.kind, self.kind)


@dataclass(frozen=True)
class Obj(Field):
    fields: Mapping[str, Field] = field(default_factory=dict)
    # keys not listed are left in raw for this reason (a whole copy of another source's
    # object, say); None means every key is listed and an unlisted one is drift
    rest: str | None = None


@dataclass(frozen=True)
class ListOf(Field):
    item: Field = field(default_factory=lambda: Dropped(""))


@dataclass(frozen=True)
class MapOf(Field):
    """An object whose keys are data (adapter-prefixed price keys), not a schema."""

    value: Field = field(default_factory=lambda: Dropped(""))


@dataclass(frozen=True)
class Dropped(Field):
    """Left in raw, whole subtree included, for the reason in ``doc``."""


def Str(doc: str) -> Scalar:  # noqa: N802 - reads like a type in the descriptions
    return Scalar(doc, "str")


def Text(doc: str) -> Scalar:  # noqa: N802
    return Scalar(doc, "text")


def Int(doc: str) -> Scalar:  # noqa: N802
    return Scalar(doc, "int")


def Float(doc: str) -> Scalar:  # noqa: N802
    return Scalar(doc, "float")


def Bool(doc: str) -> Scalar:  # noqa: N802
    return Scalar(doc, "bool")


def dtype(f: Field) -> pl.DataType | None:
    """The polars type a field is read as; None when it is not read into the frame (dropped,
    or a map whose keys are data and which is read from the records directly)."""
    import polars as pl

    if isinstance(f, Scalar):
        return {"int": pl.Int64(), "float": pl.Float64(), "bool": pl.Boolean()}.get(
            f.kind, pl.String()
        )
    if isinstance(f, ListOf):
        inner = dtype(f.item)
        return None if inner is None else pl.List(inner)
    if isinstance(f, Obj):
        typed = {k: t for k, v in f.fields.items() if (t := dtype(v)) is not None}
        return pl.Struct(typed) if typed else None
    return None


def walk(f: Field, path: str = "") -> Iterator[tuple[str, Field]]:
    """Every described path under ``f``, depth first: ``pricing.overrides[].prompt``."""
    if isinstance(f, Obj):
        for name, sub in f.fields.items():
            p = f"{path}.{name}" if path else name
            yield p, sub
            yield from walk(sub, p)
    elif isinstance(f, ListOf):
        yield from walk(f.item, f"{path}[]")
    elif isinstance(f, MapOf):
        yield from walk(f.value, f"{path}{{}}")


@dataclass(frozen=True)
class Contract:
    """What one source's records look like, and what we take from them."""

    source: str
    record: Obj  # one record: an element of the list, or the whole object (v1 endpoints)
    id_field: str  # names the record in error messages

    @cached_property
    def schema(self) -> dict[str, pl.DataType]:
        struct = dtype(self.record)
        return {f.name: f.dtype for f in struct.fields} if struct is not None else {}

    def paths(self) -> list[tuple[str, Field]]:
        return list(walk(self.record))
