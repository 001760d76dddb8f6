"""One hourly performance sample over HTTP: one call per (model, variant) with endpoints.

The frontend's stats/endpoint answer is the one that carries every figure of the sample
(p95, request and error counts), so it is asked first, with a cache-buster (a CDN serves it
up to 5 minutes old otherwise). When the first calls show the frontend down, the rest of the
sample asks the documented v1 endpoints call instead, which still carries latency,
throughput and uptime: a sample never asks both for one pair, except the few probes."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

from pipeline import sources
from pipeline.fetch.client import ApiClient, FetchResult
from pipeline.sources import CACHE_BUSTER, ModelVariant
from pipeline.sources.request import UnaddressableId

PROBE = 3  # frontend calls that decide whether the frontend is up for this sample
NO_ENDPOINTS = 404  # stats/endpoint's answer for a variant without endpoints


@dataclass
class SampleAnswers:
    """What one sample asked and got: each pair's answer (frontend or v1) and what failed."""

    frontend: list[tuple[ModelVariant, FetchResult]] = field(default_factory=list)
    v1: list[tuple[ModelVariant, FetchResult]] = field(default_factory=list)
    frontend_down: str | None = None  # why the sample went to v1
    skipped: list[str] = field(default_factory=list)  # pairs no URL can carry

    @property
    def requests(self) -> int:
        return len(self.frontend) + len(self.v1)

    @property
    def failed(self) -> list[FetchResult]:
        """Calls without an answer (a frontend 404 is one: that variant has no endpoints)."""
        return [r for _, r in self.frontend + self.v1 if r.error is not None and r.status != 404]


def _answered(r: FetchResult) -> bool:
    """The frontend answered this call as the frontend does (data, or "no endpoints")."""
    return (r.status == 200 and r.error is None) or r.status == NO_ENDPOINTS


def _valid(source: sources.Source, r: FetchResult) -> FetchResult:
    """A 200 whose body is not the source's answer is a failure, named."""
    if r.status == 200 and r.error is None:
        try:
            doc = r.json()
        except ValueError as exc:
            r.error = f"body is not JSON ({exc})"
            return r
        data = doc.get("data") if isinstance(doc, dict) else None
        if not isinstance(data, source.data):
            r.error = f"JSON of the wrong shape: 'data' is not a {source.data.__name__}"
    return r


async def fetch_sample(
    client: ApiClient,
    pairs: list[ModelVariant],
    log: Callable[[str], None] = lambda _: None,
) -> SampleAnswers:
    out = SampleAnswers()
    stats = sources.FRONTEND_STATS_ENDPOINT
    v1 = sources.V1_ENDPOINTS

    async def frontend(pair: ModelVariant) -> None:
        params = {
            "permaslug": pair.permaslug,
            "variant": pair.variant,
            CACHE_BUSTER: secrets.token_hex(4),
        }
        key = sources.stats_key(pair.permaslug, pair.variant)
        r = await client.get(stats.name, key, stats.paths[0], params)
        out.frontend.append((pair, _valid(stats, r)))

    async def documented(pair: ModelVariant) -> None:
        try:
            path = sources.endpoints_path(pair.model_id)
        except UnaddressableId as exc:
            out.skipped.append(f"{pair.model_id}: {exc}")
            return
        r = await client.get(v1.name, pair.model_id, path)
        out.v1.append((pair, _valid(v1, r)))

    ordered = sorted(pairs, key=lambda p: (p.model_id, p.permaslug, p.variant))
    head, rest = ordered[:PROBE], ordered[PROBE:]
    await asyncio.gather(*(frontend(p) for p in head))
    if head and not any(_answered(r) for _, r in out.frontend):
        first = out.frontend[0][1]
        out.frontend_down = f"{first.error or f'HTTP {first.status}'} on {len(head)} of {len(head)}"
        log(f"sample: frontend down ({out.frontend_down}); asking v1 for every pair")
        await asyncio.gather(*(documented(p) for p in ordered))
        return out
    await asyncio.gather(*(frontend(p) for p in rest))
    return out
