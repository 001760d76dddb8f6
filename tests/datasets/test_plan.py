"""What a run of the datasets group asks, and how it keeps within the limits: the windows, the
slices and their cadence, the ledger shared by the runs of a day, and the client that stops at
the quota's 429 (unit tests: no Dagster)."""

from __future__ import annotations

import asyncio
import datetime as dt
import time

import pytest
from aiohttp import web

from pipeline.fetch.client import ApiClient
from pipeline.fetch.datasets import rankings_calls, rankings_span, windows
from pipeline.fetch.quota import QuotaLedger
from pipeline.settings import Settings
from pipeline.storage.layout import Layout
from tests.fetch.test_client import serve

D = dt.date


def test_windows_are_fixed_from_their_start_and_at_most_366_days():
    got = windows(D(2025, 1, 1), D(2027, 3, 1))
    assert got == [
        (D(2025, 1, 1), D(2026, 1, 1)),
        (D(2026, 1, 2), D(2027, 1, 2)),
        (D(2027, 1, 3), D(2027, 3, 1)),
    ]
    assert all((b - a).days + 1 <= 366 for a, b in got)
    # re-running a date asks the same windows; a later date only extends the last
    assert windows(D(2025, 1, 1), D(2026, 8, 21))[0] == got[0]


def test_a_run_asks_from_three_days_before_the_last_stored_day():
    assert rankings_span(D(2026, 8, 22), None) == (D(2025, 1, 1), D(2026, 8, 21))
    assert rankings_span(D(2026, 8, 23), D(2026, 8, 21)) == (D(2026, 8, 18), D(2026, 8, 22))
    # a long gap is asked in windows too
    calls = rankings_calls(D(2027, 12, 1), D(2025, 6, 1))
    assert [c.key for c in calls][:1] == ["2025-05-29..2026-05-29"] and len(calls) == 3


def test_slices_each_on_their_cadence():
    monday, tuesday = D(2026, 8, 24), D(2026, 8, 25)
    slices = ["modality=text", "category=programming"]
    tue = rankings_calls(tuesday, D(2026, 8, 23), slices)
    assert [c.key for c in tue] == [
        "2026-08-20..2026-08-24",
        "modality=text:2026-08-20..2026-08-24",
    ]
    mon = rankings_calls(monday, D(2026, 8, 22), slices)
    sampled = [c for c in mon if "category" in c.params]
    assert len(sampled) == 1 and sampled[0].params["period"] == "week"
    assert "period" not in mon[1].params  # an exact slice is daily, as the unsliced series
    with pytest.raises(ValueError, match="kind one of"):
        rankings_calls(monday, None, ["colour=blue"])
    with pytest.raises(ValueError, match="datasets slice 'nope'"):
        Settings(datasets_slices=["nope"])


def test_the_ledger_is_shared_by_the_runs_of_a_day_and_resets_the_next(tmp_path):
    today = [D(2026, 8, 22)]
    one = QuotaLedger(Layout(str(tmp_path)), 3, "openrouter.ai", lambda: today[0])
    two = QuotaLedger(Layout(str(tmp_path)), 3, "openrouter.ai", lambda: today[0])
    replay = QuotaLedger(Layout(str(tmp_path)), 3, "127.0.0.1", lambda: today[0])
    assert one.take() and two.take()
    one.add(1)  # a retry spends a call too
    assert one.spent() == two.spent() == 3 and not two.take()
    assert replay.take()  # a replay's calls count apart
    today[0] = D(2026, 8, 23)
    assert one.left() == 3 and one.take()
    two.exhaust("Rate limit exceeded: datasets-per-account-rpd-v1.")
    assert one.left() == 0 and not one.take()


def test_the_quotas_429_is_not_retried_and_stops_the_clients_calls():
    calls: list[str] = []

    async def handler(request):
        calls.append(request.path)
        if request.path == "/quota":
            body = {
                "error": {
                    "code": 429,
                    "message": "Rate limit exceeded: datasets-per-account-rpd-v1.",
                }
            }
            return web.json_response(body, status=429)
        return web.json_response({"data": []})

    async def check(base: str) -> object:
        async with ApiClient(
            base, "k", wait_initial_s=0.01, quota_marker="datasets-per-account-rpd", per_minute=30
        ) as c:
            first = await c.get("s", "a", "/quota")
            after = await c.get("s", "b", "/fine")
            return first, after, c.quota_spent

    first, after, spent = serve(handler, check)
    assert calls == ["/quota"]  # one attempt, and nothing sent after it
    assert first.status == 429 and first.attempts == 1 and first.transient
    assert "quota spent" in first.error and spent.startswith("Rate limit exceeded")
    assert after.status is None and after.error.startswith("HTTP 429 (quota spent")


def test_the_clients_limit_per_minute_spaces_a_burst_past_it():
    async def handler(request):
        return web.json_response({"data": []})

    async def check(base: str) -> float:
        async with ApiClient(base, "k", per_minute=120) as c:  # 2 a second
            await asyncio.gather(*(c.get("s", str(i), "/x") for i in range(120)))
            t0 = time.perf_counter()
            await asyncio.gather(*(c.get("s", str(i), "/x") for i in range(2)))
            return time.perf_counter() - t0

    # the first 120 are the minute's burst; the next ones wait for it to drain
    assert serve(handler, check) >= 0.4
