"""``GET /api/v1/datasets/rankings-daily?start_date=…&end_date=…``: OpenRouter's official daily
token totals (Data API, key-gated): per UTC day the top 50 models by prompt + completion
tokens and one ``other`` row summing the rest, from 2025-01-01, a window of at most 366 days
per call. Slices (``period``, ``modality``, ``context_bucket``, ``category``,
``language_type``) are the same call with one more parameter."""

from __future__ import annotations

from pipeline.sources.fields import Contract, ListOf, Obj, Str, Text
from pipeline.sources.request import Source

LICENSE = "CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/)"
CITATION = "Source: OpenRouter (openrouter.ai/rankings), as of {as_of}."
# the dataset's first day; a window is at most this many days (the API clamps the start)
FLOOR = "2025-01-01"
MAX_WINDOW_DAYS = 366
# the parameters that slice the series (a slice setting is ``kind=value``, several joined
# by ``&``)
SLICE_KINDS = ("period", "modality", "context_bucket", "category", "language_type")
# the reserved permaslug of the row that sums every model outside the day's top 50
OTHER = "other"

SOURCE = Source(
    "datasets_rankings_daily",
    "datasets",
    ("/api/v1/datasets/rankings-daily",),
    data=list,
    citation=CITATION,
    license=LICENSE,
)

T = "official_rankings_daily"

CONTRACT = Contract(
    "datasets_rankings_daily",
    Obj(
        "",
        {
            "data": ListOf(
                f"→ one row each in {T}",
                Obj(
                    "",
                    {
                        "date": Str(f"→ {T}.date (the UTC day the tokens were used)"),
                        "model_permaslug": Str(
                            f"→ {T}.model_permaslug, {T}.is_other ('other' is the long tail)"
                        ),
                        "total_tokens": Text(
                            f"→ {T}.total_tokens (a decimal string: 64-bit counts stay exact)"
                        ),
                    },
                ),
            ),
            "meta": Obj(
                "",
                {
                    "as_of": Str(f"→ {T}.as_of (when OpenRouter computed the answer)"),
                    "start_date": Str(f"→ {T} (the window asked, as the API resolved it)"),
                    "end_date": Str(f"→ {T} (the window asked, inclusive)"),
                    "version": Str("the API's version of the shape (v1); checked, not stored"),
                },
            ),
        },
    ),
    "meta",
)
# the fields the OpenAPI text requires (``required``): one missing is a broken contract
REQUIRED = (
    "data",
    "meta",
    "data[].date",
    "data[].model_permaslug",
    "data[].total_tokens",
    "meta.as_of",
    "meta.version",
    "meta.start_date",
    "meta.end_date",
)


def parse_slice(text: str) -> dict[str, str]:
    """``modality=text`` or ``category=programming`` (several joined by ``&``) → params."""
    out = {}
    for part in text.split("&"):
        kind, _, value = part.partition("=")
        if kind not in SLICE_KINDS or not value:
            raise ValueError(
                f"datasets slice {text!r}: expected kind=value with kind one of "
                f"{', '.join(SLICE_KINDS)}"
            )
        out[kind] = value
    return out
