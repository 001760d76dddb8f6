"""The Data API's daily quota, counted across runs: one small file per UTC day in the storage
root says how many requests this project's runs spent that day, so several runs of one day
(a re-run, a backfill of other dates, the schedule) stay under the account's 500 together.

Every attempt counts, a retry included: the API counts requests, not answers. A 429 that says
the quota is spent marks the day spent for every later run, until 00:00 UTC. The count is kept
per host: the calls a replay on loopback answers (the demo, the tests) spend nothing of
openrouter.ai's.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import orjson

from pipeline.storage.atomic import atomic_write_bytes
from pipeline.storage.layout import Layout


def utc_today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


@dataclass
class QuotaLedger:
    """Requests spent today against ``budget``; ``today`` is a function so tests can move it."""

    layout: Layout
    budget: int
    host: str = "openrouter.ai"
    today: Callable[[], dt.date] = field(default=utc_today)

    def _rel(self, day: dt.date) -> str:
        return f"quota/datasets/host={self.host}/day={day.isoformat()}.json"

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """One writer at a time on this machine (the runs of a data dir share it)."""
        path = self.layout.base / "locks" / "datasets-quota.lock"
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a+") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            yield

    def _read(self, day: dt.date) -> dict:
        rel = self._rel(day)
        try:
            if self.layout.remote:
                blob = self.layout.bucket.get(rel) if self.layout.bucket.exists(rel) else None
            else:
                path = self.layout.base / rel
                blob = path.read_bytes() if path.is_file() else None
        except OSError:
            blob = None
        if not blob:
            return {"spent": 0, "exhausted": False}
        try:
            doc = orjson.loads(blob)
        except orjson.JSONDecodeError:
            # a ledger nobody can read is counted as spent: the quota is the account's
            return {"spent": self.budget, "exhausted": False}
        return doc if isinstance(doc, dict) else {"spent": self.budget, "exhausted": False}

    def _write(self, day: dt.date, doc: dict) -> None:
        body = orjson.dumps(doc, option=orjson.OPT_INDENT_2)
        if self.layout.remote:
            self.layout.bucket.put(self._rel(day), body)
        else:
            atomic_write_bytes(self.layout.base / self._rel(day), body)

    def spent(self) -> int:
        doc = self._read(self.today())
        return self.budget if doc.get("exhausted") else int(doc.get("spent", 0))

    def left(self) -> int:
        return max(0, self.budget - self.spent())

    def take(self) -> bool:
        """Reserve one request of today's budget; False when none is left."""
        with self._locked():
            day = self.today()
            doc = self._read(day)
            if doc.get("exhausted") or int(doc.get("spent", 0)) >= self.budget:
                return False
            doc["spent"] = int(doc.get("spent", 0)) + 1
            self._write(day, doc)
            return True

    def add(self, n: int) -> None:
        """Count ``n`` more requests already made (the retries of a reserved call)."""
        if n <= 0:
            return
        with self._locked():
            day = self.today()
            doc = self._read(day)
            doc["spent"] = int(doc.get("spent", 0)) + n
            self._write(day, doc)

    def exhaust(self, why: str) -> None:
        """The API said the quota is spent: no run asks again today."""
        with self._locked():
            day = self.today()
            doc = self._read(day)
            doc.update(exhausted=True, why=why)
            self._write(day, doc)
