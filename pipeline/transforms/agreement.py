"""How far two sources that state one fact disagree, per day.

v1 and the frontend both describe most endpoints (prices, context, quantization, provider),
and the v1 model list and the frontend catalog both describe most models (context, the
default endpoint's prices). Each side is recorded on its own, so a stale or wrong copy of one
shows as a disagreement with the other. The figures go to the audit (``sources_agree``):
above a limit the date is held. Under it, the table keeps its documented winner (v1 for an
endpoint's pricing object and context, the v1 list for a model), and the figures are kept in
the check's metadata.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from pipeline.transforms.common import decimal, model_id_from, short_text
from pipeline.transforms.frames import SourceFrame

MAX_SAMPLE = 10


@dataclass(frozen=True)
class Agreement:
    """One pair of sources on one day: the records both describe, per fact how many of
    them both state and how many disagree, and a few of the disagreements."""

    both: int = 0
    stated: dict[str, int] = field(default_factory=dict)
    differ: dict[str, int] = field(default_factory=dict)
    records_differing: int = 0
    sample: tuple[str, ...] = ()

    @property
    def share(self) -> float:
        """Share of the records both describe on which any stated fact differs."""
        return self.records_differing / self.both if self.both else 0.0


def _name(col: str) -> pl.Expr:
    """A display name compared as a reader would: case, spaces and Unicode form aside."""
    return pl.col(col).str.normalize("NFKC").str.strip_chars().str.to_lowercase()


def _compare(both: pl.DataFrame, key: str, facts: dict[str, tuple[pl.Expr, pl.Expr]]) -> Agreement:
    if both.is_empty():
        return Agreement()
    checks = both.select(
        pl.col(key),
        *[
            (a.is_not_null() & b.is_not_null()).alias(f"{name}__stated")
            for name, (a, b) in facts.items()
        ],
        *[
            (a.is_not_null() & b.is_not_null() & (a != b)).fill_null(False).alias(name)
            for name, (a, b) in facts.items()
        ],
        *[
            pl.concat_str(
                [short_text(a).fill_null("null"), short_text(b).fill_null("null")],
                separator=" vs ",
            ).alias(f"{name}__values")
            for name, (a, b) in facts.items()
        ],
    )
    differing = checks.filter(pl.any_horizontal(list(facts)))
    sample = []
    for row in differing.head(MAX_SAMPLE).iter_rows(named=True):
        what = ", ".join(f"{n} {row[f'{n}__values']}" for n in facts if row[n])
        sample.append(f"{row[key]}: {what}")
    return Agreement(
        both=both.height,
        stated={n: int(checks[f"{n}__stated"].sum()) for n in facts},
        differ={n: int(checks[n].sum()) for n in facts},
        records_differing=differing.height,
        sample=tuple(sample),
    )


def endpoints_agreement(rows: pl.DataFrame) -> Agreement:
    """v1 against the frontend, on the endpoints both list (``endpoint_rows``)."""
    both = rows.filter(pl.col("in_v1") & pl.col("in_frontend"))
    v1p, fep = pl.col("v1_pricing"), pl.col("fe_pricing")
    facts = {
        "prompt": (decimal(v1p.struct.field("prompt")), decimal(fep.struct.field("prompt"))),
        "completion": (
            decimal(v1p.struct.field("completion")),
            decimal(fep.struct.field("completion")),
        ),
        "context_length": (pl.col("v1_context_length"), pl.col("fe_context_length")),
        "quantization": (pl.col("v1_quantization"), pl.col("fe_quantization")),
        "provider": (_name("v1_provider_name"), _name("fe_provider_name")),
    }
    return _compare(both, "endpoint_id", facts)


def models_agreement(v1_models: SourceFrame, catalog: SourceFrame) -> Agreement:
    """The v1 model list against the frontend catalog, on the models both list: the context
    and the default endpoint's prompt and completion prices."""
    v1 = v1_models.df
    cat = catalog.df
    if v1.is_empty() or cat.is_empty() or "id" not in v1.columns or "slug" not in cat.columns:
        return Agreement()
    v1 = v1.select(
        pl.col("id").alias("model_id"),
        pl.col("context_length").alias("v1_context"),
        decimal(pl.col("pricing").struct.field("prompt")).alias("v1_prompt"),
        decimal(pl.col("pricing").struct.field("completion")).alias("v1_completion"),
    )
    endpoint = pl.col("endpoint")
    variant = pl.coalesce(endpoint.struct.field("variant"), pl.lit("standard"))
    cat = cat.select(
        model_id_from(pl.col("slug"), variant).alias("model_id"),
        pl.col("context_length").alias("cat_context"),
        decimal(endpoint.struct.field("pricing").struct.field("prompt")).alias("cat_prompt"),
        decimal(endpoint.struct.field("pricing").struct.field("completion")).alias(
            "cat_completion"
        ),
    )
    both = v1.unique("model_id", keep="first").join(
        cat.unique("model_id", keep="first"), on="model_id"
    )
    facts = {
        "context_length": (pl.col("v1_context"), pl.col("cat_context")),
        "prompt": (pl.col("v1_prompt"), pl.col("cat_prompt")),
        "completion": (pl.col("v1_completion"), pl.col("cat_completion")),
    }
    return _compare(both, "model_id", facts)
