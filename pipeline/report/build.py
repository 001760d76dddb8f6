"""Assemble ``catalog_report.html`` from the warehouse: one query file per chart, one page.

The page is self-contained on purpose: it is mailed around and opened offline, so it carries
its charts as inline SVG and its style inline, and references nothing outside itself.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb
import polars as pl

from pipeline.report import charts
from pipeline.sources import Source, datasets_benchmarks, datasets_rankings_daily
from pipeline.storage.layout import Layout
from pipeline.warehouse.build import open_warehouse, side_by_side, views_as_of

SQL_DIR = Path(__file__).parent
CSS = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 70rem;
       color: #222; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { font-size: 1.2rem; margin-top: 2.2rem; }
.figures { display: flex; gap: 2rem; margin: 1rem 0; }
.figures div { font-size: .85rem; color: #555; } .figures b { display: block; font-size: 1.4rem;
       color: #222; }
figure { margin: 0; } figcaption, .note { color: #555; font-size: .85rem; }
svg { max-width: 100%; height: auto; }
table { border-collapse: collapse; font-size: .8rem; margin-top: .8rem; }
th, td { padding: .2rem .6rem; border-bottom: 1px solid #ddd; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
"""


@dataclass(frozen=True)
class Report:
    path: Path
    snapshot_date: dt.date | None
    charts: int
    price_changes: int
    shared: str  # the bucket URL of the report with a bucket root, else its path


def load(con: duckdb.DuckDBPyConnection) -> dict[str, pl.DataFrame]:
    """Every report query, by file stem, run side by side. The results are a few dozen rows,
    taken as Python values: ``.pl()`` would load pyarrow (its memory for a few rows), and
    DuckDB's Arrow stream leaves binding objects behind that it reports as leaks at exit.
    Exact prices become floats here, for drawing only (polars would load numpy to frame
    decimals)."""
    paths = sorted(SQL_DIR.glob("*.sql"))
    answers = side_by_side(con, [p.read_text() for p in paths])
    return {
        p.stem[3:]: pl.DataFrame([_drawn(r) for r in rows], schema=columns, orient="row")
        for p, (columns, rows) in zip(paths, answers, strict=True)
    }


def _drawn(row: tuple) -> tuple:
    return tuple(float(v) if isinstance(v, Decimal) else v for v in row)


def _table(df: pl.DataFrame, limit: int) -> str:
    if df.is_empty():
        return ""
    head = "".join(f"<th>{html.escape(c)}</th>" for c in df.columns)
    rows = []
    for row in df.head(limit).iter_rows():
        cells = []
        for v in row:
            if isinstance(v, float):
                cells.append(f'<td class="num">{v:,.4g}</td>')
            else:
                cells.append(f"<td>{html.escape('' if v is None else str(v))}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    more = (
        f'<p class="note">{df.height - limit} more rows in the view.</p>'
        if df.height > limit
        else ""
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>{more}"


def _cited(df: pl.DataFrame, source: Source) -> str:
    """The call's own citation line with the newest as_of of the rows shown, and its license."""
    if df.is_empty() or not source.citation:
        return ""
    as_of = max((str(v) for v in df["as_of"].to_list() if v is not None), default="?")
    line = source.citation.replace("{as_of}", as_of)
    return line + (f" License: {source.license}." if source.license else "")


def _section(title: str, caption: str, svg: str, extra: str = "") -> str:
    return (
        f"<section><h2>{html.escape(title)}</h2><figure>{svg}"
        f"<figcaption>{html.escape(caption)}</figcaption></figure>{extra}</section>"
    )


def render(data: dict[str, pl.DataFrame]) -> str:
    summary = data["summary"].row(0, named=True) if not data["summary"].is_empty() else {}
    date = summary.get("snapshot_date")
    figures = "".join(
        f"<div><b>{summary.get(k, 0):,}</b>{label}</div>"
        for k, label in (
            ("models_on_offer", "models on offer (a healthy endpoint)"),
            ("models_listed", "models listed by the API (/api/v1/models)"),
            ("models_catalog_only", "catalog-only rows (hidden, deprecated, no endpoint)"),
            ("endpoints", "endpoints"),
            ("providers", "providers"),
            ("snapshots", "snapshots in history"),
        )
    )
    changes = data["latest_price_changes"]
    sections = [
        _section(
            "Price versus throughput, per endpoint",
            "The 8 models with the most usable endpoints; each dot is one provider's endpoint. "
            "View: endpoints.",
            charts.price_vs_throughput(data["price_vs_throughput"]),
        ),
        _section(
            "Price spread per model",
            "Cheapest to dearest usable endpoint (blended 3:1), median marked; the 25 models "
            "with the most endpoints. View: model_price_spread.",
            charts.price_spread(data["price_spread"]),
        ),
        _section(
            "Providers by training policy",
            "Paid models: the provider's own policy. Free variants: whether any of the "
            "provider's free endpoints trains on prompts. Views: data_policies, "
            "free_variant_training_flags.",
            charts.training_policy(data["training_policy"]),
        ),
        _section(
            "Latest price changes",
            f"{changes.height} price components changed between the two newest snapshots. "
            "View: price_changes.",
            charts.price_changes(changes),
            _table(changes, 30),
        ),
        _section(
            "Market share by author",
            "Each author's share of all tokens (prompt + completion) per day, the 7 biggest "
            "of the last 31 days by name; the newest day, still partial, is lighter. View: "
            "market_share_daily.",
            charts.market_share(data["market_share"]),
        ),
        _section(
            "List price versus price paid",
            "The 60 busiest endpoints of the newest snapshot: list prompt price against what "
            "prompts paid over the last week; below the diagonal, caching (and discounts) "
            "saved. View: effective_vs_list_price.",
            charts.effective_vs_list(data["effective_vs_list"]),
        ),
        _section(
            "Throughput through the day",
            "The 6 models with the most requests in the newest day of hourly samples: the "
            "median of their endpoints' p50 throughput at each sample (the half hour before "
            "it). View: endpoint_performance_hourly.",
            charts.throughput_by_hour(data["throughput_by_hour"]),
        ),
        _section(
            "Price against intelligence",
            "Each model's cheapest usable blended price against its Artificial Analysis "
            "intelligence index; on the frontier, no other model is both cheaper and higher "
            "on the index. View: price_performance.",
            charts.price_vs_intelligence(data["price_vs_intelligence"]),
        ),
        _section(
            "Official daily token share",
            "OpenRouter's own daily token totals since 2025-01-01 (the top 50 models a day and "
            "the rest): the 8 biggest models by permaslug, the others in grey. Each provider's "
            "tokenizer counts its own way. View: official_token_share_daily. "
            + _cited(data["official_share"], datasets_rankings_daily.SOURCE),
            charts.official_share(data["official_share"]),
        ),
        _section(
            "Accuracy against cost per task",
            "OpenRouter's own benchmark runs: accuracy against the average cost of one task, "
            "which counts the tokens a model spends, reasoning included; joined, each "
            "benchmark's frontier. View: cost_per_task_frontier. "
            + _cited(data["cost_per_task"], datasets_benchmarks.SOURCE),
            charts.cost_per_task(data["cost_per_task"]),
        ),
    ]
    title = f"OpenRouter catalog on {date}" if date else "OpenRouter catalog"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body>"
        f"<h1>{html.escape(title)}</h1>"
        '<p class="note">Generated by openrouter-catalog from data/warehouse.duckdb. '
        "Prices are USD per million tokens.</p>"
        f'<div class="figures">{figures}</div>{"".join(sections)}</body></html>\n'
    )


def build_report(layout: Layout, snapshot_date: dt.date | None = None) -> Report:
    """The report of one snapshot date (the newest when None), from the warehouse's views as
    they stood on that date, written to ``reports/catalog_report_<date>.html``; and to
    ``reports/catalog_report.html`` too when it is the newest snapshot."""
    if snapshot_date is None:
        with open_warehouse(layout) as con:
            data = load(con)
    else:
        with views_as_of(layout, snapshot_date) as con:
            data = load(con)
    page = render(data)
    date = data["summary"]["snapshot_date"][0] if not data["summary"].is_empty() else None
    if snapshot_date is not None and date != snapshot_date:
        raise ValueError(f"no snapshot of {snapshot_date} in the tables (newest before: {date})")
    newest = max(layout.dates("endpoints"), default=None)
    out = layout.report_path_for(date) if date else layout.report_path
    shared = layout.write_report(out, page.encode())
    if date is None or date == newest:
        layout.write_report(layout.report_path, page.encode())
    return Report(out, date, page.count("<svg"), data["latest_price_changes"].height, shared)
