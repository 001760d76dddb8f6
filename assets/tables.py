"""Tables layer: raw documents → typed Parquet, one hive partition per snapshot date.

One multi-asset reads the raw snapshot once and writes every table; each table is still its
own asset in the graph, with its column schema. Reads only raw, so re-materialising a past
date rebuilds it without refetching.
"""

import functools

import dagster as dg

from assets.raw import raw_frontend, raw_v1
from pipeline import checks, memory, sources
from pipeline.fetch import coverage
from pipeline.metadata import column_schema, table_metadata
from pipeline.partitions import snapshot_partitions
from pipeline.raw_reader import read_snapshot
from pipeline.resources import CatalogStorage
from pipeline.schemas import TABLE_DESCRIPTIONS
from pipeline.storage import parse_snapshot_date
from pipeline.transforms.catalog import CADENCED, build_tables
from pipeline.transforms.diffs import DIFFS

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
)
CHECK_ASSET = {name: asset for name, asset, _ in CHECKS}


def _diffs(context, layout, date, frames):  # noqa: ANN001, ANN202
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
        elif layout.drop_partition(diff.table, date):
            context.log.info(f"{diff.table} of {date} removed: the date has no {diff.base}")
        if nxt is not None:
            before, base_date = (frames, date) if here else (inputs(diff, prev), prev)
            theirs = diff.compute(before, inputs(diff, nxt), base_date)
            layout.write_partition(diff.table, nxt, theirs)
            context.log.info(f"{diff.table} of {nxt} recomputed against {base_date}")
    return mine


def _check_results(layout, date, built, coverage):  # noqa: ANN001, ANN202
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
        yield dg.AssetCheckResult(
            asset_key=CHECK_ASSET[v.name],
            check_name=v.name,
            passed=v.passed,
            severity=dg.AssetCheckSeverity.WARN if v.warn_only else dg.AssetCheckSeverity.ERROR,
            description=v.description,
            metadata={
                k: dg.MetadataValue.json(x) if isinstance(x, list | dict) else x
                for k, x in v.metadata.items()
            },
        )


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
        )
        for name in TABLE_NAMES
    ],
    check_specs=[
        dg.AssetCheckSpec(name, asset=asset, description=desc) for name, asset, desc in CHECKS
    ],
    partitions_def=snapshot_partitions,
    can_subset=False,
)
def catalog_tables(context: dg.AssetExecutionContext, storage: CatalogStorage):  # noqa: ANN201
    results = _materialize(context, storage)
    memory.release()  # the parsed raw and the frames are garbage now; give their pages back
    yield from results


def _materialize(context: dg.AssetExecutionContext, storage: CatalogStorage) -> list:
    """Every table written; the results to report, and nothing else kept alive."""
    out: list = []
    layout = storage.layout()
    date = parse_snapshot_date(context.partition_key)
    snap = layout.raw(date)
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
    built = build_tables(docs)
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
    paths = {}
    # their own partitions first: the change tables diff them against their neighbours
    for name in ("models", "endpoints"):
        if name in frames:
            paths[name] = layout.write_partition(name, date, frames[name])
    frames.update(_diffs(context, layout, date, frames))
    skipped = []
    for name in built.not_asked:
        # a source on a cadence not asked on this date, or one an imported archive lacks: no
        # partition (not an empty one, so the table's newest snapshot stays the newest that
        # had it, and the history sees "not observed"). Still reported, since the warehouse
        # downstream reads the table's other dates.
        dropped = layout.drop_partition(name, date)
        why = (
            f"the archive imported for {date} holds none of its sources"
            if built.imported
            else f"{CADENCED.get(name, name)} was not asked for {date} (its cadence)"
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
        path = paths.get(name) or layout.write_partition(name, date, df)
        metadata = table_metadata(name, df, str(path))
        metadata["drift_report"] = dg.MetadataValue.json(drift)
        metadata["type_problems"] = dg.MetadataValue.json(built.problems)
        metadata["duplicate_ids"] = dg.MetadataValue.json(repeated)
        metadata["coverage"] = dg.MetadataValue.json(calls)
        out.append(dg.MaterializeResult(asset_key=name, metadata=metadata))
    out.extend(skipped)
    # one line for all (each table's path is in its materialisation's metadata)
    rows = ", ".join(f"{name} {df.height:,}" for name, df in frames.items())
    context.log.info(f"tables of {date} written to {layout.tables_location}/*/: {rows} rows")
    out.extend(_check_results(layout, date, built, calls))
    return out
