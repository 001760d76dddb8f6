"""A running date is locked: a second run of the same date into the same data dir refuses in
one line instead of racing the first for the same staging folder and partitions.

An advisory ``flock`` on ``locks/snapshot_date=D.lock`` in the data dir: the kernel drops it
when the process ends, however it ends, so a killed run never leaves a stale lock. With a bucket
root the lock is the data dir's, one machine's; runs launched through a Dagster instance are
kept to one per partition by its run queue (``dagster.yaml``: ``tag_concurrency_limits``).
Runs of different dates never wait for each other.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
from collections.abc import Iterator

from pipeline.storage.layout import Layout


class DateLocked(RuntimeError):
    """Another run of the date holds the lock; str() is one line."""


@contextlib.contextmanager
def date_lock(layout: Layout, date: dt.date) -> Iterator[None]:
    """Hold the date's lock for the block, or raise DateLocked at once."""
    path = layout.base / "locks" / f"snapshot_date={date.isoformat()}.lock"
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
        fh.write(f"pid {os.getpid()} since {since}")
        fh.flush()
        yield
    finally:
        fh.close()  # releases the lock
