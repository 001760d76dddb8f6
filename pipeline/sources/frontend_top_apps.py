"""``GET /api/frontend/v1/stats/top-apps-for-model?permaslug=…&variant=…`` (2025:
``/api/frontend/stats/app?permaslug=…&variant=…&limit=…``): the public apps that used the model
variant most this week, busiest first, as a bare list."""

from __future__ import annotations

from typing import Any

from pipeline.sources.fields import Contract, Dropped, Int, Obj, Str, Text
from pipeline.sources.request import Source, split_stats_key

LIMIT = "20"

SOURCE = Source(
    "frontend_top_apps",
    "frontend",
    ("/api/frontend/v1/stats/top-apps-for-model", "/api/frontend/stats/app"),
    params={"limit": LIMIT},
    fan_out=True,
)

T = "model_top_apps"

CONTRACT = Contract(
    "frontend_top_apps",
    Obj(
        "",
        {
            "permaslug": Str(f"→ {T}.permaslug (from the request key)"),
            "variant": Str(f"→ {T}.variant (from the request key)"),
            "rank": Int(f"→ {T}.rank (the position in the answer, from 1)"),
            "app_id": Int(f"→ {T}.app_id"),
            "total_tokens": Text(f"→ {T}.tokens (sent as a string)"),
            "app": Obj(
                "",
                {
                    "id": Dropped("repeats app_id"),
                    "title": Str(f"→ {T}.title"),
                    "description": Str(f"→ {T}.description"),
                    "created_at": Str(f"→ {T}.app_created_at"),
                    "origin_url": Str(f"→ {T}.origin_url"),
                    "main_url": Str(f"→ {T}.main_url"),
                    "source_code_url": Str(f"→ {T}.source_code_url"),
                },
            ),
        },
    ),
    "app_id",
)


def records(data: Any, key: str) -> list[dict[str, Any]]:  # noqa: ANN401
    """The apps of one model variant, with their rank."""
    if not isinstance(data, list):
        return []
    permaslug, variant = split_stats_key(key)
    rows = [r for r in data if isinstance(r, dict)]
    return [
        {"permaslug": permaslug, "variant": variant, "rank": i, **r}
        for i, r in enumerate(rows, start=1)
    ]
