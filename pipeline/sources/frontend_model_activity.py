"""``GET /api/frontend/v1/stats/model-activity?permaslug=…&variant=…``: a rolling window of the
last 31 days of usage of one model variant, one row per day, newest first; the newest day is
partial (the day of the call). ``data`` is ``{"analytics": [rows], "cachedAt": ms}``."""

from __future__ import annotations

from typing import Any

from pipeline.sources.fields import Contract, Dropped, Float, Int, Obj, Str
from pipeline.sources.request import Source


def answers_for(key: str, data: object) -> str | None:
    """Every day row is of the permaslug and variant asked for (``permaslug:variant``): the
    usage of another model filed under this one is a failed call, never data."""
    permaslug, _, variant = key.rpartition(":")
    rows = data.get("analytics") if isinstance(data, dict) else None
    for r in rows if isinstance(rows, list) else ():
        if not isinstance(r, dict):
            continue
        got = r.get("variant")
        if isinstance(got, str) and variant and got != variant:
            return f"a day of variant {got!r}, not {variant!r} as asked"
        named = r.get("model_permaslug")
        if isinstance(named, str) and not permaslug.startswith("~") and named != permaslug:
            return f"a day of {named!r}, not {permaslug!r} as asked"
    return None


SOURCE = Source(
    "frontend_model_activity",
    "frontend",
    ("/api/frontend/v1/stats/model-activity",),  # 2026 only; no older path known
    fan_out=True,
    data=dict,
    moves_daily=True,
    about=answers_for,
)

T = "model_activity"

# the figures of one day (also the trailing totals of a rankings row)
USAGE_FIELDS: dict[str, tuple[str, str]] = {
    # API field → (column, kind)
    "count": ("requests", "int"),
    "total_prompt_tokens": ("prompt_tokens", "int"),
    "total_completion_tokens": ("completion_tokens", "int"),
    "total_native_tokens_reasoning": ("reasoning_tokens", "int"),
    "total_native_tokens_cached": ("cached_tokens", "int"),
    "total_tool_calls": ("tool_calls", "int"),
    "requests_with_tool_call_errors": ("tool_call_errors", "int"),
    "num_media_prompt": ("media_prompt", "int"),
    "num_media_completion": ("media_completion", "int"),
    "num_audio_prompt": ("audio_prompt", "int"),
    "num_video_prompt": ("video_prompt", "int"),
    "image_output_requests": ("image_output_requests", "int"),
    "video_output_seconds": ("video_output_seconds", "float"),
    "rerank_documents": ("rerank_documents", "int"),
    "stt_transcript_characters": ("stt_transcript_characters", "int"),
}


def usage_fields(table: str) -> dict[str, Any]:
    return {
        api: (Int if kind == "int" else Float)(f"→ {table}.{col}")
        for api, (col, kind) in USAGE_FIELDS.items()
    }


CONTRACT = Contract(
    "frontend_model_activity",
    Obj(
        "",
        {
            "date": Str(f"→ {T}.usage_date (a UTC day, 'YYYY-MM-DD 00:00:00')"),
            "model_permaslug": Str(f"→ {T}.permaslug"),
            "variant": Str(f"→ {T}.variant, {T}.model_id (with the catalog's slug)"),
            "variant_permaslug": Dropped("permaslug plus ':variant' unless standard"),
            **usage_fields(T),
        },
    ),
    "model_permaslug",
)


def records(data: Any, key: str) -> list[dict[str, Any]]:  # noqa: ANN401 - a JSON document
    """The day rows of one response."""
    rows = data.get("analytics") if isinstance(data, dict) else None
    return [r for r in rows if isinstance(r, dict)] if isinstance(rows, list) else []
