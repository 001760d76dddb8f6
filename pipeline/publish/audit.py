"""The audit of a date's staged tables against the previous published snapshot: the blocking
checks that stand between what the API answered and what users read.

Three families, each a pure function (frames in, a verdict with its figures out):
- **volume**: v1 models, catalog rows, endpoints and providers. A drop above a threshold holds
  the date, and an empty answer is never a valid day;
- **contract**: a field most objects carried in the previous snapshot and almost none carry
  now has vanished upstream (renamed or dropped), whatever its column would read;
- **values**: the share of endpoints whose prices changed, and the share of paid prices that
  turned 0 or null.

The defaults come from the real day-to-day variation of 20 consecutive recorded days
(2026-07-17 → 08-05, ``scripts/check_audit_days.py``): at most 8.7 % of v1 models gone in a day
(07-31, a real mass removal), 3.5 % of endpoints, 2.2 % of endpoints with a changed price.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

from pipeline.publish.checks import Verdict
from pipeline.publish.thresholds import Thresholds
from pipeline.sources.shapes import PRICE_COMPONENTS
from pipeline.transforms.common import REQUIRED_PRICES

# fewer objects than this at a field's depth, on either day, say nothing about the field
MIN_OBJECTS = 20
PRICES = tuple(f"{c}_usd_per_token" for c in PRICE_COMPONENTS)
PAID = tuple(f"{c}_usd_per_token" for c in REQUIRED_PRICES)


@dataclass(frozen=True)
class Previous:
    """The previous published snapshot of one table."""

    date: dt.date
    df: pl.DataFrame


@dataclass(frozen=True)
class AuditInput:
    date: dt.date
    frames: Mapping[str, pl.DataFrame]  # the staged tables of the date
    present: frozenset[str]  # sources that answered at least once
    imported: bool
    previous: Mapping[str, Previous]  # table → its previous published snapshot
    asked: frozenset[str] = frozenset()  # sources the snapshot asked at all


NAMES = (
    ("models_volume", "models", "v1 models and catalog rows: not empty, no drop over the limit"),
    ("endpoints_volume", "endpoints", "endpoints: not empty, no drop over the limit"),
    ("providers_volume", "providers", "providers: not empty, no drop over the limit"),
    (
        "api_fields_kept",
        "api_field_presence",
        "no field that most records carried in the previous snapshot has vanished",
    ),
    (
        "endpoint_prices_stable",
        "endpoints",
        "the shares of endpoints whose price changed, and of paid prices that turned 0 or "
        "null, are within their limits",
    ),
    (
        "model_prices_stable",
        "models",
        "the share of paid v1 model prices that turned 0 or null is within its limit",
    ),
)


def _pct(x: float) -> str:
    return f"{100 * x:.1f} %"


def _comparable(inp: AuditInput, table: str, limits: Thresholds) -> tuple[Previous | None, str]:
    prev = inp.previous.get(table)
    if prev is None:
        return None, f"no published snapshot of {table} before {inp.date}"
    gap = (inp.date - prev.date).days
    if inp.imported and gap > limits.max_gap_days:
        return None, (
            f"the previous published {table} ({prev.date}) is {gap} days older than this "
            f"imported archive (limit {limits.max_gap_days}: day-to-day thresholds)"
        )
    return prev, ""


def _not_evaluated(name: str, description: str, why: str) -> Verdict:
    return Verdict(
        name, True, description, metadata={"evaluated": False, "why": why}, blocking=True
    )


@dataclass(frozen=True)
class _Count:
    label: str
    now: int
    before: int | None
    answered: bool  # False: the source failed, so 0 is "not observed", not "empty"
    asked: bool = True

    def problem(self, max_drop: float) -> str | None:
        if self.now == 0 and self.answered:
            return (
                f"{self.label} 0"
                + (f" (previous {self.before:,})" if self.before is not None else "")
                + ": an empty answer"
            )
        if self.before:
            drop = (self.before - self.now) / self.before
            if drop > max_drop:
                why = (
                    ""
                    if self.answered
                    else "; the calls failed"
                    if self.asked
                    else "; none was asked"
                )
                return (
                    f"{self.label} {self.now:,} (previous {self.before:,}, −{_pct(drop)}, "
                    f"limit {_pct(max_drop)}{why})"
                )
        return None

    def figures(self) -> dict[str, object]:
        key = self.label.replace(" ", "_")
        change = None
        if self.before:
            change = round(100 * (self.now - self.before) / self.before, 2)
        return {key: self.now, f"previous_{key}": self.before, f"{key}_change_pct": change}


def _volume(name: str, counts: list[_Count], limits: Thresholds, against: str) -> Verdict:
    desc = dict((n, d) for n, _, d in NAMES)[name]
    problems = [p for c in counts if (p := c.problem(limits.max_drop))]
    metadata: dict[str, object] = {"evaluated": True, "against": against}
    for c in counts:
        metadata.update(c.figures())
    metadata["max_drop_pct"] = round(100 * limits.max_drop, 2)
    return Verdict(
        name,
        not problems,
        desc,
        metadata=metadata,
        blocking=True,
        summary=", ".join(problems),
    )


def volume_verdicts(inp: AuditInput, limits: Thresholds) -> list[Verdict]:
    out = []
    models = inp.frames.get("models")
    if models is not None:
        prev, why = _comparable(inp, "models", limits)
        before = prev.df if prev is not None else None
        counts = [
            _Count(
                "v1 models",
                models.filter(pl.col("in_v1")).height,
                None if before is None else before.filter(pl.col("in_v1")).height,
                "v1_models" in inp.present,
            )
        ]
        if not inp.imported or "frontend_catalog" in inp.present:
            counts.append(
                _Count(
                    "catalog rows",
                    models.filter(pl.col("in_frontend_catalog")).height,
                    None if before is None else before.filter(pl.col("in_frontend_catalog")).height,
                    "frontend_catalog" in inp.present,
                    "frontend_catalog" in inp.asked,
                )
            )
        out.append(_volume("models_volume", counts, limits, str(prev.date) if prev else why))
    for name, table, label, srcs in (
        ("endpoints_volume", "endpoints", "endpoints", ("v1_endpoints", "frontend_stats_endpoint")),
        ("providers_volume", "providers", "providers", ("v1_providers", "frontend_all_providers")),
    ):
        df = inp.frames.get(table)
        if df is None:
            out.append(
                _not_evaluated(
                    name,
                    dict((n, d) for n, _, d in NAMES)[name],
                    f"{inp.date} has no {table} (not in the archive)",
                )
            )
            continue
        prev, why = _comparable(inp, table, limits)
        count = _Count(
            label,
            df.height,
            None if prev is None else prev.df.height,
            any(s in inp.present for s in srcs),
            any(s in inp.asked for s in srcs),
        )
        out.append(_volume(name, [count], limits, str(prev.date) if prev else why))
    return out


def followed_fields(now: pl.DataFrame, before: pl.DataFrame, limits: Thresholds) -> pl.DataFrame:
    """Fields (source, path) carried by at least ``field_was`` of the objects in ``before``,
    with their share on both days (both with enough objects to say)."""
    share = (pl.col("carried") / pl.col("records")).alias("share")
    joined = (
        before.filter(pl.col("records") >= MIN_OBJECTS)
        .select("source", "path", pl.col("records").alias("records_before"),
                share.alias("share_before"))
        .join(
            now.filter(pl.col("records") >= MIN_OBJECTS).select("source", "path", "records",
                                                                share),
            on=["source", "path"],
        )
    )  # fmt: skip
    return joined.filter(pl.col("share_before") >= limits.field_was).sort("source", "path")


def contract_verdict(inp: AuditInput, limits: Thresholds) -> Verdict:
    name, _, desc = NAMES[3]
    now = inp.frames.get("api_field_presence")
    prev, why = _comparable(inp, "api_field_presence", limits)
    if now is None or prev is None:
        return _not_evaluated(name, desc, why or f"{inp.date} has no field census")
    followed = followed_fields(now, prev.df, limits)
    gone = followed.filter(pl.col("share") < limits.field_now)
    # the field that fell furthest, gone or not: how near the day came to the limit
    falls = followed.with_columns(fall=pl.col("share_before") - pl.col("share")).sort("fall")
    lowest = falls.row(-1, named=True) if falls.height else None
    lines = [
        f"{r['source']} {r['path']}: {_pct(r['share_before'])} of {r['records_before']:,} → "
        f"{_pct(r['share'])} of {r['records']:,}"
        for r in gone.iter_rows(named=True)
    ]
    return Verdict(
        name,
        gone.is_empty(),
        desc,
        metadata={
            "evaluated": True,
            "against": str(prev.date),
            "vanished": gone.height,
            "sample": lines[:20],
            "fields_followed": followed.height,
            "largest_fall": None
            if lowest is None
            else f"{lowest['source']} {lowest['path']}: {_pct(lowest['share_before'])} → "
            f"{_pct(lowest['share'])}",
            "field_was_pct": round(100 * limits.field_was, 2),
            "field_now_pct": round(100 * limits.field_now, 2),
        },
        blocking=True,
        summary=(
            f"{gone.height} fields vanished ({'; '.join(lines[:3])}"
            + (" …" if len(lines) > 3 else "")
            + ")"
        )
        if lines
        else "",
    )


def _zeroed(now: pl.DataFrame, before: pl.DataFrame, key: str) -> tuple[int, int]:
    """(paid prices that turned 0 or null, paid prices before) over the rows of both days."""
    both = before.select(key, *PAID).join(now.select(key, *PAID), on=key, suffix="_now")
    turned = paid = 0
    for c in PAID:
        was_paid = both.filter(pl.col(c) > 0)
        paid += was_paid.height
        turned += was_paid.filter(pl.col(f"{c}_now").is_null() | (pl.col(f"{c}_now") == 0)).height
    return turned, paid


def endpoint_prices_verdict(inp: AuditInput, limits: Thresholds) -> Verdict:
    name, _, desc = NAMES[4]
    now = inp.frames.get("endpoints")
    prev, why = _comparable(inp, "endpoints", limits)
    if now is None or prev is None:
        return _not_evaluated(name, desc, why or f"{inp.date} has no endpoints")
    before = prev.df
    both = before.select("endpoint_id", *PRICES).join(
        now.select("endpoint_id", *PRICES), on="endpoint_id", suffix="_now"
    )
    changed = both.filter(
        pl.any_horizontal([pl.col(c).ne_missing(pl.col(f"{c}_now")) for c in PRICES])
    ).height
    share = changed / both.height if both.height else 0.0
    turned, paid = _zeroed(now, before, "endpoint_id")
    zeroed = turned / paid if paid else 0.0
    problems = []
    if share > limits.max_price_changes:
        problems.append(
            f"endpoint prices changed {_pct(share)} of {both.height:,} "
            f"(limit {_pct(limits.max_price_changes)})"
        )
    if zeroed > limits.max_zeroed:
        problems.append(
            f"paid endpoint prices turned 0 or null {_pct(zeroed)} of {paid:,} "
            f"(limit {_pct(limits.max_zeroed)})"
        )
    return Verdict(
        name,
        not problems,
        desc,
        metadata={
            "evaluated": True,
            "against": str(prev.date),
            "endpoints_in_both": both.height,
            "price_changed": changed,
            "price_changed_pct": round(100 * share, 2),
            "paid_prices": paid,
            "turned_zero_or_null": turned,
            "turned_zero_or_null_pct": round(100 * zeroed, 2),
            "max_price_changes_pct": round(100 * limits.max_price_changes, 2),
            "max_zeroed_pct": round(100 * limits.max_zeroed, 2),
        },
        blocking=True,
        summary=", ".join(problems),
    )


def model_prices_verdict(inp: AuditInput, limits: Thresholds) -> Verdict:
    name, _, desc = NAMES[5]
    now = inp.frames.get("models")
    prev, why = _comparable(inp, "models", limits)
    if now is None or prev is None:
        return _not_evaluated(name, desc, why or f"{inp.date} has no models")
    turned, paid = _zeroed(now.filter(pl.col("in_v1")), prev.df.filter(pl.col("in_v1")), "model_id")
    zeroed = turned / paid if paid else 0.0
    bad = zeroed > limits.max_zeroed
    return Verdict(
        name,
        not bad,
        desc,
        metadata={
            "evaluated": True,
            "against": str(prev.date),
            "paid_prices": paid,
            "turned_zero_or_null": turned,
            "turned_zero_or_null_pct": round(100 * zeroed, 2),
            "max_zeroed_pct": round(100 * limits.max_zeroed, 2),
        },
        blocking=True,
        summary=f"paid model prices turned 0 or null {_pct(zeroed)} of {paid:,} "
        f"(limit {_pct(limits.max_zeroed)})"
        if bad
        else "",
    )


def audit(inp: AuditInput, limits: Thresholds) -> list[Verdict]:
    """Every audit verdict of the date, in the order of ``NAMES``."""
    return [
        *volume_verdicts(inp, limits),
        contract_verdict(inp, limits),
        endpoint_prices_verdict(inp, limits),
        model_prices_verdict(inp, limits),
    ]


# the columns the audit reads of each previous snapshot (nothing else is loaded)
PREVIOUS_COLUMNS = {
    "models": ("model_id", "in_v1", "in_frontend_catalog", *PAID),
    "endpoints": ("endpoint_id", *PRICES),
    "providers": ("provider_name",),
    "api_field_presence": ("source", "path", "records", "carried"),
}
