"""``GET /api/frontend/v1/rankings/models?view=month`` (also ``week`` and ``day``): one row per
model variant with its trailing totals over the view's period. A row's ``date`` is the last
day the variant had traffic, not the day of the figures."""

from __future__ import annotations

from typing import Any

from pipeline.sources.fields import Contract, Dropped, Float, Obj, Str
from pipeline.sources.frontend_model_activity import usage_fields
from pipeline.sources.request import Source

VIEWS = ("month", "week", "day")

SOURCE = Source(
    "frontend_rankings",
    "frontend",
    ("/api/frontend/v1/rankings/models",),  # 2026 only; no older path known
    data=list,
)

T = "model_rankings"

CONTRACT = Contract(
    "frontend_rankings",
    Obj(
        "",
        {
            "view": Str(f"→ {T}.view (from the request: the call's key, not the body)"),
            "date": Str(f"→ {T}.last_traffic_date (the variant's last day with traffic)"),
            "model_permaslug": Str(f"→ {T}.permaslug"),
            "variant": Str(f"→ {T}.variant, {T}.model_id (with the catalog's slug)"),
            "variant_permaslug": Dropped("permaslug plus ':variant' unless standard"),
            "change": Float(f"→ {T}.change (the API's own figure; undocumented)"),
            **usage_fields(T),
        },
    ),
    "model_permaslug",
)


def records(data: Any, key: str) -> list[dict[str, Any]]:  # noqa: ANN401
    """The rows of one view, each marked with the view it came from."""
    if not isinstance(data, list):
        return []
    return [{**r, "view": key} for r in data if isinstance(r, dict)]
