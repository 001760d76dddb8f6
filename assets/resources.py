"""Dagster resources: the API client and the storage root. Typed, configurable, no globals.

The API key is never part of resource config (Dagster shows and stores config): the client
reads it from the settings when a request is made.
"""

from __future__ import annotations

from typing import Any

import dagster as dg
from pydantic import field_validator, model_validator

from pipeline import sources
from pipeline.fetch.cadence import Cadence
from pipeline.fetch.client import ApiClient
from pipeline.settings import Settings
from pipeline.storage.layout import Layout
from pipeline.storage.object_store import S3Options


def _default(name: str) -> Any:  # noqa: ANN401 - the setting's own type
    """The default of a setting: declared once, in ``Settings``."""
    return Settings.model_fields[name].default


class OpenRouterApi(dg.ConfigurableResource):
    """HTTP access to OpenRouter (or the replay server standing in for it). Its fields are
    settings (``pipeline/settings.py``), which give their defaults and check their values."""

    base_url: str = _default("base_url")
    concurrency: int = _default("concurrency")
    requests_per_second: float | None = _default("requests_per_second")
    timeout_s: float = _default("timeout_s")
    max_attempts: int = _default("max_attempts")
    min_coverage: float = _default("min_coverage")
    max_body_mb: float = _default("max_body_mb")
    max_retry_after_s: float = _default("max_retry_after_s")
    # sources not asked every day (see pipeline/fetch/cadence.py); 0 turns one off
    uptime_every_days: int = _default("uptime_every_days")
    top_apps_every_days: int = _default("top_apps_every_days")
    uptime_hourly_endpoints: int = _default("uptime_hourly_endpoints")
    # the Data API: today's budget of calls across runs, and the rankings slices asked
    datasets_daily_budget: int = _default("datasets_daily_budget")
    datasets_slices: list[str] = []

    @model_validator(mode="after")
    def _as_settings(self) -> OpenRouterApi:
        # the same checks as the CLI's, for runs launched from the UI or a schedule
        Settings.model_validate(self.settings_values())
        return self

    def settings_values(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in type(self).model_fields}

    def cadence(self) -> Cadence:
        return Cadence(
            self.uptime_every_days, self.top_apps_every_days, self.uptime_hourly_endpoints
        )

    def datasets_client(self) -> ApiClient:
        """A client of its own for the Data API: its 30 requests a minute per key, one call
        at a time, and a 429 that says the day's quota is spent ends its calls, never the
        catalog's (which share no pace with it)."""
        return ApiClient(
            self.base_url,
            Settings().key(),
            concurrency=1,
            timeout_s=self.timeout_s,
            max_attempts=self.max_attempts,
            max_body_bytes=int(self.max_body_mb * 1024 * 1024),
            max_retry_after_s=self.max_retry_after_s,
            per_minute=sources.DATA_API_PER_MINUTE,
            quota_marker=sources.QUOTA_MARKER,
        )

    def client(self) -> ApiClient:
        return ApiClient(
            self.base_url,
            # read when a request is made, never config (Dagster shows and stores config)
            Settings().key(),
            concurrency=self.concurrency,
            requests_per_second=self.requests_per_second,
            timeout_s=self.timeout_s,
            max_attempts=self.max_attempts,
            max_body_bytes=int(self.max_body_mb * 1024 * 1024),
            source_limits=sources.PER_MINUTE_LIMITS,
            max_retry_after_s=self.max_retry_after_s,
        )


class CatalogStorage(dg.ConfigurableResource):
    """The storage root (a folder or ``s3://bucket/prefix``); every path and key is built by
    ``Layout`` from it. Bucket credentials are not config (Dagster shows and stores config):
    obstore reads ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY`` and the rest from the
    environment of the process that runs the step."""

    root: str = "./data"
    # with a bucket root: where this machine keeps the warehouse file and reports
    local_dir: str | None = None
    s3_endpoint_url: str | None = None
    s3_region: str | None = None
    s3_path_style: bool | None = None
    # the daily job's release (the ``release`` asset): off unless turned on; see Settings
    release_enabled: bool = _default("release_enabled")
    release_to: str | None = _default("release_to")
    release_keep: int = _default("release_keep")
    release_price_threshold_pct: float = _default("release_price_threshold_pct")
    rebuild_workers: int = _default("rebuild_workers")

    @field_validator("root")
    @classmethod
    def _root(cls, v: str) -> str:
        Layout(v)  # refuses unknown schemes and malformed s3 URLs with a clear message
        return v

    def layout(self) -> Layout:
        return Layout(
            self.root,
            self.local_dir,
            S3Options(self.s3_endpoint_url, self.s3_region, self.s3_path_style),
        )
