"""``GET /api/v1/datasets/app-rankings?limit=100``: the top public apps by tokens over the
last 30 days (Data API), as openrouter.ai/apps ranks them."""

from __future__ import annotations

from pipeline.sources.fields import Contract, Int, ListOf, Obj, Str, Text
from pipeline.sources.request import Source

SOURCE = Source(
    "datasets_app_rankings",
    "datasets",
    ("/api/v1/datasets/app-rankings",),
    # the most one call may return: one call a day for the whole published list
    params={"limit": "100"},
    data=list,
    citation="Source: OpenRouter (openrouter.ai/apps), as of {as_of}.",
    license="CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/)",
)

T = "app_rankings"

CONTRACT = Contract(
    "datasets_app_rankings",
    Obj(
        "",
        {
            "data": ListOf(
                f"→ one row each in {T}",
                Obj(
                    "",
                    {
                        "rank": Int(f"→ {T}.rank (1 = most tokens in the window)"),
                        "app_id": Int(f"→ {T}.app_id"),
                        "app_name": Str(f"→ {T}.app_name"),
                        "total_tokens": Text(f"→ {T}.total_tokens (a decimal string)"),
                        "total_requests": Int(f"→ {T}.total_requests"),
                    },
                ),
            ),
            "meta": Obj(
                "",
                {
                    "as_of": Str(f"→ {T}.as_of"),
                    "start_date": Str(f"→ {T}.start_date"),
                    "end_date": Str(f"→ {T}.end_date"),
                    "version": Str("the API's version of the shape (v1); checked, not stored"),
                },
            ),
        },
    ),
    "meta",
)
REQUIRED = (
    "data",
    "meta",
    "data[].rank",
    "data[].app_id",
    "data[].app_name",
    "data[].total_tokens",
    "data[].total_requests",
    "meta.as_of",
    "meta.version",
    "meta.start_date",
    "meta.end_date",
)
