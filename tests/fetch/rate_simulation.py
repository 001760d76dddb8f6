"""A discrete-event simulation of the fetch client against a rate-limited server, on a virtual
clock, driving the real ``pipeline.fetch.rate.AdaptiveRate``: minutes of fetching in milliseconds,
the same every time.

The client is modelled as ``pipeline.fetch.client`` behaves: at most ``concurrency`` requests in
flight, each one paced by the controller once it has a slot; a 429 is retried after its
``Retry-After``, any other failure after stamina's exponential backoff with jitter, up to
``max_attempts``. The fetch runs in batches, as ``pipeline.fetch.snapshot`` does (the models
list, the endpoints fan-out, the catalog and providers, the stats fan-out). The server is a token
bucket of ``limit`` requests a second with one second's burst (the replay server's
``--rate-limit``), answering 429 with ``Retry-After`` in whole seconds; with ``fault``, that
share of the URLs fails its first one or two tries at random, a sixth of them with a 429
(the replay server's ``--fault-rate``).
"""

from __future__ import annotations

import heapq
import math
import random
from dataclasses import dataclass, field

from pipeline.fetch.rate import AdaptiveRate

BATCHES = (1, 338, 2, 850)  # the requests of the bundled sample day, in fetch order


@dataclass
class Outcome:
    wall: float  # seconds
    requests: int
    refused: int  # answers of 429
    failed: int  # requests that failed every attempt
    rate: float | None  # the controller's last pace
    cuts: int

    @property
    def refused_share(self) -> float:
        return self.refused / self.requests


class _Bucket:
    def __init__(self, per_second: float | None) -> None:
        self.rate = per_second
        self.tokens = per_second or 0.0
        self.last = 0.0

    def wait(self, now: float) -> float | None:
        """None when admitted, else the seconds until a token is due."""
        if self.rate is None:
            return None
        self.tokens = min(self.rate, self.tokens + (now - self.last) * self.rate)
        self.last = now
        if self.tokens >= 1:
            self.tokens -= 1
            return None
        return (1 - self.tokens) / self.rate


@dataclass(order=True)
class _Event:
    at: float
    seq: int
    kind: str = field(compare=False)
    data: object = field(compare=False)


def simulate(
    limit: float | None = None,
    latency: float = 0.002,
    fault: float = 0.0,
    seed: int = 1,
    concurrency: int = 8,
    max_attempts: int = 4,
    wait_initial: float = 0.5,
    batches: tuple[int, ...] = BATCHES,
) -> Outcome:
    rng = random.Random(seed)
    now = [0.0]
    control = AdaptiveRate(clock=lambda: now[0])
    bucket = _Bucket(limit)
    events: list[_Event] = []
    counter = [0]
    waiting: list[dict] = []
    free = [concurrency]
    left = [0]
    todo = list(batches)
    refused = failed = 0

    def push(at: float, kind: str, data: object) -> None:
        counter[0] += 1
        heapq.heappush(events, _Event(at, counter[0], kind, data))

    def next_batch() -> None:
        n = todo.pop(0)
        left[0] = n
        for _ in range(n):
            bad = rng.random() < fault
            kind = "429" if rng.random() < 1 / 6 else "error"
            waiting.append({"fault": (kind, 1 + rng.randrange(2)) if bad else None, "tries": 0})
        dispatch()

    def dispatch() -> None:
        while free[0] and waiting:
            task = waiting.pop(0)
            free[0] -= 1
            start = control.reserve(now[0])
            push(start, "send", (task, start))

    def answered(task: dict, ok: bool, retry_after: float | None) -> None:
        nonlocal failed
        free[0] += 1
        task["tries"] += 1
        if ok or task["tries"] >= max_attempts:
            failed += not ok
            left[0] -= 1
        else:
            backoff = min(10.0, wait_initial * 2 ** (task["tries"] - 1))
            wait = retry_after if retry_after is not None else backoff + rng.random() * wait_initial
            push(now[0] + wait, "retry", task)
        if left[0] == 0 and todo:
            next_batch()
        dispatch()

    next_batch()
    while events:
        ev = heapq.heappop(events)
        now[0] = ev.at
        if ev.kind == "send":
            task, started = ev.data
            fault_now = task["fault"] is not None and task["tries"] < task["fault"][1]
            if fault_now:
                limited = task["fault"][0] == "429"
                push(ev.at + latency, "answer", (task, started, False, 1.0 if limited else None))
                continue
            wait = bucket.wait(ev.at + latency / 2)
            retry_after = None if wait is None else float(max(1, math.ceil(wait)))
            push(ev.at + latency, "answer", (task, started, wait is None, retry_after))
        elif ev.kind == "answer":
            task, started, ok, retry_after = ev.data
            fresh = task["tries"] == 0
            if retry_after is not None:
                refused += 1
                control.limited(started, retry_after, fresh)
            else:
                control.admitted(started, fresh)
            answered(task, ok, retry_after)
        else:
            waiting.append(ev.data)
            dispatch()
    return Outcome(now[0], sum(batches), refused, failed, control.rate, control.cuts)
