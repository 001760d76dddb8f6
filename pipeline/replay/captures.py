"""Hourly captures turned back into answers: a public scraper's CSV rows of
``stats/endpoint`` (one per endpoint per capture, ``perf_hourly/<date>.csv.gz``) put back into
the endpoint records of the day's recorded answers, so a sample at a capture's moment gets
what the API answered then.

The CSV holds the figures only (percentiles, counts, status); the rest of each endpoint
object comes from the day's recorded answer of that (permaslug, variant), or of another
pair that lists the same endpoint (a '~' alias that pointed elsewhere at that hour). An
endpoint the day recorded nowhere has no object to carry its figures and is not served
(``unservable`` counts them). The served moment is the replay's clock: the latest capture at
or before it, set with ``GET /_replay/clock?at=ISO`` (tests, one sample per capture).
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import threading
from collections import defaultdict
from pathlib import Path
from typing import Any

import orjson

STATS_PATHS = ("/api/frontend/v1/stats/endpoint", "/api/frontend/stats/endpoint")
CLOCK_PATH = "/_replay/clock"
_PERCENTILE_FIELDS = [
    f"{p}_{m}" for m in ("throughput", "latency") for p in ("p50", "p75", "p90", "p95", "p99")
]


def _value(text: str) -> int | float | None:
    """A CSV cell as the JSON number it was written from; an empty cell is null."""
    if text == "":
        return None
    try:
        return int(text)
    except ValueError:
        return float(text)


def _when(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC)


def read_capture_rows(path: Path | str) -> list[dict[str, str]]:
    data = Path(path).read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


class Captures:
    """The captures of one or more CSV files, by moment and (permaslug, variant)."""

    def __init__(self, files: list[Path | str]) -> None:
        self.by_time: dict[dt.datetime, dict[tuple[str, str], list[dict[str, str]]]] = {}
        for f in files:
            for row in read_capture_rows(f):
                at = _when(row["scraped_at"])
                pair = (row["permaslug"], row["variant"])
                self.by_time.setdefault(at, defaultdict(list))[pair].append(row)
        if not self.by_time:
            raise ValueError(f"no capture rows in {', '.join(map(str, files))}")
        self.times = sorted(self.by_time)
        self._clock = self.times[0]
        self._lock = threading.Lock()
        self._records: dict[tuple[str, str], list[dict[str, Any]]] | None = None
        self._by_id: dict[str, dict[str, Any]] = {}

    def set_clock(self, at: dt.datetime) -> dt.datetime:
        """Serve the latest capture at or before ``at`` (the first when earlier than all)."""
        with self._lock:
            earlier = [t for t in self.times if t <= at]
            self._clock = earlier[-1] if earlier else self.times[0]
            return self._clock

    @property
    def clock(self) -> dt.datetime:
        return self._clock

    def load_records(self, answers: dict[tuple[str, str], bytes]) -> None:
        """The day's recorded stats/endpoint answers, by (permaslug, variant)."""
        records: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for pair, body in answers.items():
            doc = orjson.loads(body)
            data = doc.get("data") if isinstance(doc, dict) else doc
            records[pair] = [e for e in data or [] if isinstance(e, dict)]
            for e in records[pair]:
                if isinstance(e.get("id"), str):
                    self._by_id.setdefault(e["id"], e)
        self._records = records

    def unservable(self, at: dt.datetime) -> int:
        """Rows of the capture at ``at`` whose endpoint no recorded answer of the day holds."""
        rows = self.by_time[at]
        return sum(1 for rs in rows.values() for r in rs if r["endpoint_id"] not in self._by_id)

    def answer(self, permaslug: str, variant: str) -> bytes | None:
        """The body for one pair at the clock's capture; None (404, no endpoints) when the
        capture has no row for it."""
        assert self._records is not None, "load_records first"
        rows = self.by_time[self._clock].get((permaslug, variant))
        if not rows:
            return None
        own = {e.get("id"): e for e in self._records.get((permaslug, variant), [])}
        out = []
        for row in rows:
            base = own.get(row["endpoint_id"]) or self._by_id.get(row["endpoint_id"])
            if base is None:
                continue
            out.append(self._endpoint(base, row))
        return orjson.dumps({"data": out})

    @staticmethod
    def _endpoint(base: dict[str, Any], row: dict[str, str]) -> dict[str, Any]:
        e = dict(base)
        figures = {f: _value(row[f]) for f in _PERCENTILE_FIELDS}
        request_count, window = _value(row["request_count"]), _value(row["stats_window_minutes"])
        if all(v is None for v in figures.values()) and request_count is None and window is None:
            e["stats"] = None
        else:
            e["stats"] = {
                "endpoint_id": row["endpoint_id"],
                **figures,
                "request_count": request_count,
                "window_minutes": window,
            }
        heur = {
            "success": _value(row["success_count"]),
            "derankableError": _value(row["derankable_error_count"]),
            "rateLimited": _value(row["rate_limited_count"]),
        }
        e["status_heuristics"] = None if all(v is None for v in heur.values()) else heur
        e["status"] = _value(row["status"])
        e.pop("statsByTier", None)  # the recorded hour's figures again: not this capture's
        return e
