"""``GET /api/v1/models/{author}/{slug}/endpoints``, one call per model id (variant included):
the documented list of a model's endpoints (OpenAPI ``PublicEndpoint``)."""

from __future__ import annotations

from pipeline.sources.fields import Bool, Contract, Dropped, Float, Int, ListOf, Obj, Str
from pipeline.sources.request import Source
from pipeline.sources.shapes import percentiles, pricing


def answers_for(key: str, data: object) -> str | None:
    """The answer names its model (``data.id``, the id asked for, variant included)."""
    got = data.get("id") if isinstance(data, dict) else None
    if isinstance(got, str) and got != key:
        return f"data.id is {got!r}, not the model asked for ({key!r})"
    return None


SOURCE = Source(
    "v1_endpoints",
    "v1",
    ("/api/v1/models/{author}/{slug}/endpoints",),
    fan_out=True,
    data=dict,
    about=answers_for,
    moves_daily=True,
)

ENDPOINT = Obj(
    "",
    {
        "name": Str("→ endpoints.name"),
        "model_id": Str("the model's permaslug; the row's model_id is the requested id"),
        "model_name": Str("repeats the model name (models.name)"),
        "context_length": Int("→ endpoints.context_length"),
        "pricing": pricing("endpoints", "endpoint_variable_pricings", "endpoint_price_windows"),
        "provider_name": Str("→ endpoints.provider_name"),
        "tag": Str("→ endpoints.provider_tag (pairs the endpoint with its frontend record)"),
        "quantization": Str("→ endpoints.quantization"),
        "max_completion_tokens": Int("→ endpoints.max_completion_tokens"),
        "max_prompt_tokens": Int("→ endpoints.max_prompt_tokens"),
        "supported_parameters": ListOf(
            "→ endpoints.supported_parameters, endpoint_supported_parameters.parameter", Str("")
        ),
        "status": Int("→ endpoints.status"),
        "uptime_last_30m": Float("→ endpoints.uptime_last_30m"),
        "uptime_last_5m": Float("→ endpoints.uptime_last_5m"),
        "uptime_last_1d": Float("→ endpoints.uptime_last_1d"),
        "supports_implicit_caching": Bool("→ endpoints.supports_implicit_caching"),
        "latency_last_30m": percentiles("endpoints", "latency", "ms"),
        "throughput_last_30m": percentiles("endpoints", "throughput", "tps"),
    },
)

CONTRACT = Contract(
    "v1_endpoints",
    Obj(
        "",
        {
            "id": Str("→ endpoints.model_id (the requested model id, variant included)"),
            "endpoints": ListOf("→ one row each in endpoints", ENDPOINT),
            "name": Dropped("repeats the model name (models.name)"),
            "created": Dropped("repeats the model's creation time (models.created_at)"),
            "description": Dropped("repeats the model description (models.description)"),
            "architecture": Dropped("repeats the model architecture (models table)"),
        },
    ),
    "id",
)
