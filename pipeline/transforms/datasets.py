"""The Data API's answers → its tables: one answer is one record, envelope included, checked
against its contract (``pipeline/sources/datasets_*.py``) like every other source: fields
nobody described are drift, and a field the OpenAPI text requires that no object carries any
more (a rename, say) breaks the contract, which holds the group's tables.

Model permaslugs are matched to the catalog's model ids through the models table of the
snapshot (``permaslug`` plus ``:variant`` for non-default variants; the v1 canonical slug
too, which the permaslug equals for most models)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson
import polars as pl

from pipeline import sources
from pipeline.sources import datasets_rankings_daily as rankings
from pipeline.transforms.schemas import DATASET_TABLES, SLICES, conform, empty
from pipeline.transforms.validate import inspect

BENCHMARKS = "datasets_benchmarks"


@dataclass
class Answer:
    source: str
    key: str
    request: str
    doc: Any
    origin: str


@dataclass
class DatasetsBuild:
    frames: dict[str, pl.DataFrame] = field(default_factory=dict)
    drift: dict[str, dict[str, str]] = field(default_factory=dict)  # source → path → example
    problems: dict[str, list[str]] = field(default_factory=dict)
    # source → required paths no object carries any more: the contract is broken
    broken: dict[str, list[str]] = field(default_factory=dict)
    unmatched: list[str] = field(default_factory=list)  # permaslugs no model id matched
    # the citation of each source that answered, with its as_of filled in
    citations: dict[str, str] = field(default_factory=dict)


def answers(
    log_rows: Iterable[dict[str, Any]],
    body: Any,  # noqa: ANN401 - a function reading a row's body
    names: Iterable[str] = sources.GROUPS["datasets"],
) -> list[Answer]:
    """The last good answer of every call of ``names`` (the datasets group), in request
    order; only their bodies are read."""
    names = set(names)
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for row in log_rows:
        good = row.get("error") is None and row.get("status") == 200 and row.get("file")
        if row.get("source") in names and good:
            latest[(row["source"], row["key"])] = row
    return [
        Answer(r["source"], r["key"], r.get("request", ""), orjson.loads(body(r)), r["file"])
        for r in latest.values()
    ]


def benchmark_items(docs: Any) -> list[dict[str, Any]]:  # noqa: ANN401 - a RawDocs
    """The items of the snapshot's ``/benchmarks`` answer (none without one), for
    ``model_benchmarks``: its figures are the third parties', read as the v1 list's are."""
    if getattr(docs, "snap", None) is None:
        return []
    # the benchmarks answer only: the rankings windows beside it are the bulk of the group
    found = answers(docs.log_rows, docs.snap.body, (BENCHMARKS,))
    data = found[-1].doc.get("data") if found and isinstance(found[-1].doc, dict) else None
    return [i for i in data if isinstance(i, dict)] if isinstance(data, list) else []


def model_ids(models: pl.DataFrame | None) -> dict[str, str]:
    """permaslug (with ':variant' unless standard) → model id; the canonical slug too."""
    if models is None or models.is_empty():
        return {}
    out: dict[str, str] = {}
    cols = models.select("model_id", "permaslug", "canonical_slug", "variant").sort("model_id")
    for model_id, permaslug, canonical, variant in cols.iter_rows():
        suffix = "" if variant in (None, "standard") else f":{variant}"
        for slug in (canonical, permaslug, model_id.split(":")[0]):
            if slug:
                out.setdefault(f"{slug}{suffix}", model_id)
    return out


def _params(request: str) -> dict[str, str]:
    query = request.partition("?")[2]
    return dict(p.partition("=")[::2] for p in query.split("&") if p)


def _int(value: Any) -> int | None:  # noqa: ANN401
    """An exact integer from the API's decimal string; None when it is not one."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isdigit() and int(value) < 2**63:
        return int(value)
    return None


def _date(value: Any) -> dt.date | None:  # noqa: ANN401
    try:
        return dt.date.fromisoformat(value[:10]) if isinstance(value, str) else None
    except ValueError:
        return None


def build(
    found: list[Answer], models: pl.DataFrame | None, snapshot_date: dt.date
) -> DatasetsBuild:
    """Every Data API table of the answers (a table whose source did not answer is absent)."""
    out = DatasetsBuild()
    ids = model_ids(models)
    by_source: dict[str, list[Answer]] = {}
    for a in found:
        by_source.setdefault(a.source, []).append(a)
    for source, group in by_source.items():
        contract = sources.DATASET_CONTRACTS[source]
        seen = inspect([a.doc for a in group], contract, [a.origin for a in group])
        if seen.new_fields:
            out.drift[source] = seen.new_fields
        if seen.problems:
            out.problems[source] = [str(p) for p in seen.problems]
        gone = [
            path
            for path in sources.REQUIRED[source]
            if (n := seen.presence.get(path)) is not None and n[1] > 0 and n[0] == 0
        ]
        if gone:
            out.broken[source] = gone
        for a, doc in zip(group, seen.records, strict=True):
            a.doc = doc  # values of the wrong type read as null, as for every source
        meta = next((a.doc.get("meta") for a in group if isinstance(a.doc.get("meta"), dict)), {})
        as_of = meta.get("as_of") or (group[0].doc.get("data") or {}).get("as_of")
        cite = sources.SOURCES_BY_NAME[source].citation
        if cite:
            out.citations[source] = cite.replace("{as_of}", str(as_of))
    unmatched: set[str] = set()

    def model_id(slug: Any) -> str | None:  # noqa: ANN401
        if not isinstance(slug, str) or slug == rankings.OTHER:
            return None
        hit = ids.get(slug) or (slug if slug in ids.values() else None)
        if hit is None:
            unmatched.add(slug)
        return hit

    builders = {
        "datasets_rankings_daily": ("official_rankings_daily", _official),
        "datasets_task_classifications": ("task_classifications", _tasks),
        "datasets_app_rankings": ("app_rankings", _apps),
        "datasets_session_cost": ("session_costs", _sessions),
        "datasets_benchmarks": ("benchmark_runs", _benchmarks),
    }
    for source, group in by_source.items():
        table, make = builders[source]
        for name, df in make(group, model_id, snapshot_date).items():
            out.frames[name] = conform(df, name) if df.height else empty(name)
    out.unmatched = sorted(unmatched)
    return out


def _frame(rows: list[dict[str, Any]], table: str) -> pl.DataFrame:
    schema = {c.name: c.dtype for c in DATASET_TABLES[table]}
    return pl.DataFrame(rows, schema=schema, orient="row") if rows else empty(table)


def _official(group: list[Answer], model_id: Any, snapshot: dt.date) -> dict:  # noqa: ANN401
    rows = []
    for a in group:
        params = _params(a.request)
        sliced = {k: params.get(k) for k in SLICES}
        as_of = (a.doc.get("meta") or {}).get("as_of")
        for r in a.doc.get("data") or []:
            slug = r.get("model_permaslug")
            rows.append(
                {
                    "date": _date(r.get("date")),
                    "model_permaslug": slug,
                    "model_id": model_id(slug),
                    "total_tokens": _int(r.get("total_tokens")),
                    "is_other": slug == rankings.OTHER,
                    **sliced,
                    "as_of": as_of,
                    "snapshot_date": snapshot,
                }
            )
    df = _frame(rows, "official_rankings_daily")
    # windows may overlap (a re-asked window, a slice's): the last answer of a key wins
    key = ["date", "model_permaslug", *SLICES]
    return {"official_rankings_daily": df.unique(subset=key, keep="last", maintain_order=True)}


def _tasks(group: list[Answer], model_id: Any, snapshot: dt.date) -> dict:  # noqa: ANN401
    tags, tops = [], []
    data = group[-1].doc.get("data") or {}
    as_of, window = data.get("as_of"), data.get("window_days")
    for c in data.get("classifications") or []:
        tags.append(
            {
                **{
                    k: c.get(k)
                    for k in (
                        "tag",
                        "display_name",
                        "macro_category",
                        "usage_share",
                        "token_share",
                        "category_usage_share",
                        "category_token_share",
                    )
                },
                "window_days": window,
                "as_of": as_of,
            }
        )
        for rank, m in enumerate(c.get("models") or [], start=1):
            tops.append(
                {
                    "tag": c.get("tag"),
                    "rank": rank,
                    "model_permaslug": m.get("id"),
                    "model_id": model_id(m.get("id")),
                    "tag_usage_share": m.get("tag_usage_share"),
                    "tag_token_share": m.get("tag_token_share"),
                    "as_of": as_of,
                }
            )
    return {
        "task_classifications": _frame(tags, "task_classifications"),
        "task_top_models": _frame(tops, "task_top_models"),
    }


def _apps(group: list[Answer], model_id: Any, snapshot: dt.date) -> dict:  # noqa: ANN401
    doc = group[-1].doc
    meta = doc.get("meta") or {}
    rows = [
        {
            "rank": r.get("rank"),
            "app_id": r.get("app_id"),
            "app_name": r.get("app_name"),
            "total_tokens": _int(r.get("total_tokens")),
            "total_requests": r.get("total_requests"),
            "start_date": _date(meta.get("start_date")),
            "end_date": _date(meta.get("end_date")),
            "as_of": meta.get("as_of"),
        }
        for r in doc.get("data") or []
    ]
    return {"app_rankings": _frame(rows, "app_rankings")}


def _sessions(group: list[Answer], model_id: Any, snapshot: dt.date) -> dict:  # noqa: ANN401
    rows = []
    for a in group:  # the pages, in order
        meta = a.doc.get("meta") or {}
        for r in a.doc.get("data") or []:
            rows.append(
                {
                    "app_slug": r.get("app_slug"),
                    "app_name": r.get("app_name"),
                    "model_permaslug": r.get("model_permaslug"),
                    "model_id": model_id(r.get("model_permaslug")),
                    "turn_range": r.get("turn_range"),
                    "median_session_cost_usd": r.get("median_session_cost_usd"),
                    "window_days": meta.get("window_days"),
                    "window_end_date": _date(meta.get("window_end_date")),
                    "as_of": meta.get("as_of"),
                }
            )
    return {"session_costs": _frame(rows, "session_costs")}


def _run_config(item: dict[str, Any]) -> str:
    config = dict(item.get("run_config") or {})
    for k in ("search_engine", "search_surface"):
        if item.get(k) is not None:
            config[k] = item[k]
    return orjson.dumps(
        {k: v for k, v in config.items() if v is not None}, option=orjson.OPT_SORT_KEYS
    ).decode()


def _when(value: Any) -> dt.datetime | None:  # noqa: ANN401
    try:
        t = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (AttributeError, ValueError):
        return None
    return t.astimezone(dt.UTC) if t.tzinfo else t.replace(tzinfo=dt.UTC)


def _benchmarks(group: list[Answer], model_id: Any, snapshot: dt.date) -> dict:  # noqa: ANN401
    doc = group[-1].doc
    meta = doc.get("meta") or {}
    rows = [
        {
            "model_permaslug": r.get("model_permaslug"),
            "model_id": model_id(r.get("model_permaslug")),
            "display_name": r.get("display_name"),
            "benchmark_type": r.get("benchmark_type"),
            "run_config": _run_config(r),
            "accuracy": r["accuracy"] if r.get("accuracy") is not None else r.get("primary_score"),
            "accuracy_stddev": r.get("accuracy_stddev"),
            "avg_cost_per_task": r.get("avg_cost_per_task"),
            "avg_latency_per_task_ms": r.get("avg_latency_per_task_ms"),
            "total_tasks": r.get("total_tasks"),
            "primary_metric": r.get("primary_metric"),
            "last_run_at": _when(r.get("last_run_timestamp")),
            "citation": meta.get("citation"),
            "as_of": meta.get("as_of"),
        }
        for r in doc.get("data") or []
        if r.get("source") == "openrouter"
    ]
    return {"benchmark_runs": _frame(rows, "benchmark_runs")}
