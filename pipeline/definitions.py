"""The Dagster entry point: every asset, resource, job and schedule of the code location."""

from __future__ import annotations

import os

import dagster as dg

from assets.digest import catalog_digest
from assets.raw import raw_frontend, raw_v1
from assets.report import catalog_report
from assets.tables import catalog_tables
from assets.warehouse import warehouse
from pipeline.archive_sensor import archive_folder_sensor
from pipeline.resources import CatalogStorage, OpenRouterApi
from pipeline.settings import DEFAULT_BASE_URL

ALL_ASSETS = [raw_v1, raw_frontend, catalog_tables, warehouse, catalog_report, catalog_digest]

snapshot_job = dg.define_asset_job(
    "daily_snapshot",
    selection=dg.AssetSelection.all(),
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


def resources(base_url: str | None = None, data_dir: str | None = None) -> dict[str, object]:
    """Resources from explicit values, else the environment, else defaults (one place)."""
    return {
        "api": OpenRouterApi(
            base_url=base_url or os.environ.get("OPENROUTER_BASE_URL") or DEFAULT_BASE_URL
        ),
        "storage": CatalogStorage(
            root=data_dir or os.environ.get("OPENROUTER_CATALOG_DATA_DIR") or "./data"
        ),
    }


defs = dg.Definitions(
    assets=ALL_ASSETS,
    jobs=[snapshot_job],
    schedules=[daily_schedule],
    sensors=[archive_folder_sensor],
    resources=resources(),
)
