"""``GET /api/frontend/v1/stats/effective-pricing?permaslug=…&variant=…``: what requests
actually paid. Fetched into raw; no table reads it yet (issue #13), so it has no contract."""

from __future__ import annotations

from pipeline.sources.request import Source

SOURCE = Source(
    "frontend_effective_pricing",
    "frontend",
    ("/api/frontend/v1/stats/effective-pricing",),  # 2026 only; no older path known
    fan_out=True,
    data=dict,
)
