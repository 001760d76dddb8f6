"""``GET /api/v1/providers``: the documented provider list."""

from __future__ import annotations

from pipeline.sources.fields import Contract, ListOf, Obj, Str
from pipeline.sources.request import Source

SOURCE = Source("v1_providers", "v1", ("/api/v1/providers",))

CONTRACT = Contract(
    "v1_providers",
    Obj(
        "",
        {
            "name": Str("→ providers.provider_name (when the frontend does not list it)"),
            "slug": Str("→ providers.slug, endpoints.provider_slug (by provider name)"),
            "privacy_policy_url": Str("→ providers.privacy_policy_url"),
            "terms_of_service_url": Str("→ providers.terms_of_service_url"),
            "status_page_url": Str("→ providers.status_page_url"),
            "headquarters": Str("→ providers.headquarters"),
            "datacenters": ListOf("→ providers.datacenters", Str("")),
        },
    ),
    "slug",
)
