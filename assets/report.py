"""Report layer: a self-contained HTML page of charts over the warehouse, for people who will
not open a notebook. Linked from the materialisation's metadata in the UI."""

import dagster as dg

from assets.partitions import SINGLE_RUN, is_rebuild, run_dates, snapshot_partitions
from assets.resources import CatalogStorage
from assets.warehouse import warehouse
from pipeline import memory
from pipeline.report.build import build_report
from pipeline.storage.layout import parse_snapshot_date


@dg.asset(
    description="data/reports/catalog_report_YYYY-MM-DD.html, the partition's own snapshot (and "
    "catalog_report.html, the newest): price versus throughput per endpoint for the top "
    "models, price spread per model, providers by training policy, the price changes into "
    "that date, market share by author and list against paid prices. One file, charts inline "
    "as SVG: it opens offline and can be mailed.",
    deps=[warehouse],
    partitions_def=snapshot_partitions,
    backfill_policy=SINGLE_RUN,
    group_name="reports",
    owners=["team:catalog"],
    kinds={"html", "svg"},
)
def catalog_report(
    context: dg.AssetExecutionContext, storage: CatalogStorage
) -> dg.MaterializeResult:
    layout = storage.layout()
    if is_rebuild(context):
        # once, for the newest published date of the range
        published = [d for d in run_dates(context) if d in set(layout.dates("models"))]
        if not published:
            return dg.MaterializeResult(metadata={"skipped": "no published date in the range"})
        date = published[-1]
    else:
        date = parse_snapshot_date(context.partition_key)
    if not layout.has_partition("endpoints", date):
        # an imported archive of /api/v1/models: nothing the report draws was recorded
        context.log.info(f"catalog_report: {date} has no endpoints (an archive); no report")
        return dg.MaterializeResult(metadata={"skipped": f"{date} has no endpoints snapshot"})
    try:
        report = build_report(layout, date)
    except ValueError as exc:
        raise dg.Failure(description=f"catalog_report: {exc}") from None
    memory.release()
    context.log.info(
        f"catalog_report: {report.charts} charts, snapshot {report.snapshot_date} → {report.path}"
    )
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(report.path)),
            "open": dg.MetadataValue.url(report.path.as_uri()),
            "snapshot_shown": str(report.snapshot_date),
            "charts": report.charts,
            "price_changes": report.price_changes,
            "bytes": report.path.stat().st_size,
            **(
                {"shared": dg.MetadataValue.url(report.shared)}
                if report.shared != str(report.path)
                else {}
            ),
        }
    )
