"""The report's charts: matplotlib figures rendered as inline SVG.

Text is drawn as paths (``svg.fonttype = path``), so the page needs no font; the XML prolog
and DOCTYPE (which name a URL) are dropped, since an inline ``<svg>`` needs neither. The
hash salt and the absent date make the same data give the same bytes.
"""

from __future__ import annotations

import io
import re

import matplotlib

matplotlib.use("Agg")  # no display here, and none needed

import matplotlib.pyplot as plt  # noqa: E402
import polars as pl  # noqa: E402

STYLE = {
    "svg.fonttype": "path",
    "svg.hashsalt": "openrouter-catalog",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
}
_PROLOG = re.compile(r"^.*?(?=<svg)", re.S)
_XMLNS = re.compile(r'\sxmlns(:xlink)?="[^"]*"')
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.S)  # RDF block naming URLs


def to_svg(fig: plt.Figure) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    svg = _METADATA.sub("", _PROLOG.sub("", buf.getvalue(), count=1))
    # inline SVG in HTML needs no namespace declarations; dropping them leaves no URL at all
    return _XMLNS.sub("", svg).replace("xlink:href", "href")


def _empty(message: str, size: tuple[float, float] = (7, 1.2)) -> str:
    fig, ax = plt.subplots(figsize=size)
    ax.axis("off")
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=10, color="#555")
    return to_svg(fig)


def price_vs_throughput(df: pl.DataFrame) -> str:
    """Scatter per endpoint: throughput (x) against blended price (y, log), one colour per
    model, so the fast-and-cheap corner is easy to find."""
    with plt.rc_context(STYLE):
        if df.is_empty():
            return _empty("no endpoint reports both a price and a throughput")
        fig, ax = plt.subplots(figsize=(8, 4.8))
        for model in df["model_id"].unique(maintain_order=True):
            part = df.filter(pl.col("model_id") == model)
            price = part["blended_usd_per_mtok"].clip(lower_bound=1e-4)
            ax.scatter(part["throughput_p50_tps"], price, s=22, alpha=0.8, label=model)
        ax.set_yscale("log")
        ax.set_xlabel("throughput, p50 (tokens per second)")
        ax.set_ylabel("blended price, 3 prompt : 1 completion (USD per Mtok)")
        ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
        return to_svg(fig)


def price_spread(df: pl.DataFrame) -> str:
    """Per model a bar from the cheapest to the dearest endpoint, with the median marked."""
    with plt.rc_context(STYLE):
        if df.is_empty():
            return _empty("no model has two or more usable endpoints")
        floor = 1e-3  # a free endpoint (price 0) sits at the left edge of the log axis
        rows = df.reverse().with_columns(  # the model with most endpoints on top
            pl.col("min_usd", "median_usd", "max_usd").clip(lower_bound=floor)
        )
        fig, ax = plt.subplots(figsize=(8, 0.28 * rows.height + 1.2))
        y = list(range(rows.height))
        ax.hlines(y, rows["min_usd"], rows["max_usd"], color="#4c72b0", linewidth=4, alpha=0.6)
        ax.scatter(rows["median_usd"], y, color="#c44e52", zorder=3, s=14, label="median")
        ax.set_xscale("log")
        ax.set_xlim(floor / 1.5, rows["max_usd"].max() * 1.5)
        ax.set_yticks(
            y, [f"{m} ({n})" for m, n in zip(rows["model_id"], rows["endpoint_count"], strict=True)]
        )
        ax.set_xlabel("blended price, USD per Mtok, log scale (min – max; free at the left edge)")
        ax.legend(fontsize=7, loc="lower right")
        return to_svg(fig)


def training_policy(df: pl.DataFrame) -> str:
    """Stacked bars: for paid models and for free variants, how many providers train."""
    with plt.rc_context(STYLE):
        if df.is_empty():
            return _empty("no data policy is known")
        wide = df.pivot(on="policy", index="scope", values="providers").fill_null(0)
        colours = {
            "does not train": "#55a868",
            "trains on prompts": "#c44e52",
            "not stated": "#8c8c8c",
        }
        fig, ax = plt.subplots(figsize=(7, 2.2))
        left = [0] * wide.height
        for policy, colour in colours.items():
            if policy not in wide.columns:
                continue
            values = wide[policy].to_list()
            ax.barh(wide["scope"], values, left=left, color=colour, label=policy)
            for i, v in enumerate(values):
                if v:
                    ax.text(left[i] + v / 2, i, str(v), ha="center", va="center", fontsize=8)
            left = [a + b for a, b in zip(left, values, strict=True)]
        ax.set_xlabel("providers")
        ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
        return to_svg(fig)


def price_changes(df: pl.DataFrame, limit: int = 20) -> str:
    """The biggest relative changes of the latest day, one bar per (endpoint, component)."""
    with plt.rc_context(STYLE):
        if df.is_empty():
            return _empty("no price changed between the two newest snapshots (or only one)")
        top = df.filter(pl.col("pct_change").is_not_null()).head(limit).reverse()
        if top.is_empty():
            return _empty("only changes from or to a price of zero (no percentage)")
        labels = [
            f"{m} · {p} · {c}"
            for m, p, c in zip(top["model_id"], top["provider_name"], top["component"], strict=True)
        ]
        fig, ax = plt.subplots(figsize=(8, 0.28 * top.height + 1.2))
        colours = ["#c44e52" if v > 0 else "#55a868" for v in top["pct_change"]]
        ax.barh(range(top.height), top["pct_change"], color=colours)
        ax.set_yticks(range(top.height), labels, fontsize=7)
        ax.axvline(0, color="#333", linewidth=0.8)
        ax.set_xlabel("change (%)")
        return to_svg(fig)
