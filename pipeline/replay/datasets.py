"""The Data API and ``/endpoints/zdr`` as the replay serves them.

``rankings-daily`` is served from real rows (``data/sample/datasets/rankings_daily.json.gz``:
``{date: {permaslug: row}}``, as a public recorder stored them) for any window, rebuilt into
the API's envelope and order: ``date`` ascending, then ``total_tokens`` descending (ties by
permaslug), ``other`` last within its date. The other calls answer the OpenAPI text's own
examples (no real answer of them is recorded); see ``data/sample/datasets/README.md``.

A key is required (401 without one), and a daily quota can be set: past it, the 429 the
API's docs quote.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import threading
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

FLOOR = dt.date(2025, 1, 1)
MAX_WINDOW_DAYS = 366
QUOTA_MESSAGE = "Rate limit exceeded: datasets-per-account-rpd-v1."
# path → the example file it answers with
EXAMPLES = {
    "/api/v1/datasets/app-rankings": "app_rankings.json",
    "/api/v1/datasets/session-cost": "session_cost.json",
    "/api/v1/classifications/task": "task_classifications.json",
    "/api/v1/benchmarks": "benchmarks.json",
}
RANKINGS_PATH = "/api/v1/datasets/rankings-daily"
ZDR_PATH = "/api/v1/endpoints/zdr"
QUOTA_PATHS = (RANKINGS_PATH, *EXAMPLES)


def _error(code: int, message: str) -> bytes:
    return json.dumps({"error": {"code": code, "message": message}}).encode()


def _day(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _tokens(row: dict) -> int:
    """The row's token count, whatever its field is called (a test may rename it)."""
    value = row.get("total_tokens", next((v for k, v in row.items() if "tokens" in k), 0))
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


class DatasetsReplay:
    """Answers of the Data API from a folder of recordings and examples."""

    def __init__(self, folder: Path | str, quota: int | None = None) -> None:
        self.folder = Path(folder)
        rows_file = self.folder / "rankings_daily.json.gz"
        self.rows: dict[str, dict[str, dict]] = (
            json.loads(gzip.decompress(rows_file.read_bytes())) if rows_file.is_file() else {}
        )
        self.quota = quota
        self.spent = 0
        self._lock = threading.Lock()

    def handles(self, path: str) -> bool:
        return path in QUOTA_PATHS or path == ZDR_PATH

    def answer(self, target: str, authorized: bool) -> tuple[int, bytes]:
        parts = urlsplit(target)
        path, query = parts.path.rstrip("/"), parse_qs(parts.query)
        if path == ZDR_PATH:
            return self._file("endpoints_zdr.json")
        if not authorized:
            return 401, _error(401, "Missing Authentication header")
        with self._lock:
            if self.quota is not None and self.spent >= self.quota:
                return 429, _error(429, QUOTA_MESSAGE)
            self.spent += 1
        if path == RANKINGS_PATH:
            return self._rankings({k: v[0] for k, v in query.items()})
        return self._file(EXAMPLES[path])

    def _file(self, name: str) -> tuple[int, bytes]:
        path = self.folder / name
        if not path.is_file():
            return 404, _error(404, f"no recording {name} in {self.folder}")
        return 200, path.read_bytes()

    def _rankings(self, q: dict[str, str]) -> tuple[int, bytes]:
        try:
            last = max(self.rows) if self.rows else FLOOR.isoformat()
            end = _day(q.get("end_date")) or dt.date.fromisoformat(last)
            start = _day(q.get("start_date")) or end - dt.timedelta(days=30)
        except ValueError as exc:
            return 400, _error(400, f"Invalid request parameters: {exc}")
        if end < FLOOR:
            return 400, _error(400, "end_date must be on or after 2025-01-01")
        start = max(start, FLOOR)
        if start > end or (end - start).days + 1 > MAX_WINDOW_DAYS:
            return 400, _error(400, "the window must be 1 to 366 days")
        if any(k in q for k in ("modality", "context_bucket", "category", "language_type")):
            rows_of = {}  # no slice was recorded: an empty answer, in the API's envelope
        else:
            rows_of = self.rows
        data = []
        for day in sorted(d for d in rows_of if start.isoformat() <= d <= end.isoformat()):
            day_rows = list(rows_of[day].values())
            top = sorted(
                (r for r in day_rows if r.get("model_permaslug") != "other"),
                key=lambda r: (-_tokens(r), str(r.get("model_permaslug"))),
            )
            data += top + [r for r in day_rows if r.get("model_permaslug") == "other"]
        as_of = f"{end + dt.timedelta(days=1)}T02:00:00.000Z"
        meta = {"as_of": as_of, "end_date": str(end), "start_date": str(start), "version": "v1"}
        return 200, json.dumps({"data": data, "meta": meta}).encode()
