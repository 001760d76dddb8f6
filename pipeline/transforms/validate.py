"""Type checks of source records against the explicit schemas, and the drift report.

polars coerces silently (an int lands in a String column as "2", a string in a struct field
as text), so a field whose *type* changed would pass unnoticed; this check names the field,
the record and the file instead. New fields never fail: they are reported.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl


class SourceTypeError(ValueError):
    """A source field arrived with another type than the schema says."""


def _compatible(value: Any, dtype: pl.DataType) -> bool:
    if value is None:
        return True
    if dtype == pl.String:
        return isinstance(value, str)
    if dtype == pl.Boolean:
        return isinstance(value, bool)
    if dtype == pl.Int64:
        return (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, float) and value.is_integer()
        )
    if dtype == pl.Float64:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if isinstance(dtype, pl.List):
        return isinstance(value, list)
    if isinstance(dtype, pl.Struct):
        return isinstance(value, dict)
    return True


def check_types(
    records: Sequence[dict[str, Any]],
    schema: dict[str, pl.DataType],
    *,
    source: str,
    origins: Sequence[str] | str | None = None,
    id_field: str = "id",
) -> None:
    """Raise SourceTypeError naming field, record id and file for the first mismatch.

    Top-level fields and the fields of top-level structs are checked; deeper levels are left
    to polars.
    """
    for i, rec in enumerate(records):
        for name, dtype in schema.items():
            value = rec.get(name)
            bad = None
            if not _compatible(value, dtype):
                bad = (name, value, dtype)
            elif isinstance(dtype, pl.Struct) and isinstance(value, dict):
                for f in dtype.fields:
                    sub = value.get(f.name)
                    if not _compatible(sub, f.dtype):
                        bad = (f"{name}.{f.name}", sub, f.dtype)
                        break
            if bad:
                field, got, want = bad
                origin = origins if isinstance(origins, str) else (origins[i] if origins else "?")
                raise SourceTypeError(
                    f"{source}: field {field!r} of record {rec.get(id_field)!r} in {origin} is "
                    f"{type(got).__name__} ({str(got)[:40]!r}), expected {want}"
                )


def new_fields(
    records: Sequence[dict[str, Any]], known: set[str], limit: int = 20
) -> dict[str, str]:
    """Top-level keys nobody mapped or dropped, each with one example value."""
    seen: set[str] = set().union(*(r.keys() for r in records)) if records else set()
    out: dict[str, str] = {}
    for key in sorted(seen - known)[:limit]:
        example = next(r[key] for r in records if key in r)
        out[key] = repr(example)[:80]
    return out
