"""Warehouse layer: DuckDB views over every snapshot of the Parquet tables."""

import dagster as dg

from assets.tables import TABLE_NAMES
from pipeline import memory
from pipeline.partitions import snapshot_partitions
from pipeline.resources import CatalogStorage
from pipeline.warehouse.build import build_warehouse


@dg.asset(
    description="data/warehouse.duckdb: latest and *_history views over the Parquet tables "
    "(no copies), cheapest_endpoint_per_model, free_variant_training_flags. Built beside the "
    "old file and renamed into place, so open readers are never disturbed.",
    deps=list(TABLE_NAMES),
    partitions_def=snapshot_partitions,
    group_name="warehouse",
    owners=["team:catalog"],
    kinds={"duckdb", "sql"},
)
def warehouse(context: dg.AssetExecutionContext, storage: CatalogStorage) -> dg.MaterializeResult:
    layout = storage.layout()
    counts = build_warehouse(layout)
    memory.release()
    empty = [v for v in ("models", "endpoints") if counts[v] == 0]
    if empty:
        raise dg.Failure(description=f"warehouse views are empty: {', '.join(empty)}")
    context.log.info("warehouse: " + ", ".join(f"{k}={v}" for k, v in counts.items()))
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(layout.warehouse_path)),
            **{f"rows_{k}": dg.MetadataValue.int(v) for k, v in counts.items()},
        }
    )
