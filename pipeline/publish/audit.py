"""The audit of a date's staged tables against the previous published snapshot: the blocking
checks that stand between what the API answered and what users read.

Each check is a pure function (frames in, a verdict with its figures out):
- **completeness**: every source the catalog tables need answered at least ``min_coverage``
  of its calls; a 200 with an error or HTML body is a failed call. An incomplete day is
  held, so "not observed" never reads as "removed";
- **volume**: v1 models, catalog rows, endpoints (and those each source described) and
  providers. A drop above a threshold holds the date, and an empty answer is never valid;
- **identity**: the share of (model, provider, tag) keys whose endpoint id changed;
- **contract**: a field most objects carried in the previous snapshot and almost none carry
  now has vanished upstream (renamed or dropped), whatever its column would read;
- **plausibility**: per provider, price moves beyond a factor (a unit error, not news), and
  paid prices turned 0 or null; per model on the v1 list the same; the shares of endpoints
  whose policy, status, rank, context length, quantization or discount flipped;
- **range**: records or values outside their column's declared range (``Column.range``,
  ``Rules.ordered``) were quarantined (``quarantine.py``); a few publish, many hold.

The defaults come from the real day-to-day variation of the recorded days
(``scripts/check_audit_days.py`` prints every figure of every day beside its limit).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import polars as pl

from pipeline.publish import identity
from pipeline.publish.checks import Verdict
from pipeline.publish.quarantine import Quarantined
from pipeline.publish.thresholds import Thresholds
from pipeline.sources.shapes import PRICE_COMPONENTS
from pipeline.transforms.agreement import Agreement
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
    # per source, the calls by how they ended (pipeline.fetch.outcomes.coverage)
    calls: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    quarantined: Quarantined = field(default_factory=Quarantined)
    # per source whose answers move daily: (answered on both days, identical to the day
    # before), against the previous published date's raw (``repeated_against``)
    repeated: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    repeated_against: str | None = None
    # per table of ENTITY_KEYS: (the largest row count of the recent published window, its
    # date), so a drop spread over several days is seen as a whole
    window: Mapping[str, tuple[int, dt.date]] = field(default_factory=dict)
    # per table, the oldest published snapshot of the recent window (when it is not the day
    # before): prices judged against it too, so moves that accumulate are seen whole
    window_base: Mapping[str, Previous] = field(default_factory=dict)
    # per entity table, its keys' figures before look-alikes were carried back
    rekeyed: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    # per pair of sources that state one fact, how far they disagree today (``agreement``)
    agreement: Mapping[str, Agreement] = field(default_factory=dict)


# the sources the catalog tables are built from: below its coverage one holds the date
NEEDED = (
    "v1_models",
    "v1_endpoints",
    "v1_providers",
    "frontend_catalog",
    "frontend_all_providers",
    "frontend_stats_endpoint",
)
# how the API's paths read in a line (the source names are ours)
CALLS = {
    "v1_models": "v1 models",
    "v1_endpoints": "v1 endpoints",
    "v1_providers": "v1 providers",
    "frontend_model_activity": "model-activity",
    "frontend_catalog": "catalog/models",
    "frontend_all_providers": "all-providers",
    "frontend_stats_endpoint": "stats/endpoint",
}

NAMES = (
    (
        "sources_complete",
        "endpoints",
        "every source the catalog tables need answered at least the coverage limit of its "
        "calls (an incomplete day is held, never read as removals)",
    ),
    (
        "sources_fresh",
        "endpoints",
        "the sources whose answers move every day (percentiles, uptime, activity) do not "
        "repeat the previous published day's answers byte for byte (a stale copy)",
    ),
    (
        "sources_agree",
        "endpoints",
        "where two sources state one fact (v1 and the frontend on an endpoint's prices, "
        "context, quantization and provider; the v1 model list and the catalog on a model's "
        "context and prices), few records disagree",
    ),
    ("models_volume", "models", "v1 models and catalog rows: not empty, no drop over the limit"),
    ("endpoints_volume", "endpoints", "endpoints: not empty, no drop over the limit"),
    ("providers_volume", "providers", "providers: not empty, no drop over the limit"),
    (
        "window_volume",
        "endpoints",
        "models, endpoints and providers: no drop over the limit against the largest count of "
        "the recent published days (a drop spread over several days)",
    ),
    (
        "api_fields_kept",
        "api_field_presence",
        "no field that most records carried in the previous snapshot has vanished",
    ),
    (
        "endpoint_prices_stable",
        "endpoints",
        "per provider, few implausible price moves (beyond the factor); the shares of "
        "endpoints whose price changed, and of paid prices that turned 0 or null, within limits",
    ),
    (
        "model_prices_stable",
        "models",
        "v1 model prices: few implausible moves (beyond the factor), few paid prices turned 0 "
        "or null",
    ),
    (
        "endpoint_ids_stable",
        "endpoints",
        "the share of (model, provider, tag) keys whose endpoint id changed is within its limit",
    ),
    (
        "keys_kept",
        "models",
        "models, endpoints and providers keep their keys: few of yesterday's vanish while a "
        "look-alike (the key but for case, spaces or Unicode form) or as many new ones arrive",
    ),
    (
        "endpoint_flags_plausible",
        "endpoints",
        "the shares of endpoints whose training or retention policy, status, rank, context "
        "length, quantization or discount flipped are within their limit",
    ),
    (
        "values_in_range",
        "endpoints",
        "few records or values lie outside their column's declared range (a model or "
        "endpoint is quarantined, its published rows standing in; another table's value is "
        "left out)",
    ),
)
DESCRIPTIONS = {n: d for n, _, d in NAMES}


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


def _both_days(
    inp: AuditInput, table: str, name: str, limits: Thresholds
) -> tuple[pl.DataFrame, Previous] | Verdict:
    """Today's ``table`` and its previous published snapshot, or the verdict ``name`` not
    evaluated, saying why (the date lacks the table, or has nothing comparable before it)."""
    now = inp.frames.get(table)
    prev, why = _comparable(inp, table, limits)
    if now is None or prev is None:
        return _not_evaluated(name, DESCRIPTIONS[name], why or f"{inp.date} has no {table}")
    return now, prev


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
    desc = DESCRIPTIONS[name]
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
                    DESCRIPTIONS[name],
                    f"{inp.date} has no {table} (not in the archive)",
                )
            )
            continue
        prev, why = _comparable(inp, table, limits)
        counts = [
            _Count(
                label,
                df.height,
                None if prev is None else prev.df.height,
                any(s in inp.present for s in srcs),
                any(s in inp.asked for s in srcs),
            )
        ]
        if table == "endpoints" and not inp.imported:
            # each source's own share: the v1 calls all answering [] while the frontend is
            # fine leaves the row count whole, and the rows half described
            for flag, source, what in (
                ("in_v1", "v1_endpoints", "endpoints in v1"),
                ("in_frontend", "frontend_stats_endpoint", "endpoints in stats/endpoint"),
            ):
                if _answered(inp, source) < limits.min_coverage:
                    continue  # incomplete: sources_complete says so, and a re-run resumes
                counts.append(
                    _Count(
                        what,
                        df.filter(pl.col(flag)).height,
                        None if prev is None else prev.df.filter(pl.col(flag)).height,
                        source in inp.present,
                        source in inp.asked,
                    )
                )
        out.append(_volume(name, counts, limits, str(prev.date) if prev else why))
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
    name = "api_fields_kept"
    desc = DESCRIPTIONS[name]
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
            # a key renamed vanishes from every source that carries it (4 for a price)
            f"{gone.height} fields vanished ({'; '.join(lines[:5])}"
            + (" …" if len(lines) > 5 else "")
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


def _moves(both: pl.DataFrame, limits: Thresholds) -> pl.DataFrame:
    """One row per price of a record present on both days that moved beyond the factor
    (both sides known and above 0; turning 0 or null is counted apart)."""
    parts = []
    for c in PRICES:
        was, now = pl.col(c), pl.col(f"{c}_now")
        ratio = now.cast(pl.Float64) / was.cast(pl.Float64)
        parts.append(
            both.filter((was > 0) & (now > 0))
            .with_columns(ratio=ratio)
            .filter(
                (pl.col("ratio") > limits.implausible_factor)
                | (pl.col("ratio") < 1 / limits.implausible_factor)
            )
            .select(
                pl.exclude([*PRICES, *(f"{p}_now" for p in PRICES)]),
                pl.lit(c.removesuffix("_usd_per_token")).alias("component"),
            )
        )
    return pl.concat(parts, how="diagonal_relaxed") if parts else pl.DataFrame()


def _largest_move(both: pl.DataFrame) -> float | None:
    """The largest factor any price moved by, up or down (for the day's figures)."""
    factors = [
        both.filter((pl.col(c) > 0) & (pl.col(f"{c}_now") > 0))
        .select(
            (pl.col(f"{c}_now").cast(pl.Float64) / pl.col(c).cast(pl.Float64)).log().abs().max()
        )
        .item()
        for c in PRICES
    ]
    found = [f for f in factors if f is not None]
    return round(math.exp(max(found)), 3) if found else None


def _implausible_by(moves: pl.DataFrame, by: str, limits: Thresholds) -> dict[str, int]:
    """Groups (providers, or the model list) with more implausible moves than allowed."""
    if moves.is_empty():
        return {}
    counts = moves.group_by(by).agg(pl.col("key").n_unique().alias("n")).sort("n", descending=True)
    return {
        str(r[by]): r["n"] for r in counts.iter_rows(named=True) if r["n"] >= limits.max_implausible
    }


def _endpoint_prices(before: pl.DataFrame, now: pl.DataFrame) -> pl.DataFrame:
    """The endpoints on both snapshots: their provider and prices then and ``*_now``."""
    return before.select(pl.col("endpoint_id").alias("key"), "provider_name", *PRICES).join(
        now.select(pl.col("endpoint_id").alias("key"), *PRICES), on="key", suffix="_now"
    )


def endpoint_prices_verdict(inp: AuditInput, limits: Thresholds) -> Verdict:
    name = "endpoint_prices_stable"
    desc = DESCRIPTIONS[name]
    pair = _both_days(inp, "endpoints", name, limits)
    if isinstance(pair, Verdict):
        return pair
    now, prev = pair
    before = prev.df
    both = _endpoint_prices(before, now)
    changed = both.filter(
        pl.any_horizontal([pl.col(c).ne_missing(pl.col(f"{c}_now")) for c in PRICES])
    ).height
    share = changed / both.height if both.height else 0.0
    turned, paid = _zeroed(now, before, "endpoint_id")
    zeroed = turned / paid if paid else 0.0
    moves = _moves(both, limits)
    held_by = _implausible_by(moves, "provider_name", limits)
    problems = []
    for provider, n in held_by.items():
        problems.append(
            f"{n:,} endpoints of {provider} moved a price beyond ×{limits.implausible_factor:g} "
            f"or ÷{limits.implausible_factor:g} (limit {limits.max_implausible - 1} a provider)"
        )
    base = inp.window_base.get("endpoints")
    window_moves = 0
    if base is not None:  # moves that accumulated over the window, each day's under the band
        since = _endpoint_prices(base.df, now)
        accumulated = _moves(since, limits)
        window_moves = accumulated.select("key").n_unique() if accumulated.height else 0
        for provider, n in _implausible_by(accumulated, "provider_name", limits).items():
            if provider not in held_by:
                problems.append(
                    f"{n:,} endpoints of {provider} moved a price beyond "
                    f"×{limits.implausible_factor:g} or ÷{limits.implausible_factor:g} since "
                    f"{base.date}, a few days at a time (limit {limits.max_implausible - 1} a "
                    "provider)"
                )
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
            "implausible_moves": moves.select("key").n_unique() if moves.height else 0,
            "largest_move_factor": _largest_move(both),
            "window_base": str(base.date) if base is not None else None,
            "implausible_moves_in_window": window_moves,
            "implausible_sample": _sample(moves),
            "paid_prices": paid,
            "turned_zero_or_null": turned,
            "turned_zero_or_null_pct": round(100 * zeroed, 2),
            "max_price_changes_pct": round(100 * limits.max_price_changes, 2),
            "max_zeroed_pct": round(100 * limits.max_zeroed, 2),
        },
        blocking=True,
        summary=", ".join(problems),
    )


def _sample(moves: pl.DataFrame) -> list[str]:
    if moves.is_empty():
        return []
    return [
        f"{r['key']} {r['component']}"
        + (f" ({r['provider_name']})" if "provider_name" in r else "")
        for r in moves.head(20).iter_rows(named=True)
    ]


def model_prices_verdict(inp: AuditInput, limits: Thresholds) -> Verdict:
    name = "model_prices_stable"
    desc = DESCRIPTIONS[name]
    pair = _both_days(inp, "models", name, limits)
    if isinstance(pair, Verdict):
        return pair
    now, prev = pair
    now_v1, before_v1 = now.filter(pl.col("in_v1")), prev.df.filter(pl.col("in_v1"))
    turned, paid = _zeroed(now_v1, before_v1, "model_id")
    zeroed = turned / paid if paid else 0.0
    both = before_v1.select(pl.col("model_id").alias("key"), *PRICES).join(
        now_v1.select(pl.col("model_id").alias("key"), *PRICES), on="key", suffix="_now"
    )
    moves = _moves(both, limits)
    implausible = moves.select("key").n_unique() if moves.height else 0
    problems = []
    if implausible >= limits.max_implausible:
        problems.append(
            f"{implausible:,} v1 models moved a price beyond ×{limits.implausible_factor:g} or "
            f"÷{limits.implausible_factor:g} (limit {limits.max_implausible - 1})"
        )
    if zeroed > limits.max_zeroed:
        problems.append(
            f"paid model prices turned 0 or null {_pct(zeroed)} of {paid:,} "
            f"(limit {_pct(limits.max_zeroed)})"
        )
    return Verdict(
        name,
        not problems,
        desc,
        metadata={
            "evaluated": True,
            "against": str(prev.date),
            "implausible_moves": implausible,
            "largest_move_factor": _largest_move(both),
            "implausible_sample": _sample(moves),
            "paid_prices": paid,
            "turned_zero_or_null": turned,
            "turned_zero_or_null_pct": round(100 * zeroed, 2),
            "max_zeroed_pct": round(100 * limits.max_zeroed, 2),
        },
        blocking=True,
        summary=", ".join(problems),
    )


def _answered(inp: AuditInput, source: str) -> float:
    """The share of a source's calls that answered. A call refused for good (a 404: no such
    model) is an answer; what a later run could still fetch (5xx, 429, the network, a 200
    with an error or HTML body) is not. 1 for a source not asked."""
    c = inp.calls.get(source)
    if not c or not c.get("calls"):
        return 1.0
    return _ok(c) / c["calls"]


def _ok(c: Mapping[str, int]) -> int:
    """Calls that answered: neither a failure a later run may fetch, nor an answer about
    something other than the request (``misanswered``, found when the raw is read)."""
    return c["calls"] - c.get("transient", 0) - c.get("misanswered", 0)


def completeness_verdict(inp: AuditInput, limits: Thresholds) -> Verdict:
    """Every needed source answered at least ``min_coverage`` of its calls. A source absent
    that day (404 on every known path) and an imported archive keep their meaning."""
    name = "sources_complete"
    if inp.imported:
        return _not_evaluated(name, DESCRIPTIONS[name], "an imported archive asks nothing")
    short, figures = [], {}
    for source in NEEDED:
        c = inp.calls.get(source)
        if not c or not c.get("calls"):
            continue
        calls = c["calls"]
        ok = _ok(c)
        figures[f"{source}_answered_pct"] = round(100 * ok / calls, 2)
        if _answered(inp, source) < limits.min_coverage:
            short.append(f"{CALLS[source]} {ok:,} of {calls:,} answered")
    return Verdict(
        name,
        not short,
        DESCRIPTIONS[name],
        metadata={
            "evaluated": True,
            **figures,
            "min_coverage_pct": round(100 * limits.min_coverage, 2),
        },
        blocking=True,
        summary=(
            f"incomplete: {', '.join(short)} (limit {_pct(limits.min_coverage)}); a re-run of the "
            "date asks only the missing calls"
        )
        if short
        else "",
    )


# below this many answers on both days, a share of repeats says nothing
MIN_REPEATED_BASE = 20


# how many published dates before a date the window checks compare it with
WINDOW = 7


def window_verdict(inp: AuditInput, limits: Thresholds) -> Verdict:
    name = "window_volume"
    if inp.imported or not inp.window:
        why = "an imported archive" if inp.imported else "no published date before"
        return _not_evaluated(name, DESCRIPTIONS[name], why)
    meta: dict[str, object] = {"evaluated": True, "window": WINDOW}
    problems = []
    for table, (largest, when) in inp.window.items():
        df = inp.frames.get(table)
        if df is None or not largest:
            continue
        drop = max(0.0, (largest - df.height) / largest)
        meta[f"{table}_window_drop_pct"] = round(100 * drop, 2)
        meta[f"{table}_window_largest"] = largest
        if drop > limits.max_drop:
            problems.append(
                f"{table} {df.height:,} (largest of the last {WINDOW} published days {largest:,}"
                f" on {when}, −{_pct(drop)}, limit {_pct(limits.max_drop)})"
            )
    meta["max_drop_pct"] = round(100 * limits.max_drop, 2)
    return _holds_unless(name, problems, meta, ", ".join(problems))


def _holds_unless(name: str, problems: list[str], meta: dict, summary: str) -> Verdict:
    """A blocking verdict that fails when any problem was found, with its figures."""
    return Verdict(
        name, not problems, DESCRIPTIONS[name], metadata=meta, blocking=True, summary=summary
    )


def freshness_verdict(inp: AuditInput, limits: Thresholds) -> Verdict:
    name = "sources_fresh"
    if inp.imported or not inp.repeated:
        why = "an imported archive" if inp.imported else "no published raw before to compare"
        return _not_evaluated(name, DESCRIPTIONS[name], why)
    meta: dict[str, object] = {"evaluated": True, "against": inp.repeated_against}
    stale = []
    for source, (both, same) in inp.repeated.items():
        share = same / both if both else 0.0
        meta[f"{source}_repeated_pct"] = round(100 * share, 2)
        if both >= MIN_REPEATED_BASE and share > limits.max_repeated:
            stale.append(
                f"{CALLS.get(source, source)}: {same:,} of {both:,} answers ({_pct(share)}) "
                f"repeat {inp.repeated_against}'s byte for byte (limit "
                f"{_pct(limits.max_repeated)})"
            )
    meta["max_repeated_pct"] = round(100 * limits.max_repeated, 2)
    summary = "; ".join(stale) + ": a stale copy, not today's answers" if stale else ""
    return _holds_unless(name, stale, meta, summary)


# the pairs of sources compared, and the limit each is held to
AGREEMENT = {
    "endpoints": ("v1 against the frontend, on the endpoints both list", "max_disagreement"),
    "models": ("the v1 model list against the frontend catalog", "max_model_disagreement"),
}


def agreement_verdict(inp: AuditInput, limits: Thresholds) -> Verdict:
    name = "sources_agree"
    if not inp.agreement:
        return _not_evaluated(name, DESCRIPTIONS[name], "no pair of sources both answered")
    meta: dict[str, object] = {"evaluated": True}
    problems = []
    for pair, (what, limit_name) in AGREEMENT.items():
        a = inp.agreement.get(pair)
        if a is None or not a.both:
            continue
        limit = getattr(limits, limit_name)
        meta[f"{pair}_in_both"] = a.both
        meta[f"{pair}_disagree_pct"] = round(100 * a.share, 2)
        for fact, n in a.differ.items():
            meta[f"{pair}_{fact}_differ"] = n
        meta[f"{pair}_max_disagree_pct"] = round(100 * limit, 2)
        if a.sample:
            meta[f"{pair}_sample"] = list(a.sample)
        if a.both >= MIN_REPEATED_BASE and a.share > limit:
            facts = ", ".join(f"{f} {n:,}" for f, n in a.differ.items() if n)
            problems.append(
                f"{what}: {a.records_differing:,} of {a.both:,} disagree ({_pct(a.share)}, "
                f"limit {_pct(limit)}; {facts}; first: {a.sample[0]})"
            )
    summary = "; ".join(problems) + ": one source is stale or wrong" if problems else ""
    return _holds_unless(name, problems, meta, summary)


def identity_verdict(inp: AuditInput, limits: Thresholds) -> Verdict:
    name = "endpoint_ids_stable"
    pair = _both_days(inp, "endpoints", name, limits)
    if isinstance(pair, Verdict):
        return pair
    now, prev = pair
    changed, both = identity.id_changes(now, prev.df)
    share = changed / both if both else 0.0
    bad = share > limits.max_id_changes
    return Verdict(
        name,
        not bad,
        DESCRIPTIONS[name],
        metadata={
            "evaluated": True,
            "against": str(prev.date),
            "keys_in_both": both,
            "ids_changed": changed,
            "ids_changed_pct": round(100 * share, 2),
            "max_id_changes_pct": round(100 * limits.max_id_changes, 2),
        },
        blocking=True,
        summary=f"endpoint ids changed for {changed:,} of {both:,} (model, provider, tag) keys "
        f"({_pct(share)}, limit {_pct(limits.max_id_changes)}): a contract break"
        if bad
        else "",
    )


# the catalog's entities by their key: each is the same row of history from day to day
ENTITY_KEYS = {"models": "model_id", "endpoints": "endpoint_id", "providers": "slug"}


_look = identity.look


def key_figures(
    frames: Mapping[str, pl.DataFrame], previous: Mapping[str, Previous]
) -> dict[str, dict[str, int]]:
    """Per entity table, ``_rekeyed``'s figures of the date as built, before look-alike keys
    are carried back (``identity.carry_lookalikes``): the audit judges what the API said."""
    out = {}
    for table, key in ENTITY_KEYS.items():
        now, prev = frames.get(table), previous.get(table)
        if now is not None and prev is not None and key in now.columns and key in prev.df.columns:
            out[table] = _rekeyed(now, prev.df, key)
    return out


def _rekeyed(now: pl.DataFrame, before: pl.DataFrame, key: str) -> dict[str, int]:
    """Yesterday's keys, those that vanished, the new ones, and the vanished ones whose
    look-alike arrived."""
    old = before.select(pl.col(key).cast(pl.String)).drop_nulls().unique()
    new = now.select(pl.col(key).cast(pl.String)).drop_nulls().unique()
    vanished = old.join(new, on=key, how="anti")
    arrived = new.join(old, on=key, how="anti")
    alike = vanished.select(_look(key).alias("look")).join(
        arrived.select(_look(key).alias("look")).unique(), on="look", how="semi"
    )
    return {
        "before": old.height,
        "vanished": vanished.height,
        "arrived": arrived.height,
        "look_alikes": alike.height,
    }


def keys_kept_verdict(inp: AuditInput, limits: Thresholds) -> Verdict:
    name = "keys_kept"
    meta: dict[str, object] = {"evaluated": False}
    problems: list[str] = []
    against = None
    for table, key in ENTITY_KEYS.items():
        now = inp.frames.get(table)
        prev, _ = _comparable(inp, table, limits)
        if now is None or prev is None or key not in now.columns or key not in prev.df.columns:
            continue
        against = str(prev.date)
        n = inp.rekeyed.get(table) or _rekeyed(now, prev.df, key)
        base = max(n["before"], 1)
        alike, turnover = n["look_alikes"] / base, min(n["vanished"], n["arrived"]) / base
        meta.update({f"{table}_{k}": v for k, v in n.items()})
        meta[f"{table}_rekeyed_pct"] = round(100 * alike, 2)
        meta[f"{table}_turnover_pct"] = round(100 * turnover, 2)
        meta["evaluated"] = True
        if alike > limits.max_rekeyed:
            problems.append(
                f"{n['look_alikes']:,} of {n['before']:,} {table} vanished while a look-alike "
                f"of each arrived ({_pct(alike)}, limit {_pct(limits.max_rekeyed)})"
            )
        elif turnover > limits.max_turnover:
            problems.append(
                f"{n['vanished']:,} of {n['before']:,} {table} vanished while "
                f"{n['arrived']:,} new ones arrived ({_pct(turnover)}, limit "
                f"{_pct(limits.max_turnover)})"
            )
    if not meta["evaluated"]:
        return _not_evaluated(name, DESCRIPTIONS[name], f"no published snapshot before {inp.date}")
    meta["against"] = against
    meta["max_rekeyed_pct"] = round(100 * limits.max_rekeyed, 2)
    meta["max_turnover_pct"] = round(100 * limits.max_turnover, 2)
    summary = "; ".join(problems) + ": a re-keying, not a new catalog" if problems else ""
    return _holds_unless(name, problems, meta, summary)


# flag → (label, expression over a joined row: true when it flipped implausibly)
def _flips() -> dict[str, tuple[str, pl.Expr]]:
    was, now = pl.col, lambda c: pl.col(f"{c}_now")
    negative = (now("status") < 0) & ~(was("status") < 0).fill_null(False)
    deranked = now("is_deranked").fill_null(False) & ~was("is_deranked").fill_null(False)
    return {
        "status": ("status turned negative", negative),
        "deranked": ("deranked", deranked),
        "context": (
            "context length 0 or halved",
            (now("context_length").fill_null(0) <= 0) & (was("context_length") > 0)
            | (now("context_length") * 2 < was("context_length")),
        ),
        "quantization": (
            "quantization changed",
            now("quantization").is_not_null()
            & was("quantization").is_not_null()
            & (now("quantization") != was("quantization")),
        ),
        "discount": (
            "discount changed",
            now("discount").fill_null(0) != was("discount").fill_null(0),
        ),
    }  # fmt: skip


FLAG_COLUMNS = ("status", "is_deranked", "context_length", "quantization", "discount")
POLICY_COLUMNS = ("training", "retains_prompts")


def flags_verdict(inp: AuditInput, limits: Thresholds) -> Verdict:
    name = "endpoint_flags_plausible"
    pair = _both_days(inp, "endpoints", name, limits)
    if isinstance(pair, Verdict):
        return pair
    now, prev = pair
    both = prev.df.select("endpoint_id", *FLAG_COLUMNS).join(
        now.select("endpoint_id", *FLAG_COLUMNS), on="endpoint_id", suffix="_now"
    )
    counts = {key: both.filter(expr).height for key, (_, expr) in _flips().items()}
    labels = {key: label for key, (label, _) in _flips().items()}
    total = both.height
    policies = inp.frames.get("data_policies")
    before_policies = inp.previous.get("data_policies")
    if policies is not None and before_policies is not None:
        scoped = [
            df.filter(pl.col("scope") == "endpoint").select("endpoint_id", *POLICY_COLUMNS)
            for df in (before_policies.df, policies)
        ]
        joined = scoped[0].join(scoped[1], on="endpoint_id", suffix="_now")
        for c in POLICY_COLUMNS:
            key = f"{c}_policy"
            labels[key] = f"{c.replace('_', ' ')} flipped"
            counts[key] = joined.filter(
                pl.col(c).is_not_null()
                & pl.col(f"{c}_now").is_not_null()
                & (pl.col(c) != pl.col(f"{c}_now"))
            ).height
            total = max(total, joined.height)
    shares = {k: (n / total if total else 0.0) for k, n in counts.items()}

    def limit(key: str) -> float:
        return limits.max_status_changes if key == "status" else limits.max_flag_changes

    problems = [
        f"{labels[k]} on {counts[k]:,} of {total:,} endpoints ({_pct(v)}, limit {_pct(limit(k))})"
        for k, v in shares.items()
        if v > limit(k)
    ]
    return Verdict(
        name,
        not problems,
        DESCRIPTIONS[name],
        metadata={
            "evaluated": True,
            "against": str(prev.date),
            "endpoints_in_both": total,
            **{f"{k}_flipped_pct": round(100 * v, 2) for k, v in shares.items()},
            "max_flag_changes_pct": round(100 * limits.max_flag_changes, 2),
            "max_status_changes_pct": round(100 * limits.max_status_changes, 2),
        },
        blocking=True,
        summary=", ".join(problems),
    )


def range_verdict(inp: AuditInput, limits: Thresholds) -> Verdict:
    name = "values_in_range"
    q = inp.quarantined
    bad = q.count > limits.max_quarantined
    return Verdict(
        name,
        not bad,
        DESCRIPTIONS[name],
        metadata={
            "evaluated": True,
            "quarantined": q.count,
            "stood_in_by_published_rows": q.carried,
            "sample": q.lines[:20],
            "max_quarantined": limits.max_quarantined,
        },
        blocking=True,
        summary=f"{q.count:,} records or values out of range (limit "
        f"{limits.max_quarantined}; first: {q.lines[0]})"
        if bad
        else "",
    )


def audit(inp: AuditInput, limits: Thresholds) -> list[Verdict]:
    """Every audit verdict of the date, in the order of ``NAMES``."""
    return [
        completeness_verdict(inp, limits),
        freshness_verdict(inp, limits),
        agreement_verdict(inp, limits),
        *volume_verdicts(inp, limits),
        window_verdict(inp, limits),
        contract_verdict(inp, limits),
        endpoint_prices_verdict(inp, limits),
        model_prices_verdict(inp, limits),
        identity_verdict(inp, limits),
        keys_kept_verdict(inp, limits),
        flags_verdict(inp, limits),
        range_verdict(inp, limits),
    ]


# the columns the audit reads of each previous snapshot (nothing else is loaded)
PREVIOUS_COLUMNS = {
    "models": ("model_id", "in_v1", "in_frontend_catalog", *PRICES),
    "endpoints": tuple(
        dict.fromkeys((*identity.COLUMNS, "in_v1", "in_frontend", *PRICES, *FLAG_COLUMNS))
    ),
    "data_policies": ("scope", "endpoint_id", *POLICY_COLUMNS),
    "providers": ("provider_name", "slug"),
    "api_field_presence": ("source", "path", "records", "carried"),
}
