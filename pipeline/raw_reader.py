"""Read a raw snapshot back into the documents each transform needs (raw → tables input)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from pipeline import sources
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


def read_snapshot(snap: RawSnapshot) -> RawDocs:
    """Every successful response of the snapshot, parsed; the last row per request wins."""
    docs = RawDocs(log_rows=snap.log_rows())
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for row in docs.log_rows:
        if row.get("error") is None and row.get("status") == 200 and row.get("file"):
            latest[(row["source"], row["key"])] = row
    for (source, _key), row in sorted(latest.items()):
        if not hasattr(docs, source) and source != sources.FRONTEND_STATS_ENDPOINT.name:
            continue  # landed but not tabulated yet (effective-pricing)
        path = str(snap.folder / row["file"])
        data = unwrap(orjson.loads(snap.read_body(row["file"])))
        docs.present.add(source)
        origin = docs.origins.setdefault(source, [])
        if source == sources.V1_ENDPOINTS.name:
            if isinstance(data, dict):
                docs.v1_endpoints.append(data)
                origin.append(path)
        elif isinstance(data, list):
            target = (
                docs.frontend_stats_endpoints
                if source == sources.FRONTEND_STATS_ENDPOINT.name
                else getattr(docs, source)
            )
            records = [d for d in data if isinstance(d, dict)]
            target.extend(records)
            origin.extend([path] * len(records))
    return docs
