"""The Dagster entry point: every asset, resource, job and schedule of the code location."""

from __future__ import annotations

import os

import dagster as dg

from assets.digest import catalog_digest
from assets.executors import executor_from_env
from assets.performance import (
    endpoint_performance_samples,
    performance_job,
    performance_schedule,
)
from assets.raw import raw
from assets.report import catalog_report
from assets.resources import CatalogStorage, OpenRouterApi
from assets.sensors import archive_folder_sensor
from assets.tables import catalog_tables
from assets.warehouse import warehouse
from pipeline.settings import Settings

ALL_ASSETS = [raw, catalog_tables, warehouse, catalog_report, catalog_digest]

snapshot_job = dg.define_asset_job(
    "daily_snapshot",
    selection=dg.AssetSelection.assets(*ALL_ASSETS),
    description="Fetch (or land archives), flatten and publish one snapshot date, and draw "
    "its report and digest.",
)
# Today's partition every day at OPENROUTER_CATALOG_SCHEDULE_HOUR (UTC, default 06:00).
SCHEDULE_HOUR = int(os.environ.get("OPENROUTER_CATALOG_SCHEDULE_HOUR", "6"))
daily_schedule = dg.build_schedule_from_partitioned_job(
    snapshot_job,
    name="daily_snapshot_schedule",
    hour_of_day=SCHEDULE_HOUR,
    description="Fetch today's catalog and rebuild the tables and the warehouse.",
)


def resources(settings: Settings | None = None) -> dict[str, object]:
    """The resources of a run from settings (default: the environment of the process that
    loads the code location, as a schedule, a multiprocess step or a Kubernetes pod does).
    One place, so the CLI and the UI run with the same values."""
    s = settings or Settings()
    return {
        "api": OpenRouterApi(
            base_url=s.base_url,
            concurrency=s.concurrency,
            requests_per_second=s.requests_per_second,
            timeout_s=s.timeout_s,
            max_attempts=s.max_attempts,
            min_coverage=s.min_coverage,
            max_body_mb=s.max_body_mb,
            max_retry_after_s=s.max_retry_after_s,
            uptime_every_days=s.uptime_every_days,
            top_apps_every_days=s.top_apps_every_days,
            uptime_hourly_endpoints=s.uptime_hourly_endpoints,
        ),
        "storage": CatalogStorage(**s.storage_resource_config()),
    }


defs = dg.Definitions(
    assets=[*ALL_ASSETS, endpoint_performance_samples],
    jobs=[snapshot_job, performance_job],
    schedules=[daily_schedule, performance_schedule],
    sensors=[archive_folder_sensor],
    resources=resources(),
    executor=executor_from_env(),
)
