"""Tables layer: raw documents → typed Parquet, one hive partition per snapshot date.

One multi-asset reads the raw snapshot once and writes every table; each table is still its
own asset in the graph, with its column schema. Reads only raw, so re-materialising a past
date rebuilds it without refetching.
"""

import dagster as dg
import polars as pl

from assets.raw import raw_frontend, raw_v1
from pipeline.metadata import column_schema, table_metadata
from pipeline.partitions import snapshot_partitions
from pipeline.raw_reader import read_snapshot
from pipeline.resources import CatalogStorage
from pipeline.storage import parse_snapshot_date
from pipeline.transforms.data_policies import data_policies_table
from pipeline.transforms.endpoints import endpoints_table
from pipeline.transforms.fetch_log import fetch_log_table
from pipeline.transforms.models import models_table
from pipeline.transforms.providers import providers_table

DESCRIPTIONS = {
    "models": "One row per model id as used for inference (variant after a colon), v1 list "
    "joined with the frontend catalog; default prices as exact decimals.",
    "endpoints": "One row per provider endpoint of a model; v1 endpoints and frontend "
    "stats/endpoint merged on (model_id, provider tag); every price component, limits, "
    "flags, uptime, latency and throughput.",
    "providers": "One row per provider: v1 providers joined with frontend all-providers.",
    "data_policies": "Training / retention policies per provider (paid and free models) and "
    "per endpoint, with the scope that stated them.",
    "fetch_log": "One row per HTTP request made for the snapshot, failures included.",
}
TABLE_NAMES = tuple(DESCRIPTIONS)


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
    partitions_def=snapshot_partitions,
    can_subset=False,
)
def catalog_tables(context: dg.AssetExecutionContext, storage: CatalogStorage):  # noqa: ANN201
    layout = storage.layout()
    date = parse_snapshot_date(context.partition_key)
    snap = layout.raw(date)
    if not snap.exists():
        raise dg.Failure(description=f"no raw snapshot for {date} at {snap.folder}")
    docs = read_snapshot(snap)
    if "v1_models" not in docs.present:
        raise dg.Failure(description=f"raw snapshot {date} has no successful v1_models response")
    frames: dict[str, pl.DataFrame] = {
        "models": models_table(docs.v1_models, docs.frontend_catalog),
        "endpoints": endpoints_table(docs.v1_endpoints, docs.frontend_stats_endpoints),
        "providers": providers_table(docs.v1_providers, docs.frontend_all_providers),
        "data_policies": data_policies_table(
            docs.frontend_all_providers, docs.frontend_stats_endpoints
        ),
        "fetch_log": fetch_log_table(docs.log_rows),
    }
    # Transform everything first, then write: a failing transform leaves no table half-updated.
    for name, df in frames.items():
        path = layout.write_partition(name, date, df)
        context.log.info(f"{name}: {df.height} rows → {path}")
        yield dg.MaterializeResult(asset_key=name, metadata=table_metadata(name, df, str(path)))
