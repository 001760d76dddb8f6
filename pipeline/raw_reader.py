"""Read a raw snapshot back into the documents each transform needs (raw → tables input)."""

from __future__ import annotations

import os
import zlib
from dataclasses import dataclass, field
from typing import Any

import orjson

from pipeline import sources
from pipeline.gc_pause import gc_paused
from pipeline.raw_store import RawSnapshot


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
        }


def _read_body(path: str) -> bytes:
    with open(path, "rb") as fh:
        return zlib.decompress(fh.read(), wbits=31)  # gzip framing, without gzip.py's overhead


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
    folder = str(snap.folder)
    paths = [os.path.join(folder, row["file"]) for _, row in chosen]
    for (source, _row), path in zip(chosen, paths, strict=True):
        data = unwrap(orjson.loads(_read_body(path)))
        docs.present.add(source)
        origin = docs.origins.setdefault(source, [])
        if source == sources.V1_ENDPOINTS.name:
            if isinstance(data, dict):
                docs.v1_endpoints.append(data)
                origin.append(path)
        elif isinstance(data, list):
            records = [d for d in data if isinstance(d, dict)]
            targets[source].extend(records)
            origin.extend([path] * len(records))
    return docs
