"""Audit and publish the Data API's tables of one snapshot, apart from the catalog's.

The group answers on a quota and under its own contract. Its tables are built from the
snapshot's datasets answers, checked (the contract kept, fields known, keys unique), and
published only when the blocking checks hold: a renamed field holds these tables, which stay
as last published, and is reported; the catalog's publish never waits for them.

``official_rankings_daily`` is stored by the date its rows describe. The answer for a day
(and slice) replaces what was stored for it, and the revisions, days whose token counts the
API changed since, are counted.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Protocol

import polars as pl

from pipeline.fetch.client import error_message
from pipeline.fetch.outcomes import latest_rows
from pipeline.publish import checks, decisions
from pipeline.raw.landing import raw_snapshot
from pipeline.raw.store import RawSnapshot
from pipeline.storage.layout import PART_FILE, Layout, data_date_key, data_dates
from pipeline.transforms.datasets import answers, build
from pipeline.transforms.schemas import BY_DATA_DATE, DATASET_TABLES, SLICES

OFFICIAL = "official_rankings_daily"
QUOTA_ERROR = "quota spent"
# the checks of the group (besides the keys RULES declares): (name, what it asks, blocking)
CONTRACT_CHECKS = (
    (
        "datasets_contract_kept",
        "every field the Data API's OpenAPI text requires is still carried (a rename or a "
        "removal holds the group's tables)",
        True,
    ),
    (
        "datasets_fields_known",
        "every field the Data API sent is described in pipeline/sources (warning)",
        False,
    ),
    (
        "datasets_values_typed",
        "no value of the Data API had to be read as null for having the wrong type (warning)",
        False,
    ),
)
CHECKS: tuple[tuple[str, str, str, bool], ...] = (
    *((name, OFFICIAL, desc, block) for name, desc, block in CONTRACT_CHECKS),
    *(
        (name, table, desc, block)
        for table in DATASET_TABLES
        for name, desc, block in checks.declared(table)
    ),
)
BLOCKING = frozenset(name for name, _, _, block in CHECKS if block)


class Log(Protocol):
    def info(self, msg: str) -> None: ...
    def warning(self, msg: str) -> None: ...
    def error(self, msg: str) -> None: ...


@dataclass
class DatasetsOutcome:
    date: dt.date
    state: str  # published | held | absent | not asked
    line: str
    frames: dict[str, pl.DataFrame] = field(default_factory=dict)
    verdicts: list[checks.Verdict] = field(default_factory=list)
    revisions: int = 0  # (date, model, slice) keys whose tokens an answer changed
    revised_days: list[str] = field(default_factory=list)
    drift_report: dict[str, dict[str, str]] = field(default_factory=dict)
    citations: dict[str, str] = field(default_factory=dict)
    unmatched: list[str] = field(default_factory=list)
    staged: str | None = None

    @property
    def published(self) -> bool:
        return self.state == "published"


def last_stored_day(layout: Layout) -> dt.date | None:
    """The newest day of the official rankings stored so far (the next run asks from three
    days before it)."""
    days = data_dates(layout, OFFICIAL)
    return days[-1] if days else None


def _models(layout: Layout, date: dt.date) -> pl.DataFrame | None:
    """The models table the permaslugs are matched with: the newest published on or before
    the snapshot (its own when the catalog published it first)."""
    found = [d for d in layout.dates("models") if d <= date]
    if not found:
        return None
    return layout.read_partition(
        "models", found[-1], ["model_id", "permaslug", "canonical_slug", "variant"]
    )


def _read_day(layout: Layout, day: dt.date) -> pl.DataFrame | None:
    key = data_date_key(OFFICIAL, day)
    if layout.remote:
        if not layout.bucket.exists(key):
            return None
        import io

        return pl.read_parquet(io.BytesIO(layout.bucket.get(key)))
    path = layout.base / key
    return pl.read_parquet(path) if path.is_file() else None


def _merge_day(stored: pl.DataFrame | None, fresh: pl.DataFrame) -> tuple[pl.DataFrame, int]:
    """The day's rows after ``fresh`` (one day): each slice it answers replaces that slice's
    stored rows; returns them, and how many stored keys changed their token count."""
    if stored is None or stored.is_empty():
        return fresh, 0
    slices = fresh.select(SLICES).unique()
    kept = stored.join(slices, on=list(SLICES), how="anti", nulls_equal=True)
    key = ["model_permaslug", *SLICES]
    both = stored.join(fresh, on=key, how="inner", nulls_equal=True, suffix="_new")
    revised = both.filter(pl.col("total_tokens") != pl.col("total_tokens_new")).height
    merged = pl.concat([kept, fresh], how="vertical_relaxed")
    order = ["model_permaslug", *SLICES]
    return merged.select(fresh.columns).sort(order, nulls_last=False), revised


def _verdicts(built) -> list[checks.Verdict]:  # noqa: ANN001
    broken = [f"{s}: {', '.join(paths)}" for s, paths in built.broken.items()]
    drift = [f"{s}: {p} = {ex}" for s, paths in built.drift.items() for p, ex in paths.items()]
    typed = [line for lines in built.problems.values() for line in lines]
    out = [
        checks.Verdict(
            "datasets_contract_kept",
            not broken,
            CONTRACT_CHECKS[0][1],
            metadata={"gone": broken, "new_fields": drift[: checks.MAX_LISTED]},
            blocking=True,
            summary=f"fields no answer carries any more: {'; '.join(broken)}",
        ),
        checks.Verdict(
            "datasets_fields_known",
            not drift,
            CONTRACT_CHECKS[1][1],
            warn_only=True,
            metadata={"new_fields": len(drift), "sample": drift[: checks.MAX_LISTED]},
        ),
        checks.Verdict(
            "datasets_values_typed",
            not typed,
            CONTRACT_CHECKS[2][1],
            warn_only=True,
            metadata={"values_nulled": len(typed), "sample": typed[: checks.MAX_LISTED]},
        ),
    ]
    return out + checks.of_rules(built.frames, lambda table: None)


def publish_datasets(
    layout: Layout, date: dt.date, log: Log, *, run_id: str | None = None
) -> DatasetsOutcome:
    """Build, audit and publish the Data API's tables of ``date`` from its raw answers."""
    snap = raw_snapshot(layout, date)
    rows = snap.group_rows("datasets") if snap.exists() else []
    if not rows:
        line = f"datasets {date}: not asked (no API key, or not fetched); nothing to publish"
        return DatasetsOutcome(date, "not asked", line)
    if any(QUOTA_ERROR in (r.get("error") or "") for r in rows):
        line = (
            f"datasets absent on {date}: the Data API's daily quota was spent; its tables stay "
            "as last published, and the next day's run asks again"
        )
        log.warning(line)
        return _absent(layout, date, line, run_id)
    if not any(r.get("status") == 200 and not r.get("error") for r in latest_rows(rows).values()):
        why = _why_none_answered(rows, snap)
        line = f"datasets: absent today: {why}; its tables stay as last published"
        log.warning(line)
        return _absent(layout, date, line, run_id)
    built = build(answers(rows, snap.body), _models(layout, date), date)
    if built.unmatched:
        shown = ", ".join(built.unmatched[:10])
        more = f" and {len(built.unmatched) - 10:,} more" if len(built.unmatched) > 10 else ""
        log.info(
            f"datasets: {len(built.unmatched):,} permaslugs match no model id of the catalog "
            f"(model_id null): {shown}{more}"
        )
    for source, paths in built.drift.items():
        log.warning(f"{source}: new fields (not described yet): {', '.join(paths)}")
    verdicts = _verdicts(built)
    failed = [v for v in verdicts if v.name in BLOCKING and not v.passed]
    drift_report = {s: dict(p) for s, p in built.drift.items()}
    for source, paths in built.broken.items():
        for path in paths:
            drift_report.setdefault(source, {})[path] = "removed: no answer carries it"
    outcome = DatasetsOutcome(
        date,
        "held" if failed else "published",
        "",
        built.frames,
        verdicts,
        drift_report=drift_report,
        citations=built.citations,
        unmatched=built.unmatched,
    )
    if failed:
        staged = f"staging/datasets/snapshot_date={date}"
        for name, df in built.frames.items():
            layout.write_parquet(f"{staged}/{name}/{PART_FILE}", df)
        outcome.staged = (
            str(layout.base / staged) if not layout.remote else layout.bucket.url(staged)
        )
        figures = "; ".join(f"{v.summary or v.description} [{v.name}]" for v in failed)
        outcome.line = (
            f"datasets held {date}: {figures}; the Data API's tables stay as last published "
            f"(the catalog is not held); staged in {outcome.staged}"
        )
        log.error(outcome.line)
    else:
        outcome.revisions, outcome.revised_days = write_tables(layout, date, built.frames)
        rows_line = ", ".join(f"{n} {df.height:,}" for n, df in built.frames.items())
        outcome.line = f"datasets published {date}: {rows_line} rows" + (
            f"; {outcome.revisions:,} revisions (days {', '.join(outcome.revised_days)})"
            if outcome.revisions
            else "; 0 revisions"
        )
        log.info(outcome.line)
    decisions.record(
        layout,
        decisions.Decision(
            snapshot_date=date.isoformat(),
            state=decisions.HELD if failed else decisions.PUBLISHED,
            at=decisions.now(),
            against=None,
            line=outcome.line,
            failed=[v.name for v in failed],
            checks=[
                {
                    "name": v.name,
                    "passed": v.passed,
                    "blocking": v.name in BLOCKING,
                    "figures": v.summary,
                }
                for v in verdicts
            ],
            staged=outcome.staged,
            run_id=run_id,
        ),
        decisions.DATASETS,
    )
    return outcome


def _why_none_answered(rows: list[dict], snap: RawSnapshot) -> str:
    """The most common failure of the calls, with the API's own message (``HTTP 402
    Insufficient credits (6 calls)``)."""
    reasons: Counter[str] = Counter()
    for row in latest_rows(rows).values():
        said = error_message(snap.body(row)) if row.get("file") else None
        base = row.get("error") or f"HTTP {row.get('status')}"
        reasons[base + (f" {said}" if said and said not in base else "")] += 1
    (why, n), *others = reasons.most_common()
    more = f"; {sum(c for _, c in others):,} calls otherwise" if others else ""
    return f"{why} ({n:,} calls{more})"


def _absent(layout: Layout, date: dt.date, line: str, run_id: str | None) -> DatasetsOutcome:
    """No answer to publish: the outcome, and a decision that says absent and why."""
    decisions.record_unaudited(layout, date, decisions.ABSENT, line, run_id, decisions.DATASETS)
    return DatasetsOutcome(date, "absent", line)


def write_tables(
    layout: Layout, date: dt.date, frames: dict[str, pl.DataFrame]
) -> tuple[int, list[str]]:
    """Write the group's tables of snapshot ``date``: the official rankings day by day, each
    day's answer replacing what was stored for it; (revisions, the days revised)."""
    revisions, revised_days = 0, []
    for name, df in frames.items():
        if name not in BY_DATA_DATE:
            layout.write_partition(name, date, df)
            continue
        for (day,), fresh in (
            df.sort("date").partition_by("date", as_dict=True, maintain_order=True).items()
        ):
            merged, revised = _merge_day(_read_day(layout, day), fresh)
            layout.write_parquet(data_date_key(name, day), merged)
            if revised:
                revisions += revised
                revised_days.append(str(day))
    return revisions, revised_days
