"""The hourly performance sample: its own job on hourly partitions, so the daily snapshot is
untouched. A sample describes the API's now (the half hour before it): a partition is
sampled when it is the current hour or the one just ended, and a backfill of older hours
is refused rather than stamped with figures of another time."""

import asyncio
import datetime as dt

import dagster as dg

from assets.metadata import column_schema
from assets.raw import API_POOL
from assets.resources import CatalogStorage, OpenRouterApi
from pipeline.publish.samples import TABLE, NothingToSample, SampleIncomplete, take_sample
from pipeline.storage.layout import Layout
from pipeline.warehouse.build import build_warehouse

hourly_partitions = dg.HourlyPartitionsDefinition(start_date="2026-07-01-00:00", end_offset=1)
# how late a partition may still be sampled: the schedule runs an hour's partition when it ends
LATE = dt.timedelta(hours=1)


class SampleConfig(dg.Config):
    """``at``: the sample's moment (YYYY-MM-DDTHH:MM, UTC) when not now: the CLI's
    ``sample --at`` (a replay of recorded captures, or a sample stamped by its caller)."""

    at: str | None = None


def sample_moment(partition_key: str, at: "str | None", now: dt.datetime) -> dt.datetime:
    """The moment to stamp the sample with; raises Failure for an hour long gone."""
    if at:
        try:
            return dt.datetime.fromisoformat(at).replace(tzinfo=dt.UTC)
        except ValueError:
            raise dg.Failure(description=f"at {at!r} is not YYYY-MM-DDTHH:MM") from None
    start = dt.datetime.strptime(partition_key, "%Y-%m-%d-%H:%M").replace(tzinfo=dt.UTC)
    if not start <= now < start + dt.timedelta(hours=1) + LATE:
        raise dg.Failure(
            description=f"partition {partition_key} is not the current hour or the one just "
            f"ended (now {now:%Y-%m-%d %H:%M} UTC): the API answers for now only, so an old "
            "hour cannot be sampled"
        )
    return now


@dg.asset(
    name=TABLE,
    description="Latency and throughput percentiles, uptime, status and request counts of "
    "every endpoint the latest published snapshot lists, one row per endpoint per sample: one "
    "stats/endpoint call (with a cache-buster) per (model, variant) with endpoints, or the v1 "
    "endpoints call when the frontend is down. One file per sample in the date's partition.",
    partitions_def=hourly_partitions,
    # it reads the latest published snapshot's endpoints, whatever the hour: the lineage shows
    # that, and the newest daily partition is the one it stands on
    deps=[dg.AssetDep("endpoints", partition_mapping=dg.LastPartitionMapping())],
    group_name="performance",
    owners=["team:catalog"],
    kinds={"polars", "parquet"},
    metadata={"dagster/column_schema": column_schema(TABLE)},
    pool=API_POOL,
)
def endpoint_performance_samples(
    context: dg.AssetExecutionContext,
    config: SampleConfig,
    api: OpenRouterApi,
    storage: CatalogStorage,
) -> dg.MaterializeResult:
    now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    at = sample_moment(context.partition_key, config.at, now)
    layout = storage.layout()

    async def go():  # noqa: ANN202
        async with api.client() as client:
            return await take_sample(
                layout, client, at, min_coverage=api.min_coverage, log=context.log.info
            )

    try:
        outcome = asyncio.run(go())
    except NothingToSample as exc:
        raise dg.Failure(description=str(exc)) from None
    except SampleIncomplete as exc:
        _views_read_samples(context, layout)  # what did answer landed: readers see it
        raise dg.Failure(description=str(exc)) from None
    context.log.info(outcome.line())
    _views_read_samples(context, layout)
    return dg.MaterializeResult(
        metadata={
            "sampled_at": outcome.at.isoformat(),
            "rows": outcome.rows,
            "pairs": len(outcome.targets.pairs),
            "requests": outcome.answers.requests,
            "failed": len(outcome.answers.failed),
            "coverage": outcome.coverage,
            "answered_by": "v1" if outcome.answers.frontend_down else "frontend",
            "from_snapshot": outcome.targets.snapshot_date.isoformat(),
            "file": dg.MetadataValue.path(outcome.file or "(no row answered: no file)"),
        }
    )


performance_job = dg.define_asset_job(
    "hourly_performance",
    selection=dg.AssetSelection.assets(endpoint_performance_samples),
    description="Sample every listed endpoint's latency, throughput and uptime once an hour.",
)


def _views_read_samples(context: dg.AssetExecutionContext, layout: Layout) -> None:
    """The views read every sample file as it lands, once they are built over the table's
    files rather than as the empty views of a table with none. Whatever came before (no
    sample yet, a sample of nothing), the warehouse is built again when its views would
    differ; a file whose views are the same is kept (``build_warehouse``'s reuse)."""
    if not layout.warehouse_path.exists():
        return
    before = layout.warehouse_path.stat().st_ino
    build_warehouse(layout)
    if layout.warehouse_path.stat().st_ino != before:
        context.log.info(f"warehouse: rebuilt to read the samples ({layout.warehouse_path})")
