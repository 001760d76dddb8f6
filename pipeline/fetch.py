"""Fetch one snapshot into the raw landing: the v1 group (must succeed) and the frontend group
(best effort: the undocumented API moves and breaks; what it lacks is reported, never fatal).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from pipeline import sources
from pipeline.client import ApiClient, FetchResult
from pipeline.raw_store import RawSnapshot

Log = Callable[[str], None]


class FetchError(RuntimeError):
    """The snapshot cannot be produced; the message is one line naming why."""


@dataclass
class SourceStats:
    requested: int = 0
    ok: int = 0
    failed: int = 0
    retried: int = 0


@dataclass
class FetchReport:
    stats: dict[str, SourceStats] = field(default_factory=dict)
    answered_paths: dict[str, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    failures: list[tuple[str, str, str]] = field(default_factory=list)  # source, key, error

    def source(self, name: str) -> SourceStats:
        return self.stats.setdefault(name, SourceStats())

    def as_metadata(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            f"{name}_{k}": v for name, s in self.stats.items() for k, v in vars(s).items()
        }
        out["answered_paths"] = dict(self.answered_paths)
        out["missing"] = list(self.missing)
        out["failures"] = [f"{s} {k}: {e}" for s, k, e in self.failures[:50]]
        return out


class _Landing:
    """Writes each response to the raw snapshot and keeps its log row and counts."""

    def __init__(self, snap: RawSnapshot, report: FetchReport, log: Log) -> None:
        self.snap, self.report, self.log = snap, report, log
        self.rows: list[dict[str, Any]] = []
        # One writer thread: gzip and file creation (~5 % of a 2,000-request fetch when done
        # inline) overlap with requests in flight; the event loop only hands bodies over.
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="raw-writer")
        self._writes: list[Future[str]] = []

    def flush(self) -> None:
        """Wait for every body to be on disk; a failed write fails the fetch."""
        self._writer.shutdown(wait=True)
        for fut in self._writes:
            fut.result()

    async def land(self, r: FetchResult) -> FetchResult:
        rel = None
        if r.body is not None:
            rel = self.snap.body_file(r.source, r.key)
            self._writes.append(self._writer.submit(self.snap.write_body, r.source, r.key, r.body))
        self.rows.append(
            {
                "source": r.source,
                "key": r.key,
                "url": r.url,
                "request": r.request,
                "status": r.status,
                "attempts": r.attempts,
                "bytes": None if r.body is None else len(r.body),
                "duration_ms": r.duration_ms,
                "error": r.error,
                "sha256": None if r.body is None else hashlib.sha256(r.body).hexdigest(),
                "fetched_at": r.fetched_at,
                "file": rel,
                "content_type": r.content_type,
            }
        )
        st = self.report.source(r.source)
        st.requested += 1
        st.retried += r.attempts > 1
        if r.error is None:
            st.ok += 1
        else:
            st.failed += 1
            self.report.failures.append((r.source, r.key, r.error or f"HTTP {r.status}"))
        return r


async def _fan_out(
    client: ApiClient,
    landing: _Landing,
    source: str,
    calls: list[tuple[str, str, dict]],
    ok_statuses: frozenset[int] = frozenset({200}),
) -> list[FetchResult]:
    """Run many calls of one source with progress lines about every 10 %."""
    total, done, step = len(calls), 0, max(1, len(calls) // 10)
    results: list[FetchResult] = []

    async def one(key: str, path: str, params: dict) -> None:
        nonlocal done
        r = await client.get(source, key, path, params)
        if r.status in ok_statuses and r.error and r.error.startswith("HTTP "):
            r.error = None  # an expected status (404 = "no endpoints" on stats/endpoint)
        results.append(await landing.land(r))
        r.body = r.parsed = None  # on disk now (or on its way): keep only the outcome
        done += 1
        if done % step == 0 or done == total:
            s = landing.report.source(source)
            landing.log(f"{source}: {done}/{total} done, {s.failed} failed, {s.retried} retried")

    await asyncio.gather(*(one(k, p, q) for k, p, q in calls))
    return results


def _data_list(r: FetchResult, what: str) -> list[dict[str, Any]]:
    try:
        doc = r.json()
    except ValueError as exc:
        raise FetchError(f"{what}: {r.request} answered a body that is not JSON ({exc})") from None
    data = doc.get("data") if isinstance(doc, dict) else doc
    if not isinstance(data, list):
        raise FetchError(f"{what}: {r.request} answered JSON without a 'data' list")
    return data


async def fetch_v1(
    client: ApiClient, snap: RawSnapshot, log: Log, *, min_coverage: float = 0.95
) -> FetchReport:
    """Models list, providers list, then one endpoints call per model id (variant included)."""
    report = FetchReport()
    landing = _Landing(snap, report, log)
    try:
        r = await landing.land(
            await client.get(
                sources.V1_MODELS.name, "all", sources.V1_MODELS.paths[0], sources.V1_MODELS.params
            )
        )
        if not r.ok:
            raise FetchError(f"v1_models: GET {r.url} failed: {r.error}")
        models = _data_list(r, "v1_models")
        ids = sorted(
            {m["id"] for m in models if isinstance(m, dict) and isinstance(m.get("id"), str)}
        )
        log(f"v1_models: {len(ids)} models")
        calls = [(mid, sources.endpoints_path(mid), {}) for mid in ids if "/" in mid]
        providers, results = await asyncio.gather(
            client.get(sources.V1_PROVIDERS.name, "all", sources.V1_PROVIDERS.paths[0]),
            _fan_out(client, landing, sources.V1_ENDPOINTS.name, calls),
        )
        if not (await landing.land(providers)).ok:
            report.missing.append(f"v1_providers ({providers.error})")
        failed = [r for r in results if not r.ok]
        if results and len(failed) / len(results) > 1 - min_coverage:
            worst = "; ".join(f"{r.key} ({r.error})" for r in failed[:5])
            raise FetchError(
                f"v1_endpoints: {len(failed)} of {len(results)} calls failed, more than "
                f"{(1 - min_coverage):.0%} allowed; first: {worst}"
            )
    finally:
        landing.flush()
        snap.write_log("v1", landing.rows)
    return report


async def _first_answering(
    client: ApiClient, landing: _Landing, source: sources.Source
) -> tuple[int, list[dict[str, Any]]] | None:
    """Try the known paths of a moving frontend source, newest first."""
    for i, path in enumerate(source.paths):
        r = await landing.land(await client.get(source.name, "all", path, source.params))
        if r.ok:
            try:
                data = _data_list(r, source.name)
            except FetchError as exc:
                landing.report.missing.append(str(exc))
                continue
            landing.report.answered_paths[source.name] = path
            return i, data
    landing.report.missing.append(f"{source.name} (no known path answered)")
    return None


async def fetch_frontend(client: ApiClient, snap: RawSnapshot, log: Log) -> FetchReport:
    """Catalog, all-providers and stats/endpoint per (permaslug, variant); never fatal."""
    report = FetchReport()
    landing = _Landing(snap, report, log)
    try:
        _, found = await asyncio.gather(
            _first_answering(client, landing, sources.FRONTEND_ALL_PROVIDERS),
            _first_answering(client, landing, sources.FRONTEND_CATALOG),
        )
        if found is None:
            log("frontend: catalog unavailable; stats/endpoint skipped")
            return report
        generation, catalog = found
        pairs: set[tuple[str, str]] = set()
        for row in catalog:
            if not isinstance(row, dict) or not row.get("endpoint"):
                continue  # no endpoint available: the API answers 404 for these
            endpoint = row["endpoint"] if isinstance(row["endpoint"], dict) else {}
            variant = row.get("variant") or endpoint.get("variant") or "standard"
            permaslug = row.get("permaslug") or row.get("slug")
            if isinstance(permaslug, str):
                pairs.add((permaslug, str(variant)))
        fan_outs = [sources.FRONTEND_STATS_ENDPOINT]
        if generation == 0:  # effective-pricing exists only beside the 2026 paths
            fan_outs.append(sources.FRONTEND_EFFECTIVE_PRICING)
        await asyncio.gather(
            *(
                _fan_out(
                    client,
                    landing,
                    source.name,
                    [
                        (sources.stats_key(p, v), path, {"permaslug": p, "variant": v})
                        for p, v in sorted(pairs)
                    ],
                    ok_statuses=frozenset({200, 404}),  # 404 = no endpoints for this variant
                )
                for source, path in (
                    (src, src.paths[min(generation, len(src.paths) - 1)]) for src in fan_outs
                )
            )
        )
    finally:
        landing.flush()
        snap.write_log("frontend", landing.rows)
    return report
