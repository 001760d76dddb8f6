"""Tables layer: raw documents → typed Parquet, one hive partition per snapshot date.

One multi-asset reads the raw snapshot once and writes every table; each table is still its
own asset in the graph, with its column schema. Reads only raw, so re-materialising a past
date rebuilds it without refetching. Staging, the audit and publishing are the library's
(``pipeline.publish.protocol``); this layer turns its outcome into what Dagster shows.
"""

import dataclasses

import dagster as dg

from assets import memory
from assets.metadata import column_schema, table_metadata
from assets.partitions import snapshot_partitions
from assets.raw import raw
from assets.resources import CatalogStorage
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
from pipeline.publish.thresholds import Thresholds
from pipeline.settings import Settings
from pipeline.storage.layout import Layout, parse_snapshot_date
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
    can_subset=False,
)
def catalog_tables(  # noqa: ANN201
    context: dg.AssetExecutionContext, config: TablesConfig, storage: CatalogStorage
):
    layout = storage.layout()
    date = parse_snapshot_date(context.partition_key)
    try:
        outcome = build_and_publish(
            layout,
            date,
            config.thresholds(),
            context.log,
            accept=acceptance(context.run.tags),
            run_id=context.run.run_id,
        )
    except PublishFailed as exc:
        raise dg.Failure(description=str(exc)) from None
    finally:
        memory.release()  # the parsed raw and the frames are garbage now
    if outcome.held:
        # what sits above publishing: the digest of a held date says so
        write_held_digest(layout, outcome.decision)
    yield from _results(layout, outcome)


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
