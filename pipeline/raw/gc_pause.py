"""Pause Python's cyclic garbage collector while a snapshot is parsed and tabulated.

Parsing a snapshot allocates millions of small dicts and lists that all stay alive: each
allocation burst triggers a collection that walks them all and frees nothing (a fifth of
the read of the 10x benchmark snapshot: bench/README.md). None of these objects forms a
cycle that needs the collector, and reference counting frees them as usual.

The pause is counted across threads, should two parse at once: the collector stays off while
any is inside one, and is set back as it was when the last leaves.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_inside = 0
_was_enabled = True


@contextmanager
def gc_paused() -> Iterator[None]:
    global _inside, _was_enabled
    with _lock:
        if _inside == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _inside += 1
    try:
        yield
    finally:
        with _lock:
            _inside -= 1
            if _inside == 0 and _was_enabled:
                gc.enable()
