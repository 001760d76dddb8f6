"""Deterministic fault injection for the replay server.

With ``fault_rate`` p and a seed, a URL is chosen to misbehave when hash(seed, url) < p; it then
fails its first one or two tries with one fault kind (also chosen by the hash) and succeeds
afterwards, so a client that retries correctly ends with exactly the fault-free snapshot.
URLs matching a ``fail_always`` pattern fail every time; ``not_found`` ones answer 404, and
``no_credits`` ones 402 with OpenRouter's "Insufficient credits" body (an account out of credit).
"""

from __future__ import annotations

import fnmatch
import hashlib
import threading
from dataclasses import dataclass, field

KINDS = ("429", "500", "502", "html503", "reset", "truncated")


@dataclass(frozen=True)
class Fault:
    kind: str
    tries: int  # how many first tries fail


@dataclass
class FaultPlan:
    fault_rate: float = 0.0
    seed: int = 0
    fail_always: tuple[str, ...] = ()
    not_found: tuple[str, ...] = ()
    no_credits: tuple[str, ...] = ()
    _tries: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _draw(self, target: str) -> tuple[float, int]:
        digest = hashlib.sha256(f"{self.seed}\0{target}".encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64, digest[8]

    def chosen(self, target: str) -> Fault | None:
        """The fault planned for this URL, whatever the try (deterministic)."""
        u, byte = self._draw(target)
        if u >= self.fault_rate:
            return None
        return Fault(KINDS[byte % len(KINDS)], 1 + (byte // len(KINDS)) % 2)

    def decide(self, target: str) -> str | None:
        """The fault to apply to this try of ``target``, or None to answer normally."""
        if any(fnmatch.fnmatchcase(target, p) for p in self.not_found):
            return "404"
        if any(fnmatch.fnmatchcase(target, p) for p in self.no_credits):
            return "402"
        if any(fnmatch.fnmatchcase(target, p) for p in self.fail_always):
            return "500"
        fault = self.chosen(target)
        if fault is None:
            return None
        with self._lock:
            n = self._tries.get(target, 0)
            self._tries[target] = n + 1
        return fault.kind if n < fault.tries else None
