"""``GET /api/v1/benchmarks?include_run_config=true``: every benchmark source in one answer
(Data API): Artificial Analysis indexes, Design Arena ratings, and OpenRouter's own runs
(GPQA Diamond, tau-bench airline, the search benchmarks) with accuracy, its spread and the
average cost per task. Items differ by ``source``; one description covers them all."""

from __future__ import annotations

from pipeline.sources.fields import Contract, Float, Int, ListOf, Obj, Str, Text
from pipeline.sources.request import Source

SOURCE = Source(
    "datasets_benchmarks",
    "datasets",
    ("/api/v1/benchmarks",),
    params={"include_run_config": "true"},
    data=list,
    # each answer names its own (meta.citation), and each item its source
    citation="Source: OpenRouter (openrouter.ai/rankings), as of {as_of}; third-party scores "
    "cite their source (Artificial Analysis, artificialanalysis.ai; Design Arena, "
    "designarena.ai) via OpenRouter.",
)

T, MB = "benchmark_runs", "model_benchmarks"
_THIRD = (
    f"→ {MB} (a third-party score, Artificial Analysis or Design Arena, reported_by "
    "'benchmarks' where the v1 list's benchmarks field does not carry it)"
)

CONTRACT = Contract(
    "datasets_benchmarks",
    Obj(
        "",
        {
            "data": ListOf(
                f"→ one row each in {T} (source openrouter), rows of {MB} (the others)",
                Obj(
                    "",
                    {
                        "source": Str(
                            f"→ {T} (openrouter rows only: artificial-analysis and "
                            "design-arena items are the v1 list's benchmarks)"
                        ),
                        "model_permaslug": Str(f"→ {T}.model_permaslug, {MB}.model_id (matched)"),
                        "display_name": Str(f"→ {T}.display_name"),
                        "benchmark_type": Str(f"→ {T}.benchmark_type"),
                        "accuracy": Float(f"→ {T}.accuracy (0-1)"),
                        "accuracy_stddev": Float(f"→ {T}.accuracy_stddev"),
                        "avg_cost_per_task": Float(f"→ {T}.avg_cost_per_task (USD)"),
                        "avg_latency_per_task_ms": Float(f"→ {T}.avg_latency_per_task_ms"),
                        "total_tasks": Int(f"→ {T}.total_tasks"),
                        "last_run_timestamp": Str(f"→ {T}.last_run_at"),
                        "primary_metric": Str(f"→ {T}.primary_metric (search benchmarks)"),
                        "primary_score": Float(
                            f"→ {T}.accuracy (search benchmarks: their primary score)"
                        ),
                        "search_engine": Str(f"→ {T}.search_engine"),
                        "search_surface": Str(f"→ {T}.search_surface"),
                        "run_config": Obj(
                            f"→ {T}.run_config (part of the key: one row per configuration)",
                            {
                                "max_agent_turns": Int(f"→ {T}.run_config"),
                                "reasoning_effort": Str(f"→ {T}.run_config"),
                                "temperature": Float(f"→ {T}.run_config"),
                            },
                        ),
                        "intelligence_index": Float(_THIRD),
                        "coding_index": Float(_THIRD),
                        "agentic_index": Float(_THIRD),
                        "pricing": Obj(
                            "the list price the third party scored at; endpoints holds prices",
                            {"prompt": Text("see pricing"), "completion": Text("see pricing")},
                        ),
                        "arena": Str(f"→ {MB}.arena"),
                        "category": Str(f"→ {MB}.category"),
                        "elo": Float(_THIRD),
                        "win_rate": Float(_THIRD),
                        "avg_generation_time_ms": Float(_THIRD),
                        "tournament_stats": Obj(
                            _THIRD,
                            {
                                k: Int(_THIRD)
                                for k in (
                                    "first_place",
                                    "second_place",
                                    "third_place",
                                    "fourth_place",
                                    "total",
                                )
                            },
                        ),
                    },
                ),
            ),
            "meta": Obj(
                "",
                {
                    "as_of": Str(f"→ {T}.as_of"),
                    "citation": Str(f"→ {T}.citation (the answer's own, when it names one)"),
                    "model_count": Int("a count of the items: the rows say it"),
                    "source": Str("the source filter asked (none: every source)"),
                    "source_url": Str("the filtered source's site (none asked)"),
                    "task_type": Str("the task_type filter asked (none)"),
                    "version": Str("the API's version of the shape (v1); checked, not stored"),
                },
            ),
        },
    ),
    "meta",
)
# fields every item has, whatever its source, and the envelope's
REQUIRED = (
    "data",
    "meta",
    "data[].source",
    "data[].model_permaslug",
    "data[].display_name",
    "meta.as_of",
    "meta.version",
)
