"""Context-threshold price tiers: ``endpoint_variable_pricings`` and ``model_price_tiers``.

An endpoint's tiers come from three places, depending on the year and the adapter:
``pricing.overrides`` (2026), ``variable_pricings`` entries of type prompt-threshold (2025),
and ``pricing_json`` adapter keys (``alibaba:tier2_threshold`` with ``…_tier2`` prices,
``anthropic:long_context_threshold`` with ``…_long_context`` prices, ``openai_extended:
long_context_threshold_2`` with ``long_context_…_2`` prices, …), which for some endpoints are
the only place a tier is stated. One row per (endpoint, threshold): the first source in that
order that lists the threshold names the row, and a component it leaves out is taken from the
next. ``pricing_json`` holds list prices; its tier prices are discounted like the others.

Entries of ``pricing.overrides`` with a time condition are windows, not tiers
(``pipeline/transforms/price_windows.py``).

A threshold means "more than": the API labels the base price "≤200K" and the tier ">200K" for
``min_prompt_tokens`` 200000 (``display_pricing`` of every tiered endpoint says so).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

import polars as pl

from pipeline.sources.shapes import TIER_COMPONENTS
from pipeline.transforms.common import tier_price_columns
from pipeline.transforms.frames import SourceFrame
from pipeline.transforms.price_windows import is_window
from pipeline.transforms.schemas import conform

SOURCES = ("pricing_overrides", "variable_pricings", "pricing_json")

# pricing_json: what an adapter calls a tiered price, in our components' names
ADAPTER_COMPONENTS = {
    "prompt_tokens": "prompt",
    "input_tokens": "prompt",
    "completion_tokens": "completion",
    "output_tokens": "completion",
    "cached_prompt_tokens": "input_cache_read",
    "cache_read_tokens": "input_cache_read",
    "cached_input_tokens": "input_cache_read",
    "cache_write_tokens": "input_cache_write",
    "cache_write_5m_tokens": "input_cache_write",
    "cache_creation_tokens": "input_cache_write",
    "cache_write_1h_tokens": "input_cache_write_1h",
    "audio_input_tokens": "audio",
    "cache_read_audio_tokens": "input_audio_cache",
}
# a threshold key, and the tier it opens: ("context", n) or ("tier", n)
_THRESHOLD = re.compile(r"^(?:(?:long|high)_context_threshold(?:_(\d+))?|tier(\d+)_threshold)$")
# a tiered price key: {name}_long_context, {name}_high_context(_n), long_context_{name}(_n),
# {name}_tier{n}
_TIERED = (
    (re.compile(r"^(?P<name>.+)_(?:long|high)_context(?:_(?P<n>\d+))?$"), "context"),
    (re.compile(r"^long_context_(?P<name>.+?)(?:_(?P<n>\d+))?$"), "context"),
    (re.compile(r"^(?P<name>.+)_tier(?P<n>\d+)$"), "tier"),
)


def _number(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None


def pricing_json_tiers(pricing_json: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The tiers an adapter's ``pricing_json`` states: ``[{min_prompt_tokens, prompt, …}]``
    with list prices as decimals (components other than TIER_COMPONENTS are left out)."""
    if not pricing_json:
        return []
    thresholds: dict[tuple[str, str, str], int] = {}
    prices: dict[tuple[str, str, str], dict[str, Decimal]] = {}
    for key, value in pricing_json.items():
        adapter, sep, name = key.partition(":")
        if not sep:
            continue
        if m := _THRESHOLD.match(name):
            tier = ("tier", m.group(2)) if m.group(2) else ("context", m.group(1) or "1")
            n = _number(value)
            if n is not None:
                thresholds[(adapter, *tier)] = int(n)
            continue
        for pattern, kind in _TIERED:
            if (m := pattern.match(name)) and m.group("name") in ADAPTER_COMPONENTS:
                n = _number(value)
                if n is not None:
                    tier = (adapter, kind, m.group("n") or "1")
                    prices.setdefault(tier, {})[ADAPTER_COMPONENTS[m.group("name")]] = n
                break
    return [
        {"min_prompt_tokens": threshold, **prices[tier]}
        for tier, threshold in sorted(thresholds.items(), key=lambda t: t[1])
        if prices.get(tier)
    ]


def _discounted(price: Decimal, discount: float | None) -> str:
    d = Decimal(str(discount or 0))
    return str((price * (1 - d)).quantize(Decimal(1).scaleb(-30)).normalize())


def _json_tier_rows(rows: pl.DataFrame, fe: SourceFrame) -> list[dict[str, Any]]:
    """pricing_json tiers of the frontend endpoints among ``rows``, by UUID."""
    wanted = dict(rows.filter(pl.col("in_frontend")).select("endpoint_id", "discount").iter_rows())
    out = []
    seen: set[str] = set()
    for rec in fe.records:
        uuid = rec.get("id")
        if uuid not in wanted or uuid in seen:
            continue
        seen.add(uuid)
        for tier in pricing_json_tiers(rec.get("pricing_json")):
            out.append(
                {
                    "endpoint_id": uuid,
                    "min_prompt_tokens": tier.pop("min_prompt_tokens"),
                    **{c: _discounted(p, wanted[uuid]) for c, p in tier.items()},
                }
            )
    return out


def _tier_frame(df: pl.DataFrame, source: str, priority: int) -> pl.DataFrame:
    return df.select(
        "endpoint_id",
        pl.col("min_prompt_tokens").cast(pl.Int64),
        pl.lit(source).alias("tier_source"),
        pl.lit(priority).alias("_priority"),
        *[
            (pl.col(c) if c in df.columns else pl.lit(None, pl.String)).cast(pl.String).alias(c)
            for c in TIER_COMPONENTS
        ],
    )


def endpoint_variable_pricings_table(rows: pl.DataFrame, fe: SourceFrame) -> pl.DataFrame:
    """From ``endpoint_rows`` (ids, pricing objects, 2025 variable_pricings) and the frontend
    records (pricing_json)."""
    ids = rows.select("endpoint_id", "model_id", "provider_name")
    # v1 may not expose the tiers the frontend lists for the same endpoint
    overrides = rows.select(
        "endpoint_id",
        pl.coalesce(
            pl.col("v1_pricing").struct.field("overrides"),
            pl.col("fe_pricing").struct.field("overrides"),
        ).alias("tier"),
    )
    legacy = rows.select("endpoint_id", pl.col("fe_variable_pricings").alias("tier"))
    t = pl.col("tier")
    parts = [
        _tier_frame(
            overrides.explode("tier")
            .drop_nulls("tier")
            .filter(~is_window(t))  # a time-of-day window: endpoint_price_windows
            .select("endpoint_id", t.struct.unnest()),
            "pricing_overrides",
            0,
        ),
        _tier_frame(
            legacy.explode("tier")
            .drop_nulls("tier")
            .filter(t.struct.field("type") == "prompt-threshold")
            .select(
                "endpoint_id",
                t.struct.field("threshold").cast(pl.Int64, strict=False).alias("min_prompt_tokens"),
                # 2025 spelled the completion price "completions"
                *[
                    t.struct.field("completions" if c == "completion" else c).alias(c)
                    for c in ("prompt", "completion", "input_cache_read", "input_cache_write")
                ],
            ),
            "variable_pricings",
            1,
        ),
    ]
    json_rows = _json_tier_rows(rows, fe)
    if json_rows:
        parts.append(
            _tier_frame(pl.DataFrame(json_rows, infer_schema_length=None), "pricing_json", 2)
        )
    tiers = (
        pl.concat(parts)
        .drop_nulls("min_prompt_tokens")
        .sort("_priority")
        .group_by("endpoint_id", "min_prompt_tokens", maintain_order=True)
        .agg(
            pl.col("tier_source").first(),
            *[pl.col(c).drop_nulls().first() for c in TIER_COMPONENTS],
        )
    )
    df = tiers.join(ids, on="endpoint_id", how="left").with_columns(
        tier_price_columns(TIER_COMPONENTS)
    )
    return conform(
        df.sort("model_id", "provider_name", "endpoint_id", "min_prompt_tokens"),
        "endpoint_variable_pricings",
    )


def model_price_tiers_table(models: SourceFrame) -> pl.DataFrame:
    """``pricing.overrides`` of every model of ``/api/v1/models``."""
    t = pl.col("tier")
    df = (
        models.df.select(
            pl.col("id").alias("model_id"),
            pl.col("pricing").struct.field("overrides").alias("tier"),
        )
        .unique("model_id", keep="first", maintain_order=True)
        .explode("tier")
        .drop_nulls("tier")
        .filter(~is_window(t))  # a time-of-day window: model_price_windows
        .select("model_id", t.struct.unnest())
        .drop_nulls("min_prompt_tokens")
        .with_columns(pl.lit("pricing_overrides").alias("tier_source"))
    )
    df = df.with_columns(tier_price_columns(TIER_COMPONENTS))
    return conform(df.sort("model_id", "min_prompt_tokens"), "model_price_tiers")
