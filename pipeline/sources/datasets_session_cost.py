"""``GET /api/v1/datasets/session-cost?limit=500&offset=…``: the median USD cost of a session
per published harness app, model and turn range, refreshed weekly (Data API). Paged: the
pages are asked until one comes back short."""

from __future__ import annotations

from pipeline.sources.fields import Contract, Float, Int, ListOf, Obj, Str
from pipeline.sources.request import Source

PAGE = 500  # the most cells one call may return
MAX_PAGES = 4  # a run asks at most this many pages (2,000 cells), the quota in mind

SOURCE = Source(
    "datasets_session_cost",
    "datasets",
    ("/api/v1/datasets/session-cost",),
    params={"limit": str(PAGE)},
    data=list,
    citation="Source: OpenRouter (openrouter.ai), as of {as_of}.",
    license="CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/)",
)

T = "session_costs"

CONTRACT = Contract(
    "datasets_session_cost",
    Obj(
        "",
        {
            "data": ListOf(
                f"→ one row each in {T}",
                Obj(
                    "",
                    {
                        "app_slug": Str(f"→ {T}.app_slug"),
                        "app_name": Str(f"→ {T}.app_name"),
                        "turn_range": Str(f"→ {T}.turn_range (1-turn, 2-9-turns, …)"),
                        "model_permaslug": Str(f"→ {T}.model_permaslug"),
                        "median_session_cost_usd": Float(f"→ {T}.median_session_cost_usd"),
                    },
                ),
            ),
            "meta": Obj(
                "",
                {
                    "as_of": Str(f"→ {T}.as_of"),
                    "version": Str("the API's version of the shape (v1); checked, not stored"),
                    "window_days": Int(f"→ {T}.window_days (the sessions' window)"),
                    "window_end_date": Str(f"→ {T}.window_end_date"),
                },
            ),
        },
    ),
    "meta",
)
# (meta.window_days and window_end_date are required but may be null: not checked for values)
REQUIRED = (
    "data",
    "meta",
    "data[].app_slug",
    "data[].app_name",
    "data[].turn_range",
    "data[].model_permaslug",
    "data[].median_session_cost_usd",
    "meta.as_of",
    "meta.version",
)
