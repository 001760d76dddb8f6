"""``model_benchmarks``: the third-party scores ``/api/v1/models`` sends with each model, one
row per figure, so that price answers can weigh what a model is worth (the warehouse's
``price_performance`` and ``best_model_under`` read it)."""

from __future__ import annotations

import polars as pl

from pipeline.sources.v1_models import AA_METRICS, ARENA_METRICS
from pipeline.transforms.frames import SourceFrame
from pipeline.transforms.schemas import conform


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
        long.sort("model_id", "source", "arena", "category", "metric", nulls_last=False),
        "model_benchmarks",
    )
