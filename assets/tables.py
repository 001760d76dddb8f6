"""Tables layer: raw documents → typed Parquet, one hive partition per snapshot date.

One multi-asset reads the raw snapshot once and writes every table; each table is still its
own asset in the graph, with its column schema. Reads only raw, so re-materialising a past
date rebuilds it without refetching.
"""

import dataclasses
import datetime as dt
import functools

import dagster as dg

from assets import memory
from assets.metadata import column_schema, table_metadata
from assets.partitions import snapshot_partitions
from assets.raw import raw_frontend, raw_v1
from assets.resources import CatalogStorage
from pipeline import sources
from pipeline.digest import write_held_digest
from pipeline.fetch.outcomes import coverage
from pipeline.publish import audit, checks, decisions
from pipeline.publish.stage import Stage
from pipeline.publish.thresholds import Thresholds
from pipeline.raw.landing import raw_snapshot
from pipeline.raw.reader import read_snapshot
from pipeline.settings import Settings
from pipeline.storage.layout import Layout, parse_snapshot_date
from pipeline.transforms import prepared
from pipeline.transforms.catalog import CADENCED, build_tables
from pipeline.transforms.diffs import DIFFS
from pipeline.transforms.schemas import TABLE_DESCRIPTIONS

DESCRIPTIONS = TABLE_DESCRIPTIONS
TABLE_NAMES = tuple(DESCRIPTIONS)
CHECKS = (
    ("models_model_id_unique", "models", "models.model_id is unique"),
    ("endpoints_endpoint_id_unique", "endpoints", "endpoints.endpoint_id is unique"),
    ("endpoints_reference_models", "endpoints", "every endpoint's model_id is a row of models"),
    ("models_prices_valid", "models", "prices ≥ 0, null only when variable"),
    ("endpoints_prices_valid", "endpoints", "prices ≥ 0, null only when variable"),
    (
        "models_without_endpoints",
        "models",
        "every v1 model (routers, aliases aside) is served by an endpoint (warning)",
    ),
    (
        "models_row_count_change",
        "models",
        "row count within ±20 % of the previous snapshot (warning)",
    ),
    (
        "endpoints_row_count_change",
        "endpoints",
        "row count within ±20 % of the previous snapshot (warning)",
    ),
    (
        "v1_values_typed",
        "models",
        "no value of the v1 API had to be read as null for having the wrong type",
    ),
    (
        "frontend_values_typed",
        "endpoints",
        "no value of the frontend API had to be read as null for having the wrong type (warning)",
    ),
    (
        "api_fields_known",
        "endpoints",
        "every field the API sent, at every depth, is described in pipeline/sources (warning)",
    ),
    (
        "fetch_complete",
        "endpoints",
        "no call of the snapshot failed in a way a later run could fix (warning: the next run "
        "of the date fetches what is missing)",
    ),
    # the publish audit against the previous published snapshot (pipeline/publish/audit.py)
    *audit.NAMES,
)
CHECK_ASSET = {name: asset for name, asset, _ in CHECKS}
# a failed blocking check holds the date: its tables stay staged, and the run fails before
# the warehouse, report and digest (Dagster skips what is downstream). Repeated keys and
# orphan endpoints break every join; the audit guards the history. The price check stays a
# report: a frontend-only endpoint whose prices arrived unreadable is unknown, not wrong.
BLOCKING = frozenset(
    {
        "models_model_id_unique",
        "endpoints_endpoint_id_unique",
        "endpoints_reference_models",
        *(name for name, _, _ in audit.NAMES),
    }
)
_DEFAULTS = Settings().thresholds()


class TablesConfig(dg.Config):
    """The audit's limits for this run (defaults: the OPENROUTER_CATALOG_AUDIT_* settings). A
    run tagged ``openrouter_catalog/accepted_by`` and ``openrouter_catalog/accept_reason``
    (``openrouter-catalog accept``) publishes a held date after review."""

    audit_max_drop: float = _DEFAULTS.max_drop
    audit_field_was: float = _DEFAULTS.field_was
    audit_field_now: float = _DEFAULTS.field_now
    audit_max_price_changes: float = _DEFAULTS.max_price_changes
    audit_max_zeroed: float = _DEFAULTS.max_zeroed
    audit_max_gap_days: int = _DEFAULTS.max_gap_days

    def thresholds(self) -> Thresholds:
        return Thresholds.of(self)


def _diffs(context, layout, stage, date, frames):  # noqa: ANN001, ANN202
    """Each table of DIFFS for this date against the previous snapshot of its base table;
    and the next date's against this one, since its diffs were computed against whatever
    preceded it before this date was (re)built. Returns ``{table: frame}`` for this date.
    A date without the base table (an archive that lacks it) has no diff of its own, and the
    next date's is taken against the snapshot before."""

    # several diffs follow the same base table: each neighbour partition is read once, and
    # each table's dates listed once
    @functools.cache
    def partition(table, d):  # noqa: ANN001, ANN202
        return layout.read_partition(table, d) if layout.has_partition(table, d) else None

    @functools.cache
    def neighbours(table):  # noqa: ANN001, ANN202
        dates = layout.dates(table)
        earlier, later = [d for d in dates if d < date], [d for d in dates if d > date]
        return (earlier[-1] if earlier else None), (later[0] if later else None)

    def inputs(diff, d):  # noqa: ANN001, ANN202
        if d is None:
            return None
        found = {t: partition(t, d) for t in diff.inputs}
        return {t: df for t, df in found.items() if df is not None}

    mine = {}
    for diff in DIFFS:
        here = diff.base in frames
        prev, nxt = neighbours(diff.base)
        if here:
            mine[diff.table] = diff.compute(inputs(diff, prev), frames, prev)
        elif stage.drop(diff.table, date):
            context.log.info(f"{diff.table} of {date} removed: the date has no {diff.base}")
        if nxt is not None:
            before, base_date = (frames, date) if here else (inputs(diff, prev), prev)
            theirs = diff.compute(before, inputs(diff, nxt), base_date)
            stage.write(diff.table, nxt, theirs)
            context.log.info(f"{diff.table} of {nxt} recomputed against {base_date}")
    return mine


def _verdicts(layout, date, built, coverage) -> list[checks.Verdict]:  # noqa: ANN001
    frames = built.frames
    models, endpoints = frames.get("models"), frames.get("endpoints")
    verdicts = [
        checks.values_typed("v1", built.problems, sources.GROUPS["v1"]),
        checks.values_typed("frontend", built.problems, sources.GROUPS["frontend"]),
        checks.fields_known(built.drift),
        checks.fetch_complete(coverage),
    ]
    if models is not None:
        verdicts += [
            checks.unique_key(models, "models", "model_id"),
            checks.prices_non_negative(models, "models"),
        ]
    if endpoints is not None:
        verdicts += [
            checks.unique_key(endpoints, "endpoints", "endpoint_id"),
            checks.prices_non_negative(endpoints, "endpoints"),
        ]
    if models is not None and endpoints is not None:
        verdicts += [
            checks.endpoints_reference_models(endpoints, models),
            checks.models_without_endpoints(models, endpoints),
        ]
    for table, df in (("models", models), ("endpoints", endpoints)):
        if df is not None:
            prev = layout.previous_date(table, date)
            prev_rows = None if prev is None else layout.row_count(table, prev)
            verdicts.append(checks.row_count_change(table, df.height, prev_rows))
    return verdicts


def _previous(layout: Layout, date: dt.date) -> dict[str, audit.Previous]:
    """The previous published snapshot of each table the audit compares (the staged build
    is never among them: ``tables/`` holds published partitions only)."""
    out = {}
    for table, columns in audit.PREVIOUS_COLUMNS.items():
        prev = layout.previous_date(table, date)
        if prev is not None:
            out[table] = audit.Previous(prev, layout.read_partition(table, prev, columns))
    return out


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


def _checks_record(verdicts: list[checks.Verdict]) -> list[dict]:
    return [
        {"name": v.name, "passed": v.passed, "blocking": v.name in BLOCKING, "figures": v.summary}
        for v in verdicts
    ]


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
            deps=[raw_v1, raw_frontend],
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
    results = _materialize(context, storage, config.thresholds())
    memory.release()  # the parsed raw and the frames are garbage now; give their pages back
    yield from results


def _materialize(
    context: dg.AssetExecutionContext, storage: CatalogStorage, limits: Thresholds
) -> list:
    """Every table staged, audited, and published when the audit holds (or a reviewer
    accepted the date); the results to report, and nothing else kept alive."""
    out: list = []
    layout = storage.layout()
    date = parse_snapshot_date(context.partition_key)
    snap = raw_snapshot(layout, date)
    if not snap.exists():
        where = layout.bucket.url(layout.raw_key(date)) if layout.remote else snap.folder
        raise dg.Failure(description=f"no raw snapshot for {date} at {where}")
    unfinished = snap.unfinished(sources.GROUPS)
    if unfinished:
        raise dg.Failure(
            description=f"raw snapshot {date}: the {' and '.join(unfinished)} fetch did not "
            "finish (killed mid-way?); run the date again to fetch it. The tables keep their "
            "last complete state."
        )
    docs = read_snapshot(snap)
    if "v1_models" not in docs.present:
        raise dg.Failure(description=f"raw snapshot {date} has no successful v1_models response")
    # the sources framed as they landed, where this process fetched early (pipeline/transforms/
    # prepared.py); the others are framed here
    ready = prepared.take(docs)
    built = build_tables(docs, ready)
    frames, drift, repeated = built.frames, built.drift, built.duplicates
    calls = coverage(docs.log_rows)
    missing = {s: c["transient"] for s, c in calls.items() if c["transient"]}
    if missing:
        context.log.warning(
            f"raw {date} is partial: calls that a later run can still fetch are missing "
            f"({missing}); the tables lack their rows until then"
        )
    if drift:
        context.log.warning(f"new fields in the API (not described yet): {drift}")
    for source, lines in built.problems.items():
        context.log.warning(f"{source}: {len(lines)} values read as null; first: {lines[0]}")
    for line in repeated:
        context.log.warning(line)
    # staged where no reader looks; tables/ stays the previous published state until the
    # audit holds
    stage = Stage(layout, date)
    stage.clear()
    frames.update(_diffs(context, layout, stage, date, frames))
    skipped = []
    for name in built.not_asked:
        # a source on a cadence not asked on this date, or one an imported archive lacks: no
        # partition (not an empty one, so the table's newest snapshot stays the newest that
        # had it, and the history sees "not observed"). Still reported, since the warehouse
        # downstream reads the table's other dates.
        dropped = stage.drop(name, date)
        source = CADENCED.get(name, name)
        why = (
            f"the archive imported for {date} holds none of its sources"
            if built.imported
            else f"{source} was absent on {date} (404 on every known path): not observed"
            if source in docs.absent
            else f"{source} was not asked for {date} (its cadence)"
        )
        skipped.append(
            dg.MaterializeResult(
                asset_key=name,
                metadata={
                    "asked": False,
                    "note": why
                    + "; no partition for this date"
                    + (" (the old one was removed)" if dropped else ""),
                },
            )
        )
    for name in TABLE_NAMES:
        if name not in frames and name not in built.not_asked:  # a diff whose base is absent
            skipped.append(
                dg.MaterializeResult(
                    asset_key=name,
                    metadata={"asked": False, "note": f"{date} has none of its inputs"},
                )
            )
    for name, df in frames.items():
        stage.write(name, date, df)

    verdicts = _verdicts(layout, date, built, calls)
    inp = audit.AuditInput(
        date,
        frames,
        frozenset(built.present),
        built.imported,
        _previous(layout, date),
        frozenset(docs.asked),
    )
    verdicts += audit.audit(inp, limits)
    contract = next(v for v in verdicts if v.name == "api_fields_kept")
    report = {source: dict(paths) for source, paths in drift.items()}
    for line in contract.metadata.get("sample", []) if not contract.passed else []:
        source, _, rest = line.partition(" ")
        path, _, figures = rest.partition(": ")
        report.setdefault(source, {})[path] = f"removed: {figures}"
    failed = [v for v in verdicts if v.name in BLOCKING and not v.passed]
    against = next((str(p.date) for t, p in inp.previous.items() if t == "models"), None)
    accept = acceptance(context.run.tags)
    rows = ", ".join(f"{name} {df.height:,}" for name, df in frames.items())

    if failed and accept is None:
        decision = decisions.Decision(
            snapshot_date=date.isoformat(),
            state=decisions.HELD,
            at=decisions.now(),
            against=against,
            line=held_line(date, failed, against, stage.location),
            failed=[v.name for v in failed],
            checks=_checks_record(verdicts),
            staged=stage.location,
            run_id=context.run.run_id,
        )
        decisions.record(layout, decision)
        write_held_digest(layout, decision)
        context.log.error(decision.line)
        for name in ("models", "endpoints"):
            context.log_event(
                dg.AssetObservation(
                    asset_key=name,
                    metadata={
                        "held": True,
                        "staged": dg.MetadataValue.path(stage.location),
                        "failed_checks": dg.MetadataValue.json(decision.failed),
                        "drift_report": dg.MetadataValue.json(report),
                    },
                )
            )
        out.extend(_check_results(date, verdicts, None))
        return out

    stage.publish()
    decision = decisions.Decision(
        snapshot_date=date.isoformat(),
        state=decisions.ACCEPTED if accept else decisions.PUBLISHED,
        at=decisions.now(),
        against=against,
        line=(
            f"accepted {date} by {accept[0]}: {accept[1]}"
            + (f" (held for: {held_figures(failed)})" if failed else "")
            if accept
            else f"published {date}"
        ),
        failed=[v.name for v in failed],
        checks=_checks_record(verdicts),
        accepted_by=accept[0] if accept else None,
        reason=accept[1] if accept else None,
        run_id=context.run.run_id,
    )
    decisions.record(layout, decision)
    if accept:
        context.log.warning(decision.line)
    for name, df in frames.items():
        metadata = table_metadata(name, df, layout.partition_location(name, date))
        metadata["drift_report"] = dg.MetadataValue.json(report)
        metadata["type_problems"] = dg.MetadataValue.json(built.problems)
        metadata["duplicate_ids"] = dg.MetadataValue.json(repeated)
        metadata["coverage"] = dg.MetadataValue.json(calls)
        out.append(dg.MaterializeResult(asset_key=name, metadata=metadata))
    out.extend(skipped)
    # one line for all (each table's path is in its materialisation's metadata)
    early = f"; {len(ready)} sources framed as they landed" if ready else ""
    context.log.info(f"tables of {date} written to {layout.tables_location}/*/: {rows} rows{early}")
    out.extend(_check_results(date, verdicts, decision if accept else None))
    return out


def held_figures(failed: list[checks.Verdict]) -> str:
    return "; ".join(f"{v.summary or v.description} [{v.name}]" for v in failed)


def held_line(date: dt.date, failed: list[checks.Verdict], against: str | None, staged: str) -> str:
    """The one line a held run ends with: the date, the checks and their figures, what
    readers see meanwhile and how to publish it after review."""
    stays = f"the views stay on {against}" if against else "nothing is published"
    return (
        f"held {date}: {held_figures(failed)}; {stays}; staged in {staged}: review it, then "
        f"`openrouter-catalog accept --snapshot-date {date} --reason TEXT` publishes it, or run "
        "the date again once the API answers well"
    )
