"""Tables layer: raw documents → typed Parquet, one hive partition per snapshot date.

One multi-asset reads the raw snapshot once and writes every table; each table is still its
own asset in the graph, with its column schema. Reads only raw, so re-materialising a past
date rebuilds it without refetching. Staging, the audit and publishing are the library's
(``pipeline.publish.protocol``); this layer turns its outcome into what Dagster shows.
"""

import contextlib
import dataclasses

import dagster as dg

from assets.metadata import column_schema, table_metadata
from assets.partitions import (
    REBUILD_FORCE_TAG,
    SINGLE_RUN,
    is_rebuild,
    run_dates,
    snapshot_partitions,
)
from assets.raw import raw
from assets.resources import CatalogStorage
from pipeline import memory
from pipeline.digest import write_held_digest
from pipeline.publish import decisions
from pipeline.publish.protocol import (
    BLOCKING,
    CHECK_ASSET,
    CHECKS,
    TABLE_NAMES,
    Outcome,
    PublishFailed,
    build_and_publish,
)
from pipeline.publish.rebuild import KEPT, REBUILT, DateResult, plan, rebuild
from pipeline.publish.thresholds import Thresholds
from pipeline.publish.version import code_version
from pipeline.settings import Settings
from pipeline.storage.layout import Layout, parse_snapshot_date
from pipeline.storage.lock import LAUNCHER_HOLDS_TAG, DateLocked, date_lock, dates_locked
from pipeline.transforms.schemas import TABLE_DESCRIPTIONS

DESCRIPTIONS = TABLE_DESCRIPTIONS
__all__ = ["BLOCKING", "CHECKS", "TABLE_NAMES", "catalog_tables", "tables_config"]


# The audit's limits for a run, one field per Thresholds field (defaults: the
# OPENROUTER_CATALOG_AUDIT_* settings), so a run records in the UI what it was audited with.
# A run tagged ``openrouter_catalog/accepted_by`` and ``openrouter_catalog/accept_reason``
# (``openrouter-catalog accept``) publishes a held date after review.
class _Limits(dg.Config):
    def thresholds(self) -> Thresholds:
        return Thresholds.of(self)


_DEFAULTS = dataclasses.asdict(Settings().thresholds())
TablesConfig = type(
    "TablesConfig",
    (_Limits,),
    {
        "__annotations__": {name: kind for name, (kind, _) in Thresholds.fields().items()},
        **{f"audit_{k}": v for k, v in _DEFAULTS.items()},
        "__doc__": "The audit's limits for this run (defaults: the OPENROUTER_CATALOG_AUDIT_* "
        "settings).",
    },
)


def _check_results(date, verdicts, accepted: decisions.Decision | None):  # noqa: ANN001, ANN202
    """Every check of CHECKS as a result: those not evaluated (the date lacks their table)
    pass as warnings that say so. With an acceptance, the blocking checks that failed are
    reported as warnings naming who accepted the date and why: still red on the record,
    no longer holding it."""
    evaluated = {v.name for v in verdicts}
    for name, asset, _ in CHECKS:
        if name not in evaluated:  # the date lacks the table (an archive without it)
            yield dg.AssetCheckResult(
                asset_key=asset,
                check_name=name,
                passed=True,
                severity=dg.AssetCheckSeverity.WARN,
                description=f"not evaluated: {date} has no {asset} (not in the archive)",
                metadata={"evaluated": False},
            )
    for v in verdicts:
        metadata = {
            k: dg.MetadataValue.json(x) if isinstance(x, list | dict) else x
            for k, x in v.metadata.items()
        }
        severity = dg.AssetCheckSeverity.WARN if v.warn_only else dg.AssetCheckSeverity.ERROR
        description = v.description
        if not v.passed and v.summary:
            metadata["figures"] = v.summary
        if not v.passed and v.name in BLOCKING and accepted is not None:
            severity = dg.AssetCheckSeverity.WARN
            metadata["accepted_by"] = accepted.accepted_by
            metadata["accept_reason"] = accepted.reason
            description = f"accepted by {accepted.accepted_by}: {accepted.reason} ({v.summary})"
        yield dg.AssetCheckResult(
            asset_key=CHECK_ASSET[v.name],
            check_name=v.name,
            passed=v.passed,
            severity=severity,
            description=description,
            metadata=metadata,
        )


def tables_config(limits: Thresholds) -> dict:
    """Run config giving the tables step the audit's limits (so a run records, in the UI,
    the limits it was audited with)."""
    config = {f"audit_{k}": v for k, v in dataclasses.asdict(limits).items()}
    return {"ops": {"catalog_tables": {"config": config}}}


def acceptance(tags: dict[str, str]) -> tuple[str, str] | None:
    """(who, why) when the run publishes a held date after review."""
    by, why = tags.get(decisions.ACCEPTED_BY_TAG), tags.get(decisions.ACCEPT_REASON_TAG)
    return (by, why) if by and why else None


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            name,
            description=DESCRIPTIONS[name],
            deps=[raw],
            group_name="tables",
            owners=["team:catalog"],
            kinds={"polars", "parquet"},
            metadata={"dagster/column_schema": column_schema(name)},
            # a held date materialises nothing: its tables are staged, not published
            skippable=True,
        )
        for name in TABLE_NAMES
    ],
    check_specs=[
        # (not partitioned: Dagster 1.13 calls partitioned checks a preview and warns on every
        # run; an evaluation's run carries the snapshot date as its partition tag)
        dg.AssetCheckSpec(name, asset=asset, description=desc, blocking=name in BLOCKING)
        for name, asset, desc in CHECKS
    ],
    partitions_def=snapshot_partitions,
    backfill_policy=SINGLE_RUN,
    can_subset=False,
)
def catalog_tables(  # noqa: ANN201
    context: dg.AssetExecutionContext, config: TablesConfig, storage: CatalogStorage
):
    layout = storage.layout()
    if is_rebuild(context):
        yield from _rebuild(context, config, storage)
        return
    date = parse_snapshot_date(context.partition_key)
    try:
        # a rebuild of a range holding this date makes this run refuse, in one line (unless
        # the process that launched the run holds the lock for it)
        held = context.run.tags.get(LAUNCHER_HOLDS_TAG)
        with contextlib.nullcontext() if held else date_lock(layout, date):
            outcome = build_and_publish(
                layout,
                date,
                config.thresholds(),
                context.log,
                accept=acceptance(context.run.tags),
                run_id=context.run.run_id,
            )
    except (PublishFailed, DateLocked) as exc:
        raise dg.Failure(description=str(exc)) from None
    finally:
        memory.release()  # the parsed raw and the frames are garbage now
    if outcome.held:
        # what sits above publishing: the digest of a held date says so
        write_held_digest(layout, outcome.decision)
    yield from _results(layout, outcome)


def _rebuild(context: dg.AssetExecutionContext, config, storage: CatalogStorage):  # noqa: ANN001, ANN202
    """A range run: every date of the range with whole raw, oldest first, through the
    library's rebuild. Each date's audit shows as it is decided: an observation of its
    tables (its decision, rows, build version) and its checks' evaluations, named by date.
    The tables' materialisation is the range's, once at the end (Dagster records it for
    every date of the range), when at least one date was rebuilt."""
    layout = storage.layout()
    dates = run_dates(context)
    planned = plan(
        layout,
        start=dates[0],
        end=dates[-1],
        force=context.run.tags.get(REBUILD_FORCE_TAG) == "true",
    )
    for date, why in planned.skipped.items():
        context.log.warning(f"rebuild: {date} skipped: {why}")
    if planned.current:
        context.log.info(
            f"rebuild: {len(planned.current)} dates already built by this code "
            f"({code_version()}), left as they are"
        )

    def shown(result: DateResult) -> None:
        for event in _date_events(layout, result):
            context.log_event(event)

    try:
        with dates_locked(layout, planned.dates):
            summary = rebuild(
                layout,
                planned.dates,
                config.thresholds(),
                context.log,
                run_id=context.run.run_id,
                workers=storage.rebuild_workers,
                on_date=shown,
            )
    except DateLocked as exc:
        raise dg.Failure(description=str(exc)) from None
    summary.skipped, summary.current = planned.skipped, planned.current
    context.log.info(summary.line())
    rebuilt = [str(r.date) for r in summary.of(REBUILT)]
    yield from _range_checks(summary)
    if not rebuilt:
        return
    ranged = {
        "rebuilt": dg.MetadataValue.json(rebuilt),
        "kept_old_build": dg.MetadataValue.json([str(r.date) for r in summary.of(KEPT)]),
        "skipped": dg.MetadataValue.json({str(d): w for d, w in summary.skipped.items()}),
        "code_version": code_version(),
    }
    for name in TABLE_NAMES:
        yield dg.MaterializeResult(asset_key=name, metadata=ranged)


def _range_checks(summary) -> list:  # noqa: ANN001
    """One result per check for the range, after each date's own evaluation: which dates
    failed it. A warning, never blocking: a date that failed kept its old build, and the
    warehouse of the range is still built."""
    failed: dict[str, list[str]] = {}
    for r in summary.results:
        for v in r.outcome.verdicts if r.outcome is not None else []:
            if not v.passed:
                failed.setdefault(v.name, []).append(str(r.date))
    out = []
    for name, asset, _ in CHECKS:
        dates = failed.get(name, [])
        out.append(
            dg.AssetCheckResult(
                asset_key=asset,
                check_name=name,
                passed=not dates,
                severity=dg.AssetCheckSeverity.WARN,
                description=(
                    f"rebuild of {len(summary.results)} dates: "
                    + (f"failed on {', '.join(dates)}" if dates else "held on every date")
                ),
                metadata={"failed_on": dg.MetadataValue.json(dates), "range": True},
            )
        )
    return out


def _date_events(layout: Layout, result: DateResult) -> list:
    """What the UI shows of one date of a rebuild: its tables observed with its decision,
    and every check's evaluation, each carrying the date."""
    date, outcome = str(result.date), result.outcome
    if outcome is None:  # the build failed before an audit
        return [
            dg.AssetObservation(
                asset_key="models",
                partition=date,
                metadata={"rebuild": result.state, "line": result.line},
            )
        ]
    events: list = []
    for name, df in outcome.frames.items():
        events.append(
            dg.AssetObservation(
                asset_key=name,
                partition=date,
                metadata={
                    "rebuild": result.state,
                    "decision": outcome.decision.state,
                    "dagster/row_count": df.height,
                    "code_version": outcome.decision.version or "",
                    "line": result.line,
                },
            )
        )
    accepted = outcome.decision if outcome.decision.state == decisions.ACCEPTED else None
    for r in _check_results(result.date, outcome.verdicts, accepted):
        events.append(
            dg.AssetCheckEvaluation(
                asset_key=r.asset_key,
                check_name=r.check_name,
                passed=r.passed,
                severity=r.severity,
                description=f"{date}: {r.description}" if r.description else date,
                metadata={**r.metadata, "snapshot_date": date},
            )
        )
    return events


def _results(layout: Layout, outcome: Outcome) -> list:
    decision, date = outcome.decision, outcome.date
    out: list = []
    if outcome.held:
        for name in ("models", "endpoints"):
            out.append(
                dg.AssetObservation(
                    asset_key=name,
                    metadata={
                        "held": True,
                        "staged": dg.MetadataValue.path(outcome.staged),
                        "failed_checks": dg.MetadataValue.json(decision.failed),
                        "drift_report": dg.MetadataValue.json(outcome.drift_report),
                    },
                )
            )
        return out + list(_check_results(date, outcome.verdicts, None))
    for name, df in outcome.frames.items():
        metadata = table_metadata(name, df, layout.partition_location(name, date))
        metadata["drift_report"] = dg.MetadataValue.json(outcome.drift_report)
        metadata["type_problems"] = dg.MetadataValue.json(outcome.problems)
        metadata["duplicate_ids"] = dg.MetadataValue.json(outcome.duplicates)
        metadata["coverage"] = dg.MetadataValue.json(outcome.calls)
        out.append(dg.MaterializeResult(asset_key=name, metadata=metadata))
    for name, note in outcome.not_written.items():
        out.append(dg.MaterializeResult(asset_key=name, metadata={"asked": False, "note": note}))
    accepted = decision if decision.state == decisions.ACCEPTED else None
    return out + list(_check_results(date, outcome.verdicts, accepted))
