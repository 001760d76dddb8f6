"""Materialise every asset of one snapshot in-process: the same assets the UI runs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import dagster as dg

from assets.raw import refetch_config
from pipeline.definitions import ALL_ASSETS, snapshot_job
from pipeline.progress import progress_logger
from pipeline.resources import CatalogStorage, OpenRouterApi
from pipeline.settings import Settings

# A new Dagster home gets the project's settings: no telemetry (these machines are offline).
INSTANCE_YAML = "telemetry:\n  enabled: false\n"


class RunFailed(RuntimeError):
    """The snapshot could not be produced; str() is the one-line reason."""


@dataclass
class RunOutcome:
    snapshot_date: dt.date
    run_id: str
    result: dg.ExecuteInProcessResult

    def failed_checks(self) -> list[str]:
        """One line per asset check that did not pass: its name, severity and what it found
        first, so a headless run says what the UI would show."""
        lines = []
        for e in self.result.get_asset_check_evaluations():
            if e.passed:
                continue
            severity = "error" if e.severity == dg.AssetCheckSeverity.ERROR else "warning"
            sample = e.metadata.get("sample")
            first = sample.value[0] if sample is not None and sample.value else None
            detail = f": {first}" if isinstance(first, str) else ""
            lines.append(f"{e.check_name} ({severity}, {e.asset_key.to_user_string()}){detail}")
        return lines


def _first_failure(result: dg.ExecuteInProcessResult) -> str:
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data is not None:
            err = event.step_failure_data.error
            user = err.cause if err and err.cause else err
            message = (user.message if user else "unknown error").strip()
            # a Failure's description comes first; keep one line
            first = message.splitlines()[0] if message else "unknown error"
            first = first.removeprefix("dagster._core.definitions.events.Failure: ")
            return f"{event.step_key}: {first}"
    return "run failed"


def run_snapshot(
    settings: Settings,
    snapshot_date: dt.date,
    refetch: bool = False,
    verbose: bool = False,
    import_files: list[str] | None = None,
) -> RunOutcome:
    """Fetch, transform and publish one snapshot date as a run of the ``daily_snapshot`` job,
    recorded in the Dagster home (``Settings.dagster_home``: where ``make ui`` looks), so it
    shows in the UI like a scheduled run. Raises RunFailed with a clear reason. Raw that
    already landed completely for the date is reused unless ``refetch``; ``import_files``
    lands archived responses instead of fetching (``openrouter-catalog import``)."""
    resources = {
        "api": OpenRouterApi(
            base_url=settings.base_url,
            concurrency=settings.concurrency,
            requests_per_second=settings.requests_per_second,
            timeout_s=settings.timeout_s,
            max_attempts=settings.max_attempts,
            min_coverage=settings.min_coverage,
            max_body_mb=settings.max_body_mb,
            uptime_every_days=settings.uptime_every_days,
            top_apps_every_days=settings.top_apps_every_days,
            uptime_hourly_endpoints=settings.uptime_hourly_endpoints,
        ),
        "storage": CatalogStorage(root=settings.data_dir),
    }
    defs = dg.Definitions(
        assets=ALL_ASSETS,
        jobs=[snapshot_job],
        resources=resources,
        loggers={"progress": progress_logger, "console": dg.default_loggers()["console"]},
    )
    job = defs.resolve_job_def(snapshot_job.name)
    home = settings.dagster_home_path()
    if home is None:
        instance = dg.DagsterInstance.ephemeral()
    else:
        home.mkdir(parents=True, exist_ok=True)
        config = home / "dagster.yaml"
        if not config.exists():  # else Dagster prints a notice and a telemetry banner
            config.write_text(INSTANCE_YAML)
        instance = dg.DagsterInstance.from_config(str(home))
    logger = (
        {"console": {"config": {"log_level": "DEBUG"}}} if verbose else {"progress": {"config": {}}}
    )
    with instance:
        result = job.execute_in_process(
            partition_key=snapshot_date.isoformat(),
            instance=instance,
            raise_on_error=False,
            run_config={"loggers": logger, **refetch_config(refetch, import_files)},
            tags={"source": "openrouter-catalog " + ("import" if import_files else "run")},
        )
    if not result.success:
        if _interrupted(result):
            raise KeyboardInterrupt
        raise RunFailed(_first_failure(result))
    return RunOutcome(snapshot_date, result.run_id, result)


def _interrupted(result: dg.ExecuteInProcessResult) -> bool:
    """Ctrl-C: Dagster turns the signal into a failed step; the user asked for it."""
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data is not None:
            err = event.step_failure_data.error
            if err is not None and "Interrupted" in (err.cls_name or ""):
                return True
    return False
