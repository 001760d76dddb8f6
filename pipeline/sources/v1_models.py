"""``GET /api/v1/models?output_modalities=all``: the public model list."""

from __future__ import annotations

from pipeline.sources.fields import (
    KEPT_IN_RAW,
    Bool,
    Contract,
    Dropped,
    Float,
    Int,
    ListOf,
    Obj,
    Str,
    Text,
)
from pipeline.sources.request import Source
from pipeline.sources.shapes import pricing

# The figures of each benchmark source, in the order the API lists them.
AA_METRICS: tuple[str, ...] = ("intelligence_index", "coding_index", "agentic_index")
ARENA_METRICS: tuple[str, ...] = ("elo", "win_rate", "rank")

SOURCE = Source("v1_models", "v1", ("/api/v1/models",), {"output_modalities": "all"})


CONTRACT = Contract(
    "v1_models",
    Obj(
        "",
        {
            "id": Str("→ models.model_id"),
            "canonical_slug": Str("→ models.canonical_slug"),
            "hugging_face_id": Str("→ models.hugging_face_id (empty string → null)"),
            "name": Str("→ models.name"),
            "created": Int("→ models.created_at (epoch seconds)"),
            "description": Str("→ models.description"),
            "context_length": Int("→ models.context_length"),
            "architecture": Obj(
                "",
                {
                    "modality": Str("→ models.modality"),
                    "input_modalities": ListOf(
                        "→ models.input_modalities, model_modalities.modality", Str("")
                    ),
                    "output_modalities": ListOf(
                        "→ models.output_modalities, model_modalities.modality", Str("")
                    ),
                    "tokenizer": Str("→ models.tokenizer"),
                    "instruct_type": Str("→ models.instruct_type ('none' → null)"),
                },
            ),
            "pricing": pricing(
                "models", "model_price_tiers", "model_price_windows", discount=False
            ),
            "top_provider": Obj(
                "",
                {
                    "context_length": Int("→ models.top_provider_context_length"),
                    "max_completion_tokens": Int("→ models.top_provider_max_completion_tokens"),
                    "is_moderated": Bool("→ models.is_moderated"),
                },
            ),
            "supported_parameters": ListOf("→ models.supported_parameters", Str("")),
            "knowledge_cutoff": Str("→ models.knowledge_cutoff"),
            "expiration_date": Str("→ models.expiration_date"),
            "per_request_limits": Obj(
                "",
                {
                    "prompt_tokens": Text(
                        "→ models.per_request_limit_prompt_tokens ('Infinity' → null)"
                    ),
                    "completion_tokens": Text(
                        "→ models.per_request_limit_completion_tokens ('Infinity' → null)"
                    ),
                },
            ),
            "alias_target": Obj(
                "",
                {
                    "slug": Str("→ models.alias_target_slug"),
                    "name": Str("the target model's display name (models.name of that row)"),
                },
            ),
            "default_parameters": Dropped(
                "per-parameter default sampling values (temperature, top_p, …); " + KEPT_IN_RAW
            ),
            "supported_voices": Dropped("text-to-speech voice names; " + KEPT_IN_RAW),
            "links": Dropped(
                "links.details drops the variant; the endpoints path is built from id"
            ),
            "benchmarks": Obj(
                "",
                {
                    "artificial_analysis": Obj(
                        "",
                        {
                            metric: Float(
                                f"→ model_benchmarks (source artificial_analysis, metric {metric})"
                            )
                            for metric in AA_METRICS
                        },
                    ),
                    "design_arena": ListOf(
                        "→ model_benchmarks: one row per arena, category and metric",
                        Obj(
                            "",
                            {
                                "arena": Str("→ model_benchmarks.arena (models, agents)"),
                                "category": Str("→ model_benchmarks.category"),
                                **{
                                    metric: Float(
                                        f"→ model_benchmarks (source design_arena, metric {metric})"
                                    )
                                    for metric in ARENA_METRICS
                                },
                            },
                        ),
                    ),
                },
            ),
            "reasoning": Dropped(
                "reasoning efforts, defaults and whether it is mandatory; " + KEPT_IN_RAW
            ),
        },
    ),
    "id",
)
