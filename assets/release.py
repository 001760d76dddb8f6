"""The release of everything published so far, after the report in the daily job: off unless
``OPENROUTER_CATALOG_RELEASE_ENABLED`` (the same build as ``openrouter-catalog release``)."""

import dagster as dg

from assets.partitions import SINGLE_RUN, snapshot_partitions
from assets.report import catalog_report
from assets.resources import CatalogStorage
from pipeline.release.build import build_release, destination


@dg.asset(
    description="A versioned release of every published table and history (one Parquet file "
    "each), load.sql, manifest.json, DATACARD.md and the change feed, into the release "
    "destination (a folder, or the bucket with a bucket root). Off by default: "
    "OPENROUTER_CATALOG_RELEASE_ENABLED=true turns it on.",
    deps=[catalog_report],
    partitions_def=snapshot_partitions,
    backfill_policy=SINGLE_RUN,
    group_name="reports",
    owners=["team:catalog"],
    kinds={"duckdb", "parquet"},
)
def release(context: dg.AssetExecutionContext, storage: CatalogStorage) -> dg.MaterializeResult:
    if not storage.release_enabled:
        context.log.info("not built: off unless OPENROUTER_CATALOG_RELEASE_ENABLED=true")
        return dg.MaterializeResult(metadata={"built": False})
    built = build_release(
        storage.layout(),
        destination(storage.layout(), storage.release_to),
        keep=storage.release_keep,
        min_pct=storage.release_price_threshold_pct,
        log=context.log.info,
    )
    return dg.MaterializeResult(
        metadata={
            "built": True,
            "version": built.version,
            "where": dg.MetadataValue.path(built.where),
            "files": len(built.files),
            "bytes": sum(f["bytes"] for f in built.files.values()),
        }
    )
