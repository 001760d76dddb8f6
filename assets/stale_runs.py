"""Runs that a dead process left behind in a Dagster home, found and closed before a new run.

A run whose process was killed outright (SIGKILL, the OOM killer, a machine that lost power)
stays STARTED in the run storage, and so does the ``openrouter_api`` pool slot its fetching
step held: every later run's fetch would wait for that slot forever (seen here: a run killed
mid-fetch, the next one hung). A deployment's daemon notices dead run workers (run
monitoring, ``deploy/k8s/dagster.yaml``); a CLI run has no daemon, so ``openrouter-catalog
run`` tags its runs with the process that runs them (host, pid, start time, which tells a pid
from its reuse) and, before starting, marks failed those of this host whose process is gone,
which frees their slots.
"""

from __future__ import annotations

import socket

import dagster as dg
import psutil

TAG = "openrouter_catalog/process"
ACTIVE = [dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED]


def process_tag() -> dict[str, str]:
    """The tag naming this process, for the runs it starts."""
    me = psutil.Process()
    return {TAG: f"{socket.gethostname()}:{me.pid}:{me.create_time():.3f}"}


def _gone(value: str) -> bool:
    host, pid, started = value.rsplit(":", 2)
    if host != socket.gethostname():
        return False  # another machine's process: not ours to judge
    try:
        return f"{psutil.Process(int(pid)).create_time():.3f}" != started
    except (psutil.NoSuchProcess, ValueError):
        return True


def close_dead_runs(instance: dg.DagsterInstance) -> list[dg.DagsterRun]:
    """Mark failed every active run of this host whose process is gone, and free the pool
    slots it held; returns those runs."""
    closed = []
    for record in instance.get_run_records(dg.RunsFilter(statuses=ACTIVE)):
        run = record.dagster_run
        value = run.tags.get(TAG)
        if value is None or not _gone(value):
            continue
        instance.report_run_failed(
            run, "its process is gone (killed?); closed by the next openrouter-catalog run"
        )
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        closed.append(run)
    return closed
