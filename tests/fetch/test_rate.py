"""The adaptive request rate (pipeline.fetch.rate) against a token-bucket server, on the virtual
clock of tests/fetch/rate_simulation.py: it finds a limit it was not told, close to the ideal time,
with few 429s; it leaves an unlimited server alone; random 429s do not starve a run."""

from __future__ import annotations

import math

import pytest

from pipeline.fetch.rate import AdaptiveRate
from tests.fetch.rate_simulation import BATCHES, simulate


@pytest.mark.parametrize("latency", [0.002, 0.05])
@pytest.mark.parametrize("limit", [20, 60])
def test_a_limit_nobody_announced_is_found_and_kept(limit, latency):
    """The acceptance of issue #15, with the default settings: complete, within 1.15 × the
    ideal time, 429s at most 5 % of the requests."""
    out = simulate(limit=limit, latency=latency)
    ideal = out.requests / limit
    assert out.failed == 0
    assert out.wall <= 1.15 * ideal, (out.wall, ideal)
    assert out.refused_share <= 0.05, out
    assert 0.9 * limit <= out.rate <= 1.15 * limit, out


@pytest.mark.parametrize("latency", [0.002, 0.05])
def test_an_unlimited_server_is_never_paced(latency):
    free = simulate(latency=latency)
    assert free.rate is None and free.refused == 0 and free.cuts == 0
    # the client's own bound: concurrency 8, one round trip per request, batch after batch
    bound = sum(math.ceil(n / 8) for n in BATCHES) * latency
    assert free.wall == pytest.approx(bound)


@pytest.mark.parametrize("seed", range(1, 21))
def test_random_429s_do_not_starve_the_run(seed):
    """30 % of the URLs fail their first tries (a sixth with 429 + Retry-After: 1): the run
    takes the retries' waits, no more; the client stays unpaced."""
    out = simulate(fault=0.3, seed=seed)
    assert out.failed == 0 and out.refused > 50
    assert out.rate is None and out.cuts == 0, out
    assert out.wall < 10, out  # backoffs and Retry-After of a few rounds of retries


@pytest.mark.parametrize("seed", range(1, 11))
def test_a_limit_with_random_faults_on_top_degrades_gently(seed):
    """A fifth of the URLs failing at random on top of a limit: 500s count as let through,
    and 429s far from the limit do not lower it."""
    out = simulate(limit=60, fault=0.2, seed=seed)
    assert out.failed == 0
    assert out.wall <= 1.75 * out.requests / 60, out


def test_a_crowded_start_waits_out_the_retry_after_and_paces_everyone():
    t = [0.0]
    rate = AdaptiveRate(clock=lambda: t[0])
    for _ in range(60):  # a full bucket's burst gets through
        rate.admitted(0.0)
    t[0] = 0.05
    for i in range(4):  # then 429s: not yet crowded enough to say
        rate.limited(0.04, retry_after=1.0)
        assert rate.rate is None, i
    rate.limited(0.045, retry_after=1.0)  # the fifth: crowded
    assert rate.rate == pytest.approx(0.95 * 60) and rate.trusted
    # every request, not only the retried one, waits out the Retry-After, then is spaced
    starts = [rate.reserve(0.06) for _ in range(3)]
    assert starts[0] == pytest.approx(1.05)
    assert starts[1] - starts[0] == pytest.approx(1 / 57)
    rate.limited(0.04)  # sent before the cut: says nothing about the new pace
    assert rate.cuts == 1


def test_a_sporadic_429_while_unpaced_changes_nothing_but_its_retry():
    t = [0.0]
    rate = AdaptiveRate(clock=lambda: t[0])
    for i in range(100):
        t[0] = i / 100
        rate.admitted(t[0])
        if i % 25 == 0:
            rate.limited(t[0], retry_after=1.0)
    assert rate.rate is None and rate.cuts == 0
    assert rate.reserve(t[0]) == t[0]


def test_quiet_seconds_raise_the_pace_and_probes_past_the_limit_lower_it():
    t = [0.0]
    rate = AdaptiveRate(clock=lambda: t[0])
    for _ in range(20):
        rate.admitted(0.0)
    for i in range(5):
        rate.limited(0.01 * (i + 1), retry_after=1.0)
    assert rate.limit == 20 and rate.rate == pytest.approx(19) and rate.trusted
    # the pause ends at 1.05; three quiet seconds later: 19 is 0.95 × the limit, so +1 % each
    t[0] = 4.06
    rate.reserve(t[0])
    assert rate.rate == pytest.approx(19 * 1.01**3)
    for _ in range(18):  # a probe past the limit: 18 got through in the last second
        rate.admitted(t[0])
    rate.limited(t[0], retry_after=1.0)
    assert rate.limit == pytest.approx(20 * 0.99)  # lowered by at most 1 %
    assert rate.rate == pytest.approx(0.97 * min(19 * 1.01**3, 20 * 0.99))
    t[0] = 4.5
    rate.limited(4.4, retry_after=1.0)  # within the second: no second cut
    assert rate.cuts == 2
    # a 429 far below a trusted limit is left to the request's own retry
    rate.rate = 10.0
    t[0] = 6.0
    rate.limited(5.9, retry_after=1.0)
    assert rate.rate == 10.0 and rate.cuts == 2
