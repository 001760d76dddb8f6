"""The Data API's tables: built from the snapshot's datasets answers, audited and published
on their own (``pipeline.publish.datasets``), after the catalog's tables, whose models table
matches their permaslugs. Held, absent or not asked, they never fail the daily run."""

import dagster as dg

from assets.metadata import column_schema, table_metadata
from assets.partitions import SINGLE_RUN, is_rebuild, run_dates, snapshot_partitions
from assets.resources import CatalogStorage
from pipeline.publish.datasets import (
    BLOCKING,
    CHECKS,
    OFFICIAL,
    DatasetsOutcome,
    publish_datasets,
)
from pipeline.publish.protocol import check_raw
from pipeline.publish.rebuild import Quiet
from pipeline.sources import SOURCES_BY_NAME
from pipeline.storage.layout import data_date_key, parse_snapshot_date
from pipeline.transforms.schemas import BY_DATA_DATE, DATASET_DESCRIPTIONS, DATASET_TABLES

# where each table's attribution comes from
TABLE_SOURCE = {
    "official_rankings_daily": "datasets_rankings_daily",
    "task_classifications": "datasets_task_classifications",
    "task_top_models": "datasets_task_classifications",
    "app_rankings": "datasets_app_rankings",
    "session_costs": "datasets_session_cost",
    "benchmark_runs": "datasets_benchmarks",
}


def _attribution(table: str) -> str:
    src = SOURCES_BY_NAME[TABLE_SOURCE[table]]
    return (src.citation or "") + (f" License: {src.license}." if src.license else "")


def _results(outcome: DatasetsOutcome, layout) -> list:  # noqa: ANN001
    out: list = []
    if outcome.published:
        for name, df in outcome.frames.items():
            where = (
                str(layout.base / data_date_key(name, outcome.date)).rsplit("/date=", 1)[0]
                if name in BY_DATA_DATE
                else layout.partition_location(name, outcome.date)
            )
            metadata = table_metadata(name, df, where)
            metadata["citation"] = outcome.citations.get(TABLE_SOURCE[name], "")
            metadata["drift_report"] = dg.MetadataValue.json(outcome.drift_report)
            if name in BY_DATA_DATE:
                metadata["revisions"] = outcome.revisions
                metadata["unmatched_permaslugs"] = dg.MetadataValue.json(outcome.unmatched)
            out.append(dg.MaterializeResult(asset_key=name, metadata=metadata))
        for name in DATASET_TABLES:
            if name not in outcome.frames:
                note = f"{TABLE_SOURCE[name]} did not answer for {outcome.date}; as last published"
                out.append(
                    dg.MaterializeResult(
                        asset_key=name,
                        metadata={"published": False, "state": "not answered", "note": note},
                    )
                )
    else:
        # not asked, absent or held: the tables stay as last published, and say why (a
        # result all the same, so the warehouse and the report of the date still run)
        for name in DATASET_TABLES:
            out.append(
                dg.MaterializeResult(
                    asset_key=name,
                    metadata={
                        "published": False,
                        "state": outcome.state,
                        "note": outcome.line,
                        "drift_report": dg.MetadataValue.json(outcome.drift_report),
                    },
                )
            )
    evaluated = {v.name for v in outcome.verdicts}
    for name, asset, _, _ in CHECKS:
        if name not in evaluated:
            out.append(
                dg.AssetCheckResult(
                    asset_key=asset,
                    check_name=name,
                    passed=True,
                    severity=dg.AssetCheckSeverity.WARN,
                    description=f"not evaluated: {outcome.line}",
                    metadata={"evaluated": False},
                )
            )
    asset_of = {name: asset for name, asset, _, _ in CHECKS}
    for v in outcome.verdicts:
        if v.name not in asset_of:
            continue
        out.append(
            dg.AssetCheckResult(
                asset_key=asset_of[v.name],
                check_name=v.name,
                passed=v.passed,
                severity=dg.AssetCheckSeverity.WARN if v.warn_only else dg.AssetCheckSeverity.ERROR,
                description=v.description,
                metadata={
                    k: dg.MetadataValue.json(x) if isinstance(x, list | dict) else x
                    for k, x in v.metadata.items()
                },
            )
        )
    return out


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            name,
            description=f"{DATASET_DESCRIPTIONS[name]} {_attribution(name)}",
            deps=["raw_datasets", "models"],
            group_name="datasets",
            owners=["team:catalog"],
            kinds={"polars", "parquet"},
            metadata={"dagster/column_schema": column_schema(name)},
        )
        for name in DATASET_TABLES
    ],
    # the library's audit holds the group's tables when a blocking check fails; in Dagster
    # none blocks, since a blocking check would stop the warehouse and the report of a date
    # whose catalog was published (the Data API never holds the catalog)
    check_specs=[
        dg.AssetCheckSpec(
            name,
            asset=asset,
            description=desc + (" (holds the group's tables)" if name in BLOCKING else ""),
        )
        for name, asset, desc, _ in CHECKS
    ],
    partitions_def=snapshot_partitions,
    backfill_policy=SINGLE_RUN,
    can_subset=False,
)
def datasets_tables(context: dg.AssetExecutionContext, storage: CatalogStorage):  # noqa: ANN201
    layout = storage.layout()
    if is_rebuild(context):
        yield from _rebuild(context, layout)
        return
    date = parse_snapshot_date(context.partition_key)
    outcome = publish_datasets(layout, date, context.log, run_id=context.run.run_id)
    yield from _results(outcome, layout)


def _rebuild(context: dg.AssetExecutionContext, layout) -> list:  # noqa: ANN001
    """A range run: each date's Data API answers, oldest first (official rankings are kept
    by the day they describe, so a later answer revises an earlier one, as on the day).
    Each date's outcome is an observation; the range gets one result per table and check."""
    states: dict[str, list[str]] = {}
    failed: dict[str, list[str]] = {}
    for date in run_dates(context):
        if check_raw(layout, date) is not None:
            continue
        outcome = publish_datasets(layout, date, Quiet(context.log), run_id=context.run.run_id)
        states.setdefault(outcome.state, []).append(str(date))
        for v in outcome.verdicts:
            if not v.passed:
                failed.setdefault(v.name, []).append(str(date))
        if outcome.state != "not asked":
            context.log_event(
                dg.AssetObservation(
                    asset_key=OFFICIAL,
                    partition=str(date),
                    metadata={"state": outcome.state, "line": outcome.line},
                )
            )
    context.log.info(
        "datasets: rebuilt " + (", ".join(f"{k} {len(v)}" for k, v in states.items()) or "none")
    )
    metadata = {"rebuild": dg.MetadataValue.json(states)}
    out: list = [dg.MaterializeResult(asset_key=name, metadata=metadata) for name in DATASET_TABLES]
    for name, asset, _, _ in CHECKS:
        dates = failed.get(name, [])
        out.append(
            dg.AssetCheckResult(
                asset_key=asset,
                check_name=name,
                passed=not dates,
                severity=dg.AssetCheckSeverity.WARN,
                description=f"rebuild: failed on {', '.join(dates)}" if dates else "rebuild",
                metadata={"failed_on": dg.MetadataValue.json(dates), "range": True},
            )
        )
    return out
