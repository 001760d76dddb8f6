"""Rebuild stored history from its raw: many dates, one pass, no request.

Each date is built from its own raw alone (``protocol.prepare``), so the next dates are
prepared in worker processes while the main process audits and publishes the current one,
oldest first, against what it just published: the event tables (price events, catalog
changes, intervals) come out as if each date had been run on its day. At most ``workers + 1``
prepared dates wait at any time, so memory does not grow with the range.

A date whose raw is not whole is named and skipped. A published date whose new build fails
the audit keeps its old build (decision ``kept``), and an accepted date is rebuilt and stays
accepted with its acceptance record. A date whose newest decision was made by this code is
already done: a rerun of a rebuild that was cut short starts where it stopped.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field

from pipeline import memory
from pipeline.publish import decisions
from pipeline.publish.protocol import (
    Log,
    Outcome,
    Prepared,
    PublishFailed,
    build_and_publish,
    check_raw,
    prepare,
)
from pipeline.publish.stage import recover
from pipeline.publish.thresholds import Thresholds
from pipeline.publish.version import code_version
from pipeline.storage.layout import Layout

# the states of a date in a rebuild
REBUILT, KEPT, HELD, FAILED = "rebuilt", "kept", "held", "failed"


@dataclass
class Plan:
    """What a rebuild will do: the dates to build, oldest first; those it cannot (no whole
    raw) and why; and those this code already built."""

    dates: list[dt.date]
    skipped: dict[dt.date, str] = field(default_factory=dict)
    current: list[dt.date] = field(default_factory=list)


@dataclass
class DateResult:
    date: dt.date
    state: str  # rebuilt | kept | held | failed
    line: str
    outcome: Outcome | None = None
    failed_checks: list[str] = field(default_factory=list)


@dataclass
class Summary:
    results: list[DateResult] = field(default_factory=list)
    skipped: dict[dt.date, str] = field(default_factory=dict)
    current: list[dt.date] = field(default_factory=list)
    seconds: float = 0.0

    def of(self, state: str) -> list[DateResult]:
        return [r for r in self.results if r.state == state]

    @property
    def complete(self) -> bool:
        """Every planned date was rebuilt (none kept its old build, was held or failed)."""
        return all(r.state == REBUILT for r in self.results)

    def line(self) -> str:
        counts = ", ".join(
            f"{len(self.of(s))} {s}" for s in (REBUILT, KEPT, HELD, FAILED) if self.of(s)
        )
        extra = []
        if self.current:
            extra.append(f"{len(self.current)} already at {code_version()}")
        if self.skipped:
            extra.append(f"{len(self.skipped)} skipped (no whole raw)")
        return (
            f"rebuild: {len(self.results)} dates in {self.seconds:.1f} s ({counts or 'nothing'})"
            + (f"; {', '.join(extra)}" if extra else "")
        )


def stale_dates(layout: Layout) -> list[dt.date]:
    """Published dates built by another version of the code, or before versions were kept."""
    builds, version = layout.builds(), code_version()
    return sorted(d for d in layout.published() or set() if builds.get(d) != version)


def raw_dates(layout: Layout) -> list[dt.date]:
    """Every date with a raw snapshot folder (whole or not)."""
    if layout.remote:
        keys = layout.bucket.list("raw")
        found = {k.split("/")[1].removeprefix("snapshot_date=") for k in keys if "/" in k}
    else:
        root = layout.base / "raw"
        found = {p.name.removeprefix("snapshot_date=") for p in root.glob("snapshot_date=*")}
    out = []
    for name in found:
        try:
            out.append(dt.date.fromisoformat(name))
        except ValueError:
            continue
    return sorted(out)


def _done_here(layout: Layout, date: dt.date, version: str) -> bool:
    """Whether this code already decided the date: a published date stamped with this
    version, or kept at it (its new build failed the audit); an unpublished one held by it."""
    last = decisions.latest(layout, date)
    decided = last is not None and last.version == version
    if date in (layout.published() or set()):
        return layout.builds().get(date) == version or (
            decided and last.state == decisions.KEPT  # type: ignore[union-attr]
        )
    return decided and last.state == decisions.HELD  # type: ignore[union-attr]


def plan(
    layout: Layout,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    stale: bool = False,
    force: bool = False,
) -> Plan:
    """The dates a rebuild of ``start``..``end`` (every date with raw or published in it), or
    of the stale dates, would build. Dates this code already decided are left out unless
    ``force``."""
    recover(layout)
    if stale:
        candidates = set(stale_dates(layout))
    else:
        published = layout.published() or set()
        candidates = {*raw_dates(layout), *published}
    lo, hi = start or dt.date.min, end or dt.date.max
    candidates = {d for d in candidates if lo <= d <= hi}
    version = code_version()
    out = Plan([])
    for d in sorted(candidates):
        why = check_raw(layout, d)
        if why is not None:
            out.skipped[d] = why
        elif not force and _done_here(layout, d, version):
            out.current.append(d)
        else:
            out.dates.append(d)
    return out


def _acceptance(layout: Layout, date: dt.date) -> tuple[str, str] | None:
    """(who, why) when the date's standing publish is an acceptance: a rebuild keeps it."""
    for d in reversed(decisions.history(layout, date)):
        if d.state == decisions.ACCEPTED and d.accepted_by and d.reason:
            return d.accepted_by, d.reason
        if d.state == decisions.PUBLISHED:
            return None
    return None


def _worker_start(parent: int) -> None:
    """A preparing process ignores Ctrl-C (the terminal sends it to the whole group; the parent
    decides, and ends the pool) and ends itself when its parent is gone: a parent killed with
    SIGKILL cannot end it, and an orphan would hold the terminal's pipes open forever."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _prepare_in_worker(root: str, local_dir: str | None, s3: object, date: dt.date) -> Prepared:
    layout = Layout(root, local_dir, s3)  # type: ignore[arg-type]
    try:
        return prepare(layout, date)
    finally:
        memory.release()


def _prepared(
    layout: Layout, dates: list[dt.date], workers: int
) -> Iterator[tuple[dt.date, Prepared | Exception]]:
    """Each date's prepared build, in order; with ``workers``, built ahead in that many
    processes (at most ``workers + 1`` waiting), else here, one at a time. One date takes
    the same path as many (one worker): a rebuild's memory is that of its processes, not of
    how many dates it holds."""
    if not dates:
        return
    if workers <= 0:
        for d in dates:
            try:
                yield d, prepare(layout, d)
            except Exception as exc:  # noqa: BLE001 - reported per date, the rest go on
                yield d, exc
        return
    # spawn, not fork: the parent may hold threads (Dagster's, DuckDB's), and a forked child
    # inherits their locks mid-use
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        min(workers, len(dates)),
        mp_context=ctx,
        initializer=_worker_start,
        initargs=(os.getpid(),),
    ) as pool:
        pending: list[tuple[dt.date, Future]] = []
        todo = iter(dates)
        ahead = workers + 1

        def submit() -> None:
            d = next(todo, None)
            if d is not None:
                args = (layout.root, layout.local_dir, layout.s3, d)
                pending.append((d, pool.submit(_prepare_in_worker, *args)))

        for _ in range(ahead):
            submit()
        try:
            while pending:
                d, future = pending.pop(0)
                try:
                    got: Prepared | Exception = future.result()
                except BrokenProcessPool:
                    raise  # a worker died (the OOM killer?): no later date can be trusted
                except Exception as exc:  # noqa: BLE001
                    got = exc
                submit()
                yield d, got
        except BaseException:
            for _, f in pending:
                f.cancel()
            raise


def _pace(done: int, total: int, started: float) -> str:
    spent = time.monotonic() - started
    rate = done / spent if spent > 0 else 0.0
    left = (total - done) / rate if rate > 0 else 0.0
    return f"{rate:.2f} dates/s, {_duration(left)} left"


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


def rebuild(
    layout: Layout,
    dates: list[dt.date],
    limits: Thresholds,
    log: Log,
    *,
    run_id: str | None = None,
    workers: int = 2,
    on_date: Callable[[DateResult], None] | None = None,
) -> Summary:
    """Rebuild ``dates`` oldest first: one line per date (N of M, the rate, the time left),
    and ``on_date`` called with each date's result as it is decided."""
    dates = sorted(dates)
    summary = Summary()
    started = time.monotonic()
    for n, (date, got) in enumerate(_prepared(layout, dates, workers), start=1):
        if isinstance(got, Exception):
            result = _failed(layout, date, got, run_id)
        else:
            result = _publish(layout, date, got, limits, log, run_id)
        del got
        pace = _pace(n, len(dates), started)
        (log.info if result.state == REBUILT else log.warning)(
            f"rebuild {n}/{len(dates)} {date}: {result.line} ({pace})"
        )
        if on_date is not None:
            on_date(result)
        # the summary keeps each date's decision and verdicts, not its tables: a year of
        # them would hold every table of every date in memory at once
        if result.outcome is not None:
            result.outcome = dataclasses.replace(result.outcome, frames={})
        summary.results.append(result)
        memory.release()
    summary.seconds = time.monotonic() - started
    return summary


def _failed(layout: Layout, date: dt.date, exc: Exception, run_id: str | None) -> DateResult:
    why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if not isinstance(exc, PublishFailed):
        why = f"{type(exc).__name__}: {why}"
    line = f"failed {date} in a rebuild: {why}; the date keeps what it had"
    decisions.record_unaudited(layout, date, decisions.FAILED, line, run_id)
    return DateResult(date, FAILED, f"failed: {why}; it keeps what it had")


class Quiet:
    """A date's build says its warnings and errors; its routine lines (the tables written,
    the next date's diffs recomputed) give way to the rebuild's one line per date."""

    def __init__(self, log: Log) -> None:
        self._log = log

    def info(self, msg: str) -> None:
        pass

    def warning(self, msg: str) -> None:
        self._log.warning(msg)

    def error(self, msg: str) -> None:
        self._log.error(msg)


def _publish(
    layout: Layout,
    date: dt.date,
    prepared: Prepared,
    limits: Thresholds,
    log: Log,
    run_id: str | None,
) -> DateResult:
    accept = _acceptance(layout, date)
    try:
        outcome = build_and_publish(
            layout,
            date,
            limits,
            Quiet(log),
            accept=accept,
            run_id=run_id,
            prepared=prepared,
            keep_published=True,
        )
    except PublishFailed as exc:
        return DateResult(date, FAILED, f"failed: {exc}; it keeps what it had")
    state = outcome.decision.state
    failed = list(outcome.decision.failed)
    if state == decisions.KEPT:
        return DateResult(
            date, KEPT, f"kept its old build (failed {', '.join(failed)})", outcome, failed
        )
    if state == decisions.HELD:
        return DateResult(
            date, HELD, f"held, not published (failed {', '.join(failed)})", outcome, failed
        )
    how = "rebuilt, accepted as before" if state == decisions.ACCEPTED else "rebuilt"
    return DateResult(date, REBUILT, how, outcome, failed)
