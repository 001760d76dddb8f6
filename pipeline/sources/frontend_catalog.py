"""``GET /api/frontend/v1/catalog/models`` (2025: ``/api/frontend/models``): every catalog row,
hidden and deprecated models included, one row per variant that has endpoints."""

from __future__ import annotations

from pipeline.sources.fields import KEPT_IN_RAW, Bool, Contract, Dropped, Int, ListOf, Obj, Str
from pipeline.sources.request import Source

SOURCE = Source(
    "frontend_catalog", "frontend", ("/api/frontend/v1/catalog/models", "/api/frontend/models")
)

DISPLAY = "display-only text or UI hint"
V1_FIRST = " (the v1 value when v1 lists the model)"

CONTRACT = Contract(
    "frontend_catalog",
    Obj(
        "",
        {
            "slug": Str("→ models.model_id (with the endpoint's variant), models.slug"),
            "permaslug": Str("→ models.permaslug"),
            "name": Str("→ models.name" + V1_FIRST),
            "author": Str("→ models.author"),
            "hidden": Bool("→ models.is_hidden"),
            "created_at": Str("→ models.created_at" + V1_FIRST),
            "context_length": Int("→ models.context_length" + V1_FIRST),
            "description": Str("→ models.description" + V1_FIRST),
            "input_modalities": ListOf("→ models.input_modalities" + V1_FIRST, Str("")),
            "output_modalities": ListOf("→ models.output_modalities" + V1_FIRST, Str("")),
            "instruct_type": Str("→ models.instruct_type" + V1_FIRST),
            "knowledge_cutoff": Str("→ models.knowledge_cutoff" + V1_FIRST),
            "hf_slug": Str("→ models.hugging_face_id" + V1_FIRST),
            "endpoint": Obj(
                "the row's default endpoint (null when the variant has none)",
                {
                    "id": Str("→ models.default_endpoint_id"),
                    "variant": Str("→ models.variant, models.model_id"),
                    "pricing": Obj(
                        "the default endpoint's prices",
                        {
                            "prompt": Str("compared with the v1 list's (audit: sources_agree)"),
                            "completion": Str("compared with the v1 list's (audit: sources_agree)"),
                        },
                        rest="the other price keys, read from stats/endpoint",
                    ),
                },
                rest="the same endpoint object stats/endpoint returns, read from there",
            ),
            "default_parameters": Dropped(
                "per-parameter default sampling values (temperature, top_p, …); " + KEPT_IN_RAW
            ),
            "default_order": Dropped(
                "the default provider routing order (provider slugs); " + KEPT_IN_RAW
            ),
            "default_stops": Dropped("default stop sequences; " + KEPT_IN_RAW),
            "features": Dropped("reasoning and chat-template configuration; " + KEPT_IN_RAW),
            "reasoning_config": Dropped(
                "reasoning tokens, efforts and defaults (also under features); " + KEPT_IN_RAW
            ),
            "supports_reasoning": Dropped(
                "also in supported_parameters ('reasoning') of the model and its endpoints"
            ),
            "supported_tts_voices": Dropped("text-to-speech voice names; " + KEPT_IN_RAW),
            "model_version_group_id": Dropped(
                "opaque id grouping versions of a model; " + KEPT_IN_RAW
            ),
            "default_system": Dropped("a default system prompt (a few models); " + KEPT_IN_RAW),
            "is_trainable_text": Dropped(
                "a fine-tuning flag whose meaning is not documented; " + KEPT_IN_RAW
            ),
            "is_trainable_image": Dropped("always null in every response seen"),
            "required_attestation_types": Dropped("always null or empty in every response seen"),
            "updated_at": Dropped("when the catalog row changed, not a property of the model"),
            "has_text_output": Dropped("derivable from output_modalities"),
            "is_private": Dropped("always false for listed models"),
            "limit_rpm": Dropped("0 or null at model level; endpoint limits are kept"),
            "limit_rpd": Dropped("0 or null at model level; endpoint limits are kept"),
            **{
                k: Dropped("always null in every response seen")
                for k in ("hf_updated_at", "router")
            },
            **{
                k: Dropped(DISPLAY)
                for k in (
                    "short_name",
                    "author_display_name",
                    "author_icon_uri",
                    "author_flagship_modalities",
                    "warning_message",
                    "promotion_message",
                    "routing_error_message",
                    "quick_start_example_type",
                    "preview_thumbnail_url",
                    "previews_by_modality",
                    "preview_audio",
                    "group",
                )
            },
        },
    ),
    "slug",
)
