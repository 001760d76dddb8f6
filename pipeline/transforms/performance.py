"""``endpoint_performance_samples``: one sample's answers as rows, one per endpoint. The
frontend's stats/endpoint answer carries the percentiles (p95 included), the request count
and the success / error / rate-limited counts; the documented v1 endpoints answer, asked only
when the frontend is down, carries the percentiles without p95 and the uptimes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from pipeline.sources.request import ModelVariant as Target
from pipeline.transforms.schemas import conform, empty

PERCENTILES = ("p50", "p75", "p90", "p95", "p99")
_UNITS = {"latency": "ms", "throughput": "tps"}


def _number(value: Any) -> float | None:  # noqa: ANN401
    """A JSON number, else null (a string or object where a figure belongs is not one)."""
    return float(value) if type(value) in (int, float) else None


def _count(value: Any) -> int | None:  # noqa: ANN401
    if type(value) is int:
        return value
    if type(value) is float and value.is_integer():
        return int(value)
    return None


def _dict(value: Any) -> dict[str, Any]:  # noqa: ANN401
    return value if isinstance(value, dict) else {}


def frontend_rows(target: Target, data: Any, at: dt.datetime) -> list[dict[str, Any]]:  # noqa: ANN401
    """The rows of one stats/endpoint answer (a list of endpoint objects)."""
    out = []
    for e in data if isinstance(data, list) else []:
        if not isinstance(e, dict) or not isinstance(e.get("id"), str):
            continue
        stats, heur = _dict(e.get("stats")), _dict(e.get("status_heuristics"))
        row: dict[str, Any] = {
            "sampled_at": at,
            "endpoint_id": e["id"],
            "model_id": target.model_id,
            "permaslug": target.permaslug,
            "variant": target.variant,
            "provider_name": e.get("provider_name"),
            "provider_tag": e.get("provider_slug"),
            "status": _count(e.get("status")),
            "request_count": _count(stats.get("request_count")),
            "success_count": _count(heur.get("success")),
            "rate_limited_count": _count(heur.get("rateLimited")),
            "derankable_error_count": _count(heur.get("derankableError")),
            "window_minutes": _count(stats.get("window_minutes")),
            "answered_by": "frontend",
        }
        for metric, unit in _UNITS.items():
            for p in PERCENTILES:
                row[f"{metric}_{p}_{unit}"] = _number(stats.get(f"{p}_{metric}"))
        out.append(row)
    return out


def v1_rows(
    target: Target,
    data: Any,  # noqa: ANN401
    at: dt.datetime,
    endpoint_ids: dict[tuple[str, str, str], str],
) -> list[dict[str, Any]]:
    """The rows of one v1 endpoints answer (``{"id": …, "endpoints": [...]}``). v1 has no
    endpoint UUID: the id is the one the published endpoints table gives (model, provider,
    tag); an endpoint it does not list yet is left out (it has no id anyone could join)."""
    out = []
    for e in _dict(data).get("endpoints") or []:
        if not isinstance(e, dict):
            continue
        key = (target.model_id, e.get("provider_name"), e.get("tag"))
        endpoint_id = endpoint_ids.get(key)  # type: ignore[arg-type]
        if endpoint_id is None:
            continue
        row: dict[str, Any] = {
            "sampled_at": at,
            "endpoint_id": endpoint_id,
            "model_id": target.model_id,
            "permaslug": target.permaslug,
            "variant": target.variant,
            "provider_name": e.get("provider_name"),
            "provider_tag": e.get("tag"),
            "status": _count(e.get("status")),
            "answered_by": "v1",
        }
        for w in ("5m", "30m", "1d"):
            row[f"uptime_last_{w}"] = _number(e.get(f"uptime_last_{w}"))
        for metric, unit in _UNITS.items():
            figures = _dict(e.get(f"{metric}_last_30m"))
            for p in PERCENTILES:
                row[f"{metric}_{p}_{unit}"] = _number(figures.get(p))
        measured = any(row.get(f"{m}_p50_{u}") is not None for m, u in _UNITS.items())
        row["window_minutes"] = 30 if measured else None  # the documented *_last_30m
        out.append(row)
    return out


def samples_table(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """The sample's rows with the declared columns; an endpoint twice under one model (an
    answer that repeats it) is kept once."""
    if not rows:
        return empty("endpoint_performance_samples")
    schema = {c: dt for c, dt in empty("endpoint_performance_samples").schema.items()}
    df = pl.DataFrame(rows, schema=schema, strict=False)
    df = df.unique(["endpoint_id", "model_id"], keep="first", maintain_order=True)
    return conform(
        df.sort("model_id", "provider_name", "endpoint_id"), "endpoint_performance_samples"
    )
