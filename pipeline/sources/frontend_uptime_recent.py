"""``GET /api/frontend/v1/stats/uptime-recent?permaslug=…`` (2025: without ``v1/``): one call
per permaslug, every variant's endpoints at once: ``{endpoint UUID: [{date, uptime}, …]}``,
the daily uptime (percent) of the last 3 days, null for a day without requests."""

from __future__ import annotations

from typing import Any

from pipeline.sources.fields import Contract, Float, Obj, Str
from pipeline.sources.request import Source

SOURCE = Source(
    "frontend_uptime_recent",
    "frontend",
    ("/api/frontend/v1/stats/uptime-recent", "/api/frontend/stats/uptime-recent"),
    fan_out=True,
    data=dict,
)

T = "endpoint_uptime_observations"

CONTRACT = Contract(
    "frontend_uptime_recent",
    Obj(
        "",
        {
            "endpoint_id": Str(f"→ {T}.endpoint_id (the key of the body's map)"),
            "permaslug": Str(f"→ {T}.permaslug (from the request key)"),
            "date": Str(f"→ {T}.uptime_date"),
            "uptime": Float(f"→ {T}.uptime_pct"),
        },
    ),
    "endpoint_id",
)


def records(data: Any, key: str) -> list[dict[str, Any]]:  # noqa: ANN401
    """One record per endpoint and day."""
    if not isinstance(data, dict):
        return []
    return [
        {"endpoint_id": uuid, "permaslug": key, **point}
        for uuid, points in data.items()
        if isinstance(points, list)
        for point in points
        if isinstance(point, dict)
    ]
