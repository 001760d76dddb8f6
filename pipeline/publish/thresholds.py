"""What holds a date: the audit's limits, as settings (``OPENROUTER_CATALOG_AUDIT_*``). Kept
apart from the audit itself so reading the settings loads no polars (``query`` stays light)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass


@dataclass(frozen=True)
class Thresholds:
    """Settings (``OPENROUTER_CATALOG_AUDIT_*``); the defaults hold none of the real days."""

    # each limit is the share above which the date is held; 1 turns a share check off (an
    # empty answer is held whatever the limits)
    max_drop: float = 0.2  # share of a list that may vanish in a day (real: ≤ 8.7 %)
    field_was: float = 0.5  # a field carried by at least this share of objects …
    field_now: float = 0.05  # … and now by less than this share has vanished (0: never)
    max_price_changes: float = 0.10  # share of endpoints whose price changed (real: ≤ 2.2 %)
    max_zeroed: float = 0.05  # share of paid prices that turned 0 or null
    # imported archives are sparse: one months older says nothing about day-to-day variation
    max_gap_days: int = 7

    @classmethod
    def of(cls, source: object) -> Thresholds:
        """The limits from an object naming them ``audit_<limit>``: the settings, or the
        tables step's config."""
        return cls(**{f.name: getattr(source, f"audit_{f.name}") for f in dataclasses.fields(cls)})
