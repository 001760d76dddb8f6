"""Ctrl-C during a command-line run, whatever Dagster does with it.

Dagster takes SIGINT over while it executes: inside a step it becomes an error that fails the
step, but between steps it is only noted, and a note left after the last step is dropped, so a
run interrupted late went on to "done" with exit 0. ``sigint_seen`` asks the interpreter's
signal wakeup file, which every delivered signal writes to whichever Python handler is
installed, so the command learns of the interrupt however late it came.

``close_own_runs`` then marks this process's unfinished runs canceled (one interrupted before
it started stayed "Starting…" in the UI) and frees the pool slots they held.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Callable, Iterator

import dagster as dg

from assets.stale_runs import ACTIVE, TAG, process_tag


@contextlib.contextmanager
def sigint_seen() -> Iterator[Callable[[], bool]]:
    """Within it, ``seen()`` says whether a SIGINT arrived (main thread only; else never)."""
    if threading.current_thread() is not threading.main_thread():
        yield lambda: False
        return
    read, write = os.pipe()
    os.set_blocking(read, False)
    os.set_blocking(write, False)
    got: list[int] = []

    def seen() -> bool:
        with contextlib.suppress(BlockingIOError):
            got.extend(os.read(read, 512))
        return signal.SIGINT in got

    previous = signal.set_wakeup_fd(write)
    try:
        yield seen
    finally:
        seen()
        signal.set_wakeup_fd(previous)
        os.close(read)
        os.close(write)


def close_own_runs(instance: dg.DagsterInstance, why: str) -> None:
    """Mark canceled the runs this process started and did not finish; free their slots."""
    mine = process_tag()[TAG]
    for record in instance.get_run_records(
        dg.RunsFilter(
            statuses=[*ACTIVE, dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.QUEUED]
        )
    ):
        run = record.dagster_run
        if run.tags.get(TAG) == mine:
            instance.report_run_canceled(run, why)
            instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
