"""Fetch the Data API's datasets (key-gated, on a daily quota) and the zero-data-retention
endpoints into the raw landing, as their own groups.

The datasets group asks few calls: the official daily rankings for the days not stored yet
(a first run backfills from 2025-01-01 in windows of at most 366 days; later runs from three
days before the last stored day, since late days settle), then one call each for the task
classifications, the app rankings and the benchmarks, and the session costs' pages. Calls
go one at a time, within the API's 30 a minute per key, and each is counted in the storage
root's ledger (``pipeline/fetch/quota.py``) before it is sent, so the runs of a day stay
within the daily budget together. A 429 that says the quota is spent ends the group for the
day: the rest is not asked, and the next day asks it again.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from pipeline import sources
from pipeline.fetch.client import ApiClient, error_message
from pipeline.fetch.outcomes import FetchReport, Log
from pipeline.fetch.quota import QuotaLedger
from pipeline.fetch.snapshot import _checked, _Landing, _prior, _write
from pipeline.raw.store import RawSnapshot
from pipeline.sources import (
    datasets_app_rankings,
    datasets_benchmarks,
    datasets_rankings_daily,
    datasets_session_cost,
    datasets_task_classifications,
)

RANKINGS = datasets_rankings_daily
FLOOR = dt.date.fromisoformat(RANKINGS.FLOOR)
# late days settle: each run asks again this many days before the last one stored
SETTLE_DAYS = 3
# slices of the rankings read from a sampled dataset, weekly by nature: asked on this weekday
# (Monday) with period=week; the exact slices follow the daily series
SAMPLED_SLICES = ("category", "language_type")
SLICE_KINDS = RANKINGS.SLICE_KINDS
WEEKLY_ON = 0
QUOTA_KEY = "(quota)"


@dataclass(frozen=True)
class Call:
    source: str
    key: str
    path: str
    params: dict[str, str]


def windows(start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date]]:
    """``start``..``end`` (inclusive) cut into windows of at most 366 days, counted from
    ``start``: the same dates always give the same windows."""
    out = []
    while start <= end:
        stop = min(end, start + dt.timedelta(days=RANKINGS.MAX_WINDOW_DAYS - 1))
        out.append((start, stop))
        start = stop + dt.timedelta(days=1)
    return out


def rankings_span(snapshot: dt.date, last_stored: dt.date | None) -> tuple[dt.date, dt.date]:
    """The days a run of ``snapshot`` asks: up to the day before it, from 2025-01-01 on a
    first run, else from three days before the last stored day."""
    end = snapshot - dt.timedelta(days=1)
    start = FLOOR if last_stored is None else max(FLOOR, last_stored - dt.timedelta(SETTLE_DAYS))
    return min(start, end), end


def parse_slice(text: str) -> dict[str, str]:
    """``modality=text`` or ``category=programming`` (several joined by ``&``) → params."""
    return RANKINGS.parse_slice(text)


def _slice_key(params: dict[str, str]) -> str:
    return "&".join(f"{k}={params[k]}" for k in sorted(params))


def rankings_calls(
    snapshot: dt.date, last_stored: dt.date | None, slices: Sequence[str] = ()
) -> list[Call]:
    """The rankings calls of a run: the unsliced daily series, then each slice due."""
    start, end = rankings_span(snapshot, last_stored)
    path = RANKINGS.SOURCE.paths[0]
    out = [
        Call(RANKINGS.SOURCE.name, f"{a}..{b}", path, {"start_date": str(a), "end_date": str(b)})
        for a, b in windows(start, end)
    ]
    for text in slices:
        params = parse_slice(text)
        sampled = any(k in params for k in SAMPLED_SLICES)
        if sampled:
            if snapshot.weekday() != WEEKLY_ON and last_stored is not None:
                continue  # weekly by nature: asked on Mondays (and on a first run)
            params.setdefault("period", "week")
        for a, b in windows(start, end):
            out.append(
                Call(
                    RANKINGS.SOURCE.name,
                    f"{_slice_key(params)}:{a}..{b}",
                    path,
                    {**params, "start_date": str(a), "end_date": str(b)},
                )
            )
    return out


def other_calls() -> list[Call]:
    """One call each for the other datasets (the session costs' first page)."""
    out = []
    for module in (datasets_task_classifications, datasets_app_rankings, datasets_benchmarks):
        src = module.SOURCE
        out.append(Call(src.name, "all", src.paths[0], dict(src.params)))
    cost = datasets_session_cost.SOURCE
    out.append(Call(cost.name, "offset=0", cost.paths[0], {**cost.params, "offset": "0"}))
    return out


def _reused_rankings(prior: list[dict]) -> list[Call] | None:
    """The rankings calls an earlier fetch of this date planned, so that re-running a date
    asks the same windows whatever was stored since."""
    name = RANKINGS.SOURCE.name
    seen: dict[str, Call] = {}
    for row in prior:
        if row.get("source") != name or row.get("key") == QUOTA_KEY:
            continue
        path, _, query = str(row.get("request", "")).partition("?")
        params = dict(p.partition("=")[::2] for p in query.split("&") if p)
        seen.setdefault(row["key"], Call(name, row["key"], path, params))
    return list(seen.values()) or None


async def fetch_datasets(
    client: ApiClient,
    snap: RawSnapshot,
    log: Log,
    *,
    date: dt.date,
    ledger: QuotaLedger,
    last_stored: dt.date | None,
    slices: Sequence[str] = (),
    resume: bool = False,
) -> FetchReport:
    """The datasets group of ``date``: one call at a time, each counted before it is sent."""
    report = FetchReport()
    prior = _prior(snap, "datasets", resume, report)
    landing = _Landing(snap, report, log, prior)
    try:
        planned = _reused_rankings(prior) or rankings_calls(date, last_stored, slices)
        calls = planned + other_calls()
        first = planned[0].params if planned else {}
        log(
            f"datasets: {len(calls)} calls planned (rankings {first.get('start_date')} → "
            f"{planned[-1].params.get('end_date') if planned else '-'} in {len(planned)} "
            f"windows); {ledger.left()} of {ledger.budget} left of today's budget"
        )
        pending = list(calls)
        failures: list[tuple[str, str]] = []  # (source and key, what failed) of each call
        answered = 0
        while pending:
            call = pending.pop(0)
            row = landing.settled(call.source, call.key)
            if row is not None:
                landing.reuse(row)
                answered += 1
                continue
            if client.quota_spent is not None or not ledger.take():
                why = client.quota_spent or f"today's budget of {ledger.budget} calls is spent"
                left = 1 + len(pending)
                report.missing.append(f"datasets: {left} calls not asked ({why})")
                log(f"datasets: {left} calls not asked today ({why}); asked again tomorrow")
                break
            r = await client.get(call.source, call.key, call.path, call.params)
            ledger.add(r.attempts - 1)
            if client.quota_spent is not None:
                ledger.exhaust(client.quota_spent)
            if r.status == 200 and r.error is None:
                r = _checked(sources.SOURCES_BY_NAME[call.source], r)
            await landing.land(r)
            if r.error:
                said = error_message(r.body)
                why = r.error + (f" {said}" if said else "")
                failures.append((f"{call.source} {call.key}", why))
                continue
            answered += 1
            if call.source == datasets_session_cost.SOURCE.name:
                pending[:0] = _next_page(call, r.json())
        _say_failures(failures, answered, report, log)
    finally:
        _write(snap, "datasets", landing, report)
    return report


def _say_failures(
    failures: list[tuple[str, str]], answered: int, report: FetchReport, log: Log
) -> None:
    """Calls that failed beside calls that answered: a line each. Every asked call failed
    (a key without credits, a revoked key): the group is absent today, counted as missing
    with the API's own message."""
    if failures and not answered:
        reasons = Counter(why for _, why in failures)
        why, _ = reasons.most_common(1)[0]
        others = f"; {len(reasons) - 1} other reasons" if len(reasons) > 1 else ""
        line = f"datasets: absent today: {why} ({len(failures)} calls{others})"
        report.missing.append(line)  # said by the group's publish, once, with its record
        return
    for what, why in failures:
        log(f"{what}: {why}")


def _next_page(call: Call, doc: object) -> list[Call]:
    """The session costs' next page, when this one was full."""
    data = doc.get("data") if isinstance(doc, dict) else None
    offset = int(call.params.get("offset", "0"))
    page = datasets_session_cost.PAGE
    if not isinstance(data, list) or len(data) < page:
        return []
    if offset // page + 1 >= datasets_session_cost.MAX_PAGES:
        return []
    nxt = offset + page
    return [Call(call.source, f"offset={nxt}", call.path, {**call.params, "offset": str(nxt)})]


async def fetch_zdr(
    client: ApiClient, snap: RawSnapshot, log: Log, *, resume: bool = False
) -> FetchReport:
    """The endpoints with zero data retention: one call, never fatal. A 401 or 403 (a key
    that may not ask it) is an answer: the column is null for the day."""
    report = FetchReport()
    landing = _Landing(snap, report, log, _prior(snap, "zdr", resume, report))
    src = sources.V1_ENDPOINTS_ZDR
    try:
        row = landing.settled(src.name, "all")
        if row is not None:
            landing.reuse(row)
            return report
        r = await client.get(src.name, "all", src.paths[0], dict(src.params))
        if r.status in (401, 403):
            r.transient = False
        await landing.land(_checked(src, r))
        if r.error:
            report.missing.append(f"{src.name} ({r.error}): is_zero_data_retention is null today")
    finally:
        _write(snap, "zdr", landing, report)
    return report
