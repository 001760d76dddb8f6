"""What a fetch came to: each call's state, a group's report and a snapshot's coverage.

Apart from the fetch itself (``pipeline/fetch/snapshot.py``), so that what only reads or hands
over outcomes (the early fetch's launcher in the command's process, the tables step's
coverage) does not import the HTTP stack: httpx and aiohttp are a fifth of a second to import,
paid before the first request when the command starts the fetch.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from pipeline import sources

OK, PERMANENT, TRANSIENT, ABSENT = "ok", "permanent", "transient", "absent"
# What the client tries again (``pipeline/fetch/client.py``): an answer with one of these is a
# failure a later try could fix.
RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
Log = Callable[[str], None]  # where a fetch says what it is doing, a line at a time


class FetchError(RuntimeError):
    """The snapshot cannot be produced; the message is one line naming why."""


def row_state(row: dict[str, Any]) -> str:
    """ok, permanent or transient, for a log row (rows logged before the ``transient`` field
    existed are judged by their status: none, or one the client retries, is transient)."""
    if row.get("absent"):
        return ABSENT
    if row.get("error") is None:
        return OK
    transient = row.get("transient")
    if transient is None:
        transient = row.get("status") is None or row.get("status") in RETRY_STATUSES
    return TRANSIENT if transient else PERMANENT


@dataclass
class SourceStats:
    requested: int = 0  # calls the snapshot needs (each path tried, for moving sources)
    ok: int = 0
    failed: int = 0  # for good or for now
    transient: int = 0  # of those failed, the ones a later run may still fetch
    retried: int = 0  # calls of this run that took more than one attempt
    fetched_now: int = 0  # calls made by this run (the others were settled already)
    absent: int = 0  # calls not asked: the source answered 404 on every known path


@dataclass
class FetchReport:
    stats: dict[str, SourceStats] = field(default_factory=dict)
    answered_paths: dict[str, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    failures: list[tuple[str, str, str]] = field(default_factory=list)  # source, key, error
    notes: list[str] = field(default_factory=list)
    reused: bool = False  # the raw landing already held this whole group: nothing was fetched
    resumed: bool = False  # an earlier partial fetch was completed, not started over

    @classmethod
    def from_log(cls, rows: list[dict[str, Any]], group: str) -> FetchReport:
        """The report of an earlier, complete fetch, rebuilt from its log rows."""
        report = cls(reused=True)
        names = set(sources.GROUPS[group])
        for row in latest_rows(r for r in rows if r.get("source") in names).values():
            report.count(row, now=False)
        return report

    def as_dict(self) -> dict[str, Any]:
        """Everything the report holds, as JSON values (a fetch in another process hands it
        over this way)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> FetchReport:
        return cls(
            stats={name: SourceStats(**s) for name, s in d["stats"].items()},
            answered_paths=dict(d["answered_paths"]),
            missing=list(d["missing"]),
            failures=[(s, k, e) for s, k, e in d["failures"]],
            notes=list(d["notes"]),
            reused=d["reused"],
            resumed=d["resumed"],
        )

    def count(self, row: dict[str, Any], *, now: bool) -> None:
        """One call's outcome: made now, or settled by an earlier fetch of the snapshot."""
        st = self.source(row["source"])
        state = row_state(row)
        if state == ABSENT:
            st.absent += row.get("not_asked") or 0
            return
        st.requested += 1
        if now:
            st.fetched_now += 1
            st.retried += (row.get("attempts") or 0) > 1
        if state == OK:
            st.ok += 1
            return
        st.failed += 1
        st.transient += state == TRANSIENT
        self.failures.append((row["source"], row["key"], row["error"]))

    @property
    def transient(self) -> int:
        return sum(s.transient for s in self.stats.values())

    @property
    def complete(self) -> bool:
        return self.transient == 0

    def summary(self) -> dict[str, Any]:
        return {
            "completed_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "complete": self.complete,
            "requests": sum(s.requested for s in self.stats.values()),
            "failed": sum(s.failed for s in self.stats.values()),
            "transient": self.transient,
            "coverage": self.coverage(),
        }

    def coverage(self) -> dict[str, dict[str, int]]:
        return {
            name: {k: v for k, v in vars(s).items() if k in ("requested", "ok", "transient")}
            for name, s in self.stats.items()
        }

    def source(self, name: str) -> SourceStats:
        return self.stats.setdefault(name, SourceStats())

    def as_metadata(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            f"{name}_{k}": v for name, s in self.stats.items() for k, v in vars(s).items()
        }
        out["complete"] = self.complete
        out["transient_failures"] = self.transient
        out["answered_paths"] = dict(self.answered_paths)
        out["missing"] = list(self.missing)
        out["failures"] = [f"{s} {k}: {e}" for s, k, e in self.failures[:50]]
        out["notes"] = list(self.notes)
        out["reused"] = self.reused
        out["resumed"] = self.resumed
        return out


def latest_rows(rows: Iterable[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    """The last row of every (source, key): what the snapshot holds for that call now."""
    return {(r["source"], r["key"]): r for r in rows}


def coverage(rows: Iterable[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Per source, the calls of a snapshot by how they ended (their last row): ok,
    permanent, transient (what a later run could still fetch); and, for a source absent that
    day, ``absent``: the calls not asked."""
    out: dict[str, dict[str, int]] = {}
    for (source, _), row in latest_rows(rows).items():
        counts = out.setdefault(source, {"calls": 0, OK: 0, PERMANENT: 0, TRANSIENT: 0})
        state = row_state(row)
        if state == ABSENT:  # not a call: how many were not asked
            counts[ABSENT] = row.get("not_asked") or 0
            continue
        counts["calls"] += 1
        counts[state] += 1
    return dict(sorted(out.items()))
