"""The Dagster entry point: every asset, resource, job and schedule of the code location."""

from __future__ import annotations

import dagster as dg

from assets.datasets import datasets_tables
from assets.digest import catalog_digest
from assets.executors import executor
from assets.performance import (
    endpoint_performance_samples,
    performance_job,
)
from assets.raw import raw
from assets.release import release
from assets.report import catalog_report
from assets.resources import CatalogStorage, OpenRouterApi
from assets.sensors import archive_folder_sensor
from assets.tables import catalog_tables
from assets.warehouse import warehouse
from pipeline.settings import Settings

ALL_ASSETS = [
    raw,
    catalog_tables,
    datasets_tables,
    warehouse,
    catalog_report,
    catalog_digest,
    release,
]

snapshot_job = dg.define_asset_job(
    "daily_snapshot",
    selection=dg.AssetSelection.assets(*ALL_ASSETS),
    description="Fetch (or land archives), flatten and publish one snapshot date, and draw "
    "its report and digest.",
)
# where the code location loads: the schedules' times, the executor, the resources
SETTINGS = Settings()
daily_schedule = dg.build_schedule_from_partitioned_job(
    snapshot_job,
    name="daily_snapshot_schedule",
    hour_of_day=SETTINGS.schedule_hour,
    description="Fetch today's catalog and rebuild the tables and the warehouse.",
)
# each hour's partition when it ends
performance_schedule = dg.build_schedule_from_partitioned_job(
    performance_job,
    name="hourly_performance_schedule",
    minute_of_hour=SETTINGS.sample_minute,
    description="Sample the endpoints' performance every hour (off until turned on).",
)


def resources(settings: Settings | None = None) -> dict[str, object]:
    """The resources of a run from settings (default: the environment of the process that
    loads the code location, as a schedule, a multiprocess step or a Kubernetes pod does).
    One place, so the CLI and the UI run with the same values."""
    s = settings or Settings()
    return {
        "api": OpenRouterApi(**{name: getattr(s, name) for name in OpenRouterApi.model_fields}),
        "storage": CatalogStorage(**s.storage_resource_config()),
    }


defs = dg.Definitions(
    assets=[*ALL_ASSETS, endpoint_performance_samples],
    jobs=[snapshot_job, performance_job],
    schedules=[daily_schedule, performance_schedule],
    sensors=[archive_folder_sensor],
    resources=resources(SETTINGS),
    executor=executor(SETTINGS.executor),
)
