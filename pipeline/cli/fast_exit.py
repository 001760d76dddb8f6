"""Leave the process without tearing the interpreter down.

Once a command has done its work, everything it wrote is closed and renamed into place, and
what remains is the interpreter freeing the objects of the modules a run imports (Dagster's,
polars', DuckDB's): a measurable share of a daily run's wall on the user's path
(``bench/README.md``), for memory the system takes back at once anyway. So the command
line's entry point ends the way a forked worker does,
after doing what an orderly exit would still do for us: waiting for threads that are not
daemons (executors' idle workers told to stop), running the ``atexit`` handlers (logging's
flush, temporary folders' removal), and flushing the standard streams. Tests that call the
Typer app in-process never come here.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
import threading


def exit_code(code: object) -> int:
    """What ``sys.exit(code)`` would make the exit status (a text is printed, and is 1)."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def leave(code: object) -> None:
    """End the process with ``code`` as ``sys.exit`` would, minus the interpreter's teardown."""
    status = exit_code(code)
    # what Py_Finalize runs first, in its order; nothing public does either: threads that are
    # not daemons joined (idle executors told to stop first), then the atexit handlers
    threading._shutdown()  # type: ignore[attr-defined]  # noqa: SLF001
    atexit._run_exitfuncs()  # noqa: SLF001
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing more to say
            stream.flush()
    os._exit(status)
