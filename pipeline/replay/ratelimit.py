"""A server-side rate limit for the replay server (``--rate-limit R``): a token bucket of R
tokens refilled at R per second, shared by every handler thread. A request that finds no
token is answered 429 with ``Retry-After`` (whole seconds, as HTTP has it), as an API with a
published per-second limit would."""

from __future__ import annotations

import math
import threading
import time


class TokenBucket:
    def __init__(self, per_second: float, clock=time.monotonic) -> None:  # noqa: ANN001
        self.rate = per_second
        self.capacity = per_second  # one second's worth: the burst allowed
        self._tokens = per_second
        self._clock = clock
        self._last = clock()
        self._lock = threading.Lock()
        self.admitted = 0
        self.refused = 0

    def take(self) -> float | None:
        """None when the request may go ahead, else the seconds until a token is due."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.capacity, self._tokens + (now - self._last) * self.rate)
            self._last = now
            if self._tokens >= 1:
                self._tokens -= 1
                self.admitted += 1
                return None
            self.refused += 1
            return (1 - self._tokens) / self.rate

    def retry_after(self, wait: float) -> str:
        return str(max(1, math.ceil(wait)))
