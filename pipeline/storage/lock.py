"""A running date is locked: a second run of the same date into the same data dir refuses in
one line instead of racing the first for the same staging folder and partitions.

An advisory ``flock`` on ``locks/snapshot_date=D.lock`` in the data dir: the kernel drops it
when the process ends, however it ends, so a killed run never leaves a stale lock. With a bucket
root the lock is the data dir's, one machine's; runs launched through a Dagster instance are
kept to one per partition by its run queue (``dagster.yaml``: ``tag_concurrency_limits``).
Runs of different dates never wait for each other.

A rebuild holds the lock of every date of its range for its whole run, and the tables step of
every run takes its date's, whichever process launched it (the UI's, the daemon's): so a daily
run of a date inside a running rebuild refuses in one line, and a rebuild refuses while a run
of one of its dates is going. A lock this process holds already is held again at no cost (the
command line's run holds its date's lock around the run whose step takes it too).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
from collections.abc import Iterable, Iterator

from pipeline.storage.layout import Layout


class DateLocked(RuntimeError):
    """Another run of the date holds the lock; str() is one line."""


# a run tag: the process that launched the run holds the date's lock for it (the command
# line's run, whose steps may run in processes of their own), so the steps take none
LAUNCHER_HOLDS_TAG = "openrouter_catalog/date_lock_held_by"

# the locks this process holds: path → how many blocks hold it
_HELD: dict[str, int] = {}


@contextlib.contextmanager
def date_lock(layout: Layout, date: dt.date, what: str = "run") -> Iterator[None]:
    """Hold the date's lock for the block, or raise DateLocked at once."""
    path = layout.base / "locks" / f"snapshot_date={date.isoformat()}.lock"
    if _HELD.get(str(path)):
        _HELD[str(path)] += 1
        try:
            yield
        finally:
            _HELD[str(path)] -= 1
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fh = open(path, "a+")  # noqa: SIM115 - held for the block
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "another process"
            raise DateLocked(
                f"snapshot {date} is being run into {layout.root} by {holder}; wait for it to "
                "end, or run another date"
            ) from None
        fh.seek(0)
        fh.truncate()
        since = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        fh.write(f"pid {os.getpid()} ({what}) since {since}")
        fh.flush()
        _HELD[str(path)] = 1
        try:
            yield
        finally:
            _HELD.pop(str(path), None)
    finally:
        fh.close()  # releases the lock


@contextlib.contextmanager
def dates_locked(layout: Layout, dates: Iterable[dt.date]) -> Iterator[None]:
    """Hold the lock of every date (a rebuild's range) for the block, or raise DateLocked
    naming the first date another run holds, holding none."""
    with contextlib.ExitStack() as stack:
        for date in sorted(set(dates)):
            stack.enter_context(date_lock(layout, date, "rebuild"))
        yield
