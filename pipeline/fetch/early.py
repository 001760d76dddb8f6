"""A day's fetch begun while the orchestrator loads.

A command-line run spends its first two seconds importing Dagster and building its instance
(SQLAlchemy and Alembic come with it) before a raw step starts. The fetch is bound by the
API's latency, so it can run in those seconds: ``begin`` starts both groups at once in a
process of their own (``pipeline/fetch/early_process.py``), in one client with the
concurrency and pacing one raw step has, and each raw step then ``claim``s its group. The
step relays the group's progress lines into its own log as they come and takes the group's
report when it lands, as if it had made the fetch itself; the landing is the same files
either way. As each source lands, ``begin``'s ``on_landed`` hears of it (its log rows, the
bodies already in their packs), so work on that source can start before the others are in.

A process, not a thread: a thread shares the interpreter lock with Dagster's import, and
against a fast server (the replay at 0 ms) the two slowed each other down to worse than one
after the other (the bundled day's whole run 6.2 → 8.5 s). This module is the command's side
and imports no HTTP stack: the command starts the process sooner for not loading what only
the process uses.

It begins only where the raw steps would fetch from scratch (a date with no log of either
group, or ``refetch``; never archives), so the steps' own choices (resume, reuse, import, a
held date) stay theirs. The caller decides whether nothing else can be asking the API under
Dagster's pool (the CLI: an in-memory instance, in-process). A fetch process that ends
without a report (killed, or a bug) leaves the step to fetch, resuming what landed.
"""

from __future__ import annotations

import atexit
import contextlib
import datetime as dt
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from pipeline.fetch.cadence import Cadence, not_due
from pipeline.fetch.outcomes import FetchError, FetchReport, Log
from pipeline.raw.importer import is_imported
from pipeline.raw.landing import raw_snapshot
from pipeline.storage.layout import Layout

GROUPS = ("v1", "frontend")
API_KEY_ENV = "OPENROUTER_API_KEY"  # read by the fetch process, never passed on its command line
PROCESS_MODULE = "pipeline.fetch.early_process"
# (the snapshot folder, a source, its log rows): called on the command's reader thread as each
# source lands; it must return at once (hand the work to a thread of its own)
OnLanded = Callable[[Path, str, list[dict[str, Any]]], None]


class EarlyFetchLost(RuntimeError):
    """The fetch process ended without the group's report: the step fetches it itself."""


@dataclass
class BegunGroup:
    """One group of a fetch begun early: its progress lines so far, and its report."""

    lines: queue.SimpleQueue[str | None] = field(default_factory=queue.SimpleQueue)
    report: Future[FetchReport] = field(default_factory=Future)

    def __post_init__(self) -> None:
        # the report's arrival wakes the relay at once (None: no line), not at its next poll
        self.report.add_done_callback(lambda _: self.lines.put(None))

    def relay(self, log: Log, poll_s: float = 0.5) -> FetchReport:
        """Pass every line on to ``log`` until the group has landed; its report, or the
        exception of its fetch (FetchError: why the snapshot cannot be had; EarlyFetchLost)."""
        while not self.report.done():
            try:
                line = self.lines.get(timeout=poll_s)
            except queue.Empty:
                continue
            if line is not None:
                log(line)
        while not self.lines.empty():
            line = self.lines.get_nowait()
            if line is not None:
                log(line)
        return self.report.result()


_begun: dict[tuple[str, str], BegunGroup] = {}
_lock = threading.Lock()


def _key(folder: Path | str, group: str) -> tuple[str, str]:
    return str(Path(folder).resolve()), group


def claim(folder: Path | str, group: str) -> BegunGroup | None:
    """The group begun early into this raw folder, once: the step that claims it owns it."""
    with _lock:
        return _begun.pop(_key(folder, group), None)


def start_process() -> subprocess.Popen[bytes]:
    """The fetch process, started before the command knows what it will fetch: it imports
    the HTTP stack (a third of a second) while the command loads its settings, then waits for
    its job on standard input. ``begin`` hands the job over, or closes the input, and the
    process ends without a request."""
    proc = subprocess.Popen(  # noqa: S603 - this interpreter, this package's module
        [sys.executable, "-m", PROCESS_MODULE], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    atexit.register(_stop, proc)  # a run that fails or is interrupted leaves no fetch behind
    return proc


def begin(
    layout: Layout,
    date: dt.date,
    client: dict[str, Any],
    *,
    refetch: bool,
    min_coverage: float,
    cadence: Cadence,
    on_landed: OnLanded | None = None,
    process: subprocess.Popen[bytes] | None = None,
) -> bool:
    """Start fetching both groups of ``date`` now, where the raw steps would fetch them from
    scratch; False (nothing started) otherwise. ``client``: ApiClient's options but the key.
    ``process``: one from ``start_process`` to hand the fetch to (dismissed when there is
    nothing to fetch), rather than starting one now."""
    snap = raw_snapshot(layout, date)
    wanted = not any(
        is_imported(snap, group) or (snap.log_path(group).is_file() and not refetch)
        for group in GROUPS
    )
    if not wanted:
        if process is not None:
            dismiss(process)
        return False
    skip, _ = not_due(date, cadence, lambda d: raw_snapshot(layout, d, bodies=False))
    job = _job(snap.folder, client, min_coverage, skip, cadence.uptime_hourly_endpoints)
    if process is None:
        proc = subprocess.Popen(  # noqa: S603 - this interpreter, this package's module
            [sys.executable, "-m", PROCESS_MODULE, job.decode()],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
        )
        atexit.register(_stop, proc)  # a run that fails or is interrupted leaves no fetch behind
    else:
        proc = process
        _hand(proc, job)
    groups = {g: BegunGroup() for g in GROUPS}
    with _lock:
        for group, g in groups.items():
            _begun[_key(snap.folder, group)] = g
    landed = None if on_landed is None else lambda s, rows: on_landed(snap.folder, s, rows)
    threading.Thread(
        target=_read, args=(proc, groups, landed), name="early-fetch", daemon=True
    ).start()
    return True


def command(
    folder: Path | str,
    client: dict[str, Any],
    min_coverage: float,
    skip: frozenset[str],
    hourly_endpoints: int,
) -> list[str]:
    """The fetch process's command line: its module, with what to fetch as JSON (the key
    stays in the environment)."""
    job = _job(folder, client, min_coverage, skip, hourly_endpoints)
    return [sys.executable, "-m", PROCESS_MODULE, job.decode()]


def _job(
    folder: Path | str,
    client: dict[str, Any],
    min_coverage: float,
    skip: frozenset[str],
    hourly_endpoints: int,
) -> bytes:
    """What the fetch process is to fetch, as one line of JSON."""
    job = {
        "folder": str(folder),
        "client": client,
        "min_coverage": min_coverage,
        "skip": sorted(skip),
        "hourly_endpoints": hourly_endpoints,
        "parent": os.getpid(),
    }
    return orjson.dumps(job)


def dismiss(proc: subprocess.Popen[bytes]) -> None:
    """A process from ``start_process`` that has nothing to fetch after all: it ends."""
    _hand(proc, b"")


def _hand(proc: subprocess.Popen[bytes], job: bytes) -> None:
    """Give a started process its job (empty: none, it ends)."""
    assert proc.stdin is not None
    try:
        proc.stdin.write(job + b"\n")
        proc.stdin.close()
    except OSError:  # it died starting: _read reports it lost, and the steps fetch
        pass


def _read(
    proc: subprocess.Popen[bytes],
    groups: dict[str, BegunGroup],
    landed: Callable[[str, list[dict[str, Any]]], None] | None = None,
) -> None:
    """The fetch process's messages, one JSON object a line, to the groups they name. Whatever
    else it prints (a library's stray line) is passed over; however reading ends, every group
    gets an outcome, so no step waits for ever. A source landed is passed to ``landed``,
    whose failure costs only what it would have started early."""
    assert proc.stdout is not None
    why = "ended without a report"
    try:
        for raw in proc.stdout:
            try:
                msg = orjson.loads(raw)
            except orjson.JSONDecodeError:
                continue
            g = groups[msg["group"]]
            if "line" in msg:
                g.lines.put(msg["line"])
            elif "landed" in msg:
                if landed is not None:
                    # what fails here the tables step does itself, as without it
                    with contextlib.suppress(Exception):
                        landed(msg["landed"], msg["rows"])
            elif "report" in msg:
                g.report.set_result(FetchReport.from_dict(msg["report"]))
            elif "failed" in msg:
                g.report.set_exception(FetchError(msg["failed"]))
            else:
                g.report.set_exception(EarlyFetchLost(msg["lost"]))
    except Exception as exc:  # noqa: BLE001 - a message of the wrong form: the steps fetch
        why = f"sent a message that could not be read ({type(exc).__name__}: {exc})"
    finally:
        code = proc.wait()
        for g in groups.values():
            if not g.report.done():
                lost = f"the fetch begun with the run {why} (exit {code})"
                g.report.set_exception(EarlyFetchLost(lost))


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        proc.wait(10)
