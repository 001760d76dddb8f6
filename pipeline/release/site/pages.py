"""Write the site's pages (see ``pipeline/release/site/__init__.py``) from the rows of
``data.frames``: Jinja templates with escaping on, charts from the report's chart code.

Every page is a function of the release's files and the code: rows come sorted, names are
given in sorted order, and no clock is read, so two builds of one release are the same bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import shutil
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import jinja2
import polars as pl

from pipeline.release.feed import TITLES
from pipeline.release.site.data import frames
from pipeline.report import charts
from pipeline.sources import datasets_benchmarks, datasets_rankings_daily

HERE = Path(__file__).parent
SITE = "site"
CITE = (
    "OpenRouter catalog, release {version} (snapshots through {newest}), built by "
    "openrouter-catalog from the OpenRouter API. Source: OpenRouter (openrouter.ai)."
)


@dataclass(frozen=True)
class SiteStats:
    pages: int
    bytes: int
    index_bytes: int
    seconds: float


def file_names(keys: Iterable[str]) -> dict[str, str]:
    """A file name per key (a model id holds ``/`` and ``:``, which a relative link would read
    as a folder and a scheme): lower-case letters, digits, ``.``, ``_`` and ``-``; a key whose
    name another key took first (in sorted order) gets a hash of itself appended."""
    out: dict[str, str] = {}
    taken: set[str] = set()
    for key in sorted(set(keys)):
        name = re.sub(r"[^a-z0-9._]+", "-", key.lower()).strip("-.") or "x"
        if name in taken:
            name = f"{name}-{hashlib.sha256(key.encode()).hexdigest()[:8]}"
        taken.add(name)
        out[key] = f"{name}.html"
    return out


def usd(value: float | None) -> str:
    """A price as people write it, to 4 significant digits: $3, $0.15, $0.0000275, $1,500."""
    if value is None:
        return "–"
    if abs(value) >= 1000:
        return f"${value:,.0f}"
    return "$" + format(Decimal(f"{value:.4g}").normalize(), "f")


def num(value: float | None, digits: int = 0) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def pct(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{100 * value:.{digits}f} %"


def flag(value: bool | None) -> str:
    return "not stated" if value is None else "yes" if value else "no"


def sort_value(value: Any) -> str:
    """A cell's ``data-v``: what the script sorts by (numbers as numbers, none as empty)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(usd=usd, num=num, pct=pct, flag=flag, v=sort_value)
    return env


def _by(frame: pl.DataFrame, key: str) -> dict[Any, list[dict[str, Any]]]:
    out: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for row in frame.iter_rows(named=True):
        out[row[key]].append(row)
    return out


def _series(rows: list[dict[str, Any]]) -> tuple[str, str]:
    """Which price an endpoint's chart follows: the blended token price when it has one, else
    the first of its per-request and per-image prices that is set."""
    for column, label in (
        ("blended_usd_per_mtok", "USD per M tokens, 3:1"),
        ("request_usd_per_mtok", "USD per M requests"),
        ("image_usd_per_mtok", "USD per M images"),
    ):
        if any(r[column] for r in rows):
            return column, label
    return "blended_usd_per_mtok", "USD per M tokens, 3:1"


def _history(
    rows: list[dict[str, Any]], first: dt.date, newest: dt.date
) -> tuple[str, str, list[dict[str, Any]]]:
    """An endpoint's chart (one point per interval), what it follows, and its intervals."""
    column, label = _series(rows)
    intervals = []
    for r in rows:
        end = r["valid_to"] or r["last_seen"]
        tip = f"from {r['valid_from']}: {usd(r[column])} ({label})"
        intervals.append((r["valid_from"], end, float(r[column] or 0), tip))
    title = f"Price of {rows[0]['provider_name']}'s endpoint of {rows[0]['model_id']}"
    return charts.steps(intervals, first, newest, label, title), column, rows


def _share(rows: list[dict[str, Any]], first: dt.date, last: dt.date) -> dict[str, Any] | None:
    if not rows:
        return None
    top = max(rows, key=lambda r: (r["token_share"], r["date"]))
    points = [(r["date"], 100 * r["token_share"]) for r in rows]
    chart = charts.timeline(points, first, last, "% of the day's tokens", "Official token share")
    sentence = (
        f"{pct(rows[0]['token_share'])} on {rows[0]['date']}, {pct(rows[-1]['token_share'])} on "
        f"{rows[-1]['date']}; highest {pct(top['token_share'])} on {top['date']}; "
        f"{len(rows)} days in OpenRouter's top 50."
    )
    cite = datasets_rankings_daily.CITATION.format(as_of=max(r["as_of"] for r in rows))
    return {"chart": chart, "sentence": sentence, "citation": cite}


def _cited() -> pl.Expr:
    """A Data API figure's citation: the one its answer named, else the call's own."""
    template = datasets_benchmarks.SOURCE.citation or ""
    head, _, tail = template.partition("{as_of}")
    own = pl.concat_str([pl.lit(head), pl.col("as_of"), pl.lit(tail)])
    return pl.coalesce("citation", own).alias("citation")


def _moves(history: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """Each endpoint's price moves: one per interval after its first, with the price before."""
    out: dict[str, list[dict[str, Any]]] = {}
    for endpoint, rows in history.items():
        column, label = _series(rows)
        out[endpoint] = [
            {**after, "before": before[column], "after": after[column], "unit": label}
            for before, after in zip(rows, rows[1:], strict=False)
        ]
    return out


def _touches(items: list[dict[str, Any]], key: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for item in items:
        for value in sorted({c[key] for c in item["changes"] if c[key]}):
            out[value].append(item["date"])
    return out


def write(
    out: Path,
    *,
    version: str,
    dates: dict[str, Any],
    items: list[dict[str, Any]],
) -> SiteStats:
    """Write ``out/site/`` for the release in ``out`` (its tables and ``load.sql`` already
    written): ``version`` names the data, ``dates`` is the manifest's, ``items`` the feed's."""
    started = time.perf_counter()
    rows = frames(out)
    site = out / SITE
    for folder in ("models", "providers", "changes"):
        (site / folder).mkdir(parents=True)
    for static in sorted((HERE / "static").iterdir()):
        shutil.copyfile(static, site / static.name)
    published = dates["published"]
    newest = dt.date.fromisoformat(published[-1]) if published else dt.date(1970, 1, 1)
    first = dt.date.fromisoformat(published[0]) if published else newest
    env = _environment()
    models = rows["models"].to_dicts()
    model_pages = file_names(m["model_id"] for m in models)
    providers = rows["providers"].to_dicts()
    provider_pages = file_names(p["provider_slug"] for p in providers)
    common = {
        "version": version,
        "newest": str(newest),
        "cite": CITE.format(version=version, newest=newest),
        "model_pages": model_pages,
        "provider_pages": provider_pages,
        "titles": TITLES,
    }
    endpoints = _by(rows["endpoints"], "model_id")
    items_of = _by(rows["price_items"], "endpoint_id")
    windows = _by(rows["windows"], "endpoint_id")
    history = _by(rows["price_history"], "endpoint_id")
    history_of_model = _by(rows["price_history"], "model_id")
    share = _by(rows["token_share"], "model_id")
    share_days = rows["token_share"]["date"]
    share_span = (share_days.min(), share_days.max()) if share_days.len() else (first, newest)
    benchmarks = _by(rows["benchmarks"].with_columns(_cited()), "model_id")
    moves = _moves(history)
    day_of_model, day_of_provider = _touches(items, "model_id"), _touches(items, "provider_name")
    written: list[Path] = []

    def page(path: Path, template: str, **context: Any) -> None:
        html = env.get_template(template).render(**common, **context)
        path.write_text(html)
        written.append(path)

    page(site / "index.html", "index.html", root="", models=models)
    for m in models:
        charted = []
        for endpoint_id in sorted({r["endpoint_id"] for r in history_of_model[m["model_id"]]}):
            chart, column, intervals = _history(history[endpoint_id], first, newest)
            charted.append(
                {"endpoint_id": endpoint_id, "chart": chart, "column": column,
                 "intervals": intervals, "provider_name": intervals[0]["provider_name"]}
            )  # fmt: skip
        page(
            site / "models" / model_pages[m["model_id"]],
            "model.html",
            root="../",
            model=m,
            endpoints=endpoints[m["model_id"]],
            price_items=items_of,
            windows=windows,
            charted=charted,
            share=_share(share[m["model_id"]], *share_span),
            benchmarks=benchmarks[m["model_id"]],
            days=day_of_model[m["model_id"]],
        )
    endpoints_of_provider = _by(rows["endpoints"], "provider_page")
    for p in providers:
        mine = endpoints_of_provider[p["provider_slug"]]
        names = {e["provider_name"] for e in mine} | {p["provider_name"]}
        page(
            site / "providers" / provider_pages[p["provider_slug"]],
            "provider.html",
            root="../",
            provider=p,
            endpoints=mine,
            moves=sorted(
                (mv for e in sorted({e["endpoint_id"] for e in mine}) for mv in moves.get(e, [])),
                key=lambda mv: (mv["valid_from"], mv["model_id"], mv["endpoint_id"]),
                reverse=True,
            ),
            days=sorted({d for n in names for d in day_of_provider[n]}, reverse=True),
        )
    page(site / "changes" / "index.html", "changes.html", root="../", items=items, dates=dates)
    provider_by_name = {p["provider_name"]: p["provider_slug"] for p in providers}
    for item in items:
        page(
            site / "changes" / f"{item['date']}.html",
            "day.html",
            root="../",
            item=item,
            provider_by_name=provider_by_name,
        )
    return SiteStats(
        pages=len(written),
        bytes=sum(p.stat().st_size for p in site.rglob("*") if p.is_file()),
        index_bytes=(site / "index.html").stat().st_size,
        seconds=time.perf_counter() - started,
    )
