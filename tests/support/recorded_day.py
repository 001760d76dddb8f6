"""Turn a daily bundle of the public scraper behind ../shared/openrouter-samples/daily_2026-07
(models, catalog, providers, model_stats, rankings) into a raw snapshot folder in the
pipeline's landing format: recorded bodies re-wrapped in the API's {"data": ...} envelope; the
v1 per-model endpoints and the v1 providers list (not recorded) derived from same-day frontend
records, and uptime-recent (not recorded) from the daily status counts of the stats/endpoint
records of the day and the two before it.

Used by scripts/build_sample.py (the bundled sample) and by the tests (three real days for the
change views); nothing at run time reads ../shared.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

from pipeline import sources
from pipeline.raw.store import RawSnapshot
from pipeline.sources.shapes import PRICE_COMPONENTS

BASE = "https://openrouter.ai"
V1_PRICE_KEYS = (*PRICE_COMPONENTS, "discount")  # the scalar keys of v1 endpoint pricing


def _uptime(h: dict | None) -> float | None:
    if not h:
        return None
    ok, bad = h.get("success") or 0, h.get("derankableError") or 0
    return None if ok + bad == 0 else round(100.0 * ok / (ok + bad), 4)


def _pct(stats: dict | None, metric: str) -> dict | None:
    if not stats or stats.get(f"p50_{metric}") is None:
        return None
    return {p: stats.get(f"{p}_{metric}") for p in ("p50", "p75", "p90", "p99")}


def v1_endpoint(e: dict) -> dict:
    """One frontend stats/endpoint object in the v1 PublicEndpoint shape (OpenAPI reference)."""
    stats = e.get("stats")
    return {
        "name": e["name"],
        "model_id": e["model_variant_permaslug"],
        "model_name": (e.get("model") or {}).get("name"),
        "context_length": e["context_length"],
        "pricing": {k: e["pricing"][k] for k in V1_PRICE_KEYS if k in e["pricing"]},
        "provider_name": e["provider_name"],
        "tag": e["provider_slug"],
        "quantization": e.get("quantization"),
        "max_completion_tokens": e.get("max_completion_tokens"),
        "max_prompt_tokens": e.get("max_prompt_tokens"),
        "supported_parameters": e.get("supported_parameters") or [],
        "status": e.get("status"),
        "uptime_last_30m": _uptime(e.get("status_heuristics")),
        "uptime_last_5m": _uptime(e.get("status_heuristics_5m")),
        "uptime_last_1d": _uptime(e.get("status_heuristics_1d")),
        "supports_implicit_caching": "input_cache_read" in e["pricing"]
        and "input_cache_write" not in e["pricing"],
        "latency_last_30m": _pct(stats, "latency"),
        "throughput_last_30m": _pct(stats, "throughput"),
    }


def _bundle(day: Path, date: dt.date) -> Path | None:
    """The folder of another day's bundle beside ``day`` (months live in sibling folders)."""
    for folder in (day.parent, *day.parent.parent.glob("daily_*")):
        if (folder / date.isoformat() / "model_stats.jsonl.gz").is_file():
            return folder / date.isoformat()
    return None


def _stats_lines(day: Path) -> list[dict]:
    with gzip.open(day / "model_stats.jsonl.gz") as fh:
        return [json.loads(line) for line in fh]


def uptime_recent(day: Path, days: int = 3) -> dict[str, dict[str, list[dict]]]:
    """permaslug → the uptime-recent answer for the bundle's date, derived: for each of the
    last ``days`` days that has a bundle, each endpoint's ``status_heuristics_1d`` (success /
    (success + derankableError) over the 24 hours before that day's scrape) as that day's
    uptime, newest first, as the API lists them. Endpoints by UUID, every variant of the
    permaslug together (the API's call takes no variant)."""
    date = dt.date.fromisoformat(day.name)
    out: dict[str, dict[str, list[dict]]] = {}
    for back in range(days):
        d = date - dt.timedelta(days=back)
        folder = day if back == 0 else _bundle(day, d)
        if folder is None:
            continue
        for line in _stats_lines(folder):
            for e in line["endpoints"] or []:
                uptime = _uptime(e.get("status_heuristics_1d"))
                if back > 0 and line["permaslug"] not in out:
                    continue  # only the permaslugs the day itself asks
                points = out.setdefault(line["permaslug"], {}).setdefault(e["id"], [])
                if not any(p["date"].startswith(d.isoformat()) for p in points):
                    points.append({"date": f"{d.isoformat()} 00:00:00", "uptime": uptime})
    return out


Land = Callable[..., None]


def lander(snap: RawSnapshot, logs: dict[str, list[dict]], fetched_at: str) -> Land:
    """``land(source, key, request, payload, status=200, derived=False)``: one response body
    written to ``snap`` and its log row added to ``logs`` (per group), as a fetch logs it."""

    def land(
        source: sources.Source,
        key: str,
        request: str,
        payload: object,
        status: int = 200,
        derived: bool = False,
    ) -> None:
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        rel = snap.write_body(source.name, key, body, level=9)
        logs[source.group].append(
            {
                "source": source.name,
                "key": key,
                "url": BASE + request,
                "request": request,
                "status": status,
                "attempts": 1,
                "bytes": len(body),
                "duration_ms": None,
                "error": None,
                "sha256": hashlib.sha256(body).hexdigest(),
                "fetched_at": fetched_at,
                "file": rel,
                "content_type": "application/json",
                "derived": derived,
            }
        )

    return land


def land_v1_endpoints(land: Land, models: list[dict], by_slug: dict[str, dict[str, dict]]) -> None:
    """The v1 per-model endpoints call of every model, derived from the same day's
    stats/endpoint objects (by ``model_variant_slug``; hidden and disabled left out)."""
    for m in models:
        eps = [
            e
            for e in by_slug.get(m["id"], {}).values()
            if not e.get("is_hidden") and not e.get("is_disabled")
        ]
        doc = {
            "data": {
                "id": m["id"],
                "name": m["name"],
                "created": m["created"],
                "description": m.get("description"),
                "architecture": m["architecture"],
                "endpoints": [v1_endpoint(e) for e in eps],
            }
        }
        land(sources.V1_ENDPOINTS, m["id"], sources.endpoints_path(m["id"]), doc, derived=True)


def build_day(day: Path, out: Path) -> int:
    """A scraper's daily bundle (models, catalog, providers, model_stats) as a raw snapshot
    folder; returns the number of responses written."""
    date = day.name
    fetched_at = f"{date}T00:00:00Z"

    def load(name: str):
        with gzip.open(day / name) as fh:
            return json.load(fh)

    models, catalog, all_providers = (
        load("models.json.gz"),
        load("catalog.json.gz"),
        load("providers.json.gz"),
    )
    stats_lines = _stats_lines(day)

    for child in out.glob("*"):
        if child.name != "README.md":
            shutil.rmtree(child) if child.is_dir() else child.unlink()
    snap = RawSnapshot(out)
    logs: dict[str, list[dict]] = {"v1": [], "frontend": []}

    land = lander(snap, logs, fetched_at)

    land(sources.V1_MODELS, "all", "/api/v1/models?output_modalities=all", {"data": models})
    land(sources.FRONTEND_CATALOG, "all", sources.FRONTEND_CATALOG.paths[0], {"data": catalog})
    land(
        sources.FRONTEND_ALL_PROVIDERS,
        "all",
        sources.FRONTEND_ALL_PROVIDERS.paths[0],
        {"data": all_providers},
    )
    v1_providers = [
        {
            "name": p["name"],
            "slug": p["slug"],
            "privacy_policy_url": p["dataPolicy"].get("privacyPolicyURL"),
            "terms_of_service_url": p["dataPolicy"].get("termsOfServiceURL"),
            "status_page_url": p.get("statusPageUrl"),
            "headquarters": p.get("headquarters"),
            "datacenters": p.get("datacenters"),
        }
        for p in all_providers
    ]
    land(sources.V1_PROVIDERS, "all", "/api/v1/providers", {"data": v1_providers}, derived=True)

    # endpoint UUID → object, per model id: an alias permaslug (~anthropic/claude-haiku-latest)
    # returns its target's endpoints again, which must not list them twice
    by_variant_slug: dict[str, dict[str, dict]] = {}
    if (day / "rankings.json.gz").is_file():
        land(
            sources.FRONTEND_RANKINGS,
            "month",
            f"{sources.FRONTEND_RANKINGS.paths[0]}?view=month",
            {"data": load("rankings.json.gz")},
        )
    for line in stats_lines:
        q = urlencode({"permaslug": line["permaslug"], "variant": line["variant"]})
        # recorded for every catalog row, with or without endpoints (as is effective-pricing)
        land(
            sources.FRONTEND_MODEL_ACTIVITY,
            sources.stats_key(line["permaslug"], line["variant"]),
            f"{sources.FRONTEND_MODEL_ACTIVITY.paths[0]}?{q}",
            {"data": line["activity"]},
        )
        land(  # request parameters assumed to be those of stats/endpoint
            sources.FRONTEND_EFFECTIVE_PRICING,
            sources.stats_key(line["permaslug"], line["variant"]),
            f"{sources.FRONTEND_EFFECTIVE_PRICING.paths[0]}?{q}",
            {"data": line["effective_pricing"]},
        )
        if not line["endpoints"]:
            continue  # the catalog row has endpoint: null; the API answers 404, not requested
        land(
            sources.FRONTEND_STATS_ENDPOINT,
            sources.stats_key(line["permaslug"], line["variant"]),
            f"{sources.FRONTEND_STATS_ENDPOINT.paths[0]}?{q}",
            {"data": line["endpoints"]},
        )
        for e in line["endpoints"]:
            by_variant_slug.setdefault(e["model_variant_slug"], {}).setdefault(e["id"], e)

    for permaslug, by_endpoint in sorted(uptime_recent(day).items()):
        land(
            sources.FRONTEND_UPTIME_RECENT,
            permaslug,
            f"{sources.FRONTEND_UPTIME_RECENT.paths[0]}?{urlencode({'permaslug': permaslug})}",
            {"data": by_endpoint},
            derived=True,
        )

    land_v1_endpoints(land, models, by_variant_slug)

    for group, rows in logs.items():
        snap.write_log(group, rows)
    return sum(len(r) for r in logs.values())
