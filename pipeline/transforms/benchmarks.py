"""``model_benchmarks``: the third-party scores ``/api/v1/models`` sends with each model, one
row per figure, so that price answers can weigh what a model is worth (the warehouse's
``price_performance`` and ``best_model_under`` read it)."""

from __future__ import annotations

import polars as pl

from pipeline.sources.v1_models import AA_METRICS, ARENA_METRICS
from pipeline.transforms.frames import SourceFrame
from pipeline.transforms.schemas import conform

# what /benchmarks sends beyond the v1 list, by its source names: the Design Arena figures the
# list lacks (its placings, its generation time) and every figure of a model it does not score
SOURCES = {"artificial-analysis": "artificial_analysis", "design-arena": "design_arena"}
ARENA_EXTRA = ("avg_generation_time_ms",)
PLACINGS = ("first_place", "second_place", "third_place", "fourth_place", "total")
KEY = ["model_id", "source", "arena", "category", "metric"]


def model_benchmarks_table(models: SourceFrame) -> pl.DataFrame:
    """Artificial Analysis gives one figure per index and model; Design Arena one per arena,
    category and metric. A metric the API names with a null value is a row with a null value:
    it was stated (every object of the 20 shared days carries all its keys, so the frame's
    null, absent or null, is the API's null)."""
    bench = models.df.select(
        pl.col("id").alias("model_id"), pl.col("benchmarks").alias("b")
    ).unique("model_id", keep="first", maintain_order=True)
    aa = bench.select(
        "model_id", pl.col("b").struct.field("artificial_analysis").alias("aa")
    ).filter(pl.col("aa").is_not_null())
    aa_rows = aa.select(
        "model_id",
        pl.lit("artificial_analysis").alias("source"),
        pl.lit(None, pl.String).alias("arena"),
        pl.lit(None, pl.String).alias("category"),
        pl.concat_list(
            [
                pl.struct(pl.lit(m).alias("metric"), pl.col("aa").struct.field(m).alias("value"))
                for m in AA_METRICS
            ]
        ).alias("m"),
    )
    arena = (
        bench.select("model_id", pl.col("b").struct.field("design_arena").alias("e"))
        .explode("e")
        .drop_nulls("e")
        .select(
            "model_id",
            pl.lit("design_arena").alias("source"),
            pl.col("e").struct.field("arena"),
            pl.col("e").struct.field("category"),
            pl.concat_list(
                [
                    pl.struct(
                        pl.lit(m).alias("metric"),
                        pl.col("e").struct.field(m).cast(pl.Float64).alias("value"),
                    )
                    for m in ARENA_METRICS
                ]
            ).alias("m"),
        )
    )
    long = (
        pl.concat([aa_rows, arena])
        .explode("m")
        .select(
            "model_id",
            "source",
            "arena",
            "category",
            pl.col("m").struct.field("metric"),
            pl.col("m").struct.field("value"),
        )
    )
    return conform(
        long.with_columns(pl.lit("v1_models").alias("reported_by")).sort(
            "model_id", "source", "arena", "category", "metric", nulls_last=False
        ),
        "model_benchmarks",
    )


def _figures(item: dict) -> list[tuple[str, object]]:
    if item.get("source") == "artificial-analysis":
        return [(m, item.get(m)) for m in AA_METRICS]
    stats = item.get("tournament_stats") if isinstance(item.get("tournament_stats"), dict) else {}
    return [(m, item.get(m)) for m in (*ARENA_METRICS[:2], *ARENA_EXTRA)] + [
        (f"tournament_{k}", stats.get(k)) for k in PLACINGS
    ]


def with_data_api(
    table: pl.DataFrame, items: list[dict], model_ids: dict[str, str]
) -> pl.DataFrame:
    """``model_benchmarks`` with the third-party figures of ``/benchmarks`` (the Data API)
    that the v1 list's benchmarks field does not carry, ``reported_by`` 'benchmarks'. Items
    are matched to model ids through the catalog's permaslugs; the unmatched are left out."""
    rows = []
    for item in items:
        source = SOURCES.get(item.get("source"))  # type: ignore[arg-type]
        model_id = model_ids.get(item.get("model_permaslug"))  # type: ignore[arg-type]
        if source is None or model_id is None:
            continue
        arena = item.get("arena") if source == "design_arena" else None
        category = item.get("category") if source == "design_arena" else None
        for metric, value in _figures(item):
            number = (
                float(value)
                if isinstance(value, int | float) and not isinstance(value, bool)
                else None
            )
            rows.append((model_id, source, arena, category, metric, number, "benchmarks"))
    if not rows:
        return table
    extra = pl.DataFrame(rows, schema=table.schema, orient="row").unique(KEY, keep="first")
    extra = extra.join(table.select(KEY), on=KEY, how="anti", nulls_equal=True)
    return pl.concat([table, extra]).sort(KEY, nulls_last=False)
