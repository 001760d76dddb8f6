"""The request rate the server allows, found while the run goes, shared by every request.

Nobody knows the limits of OpenRouter's undocumented API, so the client starts unpaced and
learns from the answers; a 429 (or any answer carrying ``Retry-After``) can change the pace
of every request of the run, not only the one retried. Only answers to first attempts say
whether the server is full: retries are the URLs that failed before, which a flaky server
fails again more often, and at the end of a batch they may be all that is sent.
- **Unpaced**, a 429 changes nothing but its own retry until the answers since the first one
  are crowded: at least 5 429s, over 30 % of the answers (a server whose burst is spent
  refuses most; random 429s can make 10 % of a short stretch, not 30 %). Then every request
  waits out the server's ``Retry-After``, as asked, and the pace becomes 0.95 × what got
  through in the last second: a server allowing R a second lets about R through, plus the
  burst a full bucket allowed at the start, which the next crowded second corrects. That
  figure is the limit, trusted.
- **Paced**, a *crowded* second (at least 5 429s, over 10 % of the answers) drops the pace
  to 0.95 × what got through per second (a 500 got through the limiter too), by at most 3/4
  per round trip: a 429 for a request sent before the last cut says nothing about the new
  pace. What got through becomes the limit, trusted after a second at the new pace without
  a cut, and only if the pace was holding requests back when it was measured (otherwise the
  client was sending little, and what got through says nothing of the server).
  A *sporadic* 429 near a trusted limit (the pace at 0.9 × it or more) is a probe that found
  it: the limit drops to what got through in the last second, by at most 1 % a time (a 429
  unrelated to the rate must not drag it down), and the pace to 0.97 × the limit, at most
  once a second. Far from a trusted limit, or without one, a sporadic 429 is left to the
  request's own retry.
- **Seconds without a cut** raise the pace: doubling while no limit is trusted; with one,
  by 5 % up to 0.95 × the limit, then by 1 % past it (each probe that finds the limit costs
  a 429); 10 % past it without a 429, the limit was too low, and doubling resumes.
The pacing itself is exact spacing: request n may start at ``start(n - 1) + 1 / pace``.

Libraries were looked at: aiolimiter (kept for the fixed cap) has no adjustable rate; the
AIMD ones on PyPI (aimd-limiter 0.1.0, aioadaptive) are single early releases, and
aioadaptive limits concurrency, not rate. ``tests/fetch/rate_simulation.py`` drives this class
against a token-bucket server on a virtual clock.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Callable

CROWDED_SHARE = 0.1  # share of 429s among a second's answers above which the server is full
CROWDED_COUNT = 5  # ... given at least this many 429s (two of three means nothing)
FIRST_CROWDED_SHARE = 0.3  # the same before any pacing: a drained burst refuses most
GOT_THROUGH = 0.95  # the pace after a crowded second, as a share of what got through
DEEPEST_CUT = 0.25  # a cut keeps at least this share of the pace, per round trip
SPORADIC_CUT = 0.97  # the pace after a probe found the limit, as a share of it
BUSY = 0.5  # this share of the last second's requests waited for the pace: it held them
NEAR = 0.9  # a pace at least this share of the limit is near it
LIMIT_STEP = 0.99  # the most one sporadic 429 lowers a trusted limit by
SPAN_FLOOR = 0.05  # seconds: the shortest span a per-second figure is taken over
RAISE_NEAR = 0.05  # per quiet second, below 0.95 × a trusted limit
RAISE_PAST = 0.01  # per quiet second, from there to 1.1 × the limit
RAISE_FLOOR = 0.1  # requests/s, per quiet second
MIN_RATE = 0.2  # requests/s: never stop altogether
DEFAULT_RETRY_AFTER = 1.0  # seconds, for a crowded first limit that does not say


class _Window:
    """Event times of the last second."""

    def __init__(self) -> None:
        self._times: deque[float] = deque()

    def add(self, now: float) -> None:
        self._times.append(now)

    def count(self, now: float) -> int:
        while self._times and self._times[0] < now - 1.0:
            self._times.popleft()
        return len(self._times)


class AdaptiveRate:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.rate: float | None = None  # requests per second; None = no limit seen yet
        self.limit: float | None = None  # what the server let through when it was full
        self.trusted = False
        self.cuts = 0
        self._cut_busy = False
        self._next_start = 0.0
        self._last_cut = -math.inf
        self._last_change = clock()
        self._paced_since: float | None = None
        self._starts, self._let_through, self._refusals = _Window(), _Window(), _Window()
        self._waited = _Window()  # starts the pace held back
        self._fresh_answers = _Window()  # answers to first attempts, 429s included
        self._first_refusal: float | None = None  # unpaced: the first 429, and since then
        self._since_ok = self._since_refused = 0

    async def wait(self) -> float:
        """Wait for this request's turn; returns the time it starts (pass it back below)."""
        now = self._clock()
        start = self.reserve(now)
        if start > now:
            await asyncio.sleep(start - now)
        return start

    def reserve(self, now: float) -> float:
        """The time the next request may start (the pacing, without the waiting)."""
        if self.rate is None:
            self._starts.add(now)
            return now
        self._raise(now)
        start = max(now, self._next_start)
        self._next_start = start + 1.0 / self.rate
        self._starts.add(start)
        if start > now:
            self._waited.add(start)
        return start

    def admitted(self, started: float, fresh: bool = True) -> None:
        """An answer other than a 429: the server's limiter let the request through (a 500
        was let through too: what failed was behind the limiter). ``fresh``: the request's
        first attempt (see ``limited``)."""
        now = self._clock()
        self._let_through.add(now)
        if fresh:
            self._fresh_answers.add(now)
            self._since_ok += 1

    def limited(self, started: float, retry_after: float | None = None, fresh: bool = True) -> None:
        """A 429 (or Retry-After) for a request that started at ``started``. ``fresh``: the
        request's first attempt. Only first attempts count towards a crowded second: retries
        are the URLs that failed before, which a flaky server fails again more often than
        others, and at the end of a batch they may be all that is sent."""
        now = self._clock()
        if fresh:
            self._refusals.add(now)
            self._fresh_answers.add(now)
        if started <= self._last_cut:
            return  # sent at a pace already given up
        if self.rate is None:
            if fresh:
                self._unpaced_limited(now, retry_after)
            return
        got = self._let_through.count(now)
        refused, answers = self._refusals.count(now), self._fresh_answers.count(now)
        crowded = refused >= CROWDED_COUNT and refused > CROWDED_SHARE * answers
        if crowded:
            admitted = self._admitted(now)
            new = max(GOT_THROUGH * admitted, DEEPEST_CUT * self.rate)
            self.limit, self.trusted = admitted, False
            # what got through is the server's limit only if the pace held requests back
            self._cut_busy = self._waited.count(now) >= BUSY * self._starts.count(now)
        elif now - self._last_cut < 1.0:
            return
        elif self.trusted and self.limit is not None and self.rate >= NEAR * self.limit:
            # a probe near or past the limit: what got through in the last second lowers it,
            # by at most 1 % a time (a 429 unrelated to the rate must not drag it down)
            self.limit = min(self.limit, max(got, LIMIT_STEP * self.limit))
            new = SPORADIC_CUT * min(self.rate, self.limit)
        else:
            return  # far from any known limit: the request's own retry is enough
        self.rate = max(MIN_RATE, min(self.rate, new))
        self._cut(now)
        self._next_start = max(self._next_start, now + 1.0 / self.rate)

    def _unpaced_limited(self, now: float, retry_after: float | None) -> None:
        """A 429 to a first attempt while unpaced: crowded since the first one?"""
        if self._first_refusal is None:
            self._first_refusal, self._since_ok, self._since_refused = now, 0, 0
        self._since_refused += 1
        refused, answers = self._since_refused, self._since_ok + self._since_refused
        if refused < CROWDED_COUNT or refused <= FIRST_CROWDED_SHARE * answers:
            return  # sporadic, so far
        pause = retry_after if retry_after is not None else DEFAULT_RETRY_AFTER
        # what got through in the last second: about R from a server allowing R a second,
        # more by the burst a full bucket allowed at the start (a later cut corrects that)
        self.limit, self.trusted = float(max(self._let_through.count(now), 1)), True
        self.rate = max(MIN_RATE, GOT_THROUGH * self.limit)
        self._paced_since = self._next_start = now + pause
        self._cut(now)
        self._last_change = now + pause

    def _cut(self, now: float) -> None:
        self.cuts += 1
        self._last_cut = self._last_change = now

    def _admitted(self, now: float) -> float:
        """Answers let through per second since pacing began, over at most the last second."""
        span = 1.0 if self._paced_since is None else min(1.0, now - self._paced_since)
        got = self._let_through.count(now)
        return got / max(span, SPAN_FLOOR) if span > 0 else got

    def _raise(self, now: float) -> None:
        while now - self._last_change >= 1.0:
            self._last_change += 1.0
            if not self.trusted and self._cut_busy and self.limit is not None:
                self.trusted = True  # a quiet second at the pace a crowded cut set
                self._cut_busy = False
            if self.trusted and self.limit is not None:
                if self.rate >= 1.1 * self.limit:
                    self.trusted = False  # no 429 well past it: the limit was noted too low
                    self.rate *= 2
                    continue
                share = RAISE_NEAR if self.rate < GOT_THROUGH * self.limit else RAISE_PAST
                self.rate += max(RAISE_FLOOR, share * self.rate)
            else:
                self.rate *= 2
