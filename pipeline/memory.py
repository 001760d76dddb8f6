"""Give memory back to the system between the steps of a run.

A run's steps each parse, build and drop tens of megabytes of Python objects and C buffers.
Freed, the C library keeps the pages for reuse, so a step started on top of the last one's
leftovers. ``release()`` after a step asks glibc to return its free pages (``malloc_trim``,
a millisecond); polars' own allocator is told to do the same in ``pipeline/__init__.py``.
No ``gc.collect()``: it walked every object of the loaded modules and found nothing, since
nothing the steps build forms a cycle (the cost is in ``bench/README.md``).
"""

from __future__ import annotations

import ctypes
import functools


@functools.cache
def _trim():  # noqa: ANN202 - the C function, or None where the C library has none
    try:
        return ctypes.CDLL(None).malloc_trim  # glibc; macOS and musl have no such call
    except (AttributeError, OSError):
        return None


def release() -> None:
    """Return the free pages the step left behind to the system."""
    trim = _trim()
    if trim is not None:
        trim(0)
