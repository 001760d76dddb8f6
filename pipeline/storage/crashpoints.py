"""Named places where a test kills the running process with SIGKILL, to prove what a crash
leaves behind. Inert unless ``OPENROUTER_CATALOG_CRASH_AT`` names the place:

- ``raw_body:N``      after the N-th response body of this process is on disk (mid-fetch);
- ``parquet_write:T`` with table T's new Parquet file staged but not yet renamed into place;
- ``publish:T``       with the date's audit passed and the partitions before T published;
  ``publish:unlisted`` with a re-run date taken off the published list, no file moved yet;
  ``publish:listed``   with every file in place, the date not yet on the published list;
- ``object_put:T``     in a bucket, with half of table T's new partition uploaded;
- ``warehouse_build`` with the new DuckDB file half built (some views created).

They stay in runtime code because a kill must land between two system calls of the real
writer, where no test double can stand. A real SIGKILL, not an exception: no ``finally``
runs, no buffer is flushed, exactly as when the machine or the OOM killer stops a run.
"""

from __future__ import annotations

import itertools
import os
import signal

ENV = "OPENROUTER_CATALOG_CRASH_AT"
_bodies = itertools.count(1)


def armed(point: str) -> bool:
    """Whether a test asked for a kill at ``point`` (so a writer takes the path that has it)."""
    return os.environ.get(ENV, "").partition(":")[0] == point


def reached(point: str, detail: str = "") -> None:
    wanted = os.environ.get(ENV)
    if not wanted:
        return
    name, _, arg = wanted.partition(":")
    if name != point:
        return
    if point == "raw_body":
        if next(_bodies) != int(arg or 1):
            return
    elif arg and arg != detail:
        return
    os.kill(os.getpid(), signal.SIGKILL)
