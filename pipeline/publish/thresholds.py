"""What holds a date: the audit's limits, as settings (``OPENROUTER_CATALOG_AUDIT_*``). Kept
apart from the audit itself so reading the settings loads no polars (``query`` stays light).

Declared once here: ``Settings`` and the tables step's run config are derived from these
fields (their names prefixed ``audit_``), so a new limit is one line below."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass


@dataclass(frozen=True)
class Thresholds:
    """Settings (``OPENROUTER_CATALOG_AUDIT_*``); the defaults hold none of the real days
    (``scripts/check_audit_days.py`` prints each day's figures beside these limits)."""

    # each share limit is the share above which the date is held; 1 turns a share check off
    # (an empty answer is held whatever the limits)
    # share of a list that may vanish in a day, above the real days' worst (the v1 model
    # list on 2026-07-31, bench/README.md); a truncated answer past this is held
    max_drop: float = 0.15
    field_was: float = 0.5  # a field carried by at least this share of objects …
    field_now: float = 0.05  # … and now by less than this share has vanished (0: never)
    # share of endpoints whose price changed at all: broad believable repricing publishes, so
    # this only catches a day where most of the catalog moved
    max_price_changes: float = 0.5
    max_zeroed: float = 0.05  # share of paid prices that turned 0 or null
    # a price move by more than this factor, up or down, is implausible (a unit error) …
    implausible_factor: float = 10.0
    # … and this many implausible moves on one provider, or on the v1 model list, hold the date
    max_implausible: int = 3
    # share of endpoints whose policy, rank, context, quantization or discount flipped in a day
    max_flag_changes: float = 0.1
    # share of endpoints whose status turned negative: degraded endpoints come and go daily
    max_status_changes: float = 0.25
    # share of (model, provider, tag) keys, seen on both days, whose endpoint id changed
    max_id_changes: float = 0.05
    # share of yesterday's models, endpoints or providers that vanished while a look-alike
    # arrived (the same key but for letter case, spaces or Unicode form): a re-keying
    max_rekeyed: float = 0.01
    # share of yesterday's keys that vanished while at least as many new keys arrived: a
    # re-keying in a form no look-alike shows
    max_turnover: float = 0.2
    # a price above these is out of range: the record is quarantined, not published
    max_usd_per_token: float = 1.0
    max_usd_per_unit: float = 10_000.0
    max_quarantined: int = 5  # more quarantined records than this hold the date
    # share of a needed source's calls that must answer, or the date is held as incomplete
    min_coverage: float = 0.95
    # share of a daily-moving source's answers identical to the day before: a stale copy
    max_repeated: float = 0.5
    # share of the endpoints v1 and the frontend both list on which a stated fact (a price,
    # the context, quantization, the provider) differs: the shared days agree by construction
    # (v1's answers were built from the frontend's), so this holds a stale or wrong copy of one
    max_disagreement: float = 0.02
    # the same for the models the v1 list and the frontend catalog both describe. Recorded
    # apart, they always disagree on some (the v1 list's price is not always the catalog's
    # default endpoint's, and the two may be fetched hours apart): the limit sits above the
    # real days' worst (bench/README.md, issue #48)
    max_model_disagreement: float = 0.4
    # imported archives are sparse: one months older says nothing about day-to-day variation
    max_gap_days: int = 7

    @classmethod
    def of(cls, source: object) -> Thresholds:
        """The limits from an object naming them ``audit_<limit>``: the settings, or the
        tables step's config."""
        return cls(**{f.name: getattr(source, f"audit_{f.name}") for f in dataclasses.fields(cls)})

    @classmethod
    def fields(cls) -> dict[str, tuple[type, object]]:
        """``audit_<limit>`` → (type, default), from which settings and run config are built."""
        hints = {"float": float, "int": int}
        return {
            f"audit_{f.name}": (hints[f.type] if isinstance(f.type, str) else f.type, f.default)
            for f in dataclasses.fields(cls)
        }
