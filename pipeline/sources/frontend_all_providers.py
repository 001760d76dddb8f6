"""``GET /api/frontend/v1/all-providers`` (2025: ``/api/frontend/all-providers``): every
provider with its data policy and capability flags."""

from __future__ import annotations

from pipeline.sources.fields import Bool, Contract, Dropped, ListOf, Obj, Str
from pipeline.sources.request import Source
from pipeline.sources.shapes import data_policy

SOURCE = Source(
    "frontend_all_providers",
    "frontend",
    ("/api/frontend/v1/all-providers", "/api/frontend/all-providers"),
)

CONTRACT = Contract(
    "frontend_all_providers",
    Obj(
        "",
        {
            "name": Str("→ providers.provider_name, data_policies.provider_name"),
            "displayName": Str("→ providers.display_name"),
            "slug": Str("→ providers.slug, endpoints.provider_slug (by provider name)"),
            "dataPolicy": data_policy("provider"),
            "headquarters": Str("→ providers.headquarters (when v1 does not give it)"),
            "datacenters": ListOf("→ providers.datacenters (when v1 does not give them)", Str("")),
            "hasChatCompletions": Bool("→ providers.has_chat_completions"),
            "hasCompletions": Bool("→ providers.has_completions"),
            "isAbortable": Bool("→ providers.is_abortable"),
            "moderationRequired": Bool("→ providers.moderation_required"),
            "isMultipartSupported": Bool("→ providers.supports_multipart"),
            "statusPageUrl": Str("→ providers.status_page_url (when v1 does not give it)"),
            "byokEnabled": Bool("→ providers.byok_enabled"),
            "baseUrl": Dropped("the literal 'url' (2025) or the upstream API's own URL"),
            "editors": Dropped("always empty in every response seen"),
            "owners": Dropped("always empty in every response seen"),
            "icon": Dropped("UI icon URL and CSS class"),
            "adapterName": Dropped("OpenRouter's internal adapter class name"),
            "sendClientIp": Dropped("internal routing flag"),
            "pricingStrategy": Dropped("OpenRouter's internal name for how usage is priced"),
        },
    ),
    "name",
)
