"""Read a raw snapshot back into the documents each transform needs (raw → tables input)."""

from __future__ import annotations

import os
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson

from pipeline import sources
from pipeline.raw.gc_pause import gc_paused
from pipeline.raw.store import RawSnapshot


def unwrap(doc: Any) -> Any:
    """Accept both the live ``{"data": ...}`` envelope and archived bare lists."""
    if isinstance(doc, dict) and "data" in doc:
        return doc["data"]
    return doc


# the sources the tables are built from, in the order their records are read
TABULATED = (
    "v1_models",
    "v1_endpoints",
    "v1_providers",
    "frontend_catalog",
    "frontend_all_providers",
    "frontend_stats_endpoint",
    "v1_endpoints_zdr",
    *sources.RECORDS,
)
# JSON parsed at a time: a source is framed batch by batch, so the parsed records held at once
# do not grow with the catalog (its frames, a tenth of their size, do). Batches are cut by
# bytes, not bodies: each frame chunk carries some fixed overhead, so fewer, fuller chunks.
BATCH_BYTES = 4 * 1024 * 1024


@dataclass
class RawDocs:
    """A snapshot's landed answers, read one source at a time (``batches``): what the log
    says was asked and landed, and the bodies, parsed only when a source is framed."""

    snap: RawSnapshot | None = None
    log_rows: list[dict[str, Any]] = field(default_factory=list)
    # source → the rows of its latest good answers, in key order
    chosen: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # records given directly (tests, archives read elsewhere): source → records
    given: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # source → "key: why" of each landed answer about something other than its request (a
    # body that carries another model's ids): read as a failed call, never as data. The
    # fetch checks this too; reading checks it again for raw landed any other way.
    misanswered: dict[str, list[str]] = field(default_factory=dict)

    @property
    def present(self) -> set[str]:
        """Sources with at least one good response."""
        return {s for s, rows in self.chosen.items() if rows} | {
            s for s, recs in self.given.items() if recs
        }

    def batches(
        self, source: str, limit: int = BATCH_BYTES
    ) -> Iterator[tuple[list[dict[str, Any]], list[str]]]:
        """The source's records, about ``limit`` bytes of JSON at a time: (records, the file
        of each)."""
        if source in self.given:
            yield self.given[source], ["(given)"] * len(self.given[source])
            return
        rows = self.chosen.get(source, [])
        if not rows or self.snap is None:
            return
        reader = _Bodies(str(self.snap.folder))
        declared = sources.SOURCES_BY_NAME.get(source)
        about = declared.about if declared is not None else None
        records: list[dict[str, Any]] = []
        origins: list[str] = []
        size = 0
        with gc_paused():
            for row in rows:
                body = reader.read(row)
                size += len(body)
                data = unwrap(orjson.loads(body))
                if about is not None and (why := about(row["key"], data)) is not None:
                    self.misanswered.setdefault(source, []).append(f"{row['key']}: {why}")
                    continue
                found = _records(source, data, row["key"])
                records.extend(found)
                origins.extend([reader.where(row)] * len(found))
                if size >= limit:
                    yield records, origins
                    records, origins, size = [], [], 0
            if records:
                yield records, origins

    @property
    def asked(self) -> set[str]:
        """The sources this snapshot asked at all (those on a cadence are not asked every
        day: their tables are not written for a day that did not ask)."""
        return {r["source"] for r in self.log_rows if r.get("source")}

    @property
    def absent(self) -> set[str]:
        """Sources absent that day: their first calls answered 404 on every known path, and
        the rest were not asked (``pipeline/fetch/snapshot.py``). Not observed, not empty."""
        return {r["source"] for r in self.log_rows if r.get("absent") and r.get("source")}

    @property
    def derived(self) -> set[str]:
        """Sources every landed body of which is marked ``derived`` in the log: built by the
        sample and test tools from other answers (v1 endpoints from frontend records, say),
        never received from the API. They say nothing about the API's contract."""
        seen: dict[str, bool] = {}
        for r in self.log_rows:
            if r.get("status") == 200 and r.get("file") and r.get("source"):
                seen[r["source"]] = seen.get(r["source"], True) and bool(r.get("derived"))
        return {s for s, all_derived in seen.items() if all_derived}

    @property
    def imported(self) -> bool:
        """Landed from archived responses (``openrouter-catalog import``), not fetched."""
        return any(r.get("imported") for r in self.log_rows)


class _Bodies:
    """Reads bodies by log row; a pack is read once and its members sliced from memory. The
    rows come source by source, so only the current source's packs are held."""

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self._packs: dict[str, bytes] = {}

    def where(self, row: dict[str, Any]) -> str:
        """The body's file, and for a member of a pack its offset after '@'."""
        path = os.path.join(self.folder, row["file"])
        offset = row.get("file_offset")
        return path if offset is None else f"{path}@{offset}"

    def read(self, row: dict[str, Any]) -> bytes:
        path = os.path.join(self.folder, row["file"])
        offset = row.get("file_offset")
        if offset is None:
            with open(path, "rb") as fh:
                data = fh.read()
        else:
            pack = self._packs.get(path)
            if pack is None:
                if any(os.path.dirname(p) != os.path.dirname(path) for p in self._packs):
                    self._packs.clear()
                with open(path, "rb") as fh:
                    pack = self._packs[path] = fh.read()
            data = pack[offset : offset + row["file_length"]]
        return zlib.decompress(data, wbits=31)  # gzip framing, without gzip.py's overhead


def _records(source: str, data: Any, key: str) -> list[dict[str, Any]]:  # noqa: ANN401
    """One body's records: a usage source's by its ``records``, a v1 endpoints answer is one
    record (the model and its list), a list's its object elements."""
    if source in sources.RECORDS:
        return sources.RECORDS[source](data, key)
    if source == sources.V1_ENDPOINTS.name:
        return [data] if isinstance(data, dict) else []
    return [d for d in data if isinstance(d, dict)] if isinstance(data, list) else []


def choose(rows: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Which answer stands for each call of the tabulated sources: the last good one (a 200
    with a body) of every (source, key), by source, in key order."""
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        if row.get("error") is None and row.get("status") == 200 and row.get("file"):
            latest[(row["source"], row["key"])] = row
    chosen: dict[str, list[dict[str, Any]]] = {}
    for (source, _), row in sorted(latest.items()):
        if source in TABULATED:
            chosen.setdefault(source, []).append(row)
    return chosen


def read_snapshot(snap: RawSnapshot) -> RawDocs:
    """The snapshot's log, and which answer stands for each call (the last row per request
    wins); the bodies are read later, a source at a time."""
    docs = RawDocs(snap=snap, log_rows=snap.log_rows())
    docs.chosen = choose(docs.log_rows)
    return docs
