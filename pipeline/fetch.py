"""Fetch one snapshot into the raw landing: the v1 group (must succeed) and the frontend group
(best effort: the undocumented API moves and breaks; what it lacks is reported, never fatal).
"""

from __future__ import annotations

import asyncio
import datetime as dt
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
    notes: list[str] = field(default_factory=list)
    reused: bool = False  # the raw landing already held this group: nothing was fetched

    @classmethod
    def from_log(cls, rows: list[dict[str, Any]], group: str) -> FetchReport:
        """The report of an earlier, complete fetch, rebuilt from its log rows."""
        report = cls(reused=True)
        names = set(sources.GROUPS[group])
        for row in rows:
            if row.get("source") in names:
                report.count(row["source"], row["key"], row.get("attempts") or 0, row.get("error"))
        return report

    def count(self, source: str, key: str, attempts: int, error: str | None) -> None:
        """One request's outcome, as fetched now or as read back from the log."""
        st = self.source(source)
        st.requested += 1
        st.retried += attempts > 1
        if error is None:
            st.ok += 1
        else:
            st.failed += 1
            self.failures.append((source, key, error))

    def summary(self) -> dict[str, Any]:
        return {
            "completed_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "requests": sum(s.requested for s in self.stats.values()),
            "failed": sum(s.failed for s in self.stats.values()),
        }

    def source(self, name: str) -> SourceStats:
        return self.stats.setdefault(name, SourceStats())

    def as_metadata(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            f"{name}_{k}": v for name, s in self.stats.items() for k, v in vars(s).items()
        }
        out["answered_paths"] = dict(self.answered_paths)
        out["missing"] = list(self.missing)
        out["failures"] = [f"{s} {k}: {e}" for s, k, e in self.failures[:50]]
        out["notes"] = list(self.notes)
        out["reused"] = self.reused
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
        self.report.count(r.source, r.key, r.attempts, r.error)
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

    spec = sources.SOURCES_BY_NAME[source]

    async def one(key: str, path: str, params: dict) -> None:
        nonlocal done
        r = await client.get(source, key, path, params)
        if r.status in ok_statuses and r.error and r.error.startswith("HTTP "):
            r.error = None  # an expected status (404 = "no endpoints" on stats/endpoint)
        results.append(await landing.land(_checked(spec, r)))
        r.body = r.parsed = None  # on disk now (or on its way): keep only the outcome
        done += 1
        if done % step == 0 or done == total:
            s = landing.report.source(source)
            landing.log(f"{source}: {done}/{total} done, {s.failed} failed, {s.retried} retried")

    await asyncio.gather(*(one(k, p, q) for k, p, q in calls))
    return results


def _kind(value: object) -> str:
    return {dict: "an object", list: "a list", str: "a string", type(None): "null"}.get(
        type(value), type(value).__name__
    )


def shape_error(source: sources.Source, r: FetchResult) -> str | None:
    """Why a 200 body cannot be this source's answer, or None. The body is still landed as
    received; the log row carries the reason and the reader skips it."""
    try:
        doc = r.json()
    except ValueError as exc:
        return f"body is not JSON ({exc})"
    data = doc.get("data") if isinstance(doc, dict) else doc
    if isinstance(doc, dict) and "data" not in doc:
        return f"JSON of the wrong shape: no 'data' field (keys: {', '.join(list(doc)[:5])})"
    if not isinstance(data, source.data):
        return f"JSON of the wrong shape: 'data' is {_kind(data)}, expected {_kind(source.data())}"
    return None


def _checked(source: sources.Source, r: FetchResult) -> FetchResult:
    """Mark a 200 whose body is not this source's answer as failed, before it is logged."""
    if r.status == 200 and r.error is None:
        r.error = shape_error(source, r)
    return r


def _data_list(r: FetchResult) -> list[dict[str, Any]]:
    doc = r.json()
    return doc.get("data") if isinstance(doc, dict) else doc


async def _get(
    client: ApiClient, landing: _Landing, source: sources.Source, path: str
) -> FetchResult:
    """One single-request source: fetched, shape-checked, landed."""
    r = await client.get(source.name, "all", path, source.params)
    return await landing.land(_checked(source, r))


async def fetch_v1(
    client: ApiClient, snap: RawSnapshot, log: Log, *, min_coverage: float = 0.95
) -> FetchReport:
    """Models list, providers list, then one endpoints call per model id (variant included)."""
    report = FetchReport()
    landing = _Landing(snap, report, log)
    snap.start_fetch("v1", sources.GROUPS["v1"])
    try:
        r = await _get(client, landing, sources.V1_MODELS, sources.V1_MODELS.paths[0])
        if not r.ok:
            raise FetchError(f"v1_models: GET {r.url} failed: {r.error}")
        models = _data_list(r)
        ids = sorted(
            {m["id"] for m in models if isinstance(m, dict) and isinstance(m.get("id"), str)}
        )
        log(f"v1_models: {len(ids)} models")
        if len(ids) < len(models):
            report.notes.append(
                f"v1_models: {len(models) - len(ids)} records without a string id or repeating "
                "one; one endpoints call per distinct id"
            )
        calls = [(mid, sources.endpoints_path(mid), {}) for mid in ids if "/" in mid]
        providers, results = await asyncio.gather(
            _get(client, landing, sources.V1_PROVIDERS, sources.V1_PROVIDERS.paths[0]),
            _fan_out(client, landing, sources.V1_ENDPOINTS.name, calls),
        )
        if not providers.ok:
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
    snap.mark_complete("v1", report.summary())
    return report


async def _first_answering(
    client: ApiClient, landing: _Landing, source: sources.Source
) -> tuple[int, list[dict[str, Any]]] | None:
    """Try the known paths of a moving frontend source, newest first."""
    for i, path in enumerate(source.paths):
        r = await _get(client, landing, source, path)
        if r.ok:
            landing.report.answered_paths[source.name] = path
            return i, _data_list(r)
        if r.status == 200:
            landing.report.missing.append(f"{source.name}: {r.request} answered {r.error}")
    landing.report.missing.append(f"{source.name} (no known path answered)")
    return None


async def fetch_frontend(client: ApiClient, snap: RawSnapshot, log: Log) -> FetchReport:
    """Catalog, all-providers and stats/endpoint per (permaslug, variant); never fatal."""
    report = FetchReport()
    landing = _Landing(snap, report, log)
    snap.start_fetch("frontend", sources.GROUPS["frontend"])
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
    if not report.missing:  # a vanished source is tried again by the next run
        snap.mark_complete("frontend", report.summary())
    return report
