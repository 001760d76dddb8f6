"""Drift report: fields the API sends that no contract maps or drops, per source."""

from __future__ import annotations

from pipeline.raw_reader import RawDocs
from pipeline.transforms.source_schemas import CONTRACTS, V1_ENDPOINT
from pipeline.transforms.validate import new_fields


def drift_report(docs: RawDocs) -> dict[str, dict[str, str]]:
    """``{source: {field: example}}`` for every unknown top-level field (none: ``{}``)."""
    records = docs.by_source()
    report = {
        source: found
        for source, recs in records.items()
        if (found := new_fields(recs, CONTRACTS[source].known))
    }
    endpoint_objects = [
        e for d in docs.v1_endpoints for e in (d.get("endpoints") or []) if isinstance(e, dict)
    ]
    if found := new_fields(endpoint_objects, {f.name for f in V1_ENDPOINT.fields}):
        report["v1_endpoints.endpoints[]"] = found
    return report
