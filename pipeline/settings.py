"""Settings: flags first, then environment (OPENROUTER_BASE_URL, OPENROUTER_API_KEY,
OPENROUTER_CATALOG_DATA_DIR), then defaults. Validated at start so a typo stops the run at once."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, SecretStr, create_model, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from pipeline.publish.thresholds import Thresholds
from pipeline.sources.datasets_rankings_daily import parse_slice
from pipeline.storage.layout import Layout
from pipeline.storage.object_store import S3Options

DEFAULT_BASE_URL = "https://openrouter.ai"
# the Dagster home of a storage root, inside its data dir: the UI of a data dir shows its runs
HOME_DIR = ".dagster"
MEMORY = "memory"


def check_base_url(v: str) -> str:
    """The base URL as scheme://host[:port], or a ValueError saying what is wrong with it
    (shared by the CLI settings and the Dagster resource)."""
    parts = urlsplit(v)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"base URL {v!r} must look like https://host[:port]")
    if parts.path not in ("", "/") or parts.query or parts.username or parts.password:
        raise ValueError(f"base URL {v!r} must be scheme://host[:port] only")
    return v.rstrip("/")


# the publish audit's limits (pipeline/publish/thresholds.py), one field each, read as
# OPENROUTER_CATALOG_AUDIT_<LIMIT>: declared there once
_AuditSettings = create_model(  # type: ignore[call-overload]
    "_AuditSettings",
    __base__=BaseSettings,
    **{name: (kind, Field(default, ge=0)) for name, (kind, default) in Thresholds.fields().items()},
)


class Settings(_AuditSettings):
    # Unaliased fields read OPENROUTER_CATALOG_<NAME>, never a bare CONCURRENCY or TIMEOUT_S
    # that some other tool set.
    model_config = SettingsConfigDict(
        extra="ignore", populate_by_name=True, env_prefix="OPENROUTER_CATALOG_"
    )

    base_url: str = Field(
        DEFAULT_BASE_URL, validation_alias=AliasChoices("base_url", "OPENROUTER_BASE_URL")
    )
    api_key: SecretStr | None = Field(
        None, validation_alias=AliasChoices("api_key", "OPENROUTER_API_KEY")
    )
    data_dir: str = Field(
        "./data", validation_alias=AliasChoices("data_dir", "OPENROUTER_CATALOG_DATA_DIR")
    )
    # the storage root when it is not data_dir: s3://bucket/prefix (raw and tables live
    # there; data_dir keeps the warehouse file and reports). Bucket keys come from the usual
    # AWS_* variables and are never settings, flags or logged.
    root: str | None = Field(None, validation_alias=AliasChoices("root", "OPENROUTER_CATALOG_ROOT"))
    s3_endpoint_url: str | None = Field(
        None,
        validation_alias=AliasChoices(
            "s3_endpoint_url",
            "OPENROUTER_CATALOG_S3_ENDPOINT_URL",
            "AWS_ENDPOINT_URL_S3",
            "AWS_ENDPOINT_URL",
        ),
    )
    s3_region: str | None = Field(
        None,
        validation_alias=AliasChoices(
            "s3_region", "OPENROUTER_CATALOG_S3_REGION", "AWS_REGION", "AWS_DEFAULT_REGION"
        ),
    )
    # None: path style for a custom endpoint (MinIO, SeaweedFS), virtual hosts on AWS
    s3_path_style: bool | None = None
    concurrency: int = Field(8, ge=1, le=256)
    requests_per_second: float | None = Field(None, gt=0)
    timeout_s: float = Field(30.0, gt=0)
    max_attempts: int = Field(4, ge=1, le=20)
    min_coverage: float = Field(0.95, ge=0, le=1)
    max_body_mb: float = Field(64.0, gt=0)
    # a Retry-After longer than this ends the run's calls at once (minutes, not hours: a
    # daily job must not wait a day for an API that says so)
    max_retry_after_s: float = Field(120.0, gt=0)
    # sources not asked every day (pipeline/fetch/cadence.py); 0 turns one off
    uptime_every_days: int = Field(2, ge=0)
    top_apps_every_days: int = Field(7, ge=0)
    uptime_hourly_endpoints: int = Field(50, ge=0)
    # the Data API (asked only with a key): the calls this project's runs may spend a UTC
    # day together, counted in the storage root (the account's quota is 500); and the
    # rankings slices asked beside the unsliced daily series, e.g. "modality=text" or
    # "category=programming" (a sampled slice is asked weekly, with period=week)
    datasets_daily_budget: int = Field(450, ge=0, le=500)
    datasets_slices: list[str] = Field(default_factory=list)
    # releases (``openrouter-catalog release``, and the daily job's ``release`` asset when
    # ``release_enabled``): where they go (default <data dir>/releases, or the bucket's
    # releases/ with a bucket root), how many are kept, and the change feed's price threshold
    release_enabled: bool = False
    release_to: str | None = None
    release_keep: int = Field(10, ge=1)
    release_price_threshold_pct: float = Field(10.0, ge=0)
    # a rebuild (``openrouter-catalog rebuild``, a backfill of a range): the processes that
    # build the next dates' tables from their raw while one date is audited and published
    # (0: none, every date built in the run's own process)
    rebuild_workers: int = Field(2, ge=0, le=32)

    # the code location's deployment (assets/definitions.py, executors.py): read where it
    # loads, so the webserver, the daemon and every worker of a deployment agree
    schedule_hour: int = Field(6, ge=0, le=23)  # the daily job's hour, UTC
    sample_minute: int = Field(5, ge=0, le=59)  # the hourly samples' minute past the hour
    executor: Literal["default", "celery"] = "default"

    # where runs are recorded: the Dagster home ``openrouter-catalog ui`` reads. Default:
    # $DAGSTER_HOME, else the storage root's own (``root_home``); "memory" records nothing
    # (an in-memory instance).
    dagster_home: str | None = Field(
        None,
        validation_alias=AliasChoices(
            "dagster_home", "OPENROUTER_CATALOG_DAGSTER_HOME", "DAGSTER_HOME"
        ),
    )

    def dagster_home_path(self) -> Path | None:
        if self.dagster_home == MEMORY:
            return None
        return Path(self.dagster_home or self.root_home()).expanduser().resolve()

    def root_home(self) -> Path:
        """The storage root's own Dagster home, so that the UI of a data dir lists only the
        runs and materialisations of what that data dir holds: ``<root>/.dagster`` for a folder,
        and for a bucket a home in the local data dir keyed by the bucket's root."""
        root = self.storage_root()
        if "://" not in root:
            return Path(root) / HOME_DIR
        return Path(self.data_dir) / HOME_DIR / re.sub(r"[^A-Za-z0-9._-]+", "-", root).strip("-")

    @field_validator("base_url")
    @classmethod
    def _check_url(cls, v: str) -> str:
        return check_base_url(v)

    @field_validator("datasets_slices")
    @classmethod
    def _check_slices(cls, v: list[str]) -> list[str]:
        for text in v:
            parse_slice(text)  # a ValueError names the slice and what it should be
        return v

    @field_validator("executor", mode="before")
    @classmethod
    def _executor_name(cls, v: object) -> object:
        return v.strip().lower() if isinstance(v, str) else v

    def storage_root(self) -> str:
        return self.root or self.data_dir

    def layout(self) -> Layout:
        """Where this run reads and writes: the storage root, and data_dir beside a bucket."""
        return Layout(
            self.storage_root(),
            self.data_dir,
            S3Options(self.s3_endpoint_url, self.s3_region, self.s3_path_style),
        )

    def storage_resource_config(self) -> dict[str, object]:
        """The storage settings as CatalogStorage fields (no secret among them)."""
        return {
            "root": self.storage_root(),
            "local_dir": self.data_dir,
            "s3_endpoint_url": self.s3_endpoint_url,
            "s3_region": self.s3_region,
            "s3_path_style": self.s3_path_style,
            "release_enabled": self.release_enabled,
            "release_to": self.release_to,
            "release_keep": self.release_keep,
            "release_price_threshold_pct": self.release_price_threshold_pct,
            "rebuild_workers": self.rebuild_workers,
        }

    def environment(self) -> dict[str, str]:
        """These settings as the environment variables they are read from, for processes a
        run starts (multiprocess steps load the code location, and its settings, anew). The
        API key is left out: it is already in the environment or nowhere."""
        names = {"base_url": "OPENROUTER_BASE_URL"}
        out = {}
        deployment = {"schedule_hour", "sample_minute", "executor"}
        for field, value in self.model_dump(
            exclude={"api_key", "dagster_home", *deployment}
        ).items():
            if value is not None:
                out[names.get(field, f"OPENROUTER_CATALOG_{field.upper()}")] = str(value)
        return out

    def thresholds(self) -> Thresholds:
        return Thresholds.of(self)

    def key(self) -> str | None:
        return self.api_key.get_secret_value() if self.api_key else None
