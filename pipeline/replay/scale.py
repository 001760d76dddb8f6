"""``--scale K``: the recorded catalog cloned K times under new ids, consistently across
sources (v1 list, v1 endpoints, frontend catalog, stats/endpoint), for load and size tests.

Clone k (1 ≤ k < K) of ``author/slug:variant`` is ``author/slug-xk:variant``; frontend endpoint
UUIDs become uuid5(original, k). Clone 0 is the recording itself.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

from pipeline import sources

_NS = uuid.UUID("6f1c1a52-8f0e-4c55-9d1e-3d2f8f6b7a10")


def clone_slug(slug: str | None, k: int) -> str | None:
    return slug if not slug or k == 0 else f"{slug}-x{k}"


def clone_id(model_id: str | None, k: int) -> str | None:
    """Keeps the variant after the colon: ``a/b:free`` → ``a/b-x2:free``."""
    if not model_id or k == 0:
        return model_id
    base, sep, variant = model_id.partition(":")
    return f"{base}-x{k}{sep}{variant}"


def clone_uuid(value: str | None, k: int) -> str | None:
    return value if not value or k == 0 else str(uuid.uuid5(_NS, f"{value}/{k}"))


def _endpoint(e: dict[str, Any], k: int) -> dict[str, Any]:
    e = dict(e)
    e["id"] = clone_uuid(e.get("id"), k)
    e["model_variant_slug"] = clone_id(e.get("model_variant_slug"), k)
    e["model_variant_permaslug"] = clone_id(e.get("model_variant_permaslug"), k)
    if isinstance(e.get("stats"), dict):
        e["stats"] = {**e["stats"], "endpoint_id": e["id"]}
    return e


def v1_model(m: dict[str, Any], k: int) -> dict[str, Any]:
    m = dict(m)
    m["id"] = clone_id(m.get("id"), k)
    m["canonical_slug"] = clone_slug(m.get("canonical_slug"), k)
    if isinstance(m.get("links"), dict) and m.get("canonical_slug"):
        m["links"] = {"details": f"/api/v1/models/{m['canonical_slug']}/endpoints"}
    return m


def catalog_row(row: dict[str, Any], k: int) -> dict[str, Any]:
    row = dict(row)
    row["slug"] = clone_slug(row.get("slug"), k)
    row["permaslug"] = clone_slug(row.get("permaslug"), k)
    if isinstance(row.get("endpoint"), dict):
        row["endpoint"] = _endpoint(row["endpoint"], k)
    return row


def list_body(source: str, data: list[Any], times: int) -> list[Any]:
    """A list source's data with every clone appended (providers lists stay as they are)."""
    clone = {"v1_models": v1_model, "frontend_catalog": catalog_row}.get(source)
    if clone is None:
        return data
    return [clone(x, k) if isinstance(x, dict) else x for k in range(times) for x in data]


def fan_out_body(source: str, data: Any, k: int) -> Any:
    if source == sources.V1_ENDPOINTS.name and isinstance(data, dict):
        data = dict(data)
        data["id"] = clone_id(data.get("id"), k)
        data["endpoints"] = [
            {**e, "model_id": clone_id(e.get("model_id"), k)} for e in data.get("endpoints") or []
        ]
        return data
    if source == sources.FRONTEND_STATS_ENDPOINT.name and isinstance(data, list):
        return [_endpoint(e, k) if isinstance(e, dict) else e for e in data]
    return data


def fan_out_request(source: str, key: str, request: str, k: int) -> str:
    """The request a clone answers to: the model id or the permaslug renamed."""
    if k == 0:
        return request
    if source == sources.V1_ENDPOINTS.name:
        return sources.endpoints_path(clone_id(key, k) or key)
    permaslug, _, variant = key.rpartition(":")
    path = request.split("?", 1)[0]
    return f"{path}?{urlencode({'permaslug': clone_slug(permaslug, k), 'variant': variant})}"
