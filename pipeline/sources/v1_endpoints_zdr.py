"""``GET /api/v1/endpoints/zdr``: every endpoint that keeps no data (zero data retention), in
the shape of the per-model endpoints call. A daily call of its own: it needs no Data API
quota, and its failure (or a 401/403 for a key that may not ask it) leaves
``endpoints.is_zero_data_retention`` null for the day, never fails the v1 group."""

from __future__ import annotations

from pipeline.sources.fields import Contract, Obj, Str
from pipeline.sources.request import Source

SOURCE = Source("v1_endpoints_zdr", "zdr", ("/api/v1/endpoints/zdr",))

_MARK = "→ endpoints.is_zero_data_retention (the endpoint of this model and tag is listed)"

CONTRACT = Contract(
    "v1_endpoints_zdr",
    Obj(
        "",
        {
            "model_id": Str(_MARK),
            "tag": Str(_MARK),
            "provider_name": Str(_MARK + "; the provider when an endpoint has no tag"),
        },
        rest="the same endpoint as /api/v1/models/{id}/endpoints describes it: read there "
        "(v1_endpoints), this call only says which endpoints keep no data",
    ),
    "model_id",
)
REQUIRED = ("model_id", "tag", "provider_name")
