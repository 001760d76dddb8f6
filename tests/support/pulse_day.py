"""Turn a daily capture of the second public recorder (../shared/openrouter-samples/
pulse_2026-08: v1 models, v1 providers, stats/endpoint per permaslug, rankings) into a raw
snapshot folder that the replay server serves.

What it recorded is landed as received (v1 models, v1 providers, every stats/endpoint body,
the three rankings views). It recorded no frontend catalog and no all-providers list, which
the pipeline's frontend fetch starts from; both are derived here and marked derived (the
field census leaves them out):
- a catalog row per recorded permaslug: the ``model`` record its stats/endpoint objects
  carry (the catalog's own fields), with its first endpoint as the row's default endpoint;
- an all-providers row per v1 provider, with the names and URLs v1 gives;
- the per-model v1 endpoints, from the same day's stats/endpoint objects, as
  ``recorded_day.v1_endpoint`` does (base prices only: no window reaches a table from them).
Nothing else is made up: usage, prices paid, uptime and top apps were not recorded, so the
replay answers 404 and the pipeline finds those sources absent.
"""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path
from urllib.parse import urlencode

from pipeline import sources
from pipeline.raw.store import RawSnapshot
from tests.support.recorded_day import land_v1_endpoints, lander

VIEWS = ("day", "week", "month")


def _load(path: Path) -> object:
    with gzip.open(path) as fh:
        return json.load(fh)


def stats_bodies(day: Path) -> dict[str, dict]:
    """permaslug → the recorded stats/endpoint body (standard variant)."""
    return _load(day / "endpoint_stats.json.gz")  # type: ignore[return-value]


def build_pulse_day(day: Path, out: Path) -> int:
    """A recorder's day as a raw snapshot folder; returns the number of responses written."""
    fetched_at = f"{day.name}T00:00:00Z"
    out.mkdir(parents=True, exist_ok=True)
    for child in out.glob("*"):
        shutil.rmtree(child) if child.is_dir() else child.unlink()
    snap = RawSnapshot(out)
    logs: dict[str, list[dict]] = {"v1": [], "frontend": []}

    land = lander(snap, logs, fetched_at)

    models = _load(day / "models.json.gz")
    providers = _load(day / "providers.json.gz")
    land(sources.V1_MODELS, "all", "/api/v1/models?output_modalities=all", models)
    land(sources.V1_PROVIDERS, "all", "/api/v1/providers", providers)
    for view in VIEWS:
        land(
            sources.FRONTEND_RANKINGS,
            view,
            f"{sources.FRONTEND_RANKINGS.paths[0]}?view={view}",
            _load(day / f"rankings_models_{view}.json.gz"),
        )
    catalog = []
    by_slug: dict[str, dict[str, dict]] = {}
    for permaslug, body in sorted(stats_bodies(day).items()):
        endpoints = body.get("data") or []
        if not endpoints:
            continue
        q = urlencode({"permaslug": permaslug, "variant": "standard"})
        land(
            sources.FRONTEND_STATS_ENDPOINT,
            sources.stats_key(permaslug, "standard"),
            f"{sources.FRONTEND_STATS_ENDPOINT.paths[0]}?{q}",
            body,
        )
        for e in endpoints:
            by_slug.setdefault(e["model_variant_slug"], {}).setdefault(e["id"], e)
        first = endpoints[0]
        if isinstance(first.get("model"), dict):
            endpoint = {k: v for k, v in first.items() if k not in ("model", "stats")}
            catalog.append({**first["model"], "endpoint": endpoint})
    land(
        sources.FRONTEND_CATALOG,
        "all",
        sources.FRONTEND_CATALOG.paths[0],
        {"data": catalog},
        derived=True,
    )
    all_providers = [
        {
            "name": p["name"],
            "displayName": p["name"],
            "slug": p["slug"],
            "headquarters": p.get("headquarters"),
            "datacenters": p.get("datacenters"),
            "statusPageUrl": p.get("status_page_url"),
            "dataPolicy": {
                "privacyPolicyURL": p.get("privacy_policy_url"),
                "termsOfServiceURL": p.get("terms_of_service_url"),
            },
        }
        for p in providers["data"]  # type: ignore[index]
    ]
    land(
        sources.FRONTEND_ALL_PROVIDERS,
        "all",
        sources.FRONTEND_ALL_PROVIDERS.paths[0],
        {"data": all_providers},
        derived=True,
    )
    land_v1_endpoints(land, models["data"], by_slug)  # type: ignore[index]
    for group, rows in logs.items():
        snap.write_log(group, rows)
    return sum(len(r) for r in logs.values())
