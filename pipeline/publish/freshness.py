"""A fresh day is fresh: a source whose answers repeat an earlier day's byte for byte, where
real answers always move (performance percentiles, uptime, activity), is a stale copy.

Each answer's sha256 is in the fetch log as it landed, so comparing a date with the previous
published one reads two logs and no body. Which sources move every day is declared on the
source (``Source.moves_daily``); the share of answers that repeat the day before on real days
is printed by ``scripts/check_audit_days.py`` beside the limit.
"""

from __future__ import annotations

import datetime as dt

from pipeline import sources
from pipeline.fetch.outcomes import latest_rows
from pipeline.raw.landing import raw_snapshot
from pipeline.raw.store import RawSnapshot
from pipeline.storage.layout import Layout

MOVING = tuple(s.name for s in sources.ALL_SOURCES if s.moves_daily)


def digests(snap: RawSnapshot) -> dict[str, dict[str, str]]:
    """source → key → sha256 of the answer that stands for each call of a moving source."""
    out: dict[str, dict[str, str]] = {s: {} for s in MOVING}
    if not snap.exists():
        return out
    groups = {sources.SOURCES_BY_NAME[s].group for s in MOVING}
    rows = [r for g in groups for r in snap.group_rows(g) if r.get("source") in out]
    for (source, key), row in latest_rows(rows).items():
        if row.get("status") == 200 and not row.get("error") and row.get("sha256"):
            out[source][key] = row["sha256"]
    return out


def previous_digests(layout: Layout, date: dt.date | None) -> dict[str, dict[str, str]] | None:
    """The digests of ``date``'s raw (the previous published date), or None without one."""
    if date is None:
        return None
    snap = raw_snapshot(layout, date, bodies=False)
    return digests(snap) if snap.exists() else None


def repeated(
    today: dict[str, dict[str, str]], before: dict[str, dict[str, str]] | None
) -> dict[str, tuple[int, int]]:
    """source → (calls answered on both days, answers identical to the day before)."""
    if before is None:
        return {}
    out = {}
    for source, now in today.items():
        then = before.get(source, {})
        both = now.keys() & then.keys()
        out[source] = (len(both), sum(now[k] == then[k] for k in both))
    return out
