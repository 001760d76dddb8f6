"""Read a raw snapshot back into the documents each transform needs (raw → tables input)."""

from __future__ import annotations

import os
import zlib
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


@dataclass
class RawDocs:
    v1_models: list[dict[str, Any]] = field(default_factory=list)
    v1_endpoints: list[dict[str, Any]] = field(default_factory=list)  # one doc per model
    v1_providers: list[dict[str, Any]] = field(default_factory=list)
    frontend_catalog: list[dict[str, Any]] = field(default_factory=list)
    frontend_all_providers: list[dict[str, Any]] = field(default_factory=list)
    frontend_stats_endpoints: list[dict[str, Any]] = field(default_factory=list)
    # the usage sources (pipeline.sources.USAGE_MODULES), each framed by its ``records``
    usage: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {name: [] for name in sources.RECORDS}
    )
    log_rows: list[dict[str, Any]] = field(default_factory=list)
    present: set[str] = field(default_factory=set)  # sources with at least one good response
    origins: dict[str, list[str]] = field(default_factory=dict)  # source → file per record

    def by_source(self) -> dict[str, list[dict[str, Any]]]:
        """The records of every tabulated source, under the source's name."""
        return {
            "v1_models": self.v1_models,
            "v1_endpoints": self.v1_endpoints,
            "v1_providers": self.v1_providers,
            "frontend_catalog": self.frontend_catalog,
            "frontend_all_providers": self.frontend_all_providers,
            "frontend_stats_endpoint": self.frontend_stats_endpoints,
            **self.usage,
        }

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


def read_snapshot(snap: RawSnapshot) -> RawDocs:
    """Every successful response of the snapshot, parsed; the last row per request wins."""
    with gc_paused():
        return _read_snapshot(snap)


def _read_snapshot(snap: RawSnapshot) -> RawDocs:
    docs = RawDocs(log_rows=snap.log_rows())
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for row in docs.log_rows:
        if row.get("error") is None and row.get("status") == 200 and row.get("file"):
            latest[(row["source"], row["key"])] = row
    targets = docs.by_source()
    chosen = [(source, row) for (source, _), row in sorted(latest.items()) if source in targets]
    bodies = _Bodies(str(snap.folder))
    for source, row in chosen:
        data = unwrap(orjson.loads(bodies.read(row)))
        path = bodies.where(row)
        docs.present.add(source)
        origin = docs.origins.setdefault(source, [])
        if source in sources.RECORDS:
            records = sources.RECORDS[source](data, row["key"])
            targets[source].extend(records)
            origin.extend([path] * len(records))
        elif source == sources.V1_ENDPOINTS.name:
            if isinstance(data, dict):
                docs.v1_endpoints.append(data)
                origin.append(path)
        elif isinstance(data, list):
            records = [d for d in data if isinstance(d, dict)]
            targets[source].extend(records)
            origin.extend([path] * len(records))
    return docs
