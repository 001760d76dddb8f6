"""``GET /api/v1/classifications/task?window=7d``: the share of the last 7 days' sampled
traffic per task tag (code generation, web search, …), each with its top models (Data API)."""

from __future__ import annotations

from pipeline.sources.fields import Contract, Float, Int, ListOf, Obj, Str
from pipeline.sources.request import Source

SOURCE = Source(
    "datasets_task_classifications",
    "datasets",
    ("/api/v1/classifications/task",),
    params={"window": "7d"},
    data=dict,
    citation="Source: OpenRouter (openrouter.ai/rankings), as of {as_of}.",
)

T, M = "task_classifications", "task_top_models"

CONTRACT = Contract(
    "datasets_task_classifications",
    Obj(
        "",
        {
            "data": Obj(
                "",
                {
                    "as_of": Str(f"→ {T}.as_of, {M}.as_of (the last UTC day of the window)"),
                    "window_days": Int(f"→ {T}.window_days"),
                    "classifications": ListOf(
                        f"→ one row each in {T}",
                        Obj(
                            "",
                            {
                                "tag": Str(f"→ {T}.tag, {M}.tag"),
                                "display_name": Str(f"→ {T}.display_name"),
                                "macro_category": Str(f"→ {T}.macro_category"),
                                "usage_share": Float(f"→ {T}.usage_share"),
                                "token_share": Float(f"→ {T}.token_share"),
                                "category_usage_share": Float(f"→ {T}.category_usage_share"),
                                "category_token_share": Float(f"→ {T}.category_token_share"),
                                "models": ListOf(
                                    f"→ one row each in {M}, ranked in the API's order",
                                    Obj(
                                        "",
                                        {
                                            "id": Str(f"→ {M}.model_permaslug"),
                                            "tag_usage_share": Float(f"→ {M}.tag_usage_share"),
                                            "tag_token_share": Float(f"→ {M}.tag_token_share"),
                                        },
                                    ),
                                ),
                            },
                        ),
                    ),
                    "macro_categories": ListOf(
                        "the shares of the four macro categories (code, data, agent, general): "
                        "kept in raw, as each tag's macro_category and category_*_share say "
                        "how the tags fall into them",
                        Obj(
                            "",
                            {
                                "key": Str("see macro_categories"),
                                "label": Str("see macro_categories"),
                                "usage_share": Float("see macro_categories"),
                                "token_share": Float("see macro_categories"),
                            },
                        ),
                    ),
                },
            ),
        },
    ),
    "data",
)
REQUIRED = (
    "data",
    "data.classifications",
    "data.classifications[].tag",
    "data.classifications[].display_name",
    "data.classifications[].macro_category",
    "data.classifications[].usage_share",
    "data.classifications[].token_share",
    "data.classifications[].category_usage_share",
    "data.classifications[].category_token_share",
    "data.classifications[].models",
    "data.classifications[].models[].id",
    "data.classifications[].models[].tag_usage_share",
    "data.classifications[].models[].tag_token_share",
)
