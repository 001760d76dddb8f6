"""Every publish decision of a date, kept: held (with the audit's figures), published, or
accepted after review (who, why, when). One small JSON object per decision under
``audit/snapshot_date=D/``, named by its time, so the history of a date reads in order and a
bucket needs no appends; the newest says the date's state."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

import orjson

from pipeline.storage.atomic import atomic_write_bytes
from pipeline.storage.layout import Layout

HELD, PUBLISHED, ACCEPTED = "held", "published", "accepted"
# the build itself failed after the fetch (a bug, a disk): nothing was published, and the
# record says what failed so the date is reviewable all the same
FAILED = "failed"
# a rebuild of a published date whose audit failed under the new code: the date keeps the build
# it was published with (still published, still readable); the new build waits staged
KEPT = "kept"
# an optional group (the Data API's) of which no call answered: nothing to publish, and the
# record says why (the API's own message), never "published"
ABSENT = "absent"
# the run tags of an acceptance (``openrouter-catalog accept``, or a run launched in the UI
# with both tags): the date is published though its audit failed, and the record says so
ACCEPTED_BY_TAG = "openrouter_catalog/accepted_by"
ACCEPT_REASON_TAG = "openrouter_catalog/accept_reason"


@dataclass
class Decision:
    snapshot_date: str
    state: str  # held | published | accepted | failed | kept | absent
    at: str  # UTC, ISO 8601
    against: str | None  # the previous published snapshot the audit compared with
    line: str  # the one-line summary a run prints
    failed: list[str] = field(default_factory=list)  # the blocking checks that did not pass
    checks: list[dict[str, Any]] = field(default_factory=list)  # name, passed, figures
    staged: str | None = None  # where a held build's tables wait
    accepted_by: str | None = None
    reason: str | None = None
    run_id: str | None = None
    # the code that made the decision (pipeline/publish/version.py): a rebuild cut short
    # skips the dates this code already decided
    version: str | None = None

    @property
    def date(self) -> dt.date:
        return dt.date.fromisoformat(self.snapshot_date)


# the catalog's decisions, and those of the Data API's tables, published on their own
CATALOG, DATASETS = "catalog", "datasets"


def _folder(date: dt.date, scope: str = CATALOG) -> str:
    inner = "" if scope == CATALOG else f"{scope}/"
    return f"audit/{inner}snapshot_date={date.isoformat()}"


def record(layout: Layout, decision: Decision, scope: str = CATALOG) -> str:
    """Keep ``decision``; returns where it is."""
    stamp = decision.at.replace("-", "").replace(":", "").replace("+0000", "Z")
    rel = f"{_folder(decision.date, scope)}/{stamp}-{decision.state}.json"
    body = orjson.dumps(asdict(decision), option=orjson.OPT_INDENT_2)
    if layout.remote:
        layout.bucket.put(rel, body)
        return layout.bucket.url(rel)
    atomic_write_bytes(layout.base / rel, body)
    return str(layout.base / rel)


def record_unaudited(
    layout: Layout,
    date: dt.date,
    state: str,
    line: str,
    run_id: str | None,
    scope: str = CATALOG,
) -> str:
    """Keep a decision no audit stands behind (a build that failed, a group that is absent):
    its state and its one line, by this code."""
    from pipeline.publish.version import code_version

    return record(
        layout,
        Decision(
            snapshot_date=date.isoformat(),
            state=state,
            at=now(),
            against=None,
            line=line,
            run_id=run_id,
            version=code_version(),
        ),
        scope,
    )


def history(layout: Layout, date: dt.date, scope: str = CATALOG) -> list[Decision]:
    """Every decision on ``date``, oldest first."""
    folder = _folder(date, scope)
    if layout.remote:
        keys = sorted(k for k in layout.bucket.list(folder) if k.endswith(".json"))
        blobs = [layout.bucket.get(k) for k in keys]
    else:
        root = layout.base / folder
        blobs = [p.read_bytes() for p in sorted(root.glob("*.json"))] if root.is_dir() else []
    return [Decision(**orjson.loads(b)) for b in blobs]


def latest(layout: Layout, date: dt.date, scope: str = CATALOG) -> Decision | None:
    found = history(layout, date, scope)
    return found[-1] if found else None


def is_held(layout: Layout, date: dt.date) -> bool:
    last = latest(layout, date)
    return last is not None and last.state == HELD


# a date held only for this is incomplete, not refused: a re-run resumes the missing calls
# and keeps what answered, rather than asking the API for everything again
INCOMPLETE = "sources_complete"


def is_refused(layout: Layout, date: dt.date) -> bool:
    """Held for what the API answered (not only for what it left unanswered)."""
    last = latest(layout, date)
    return last is not None and last.state == HELD and bool(set(last.failed) - {INCOMPLETE})


def now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+0000")
