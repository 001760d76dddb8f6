"""A declarative description of the OpenRouter API: what each source is and where it lives.

Kept apart from the code that fetches, so that a moved endpoint (the frontend API moves every
year or so) is a one-line change here rather than a hunt through call sites.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote

# Characters allowed unencoded in a URL path segment (RFC 3986 pchar minus '/').
_PCHAR_SAFE = ":@!$&'()*+,;=~"


@dataclass(frozen=True)
class Source:
    """One kind of request. ``paths`` lists the known locations, newest first."""

    name: str
    group: str  # "v1" (documented API) or "frontend" (undocumented, best effort)
    paths: tuple[str, ...]
    params: dict[str, str] = field(default_factory=dict)
    fan_out: bool = False  # one request per model / per (permaslug, variant)
    data: type = list  # what the body's "data" holds (or the bare archived body)


V1_MODELS = Source("v1_models", "v1", ("/api/v1/models",), {"output_modalities": "all"})
V1_ENDPOINTS = Source(
    "v1_endpoints", "v1", ("/api/v1/models/{author}/{slug}/endpoints",), fan_out=True, data=dict
)
V1_PROVIDERS = Source("v1_providers", "v1", ("/api/v1/providers",))
FRONTEND_CATALOG = Source(
    "frontend_catalog", "frontend", ("/api/frontend/v1/catalog/models", "/api/frontend/models")
)
FRONTEND_ALL_PROVIDERS = Source(
    "frontend_all_providers",
    "frontend",
    ("/api/frontend/v1/all-providers", "/api/frontend/all-providers"),
)
FRONTEND_STATS_ENDPOINT = Source(
    "frontend_stats_endpoint",
    "frontend",
    ("/api/frontend/v1/stats/endpoint", "/api/frontend/stats/endpoint"),
    fan_out=True,
)

FRONTEND_EFFECTIVE_PRICING = Source(
    "frontend_effective_pricing",
    "frontend",
    ("/api/frontend/v1/stats/effective-pricing",),  # 2026 only; no older path known
    fan_out=True,
    data=dict,
)

ALL_SOURCES: tuple[Source, ...] = (
    V1_MODELS,
    V1_ENDPOINTS,
    V1_PROVIDERS,
    FRONTEND_CATALOG,
    FRONTEND_ALL_PROVIDERS,
    FRONTEND_STATS_ENDPOINT,
    FRONTEND_EFFECTIVE_PRICING,
)
SOURCES_BY_NAME = {s.name: s for s in ALL_SOURCES}
GROUPS: dict[str, tuple[str, ...]] = {
    g: tuple(s.name for s in ALL_SOURCES if s.group == g) for g in ("v1", "frontend")
}


def encode_segment(segment: str) -> str:
    """Percent-encode one path segment: '/', '?', '#', '%', spaces and non-ASCII, nothing else;
    a segment that is only dots is encoded whole, or the URL would be normalised upwards."""
    if segment and set(segment) == {"."}:
        return "%2E" * len(segment)
    return quote(segment, safe=_PCHAR_SAFE)


def endpoints_path(model_id: str) -> str:
    """The v1 endpoints path built from the model's own id, variant included.

    ``links.details`` and ``canonical_slug`` drop the variant, so following them would give
    ``:free`` its paid sibling's endpoints; the id is the only right key.
    """
    author, _, slug = model_id.partition("/")
    if not author or not slug:
        raise ValueError(f"model id {model_id!r} is not of the form author/slug")
    return f"/api/v1/models/{encode_segment(author)}/{encode_segment(slug)}/endpoints"


def stats_key(permaslug: str, variant: str) -> str:
    """Raw-landing key of one stats/endpoint response, readable like a model id."""
    return f"{permaslug}:{variant}"
