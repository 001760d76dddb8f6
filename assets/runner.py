"""Materialise every asset of one snapshot in-process: the same assets the UI runs."""

from __future__ import annotations

import datetime as dt
import functools
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg

from assets.definitions import ALL_ASSETS, snapshot_job
from assets.definitions import resources as definition_resources
from assets.interrupts import close_own_runs, sigint_seen
from assets.partitions import REBUILD_FORCE_TAG, REBUILD_STALE_TAG, REBUILD_TAG
from assets.performance import endpoint_performance_samples, performance_job
from assets.progress import progress_logger
from assets.raw import refetch_config
from assets.stale_runs import close_dead_runs, process_tag
from assets.tables import tables_config
from pipeline.publish import decisions
from pipeline.settings import Settings
from pipeline.storage.lock import LAUNCHER_HOLDS_TAG, DateLocked, date_lock

# A new Dagster home gets the project's settings: no telemetry (these machines are offline).
# The API pool (assets/raw.py) lets one fetching step at a time talk to OpenRouter, whichever
# run or process it is in: a backfill of many dates on many workers stays polite.
# The dagster.yaml of every home the project makes (a data dir's, `openrouter-catalog ui`'s).
INSTANCE_YAML = """\
# A Dagster home of openrouter-catalog. No telemetry: these machines may be offline, and
# Dagster would look its host up on every start.
telemetry:
  enabled: false
# one step at a time talks to OpenRouter (the raw step holds the pool openrouter_api),
# across runs and processes: a backfill of many dates stays polite
concurrency:
  pools:
    default_limit: 1
  # one run of a partition at a time: a second run of a date that is running waits in the
  # run queue (the daemon's), whichever worker launched it; the command line's in-process
  # run takes the date's lock in the storage root instead
  runs:
    tag_concurrency_limits:
      - key: dagster/partition
        value:
          applyLimitPerUniqueValue: true
        limit: 1
# no capture of the steps' stdout and stderr: the steps say what they do in log events, and
# the capture starts a tail and a watcher process per run that a Ctrl-C to the terminal's
# process group interrupts with tracebacks of their own
compute_logs:
  module: dagster._core.storage.noop_compute_log_manager
  class: NoOpComputeLogManager
# Dagster's SQLite event log in history/runs/, its engines kept for the process's life rather
# than opened for every event (assets/event_log.py)
event_log_storage:
  module: assets.event_log
  class: KeptEngineSqliteEventLogStorage
  config:
    dagster_home:
      env: DAGSTER_HOME
"""


class RunInterrupted(KeyboardInterrupt):
    """Ctrl-C during the run. ``published``: it came after the date was published whole."""

    def __init__(self, snapshot_date: dt.date, run_id: str, published: bool = True) -> None:
        super().__init__(snapshot_date, run_id, published)
        self.snapshot_date, self.run_id, self.published = snapshot_date, run_id, published


class RunFailed(RuntimeError):
    """The snapshot could not be produced; str() is the one-line reason."""


class RunHeld(RunFailed):
    """The snapshot was built but its audit failed: staged, not published. str() is the line
    naming the date, the checks and their figures."""


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
            sample, figures = e.metadata.get("sample"), e.metadata.get("figures")
            first = sample.value[0] if sample is not None and sample.value else None
            if figures is not None:
                first = figures.value
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


def _definitions(settings: Settings) -> dg.Definitions:
    """The code location's assets and job with the resources of ``settings`` and the CLI's
    progress logger; Dagster's default executor (in-process or multiprocess, by run config)."""
    return dg.Definitions(
        assets=ALL_ASSETS,
        jobs=[snapshot_job],
        resources=definition_resources(settings),
        loggers={"progress": progress_logger, "console": dg.default_loggers()["console"]},
    )


def daily_job() -> dg.JobDefinition:
    """The job for the multiprocess executor, whose step processes build it again from the
    settings in their environment (``dg.reconstructable`` needs a module-level function)."""
    return _definitions(Settings()).resolve_job_def(snapshot_job.name)


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def home_environment(home: Path) -> dict[str, str]:
    """What a process recording in ``home`` needs in its environment: the home's
    ``dagster.yaml`` finds its event log through ``DAGSTER_HOME``, as Dagster's own
    processes (the webserver, the daemon, a run worker) find the home itself."""
    return {"DAGSTER_HOME": str(home)}


def open_home(home: Path) -> dg.DagsterInstance:
    """The Dagster instance recorded in ``home``, made with the project's ``dagster.yaml``
    if it has none yet."""
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():  # else Dagster prints a notice and a telemetry banner
        config.write_text(INSTANCE_YAML)
    with _environment(home_environment(home)):
        return dg.DagsterInstance.from_config(str(home))


def _instance(settings: Settings) -> dg.DagsterInstance:
    """The Dagster home of the settings (ephemeral for 'memory'), its runs left unfinished by
    a dead process closed."""
    home = settings.dagster_home_path()
    if home is None:
        return dg.DagsterInstance.ephemeral()
    instance = open_home(home)
    for stale in close_dead_runs(instance):
        date = stale.tags.get("dagster/partition", "?")
        sys.stdout.write(
            f"run: run {stale.run_id} of {date} was left unfinished by a process that is "
            "gone; marked failed, and its API pool slot freed\n"
        )
    return instance


def _logger(verbose: bool) -> dict:
    return (
        {"console": {"config": {"log_level": "DEBUG"}}} if verbose else {"progress": {"config": {}}}
    )


def run_sample(settings: Settings, at: dt.datetime | None, verbose: bool = False) -> RunOutcome:
    """One hourly performance sample as a run of the ``hourly_performance`` job (the hour of
    ``at``, or of now), recorded like a scheduled one. ``at`` stamps the sample (a replay of
    recorded captures); without it the sample is of now."""
    definitions = dg.Definitions(
        assets=[endpoint_performance_samples],
        jobs=[performance_job],
        resources=definition_resources(settings),
        loggers={"progress": progress_logger, "console": dg.default_loggers()["console"]},
    )
    job = definitions.resolve_job_def(performance_job.name)
    moment = at or dt.datetime.now(dt.UTC)
    config = {"at": at.strftime("%Y-%m-%dT%H:%M")} if at else {}
    with _instance(settings) as instance:
        result = job.execute_in_process(
            partition_key=moment.strftime("%Y-%m-%d-%H:00"),
            instance=instance,
            raise_on_error=False,
            run_config={
                "loggers": _logger(verbose),
                "ops": {endpoint_performance_samples.op.name: {"config": config}},
            },
            tags={"source": "openrouter-catalog sample", **process_tag()},
        )
    if not result.success:
        if _interrupted(result):
            raise KeyboardInterrupt
        raise RunFailed(_first_failure(result))
    return RunOutcome(moment.date(), result.run_id, result)


def _one_run_per_date(run: Callable[..., RunOutcome]) -> Callable[..., RunOutcome]:
    """``run`` holding the date's lock in the data dir: a second run of the same date refuses
    in one line (RunFailed) while the first one runs."""

    @functools.wraps(run)
    def locked(settings: Settings, snapshot_date: dt.date, *args: Any, **kwargs: Any) -> RunOutcome:  # noqa: ANN401
        try:
            with date_lock(settings.layout(), snapshot_date):
                return run(settings, snapshot_date, *args, **kwargs)
        except DateLocked as exc:
            raise RunFailed(str(exc)) from None

    return locked


@_one_run_per_date
def run_snapshot(
    settings: Settings,
    snapshot_date: dt.date,
    refetch: bool = False,
    verbose: bool = False,
    import_files: list[str] | None = None,
    executor: str = "in_process",
    accept: tuple[str, str] | None = None,
) -> RunOutcome:
    """Fetch, transform and publish one snapshot date as a run of the ``daily_snapshot`` job,
    recorded in the Dagster home (``Settings.dagster_home``: where ``make ui`` looks), so it
    shows in the UI like a scheduled run. Raises RunFailed with a clear reason. Raw that
    already landed completely for the date is reused unless ``refetch``; ``import_files``
    lands archived responses instead of fetching (``openrouter-catalog import``).
    ``executor="multiprocess"``: Dagster's multiprocess executor, each step in its own process
    (raw_v1 beside raw_frontend, the report beside the digest), which load the code location
    with these settings from the environment, as a deployed worker would."""
    job = _definitions(settings).resolve_job_def(snapshot_job.name)
    home = settings.dagster_home_path()
    instance = _instance(settings)
    logger = _logger(verbose)
    command = "accept" if accept else "import" if import_files else "run"
    tags = {
        "source": f"openrouter-catalog {command}",
        **process_tag(),
        LAUNCHER_HOLDS_TAG: f"pid {os.getpid()}",  # _one_run_per_date holds it
    }
    if accept:
        tags[decisions.ACCEPTED_BY_TAG], tags[decisions.ACCEPT_REASON_TAG] = accept
    if executor == "multiprocess":
        if home is None:
            raise RunFailed("the multiprocess executor needs a Dagster home, not 'memory'")
        # the step processes build the job from these settings, read from their environment
        with instance, _environment({**settings.environment(), **home_environment(home)}):
            result = dg.execute_job(
                dg.reconstructable(daily_job),
                instance=instance,
                raise_on_error=False,
                run_config={
                    "execution": {"config": {"multiprocess": {}}},
                    "loggers": logger,  # each step process prints its own lines
                    "ops": _ops(settings, refetch, import_files),
                },
                tags={**tags, "dagster/partition": snapshot_date.isoformat()},
            )
        if not result.success:
            _raise_held(settings, snapshot_date, result.run_id)
            raise RunFailed(_first_failure(result))
        return RunOutcome(snapshot_date, result.run_id, result)
    with instance, sigint_seen() as interrupted:
        try:
            result = job.execute_in_process(
                partition_key=snapshot_date.isoformat(),
                instance=instance,
                raise_on_error=False,
                run_config={"loggers": logger, "ops": _ops(settings, refetch, import_files)},
                tags=tags,
            )
        except KeyboardInterrupt:
            close_own_runs(instance, "interrupted (Ctrl-C) before it could finish")
            raise
        if _interrupted(result) or interrupted():
            # late (after the last step) or early, or a query DuckDB broke off on the signal
            published = _published_by(settings, snapshot_date, result.run_id)
            raise RunInterrupted(snapshot_date, result.run_id, published)
    if not result.success:
        _raise_held(settings, snapshot_date, result.run_id)
        raise RunFailed(_first_failure(result))
    return RunOutcome(snapshot_date, result.run_id, result)


def _ops(settings: Settings, refetch: bool, import_files: list[str] | None) -> dict:
    """The config of the raw steps (refetch, archives) and of the tables step (the limits of
    its audit, from the settings)."""
    return {
        **refetch_config(refetch, import_files)["ops"],
        **tables_config(settings.thresholds())["ops"],
    }


def _published_by(settings: Settings, date: dt.date, run_id: str) -> bool:
    """Whether this run published the date (whole: publishing is one listing)."""
    decision = decisions.latest(settings.layout(), date)
    return (
        decision is not None
        and decision.run_id == run_id
        and decision.state in (decisions.PUBLISHED, decisions.ACCEPTED)
    )


def _raise_held(settings: Settings, date: dt.date, run_id: str) -> None:
    """RunHeld with the audit's line when this run held the date."""
    decision = decisions.latest(settings.layout(), date)
    if decision is not None and decision.state == decisions.HELD and decision.run_id == run_id:
        raise RunHeld(decision.line)


def _interrupted(result: dg.ExecuteInProcessResult) -> bool:
    """Ctrl-C: Dagster turns the signal into a failed step; the user asked for it."""
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data is not None:
            err = event.step_failure_data.error
            if err is not None and "Interrupted" in (err.cls_name or ""):
                return True
    return False


@dataclass
class RebuildOutcome:
    run_id: str
    result: dg.ExecuteInProcessResult
    states: dict[dt.date, decisions.Decision | None]  # each planned date's decision by this run

    def not_rebuilt(self) -> dict[dt.date, decisions.Decision | None]:
        """The planned dates this run did not rebuild: kept, held, failed, or not reached."""
        return {
            d: dec
            for d, dec in self.states.items()
            if dec is None or dec.state not in (decisions.PUBLISHED, decisions.ACCEPTED)
        }


def run_rebuild(
    settings: Settings,
    start: dt.date,
    end: dt.date,
    planned: list[dt.date],
    *,
    stale: bool = False,
    force: bool = False,
    verbose: bool = False,
) -> RebuildOutcome:
    """Rebuild ``start``..``end`` from landed raw as one run of the ``daily_snapshot`` job
    over the range (as a backfill launched in the UI runs it), recorded in the Dagster home.
    ``planned``: the dates the rebuild is expected to build, whose decisions are read back.
    Raises RunFailed with a clear reason; KeyboardInterrupt on Ctrl-C."""
    job = _definitions(settings).resolve_job_def(snapshot_job.name)
    tags = {
        "source": "openrouter-catalog rebuild",
        **process_tag(),
        REBUILD_TAG: "true",
        "dagster/asset_partition_range_start": start.isoformat(),
        "dagster/asset_partition_range_end": end.isoformat(),
    }
    if stale:
        tags[REBUILD_STALE_TAG] = "true"
    if force:
        tags[REBUILD_FORCE_TAG] = "true"
    with _instance(settings) as instance, sigint_seen() as interrupted:
        try:
            result = job.execute_in_process(
                instance=instance,
                raise_on_error=False,
                run_config={
                    "loggers": _logger(verbose),
                    "ops": tables_config(settings.thresholds())["ops"],
                },
                tags=tags,
            )
        except KeyboardInterrupt:
            close_own_runs(instance, "interrupted (Ctrl-C) before it could finish")
            raise
        if _interrupted(result) or interrupted():
            raise KeyboardInterrupt
    layout = settings.layout()
    states = {}
    for d in planned:
        dec = decisions.latest(layout, d)
        states[d] = dec if dec is not None and dec.run_id == result.run_id else None
    outcome = RebuildOutcome(result.run_id, result, states)
    if not result.success:
        raise RunFailed(_first_failure(result))
    return outcome
