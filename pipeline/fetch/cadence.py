"""Sources not worth asking every day. Uptime answers the last 3 days (and the hourly series the
last 72 hours), so asking every second day loses no day; top apps are a weekly figure. A
source is due unless one of the previous ``every_days - 1`` snapshots landed it, so a day
that failed or was skipped makes the next run ask again."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from pipeline.raw.store import RawSnapshot

CADENCED_SOURCES = ("frontend_uptime_recent", "frontend_uptime_hourly", "frontend_top_apps")
Landed = Callable[[dt.date], RawSnapshot]


@dataclass(frozen=True)
class Cadence:
    uptime_every_days: int = 2  # 0: never
    top_apps_every_days: int = 7  # 0: never
    uptime_hourly_endpoints: int = 50  # the busiest endpoints (by requests) asked hourly

    def every(self, source: str) -> int:
        return {
            "frontend_uptime_recent": self.uptime_every_days,
            "frontend_uptime_hourly": self.uptime_every_days,
            "frontend_top_apps": self.top_apps_every_days,
        }.get(source, 1)


def landed_ok(snap: RawSnapshot, source: str) -> bool:
    """The snapshot asked the source and got at least one settled answer (a 404 that means
    "no data", as for apps or hourly uptime, counts: asking again would not add any), and the
    source was not absent that day (every probe a 404)."""
    if not snap.exists():
        return False
    rows = [r for r in snap.log_rows() if r.get("source") == source]
    if any(r.get("absent") for r in rows):  # absent that day: the next day probes again
        return False
    return any(r.get("error") is None and r.get("status") is not None for r in rows)


def due(source: str, date: dt.date, every_days: int, snapshot_of: Landed) -> tuple[bool, str]:
    """(whether to ask the source for ``date``, why): the reason names the snapshot that
    made it unnecessary, or the setting that turned it off."""
    if every_days <= 0:
        return False, f"{source}: off (cadence 0)"
    for back in range(1, every_days):
        day = date - dt.timedelta(days=back)
        if landed_ok(snapshot_of(day), source):
            return False, f"{source}: landed on {day}, next due on {day + dt.timedelta(every_days)}"
    return True, f"{source}: due (every {every_days} days)"


def not_due(
    date: dt.date, cadence: Cadence, snapshot_of: Landed
) -> tuple[frozenset[str], list[str]]:
    """The cadenced sources not to ask for ``date``, and a line for each saying why (asked or
    not): the raw step and a fetch begun before it decide alike."""
    skip, why = set(), []
    for source in CADENCED_SOURCES:
        ask, reason = due(source, date, cadence.every(source), snapshot_of)
        why.append(reason)
        if not ask:
            skip.add(source)
    return frozenset(skip), why
