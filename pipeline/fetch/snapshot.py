"""Fetch one snapshot into the raw landing: the v1 group (must succeed) and the frontend group
(best effort: the undocumented API moves and breaks; what it lacks is reported, never fatal).

Every call ends in one of three states: *ok* (an expected answer), *permanent* (a 404, a
body of the wrong shape: asking again will not help) or *transient* (a 5xx, a 429, the
network, after every retry: asking later may). A group with transient failures is landed as
*partial*; the next run of the same date resumes it, asking only for the calls that are not
settled, and keeps everything else it already has.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import orjson

from pipeline import sources
from pipeline.fetch.client import ApiClient, FetchResult
from pipeline.fetch.outcomes import (
    OK,
    PERMANENT,
    TRANSIENT,
    FetchError,
    FetchReport,
    Log,
    latest_rows,
    row_state,
)
from pipeline.raw.store import RawSnapshot
from pipeline.sources import frontend_rankings
from pipeline.sources.request import UnaddressableId

# (a source, its log rows): every call of the source made, every body in its pack
# A line every few seconds shows a slow fetch moving; a fast one says only that it ended
# (each line is an event written to Dagster's storage while the fetch waits).
PROGRESS_EVERY_S = 5.0
# A source whose first calls all answer 404 on every known path is absent that day: its other
# calls are not asked (a first run spent 1,016 requests on 404s). The busiest keys are asked
# first, so a source that is there answers at once; absent is recorded, not failed, and the
# next day probes again.
PROBE = 5
ABSENT_KEY = "(absent)"
# Calls whose 404 means "nothing to report" (no endpoints, no apps, no hourly series, no such
# rankings view), an answer like any other: settled, and no table row.
NO_DATA_404 = frozenset({200, 404})


class _Landing:
    """Writes each response to the raw snapshot and keeps its log row and counts. Resuming,
    it starts from the rows of the earlier fetch and answers settled calls from them."""

    def __init__(
        self,
        snap: RawSnapshot,
        report: FetchReport,
        log: Log,
        prior: list[dict],
    ) -> None:
        self.snap, self.report, self.log = snap, report, log
        self.rows: list[dict[str, Any]] = list(prior)
        self._prior = latest_rows(prior)
        # One writer thread: gzip and the appends to the packs overlap with requests in
        # flight; the event loop only hands bodies over. Each row learns its body's place
        # when the write is done (flush), before the log is written.
        self._packs = snap.packs()
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="raw-writer")
        self._writes: list[tuple[dict[str, Any], Future[dict[str, Any]]]] = []

    def settled(self, source: str, key: str) -> dict[str, Any] | None:
        """The earlier fetch's row for this call, unless a later try could do better."""
        row = self._prior.get((source, key))
        return row if row is not None and row_state(row) != TRANSIENT else None

    def reuse(self, row: dict[str, Any]) -> None:
        self.report.count(row, now=False)

    def body(self, row: dict[str, Any]) -> Any:  # noqa: ANN401 - a JSON document
        return orjson.loads(self.snap.body(row))

    def flush(self) -> None:
        """Wait for every body to be on disk; a failed write fails the fetch."""
        try:
            self._writer.shutdown(wait=True)
        finally:
            self._packs.close()
        for row, fut in self._writes:
            row.update(fut.result())

    async def land(self, r: FetchResult) -> FetchResult:
        row = {
            "source": r.source,
            "key": r.key,
            "url": r.url,
            "request": r.request,
            "status": r.status,
            "attempts": r.attempts,
            "bytes": None if r.body is None else len(r.body),
            "duration_ms": r.duration_ms,
            "error": r.error,
            "transient": r.transient if r.error else None,
            "sha256": None if r.body is None else hashlib.sha256(r.body).hexdigest(),
            "fetched_at": r.fetched_at,
            "file": None,
            "file_offset": None,
            "file_length": None,
            "content_type": r.content_type,
        }
        if r.body is not None:
            self._writes.append((row, self._writer.submit(self._packs.add, r.source, r.body)))
        self.rows.append(row)
        self.report.count(row, now=True)
        return r


@dataclass
class Outcome:
    """One call of a fan-out, made now or settled earlier."""

    key: str
    state: str
    error: str | None = None


async def _fan_out(
    client: ApiClient,
    landing: _Landing,
    source: str,
    calls: list[tuple[str, str, dict]],
    ok_statuses: frozenset[int] = frozenset({200}),
    inspect: Callable[[str, Any], None] | None = None,
    probe: bool = False,
) -> list[Outcome]:
    """Run the calls of one source not settled by an earlier fetch, with a progress line every
    few seconds and one at the end. ``inspect(key, data)`` sees the data of every answer
    (settled ones too), for a later call that depends on it. With ``probe``, the first
    ``PROBE`` calls go first, and when every one answers 404 on every known path of the
    source, it is absent: the rest are not asked (``ABSENT_KEY`` says so in the log)."""
    spec = sources.SOURCES_BY_NAME[source]
    outcomes: list[Outcome] = []
    marker = landing.settled(source, ABSENT_KEY) if probe else None
    if marker is not None:  # a resumed fetch: absent already today
        landing.reuse(marker)
        return outcomes
    todo = []
    answered_before = False
    for key, path, params in calls:
        row = landing.settled(source, key)
        if row is None:
            todo.append((key, path, params))
        else:
            landing.reuse(row)
            outcomes.append(Outcome(key, row_state(row), row.get("error")))
            answered_before |= row.get("status") not in (None, 404)
            if inspect is not None and row.get("error") is None and row.get("file"):
                inspect(key, _data(landing.body(row)))
    if len(todo) < len(calls):
        landing.log(f"{source}: {len(calls) - len(todo)} of {len(calls)} calls already landed")
    total, done, last = len(todo), 0, time.monotonic()

    async def one(key: str, path: str, params: dict) -> int | None:
        nonlocal done, last
        r = await client.get(source, key, path, params)
        status = r.status
        if r.status in ok_statuses and r.error and r.error.startswith("HTTP "):
            r.error = None  # an expected status (404 = "no endpoints" on stats/endpoint)
        await landing.land(_checked(spec, r))
        if inspect is not None and r.ok and r.status == 200:
            inspect(key, _data(r.json()))
        outcomes.append(
            Outcome(
                key, OK if r.error is None else TRANSIENT if r.transient else PERMANENT, r.error
            )
        )
        r.body = r.parsed = None  # on disk now (or on its way): keep only the outcome
        done += 1
        if done == total or time.monotonic() - last >= PROGRESS_EVERY_S:
            last = time.monotonic()
            s = landing.report.source(source)
            landing.log(f"{source}: {done}/{total} done, {s.failed} failed, {s.retried} retried")
        return status

    if probe and not answered_before and len(todo) > PROBE:
        head, todo = todo[:PROBE], todo[PROBE:]
        statuses = await asyncio.gather(*(one(k, p, q) for k, p, q in head))
        tried = [head[0][1]]
        for other in (p for p in spec.paths if p != head[0][1]):
            if any(st != 404 for st in statuses):
                break
            # every known path before giving up: the source may have moved
            total += len(head)
            statuses = await asyncio.gather(*(one(k, other, q) for k, _, q in head))
            tried.append(other)
            todo = [(k, other, q) for k, _, q in todo]
        if all(st == 404 for st in statuses):
            _absent(landing, client, source, tried, len(todo))
            return outcomes
    # a few workers take the calls in turn: a task per call up front held every call's
    # coroutine at once (tens of thousands at 10x the catalog)
    pending = iter(todo)

    async def worker() -> None:
        for k, p, q in pending:
            await one(k, p, q)

    await asyncio.gather(*(worker() for _ in range(min(client.concurrency, len(todo)))))
    return outcomes


def _absent(landing: _Landing, client: ApiClient, source: str, tried: list[str], n: int) -> None:
    """Record a source absent today: a log row that is no request, the count, a line."""
    paths = ", ".join(tried)
    row = {
        "source": source,
        "key": ABSENT_KEY,
        "url": client.base_url + tried[-1],
        "request": tried[-1],
        "status": None,
        "attempts": 0,
        "bytes": None,
        "duration_ms": 0.0,
        "error": None,
        "transient": None,
        "sha256": None,
        "fetched_at": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
        "file": None,
        "file_offset": None,
        "file_length": None,
        "content_type": None,
        "absent": True,
        "not_asked": n,
    }
    landing.rows.append(row)
    landing.report.count(row, now=True)
    why = f"the first {PROBE} calls answered 404 on {paths}"
    landing.report.missing.append(f"{source}: absent today ({why}; {n:,} calls not asked)")
    landing.log(f"{source}: absent today ({why}); {n:,} calls not asked, probed again next run")


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
    if source.about is not None and (why := source.about(r.key, data)) is not None:
        return f"an answer about something else: {why}"
    return None


def _checked(source: sources.Source, r: FetchResult) -> FetchResult:
    """Mark a 200 whose body is not this source's answer (``{"error": …}``, a page of HTML)
    as failed, before it is logged. An upstream that answers so is failing for now, not for
    good: a later run of the date asks the call again."""
    if r.status == 200 and r.error is None:
        r.error = shape_error(source, r)
        r.transient = r.error is not None
    return r


def _data(doc: Any) -> Any:  # noqa: ANN401
    return doc.get("data") if isinstance(doc, dict) else doc


async def _single(
    client: ApiClient, landing: _Landing, source: sources.Source, path: str
) -> tuple[bool, Any]:
    """One single-request source: (ok, its data), from the earlier fetch when it landed."""
    row = landing.settled(source.name, "all")
    if row is not None and row_state(row) == OK:
        landing.reuse(row)
        return True, _data(landing.body(row))
    r = await client.get(source.name, "all", path, source.params)
    await landing.land(_checked(source, r))
    return r.ok, _data(r.json()) if r.ok else r


def _not_asked(client: ApiClient, source: str, key: str, why: Exception) -> FetchResult:
    """A call that is logged but never made (an id no URL can carry): failed for good."""
    now = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
    request = f"/api/v1/models/{key}/endpoints"
    return FetchResult(
        source, key, client.base_url + request, request, None, None, None, 0, 0.0, str(why), now
    )


def _write(snap: RawSnapshot, group: str, landing: _Landing, report: FetchReport) -> None:
    """The log, then the manifest (complete or partial): last, after every body."""
    landing.flush()
    snap.write_log(group, landing.rows)
    snap.write_manifest(group, report.summary())


def _prior(snap: RawSnapshot, group: str, resume: bool, report: FetchReport) -> list[dict]:
    rows = snap.group_rows(group) if resume else []
    report.resumed = bool(rows)
    snap.start_fetch(group, sources.GROUPS[group], resume_rows=rows or None)
    return rows


async def fetch_v1(
    client: ApiClient,
    snap: RawSnapshot,
    log: Log,
    *,
    min_coverage: float = 0.95,
    resume: bool = False,
) -> FetchReport:
    """Models list, providers list, then one endpoints call per model id (variant included)."""
    report = FetchReport()
    landing = _Landing(snap, report, log, _prior(snap, "v1", resume, report))
    try:
        ok, models = await _single(client, landing, sources.V1_MODELS, sources.V1_MODELS.paths[0])
        if not ok:
            if models.status is None:  # no answer at all: the network, not the API
                raise FetchError(
                    f"cannot reach {models.url.split('/api/')[0]} ({models.error}); is the "
                    "network up and the base URL right?"
                )
            raise FetchError(f"v1_models: GET {models.url} failed: {models.error}")
        ids = sorted(
            {m["id"] for m in models if isinstance(m, dict) and isinstance(m.get("id"), str)}
        )
        log(f"v1_models: {len(ids)} models")
        if len(ids) < len(models):
            report.notes.append(
                f"v1_models: {len(models) - len(ids)} records without a string id or repeating "
                "one; one endpoints call per distinct id"
            )
        calls = []
        for mid in ids:
            if "/" not in mid:
                continue
            try:
                calls.append((mid, sources.endpoints_path(mid), {}))
            except UnaddressableId as exc:
                if landing.settled(sources.V1_ENDPOINTS.name, mid) is None:
                    await landing.land(_not_asked(client, sources.V1_ENDPOINTS.name, mid, exc))
        (providers_ok, providers), outcomes = await asyncio.gather(
            _single(client, landing, sources.V1_PROVIDERS, sources.V1_PROVIDERS.paths[0]),
            _fan_out(client, landing, sources.V1_ENDPOINTS.name, calls),
        )
        if not providers_ok:
            report.missing.append(f"v1_providers ({providers.error})")
        failed = [o for o in outcomes if o.state != OK]
        if outcomes and len(failed) / len(outcomes) > 1 - min_coverage:
            worst = "; ".join(f"{o.key} ({o.error})" for o in failed[:5])
            raise FetchError(
                f"v1_endpoints: {len(failed)} of {len(outcomes)} calls failed, more than "
                f"{(1 - min_coverage):.0%} allowed; first: {worst}"
            )
    finally:
        _write(snap, "v1", landing, report)
    return report


async def _first_answering(
    client: ApiClient, landing: _Landing, source: sources.Source
) -> tuple[int, list[dict[str, Any]]] | None:
    """Try the known paths of a moving frontend source, newest first: (the index of the path
    that answered, its data), or None."""
    return await _answering(client, landing, source)


async def _answering(
    client: ApiClient, landing: _Landing, source: sources.Source
) -> tuple[int, list[dict[str, Any]]] | None:
    row = landing.settled(source.name, "all")
    if row is not None and row_state(row) == OK:
        landing.reuse(row)
        path = row["request"].partition("?")[0]
        landing.report.answered_paths[source.name] = path
        return source.paths.index(path) if path in source.paths else 0, _data(landing.body(row))
    unreachable = None
    for i, path in enumerate(source.paths):
        r = await client.get(source.name, "all", path, source.params)
        await landing.land(_checked(source, r))
        if r.ok:
            landing.report.answered_paths[source.name] = path
            return i, _data(r.json())
        if r.status == 200:
            landing.report.missing.append(f"{source.name}: {r.request} answered {r.error}")
        if r.status is None:  # no answer: the network, not a moved path
            unreachable = r.error
            break
    if unreachable is not None:
        landing.report.missing.append(f"{source.name} (host unreachable: {unreachable})")
    else:
        landing.report.missing.append(f"{source.name} (no known path answered)")
    return None


def _catalog_pairs(catalog: list[Any]) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """(every (permaslug, variant) of the catalog, those with an endpoint)."""
    every: set[tuple[str, str]] = set()
    served: set[tuple[str, str]] = set()
    for row in catalog:
        if not isinstance(row, dict):
            continue
        endpoint = row["endpoint"] if isinstance(row.get("endpoint"), dict) else {}
        variant = row.get("variant") or endpoint.get("variant") or "standard"
        permaslug = row.get("permaslug") or row.get("slug")
        if isinstance(permaslug, str):
            every.add((permaslug, str(variant)))
            if row.get("endpoint"):
                served.add((permaslug, str(variant)))
    return every, served


def busiest_endpoints(request_counts: dict[str, int], n: int) -> list[str]:
    """The ``n`` endpoint UUIDs with the most requests (ties by UUID, so runs agree)."""
    ranked = sorted(request_counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [uuid for uuid, count in ranked[:n] if count > 0]


async def fetch_frontend(
    client: ApiClient,
    snap: RawSnapshot,
    log: Log,
    *,
    resume: bool = False,
    skip: frozenset[str] = frozenset(),
    hourly_endpoints: int = 50,
) -> FetchReport:
    """Catalog and all-providers; rankings; then per (permaslug, variant) with an endpoint
    stats/endpoint, effective-pricing and model-activity; uptime per permaslug and hourly for
    the busiest endpoints, and top apps, unless ``skip`` names them (not due: see
    pipeline/fetch/cadence.py). Never fatal.

    A catalog row without an endpoint has no stats and no apps (the API answers 404 or
    nothing): it is not asked, nor for usage and prices paid unless the month's rankings show
    traffic (a model whose endpoints went away keeps its recent usage).
    """
    report = FetchReport()
    landing = _Landing(snap, report, log, _prior(snap, "frontend", resume, report))
    try:
        _, found = await asyncio.gather(
            _first_answering(client, landing, sources.FRONTEND_ALL_PROVIDERS),
            _first_answering(client, landing, sources.FRONTEND_CATALOG),
        )
        if found is None:
            log("frontend: catalog unavailable; the per-model calls are skipped")
            return report
        generation, catalog = found
        every, served = _catalog_pairs(catalog)
        for name in sorted(skip):
            report.notes.append(f"{name}: not due today (cadence), not asked")

        def path_of(src: sources.Source) -> str | None:
            """The source's path of the catalog's generation; None when it had none."""
            if generation >= len(src.paths):
                return None
            return src.paths[generation]

        def per_pair(src: sources.Source, pairs: set[tuple[str, str]], **kw: Any) -> Any:  # noqa: ANN401
            path = path_of(src)
            if path is None or src.name in skip:
                return asyncio.sleep(0, result=[])
            # the busiest first (by the month's tokens, when known): they answer if anyone
            # does, so the probe that finds a source absent cannot be fooled by quiet rows
            calls = [
                (sources.stats_key(p, v), path, {**src.params, "permaslug": p, "variant": v})
                for p, v in sorted(pairs, key=lambda pv: (-tokens.get(pv, 0), pv))
            ]
            return _fan_out(client, landing, src.name, calls, probe=True, **kw)

        # rankings first: the month's list says which endpoint-less rows still had traffic
        month: set[tuple[str, str]] | None = None
        tokens: dict[tuple[str, str], float] = {}  # the month's tokens per (permaslug, variant)

        def ranked(key: str, data: Any) -> None:  # noqa: ANN401
            nonlocal month
            if key == "month" and isinstance(data, list):
                month = {
                    (r["model_permaslug"], r.get("variant") or "standard")
                    for r in data
                    if isinstance(r, dict) and isinstance(r.get("model_permaslug"), str)
                }
                for r in data:
                    if isinstance(r, dict) and isinstance(r.get("model_permaslug"), str):
                        n = (r.get("total_prompt_tokens") or 0) + (
                            r.get("total_completion_tokens") or 0
                        )
                        pair = (r["model_permaslug"], r.get("variant") or "standard")
                        tokens[pair] = tokens.get(pair, 0) + n

        rankings = sources.FRONTEND_RANKINGS
        rank_path = path_of(rankings)
        rank_task = asyncio.ensure_future(
            _fan_out(
                client,
                landing,
                rankings.name,
                [(v, rank_path, {"view": v}) for v in frontend_rankings.VIEWS],
                ok_statuses=NO_DATA_404,
                inspect=ranked,
            )
            if rank_path is not None
            else asyncio.sleep(0, result=[])
        )

        async def traffic() -> None:
            """Usage and prices paid: rows with an endpoint, and rows whose endpoints went
            away but which the month's rankings show with traffic (over the 20 recorded
            days, no answer with data fell outside this set)."""
            await rank_task
            if month is None:
                log("model-activity, effective-pricing: no month rankings; every row asked")
            wanted = every if month is None else served | (month & every)
            await asyncio.gather(
                per_pair(sources.FRONTEND_MODEL_ACTIVITY, wanted),
                per_pair(sources.FRONTEND_EFFECTIVE_PRICING, wanted),
            )

        hourly_src = sources.FRONTEND_UPTIME_HOURLY
        counts: dict[str, int] = {}

        def requests_of(key: str, data: Any) -> None:  # noqa: ANN401
            for e in data if isinstance(data, list) else []:
                stats = e.get("stats") if isinstance(e, dict) else None
                n = stats.get("request_count") if isinstance(stats, dict) else None
                if isinstance(e.get("id"), str) and isinstance(n, int):
                    counts[e["id"]] = max(counts.get(e["id"], 0), n)

        want_hourly = hourly_src.name not in skip and hourly_endpoints > 0
        stats_task = asyncio.ensure_future(
            per_pair(
                sources.FRONTEND_STATS_ENDPOINT,
                served,
                ok_statuses=NO_DATA_404,  # 404 = no endpoints for this variant
                inspect=requests_of if want_hourly else None,
            )
        )

        async def hourly() -> None:
            outcomes = await stats_task
            path = path_of(hourly_src)
            if not want_hourly or path is None:
                return
            if any(o.state == TRANSIENT for o in outcomes):
                # the busiest endpoints are chosen from every stats answer: with some still
                # missing the choice could differ from a whole fetch's, so it waits for the
                # resume that completes them (the group is partial already)
                log(f"{hourly_src.name}: deferred until stats/endpoint is complete")
                return
            uuids = busiest_endpoints(counts, hourly_endpoints)
            calls = [(u, path, {"id": u}) for u in uuids]
            await _fan_out(
                client, landing, hourly_src.name, calls, ok_statuses=NO_DATA_404, probe=True
            )

        async def top_apps() -> None:
            await rank_task  # the busiest first: most models have no apps (a 404)
            await per_pair(sources.FRONTEND_TOP_APPS, served, ok_statuses=NO_DATA_404)

        recent = sources.FRONTEND_UPTIME_RECENT
        recent_path = path_of(recent)
        recent_calls = [(p, recent_path, {"permaslug": p}) for p in sorted({p for p, _ in served})]
        await asyncio.gather(
            stats_task,
            rank_task,
            traffic(),
            hourly(),
            top_apps(),
            _fan_out(client, landing, recent.name, recent_calls, probe=True)
            if recent_path is not None and recent.name not in skip
            else asyncio.sleep(0),
        )
    finally:
        _write(snap, "frontend", landing, report)
    return report
