"""Dagster resources: the API client and the storage root. Typed, configurable, no globals.

The API key is never part of resource config (Dagster shows and stores config): the resource
holds the *name* of the environment variable and reads it only when a request is made.
"""

from __future__ import annotations

import os

import dagster as dg
from pydantic import field_validator

from pipeline import sources
from pipeline.fetch.cadence import Cadence
from pipeline.fetch.client import ApiClient
from pipeline.settings import DEFAULT_BASE_URL, check_base_url
from pipeline.storage.layout import Layout
from pipeline.storage.object_store import S3Options


class OpenRouterApi(dg.ConfigurableResource):
    """HTTP access to OpenRouter (or the replay server standing in for it)."""

    base_url: str = DEFAULT_BASE_URL
    api_key_env: str = "OPENROUTER_API_KEY"
    concurrency: int = 8
    requests_per_second: float | None = None
    timeout_s: float = 30.0
    max_attempts: int = 4
    min_coverage: float = 0.95
    max_body_mb: float = 64.0
    max_retry_after_s: float = 120.0
    # sources not asked every day (see pipeline/fetch/cadence.py); 0 turns one off
    uptime_every_days: int = 2
    top_apps_every_days: int = 7
    uptime_hourly_endpoints: int = 50

    # The same checks as the CLI's settings, for runs launched from the UI or a schedule.
    @field_validator("base_url")
    @classmethod
    def _base_url(cls, v: str) -> str:
        return check_base_url(v)

    @field_validator("concurrency", "max_attempts")
    @classmethod
    def _at_least_one(cls, v: int) -> int:
        if v < 1:
            raise ValueError(f"must be ≥ 1, got {v}")
        return v

    @field_validator("uptime_every_days", "top_apps_every_days", "uptime_hourly_endpoints")
    @classmethod
    def _not_negative(cls, v: int) -> int:
        if v < 0:
            raise ValueError(f"must be ≥ 0 (0 turns it off), got {v}")
        return v

    def cadence(self) -> Cadence:
        return Cadence(
            self.uptime_every_days, self.top_apps_every_days, self.uptime_hourly_endpoints
        )

    def client(self) -> ApiClient:
        return ApiClient(
            self.base_url,
            os.environ.get(self.api_key_env) or None,
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
