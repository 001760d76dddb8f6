"""Warehouse layer: DuckDB views over every snapshot of the Parquet tables."""

import dagster as dg

from assets.partitions import SINGLE_RUN, snapshot_partitions
from assets.resources import CatalogStorage
from assets.tables import TABLE_NAMES
from pipeline import memory
from pipeline.transforms.schemas import DATASET_TABLES
from pipeline.warehouse.build import build_warehouse


@dg.asset(
    description="data/warehouse.duckdb: latest and *_history views over the Parquet tables "
    "(no copies), cheapest_endpoint_per_model, free_variant_training_flags. Built beside the "
    "old file and renamed into place, so open readers are never disturbed.",
    deps=[*TABLE_NAMES, *DATASET_TABLES],
    partitions_def=snapshot_partitions,
    backfill_policy=SINGLE_RUN,
    group_name="warehouse",
    owners=["team:catalog"],
    kinds={"duckdb", "sql"},
)
def warehouse(context: dg.AssetExecutionContext, storage: CatalogStorage) -> dg.MaterializeResult:
    layout = storage.layout()
    counts = build_warehouse(layout)
    memory.release()
    # models only: an imported archive of /api/v1/models has no endpoints, and is a snapshot
    if counts["models"] == 0:
        raise dg.Failure(description="warehouse views are empty: models")
    if counts["endpoints"] == 0:
        context.log.warning("warehouse: no snapshot has endpoints yet (archives only?)")
    context.log.info("warehouse: " + ", ".join(f"{k}={v}" for k, v in counts.items()))
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(layout.warehouse_path)),
            **{f"rows_{k}": dg.MetadataValue.int(v) for k, v in counts.items()},
        }
    )
