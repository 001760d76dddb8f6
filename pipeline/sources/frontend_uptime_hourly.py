"""``GET /api/frontend/v1/stats/uptime-hourly?id=<endpoint UUID>`` (2025: without ``v1/``):
the hourly uptime (percent) of one endpoint over the last 72 hours,
``{"history": [{date, uptime}, …]}``. Asked for the busiest endpoints only."""

from __future__ import annotations

from typing import Any

from pipeline.sources.fields import Contract, Float, Obj, Str
from pipeline.sources.request import Source

SOURCE = Source(
    "frontend_uptime_hourly",
    "frontend",
    ("/api/frontend/v1/stats/uptime-hourly", "/api/frontend/stats/uptime-hourly"),
    fan_out=True,
    data=dict,
)

T = "endpoint_uptime_hourly_observations"

CONTRACT = Contract(
    "frontend_uptime_hourly",
    Obj(
        "",
        {
            "endpoint_id": Str(f"→ {T}.endpoint_id (from the request key)"),
            "date": Str(f"→ {T}.uptime_hour (UTC, 'YYYY-MM-DD HH:00:00')"),
            "uptime": Float(f"→ {T}.uptime_pct"),
        },
    ),
    "endpoint_id",
)


def records(data: Any, key: str) -> list[dict[str, Any]]:  # noqa: ANN401
    """One record per hour."""
    history = data.get("history") if isinstance(data, dict) else None
    if not isinstance(history, list):
        return []
    return [{"endpoint_id": key, **p} for p in history if isinstance(p, dict)]
