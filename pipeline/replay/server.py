"""An OpenRouter-compatible HTTP server that serves a recorded snapshot on loopback.

Tests, the demo and benchmarks talk real HTTP to it instead of the internet. Standard library
``ThreadingHTTPServer``: no framework between us and the socket, which the fault injection
(connection resets, truncated bodies) needs.
"""

from __future__ import annotations

import datetime as dt
import json
import socket
import struct
import sys
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from pipeline.replay.captures import CLOCK_PATH, STATS_PATHS, Captures
from pipeline.replay.datasets import DatasetsReplay
from pipeline.replay.faults import FaultPlan
from pipeline.replay.ratelimit import TokenBucket
from pipeline.replay.snapshot import RecordedSnapshot, normalise_request

BUNDLED_SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
HTML_503 = (
    b"<!DOCTYPE html><html><head><title>503 Service Unavailable</title></head>"
    b"<body><h1>503 Service Unavailable</h1><p>upstream overloaded</p></body></html>"
)


@dataclass(frozen=True)
class ReplayOptions:
    latency_ms: float = 0.0
    retry_after_s: int = 1
    require_bearer: str | None = None  # answer 401 unless this API key is sent
    rate_limit: float | None = None  # requests per second; above it 429 + Retry-After
    # the Data API's calls a day; past it the quota's 429 (None: no limit)
    datasets_quota: int | None = None


def _error_body(code: int, message: str) -> bytes:
    return json.dumps({"error": {"code": code, "message": message}}).encode()


def make_handler(
    snapshot: RecordedSnapshot,
    options: ReplayOptions,
    plan: FaultPlan,
    captures: Captures | None = None,
    datasets: DatasetsReplay | None = None,
) -> type[BaseHTTPRequestHandler]:
    bucket = TokenBucket(options.rate_limit) if options.rate_limit else None

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms ACK stall
        server_version = "openrouter-catalog-replay"

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass  # quiet: the client's fetch log is the record

        def _send(
            self,
            status: int,
            body: bytes,
            ctype: str = "application/json",
            headers: dict[str, str] | None = None,
            truncate: bool = False,
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            if truncate:
                self.wfile.write(body[: len(body) // 2])
                self.close_connection = True
            else:
                self.wfile.write(body)

        def _reset(self) -> None:
            # SO_LINGER 0: closing sends RST, the client sees "connection reset"
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True

        def _wait(self, started: float) -> None:
            """Latency is the response time: the server's own work counts towards it."""
            left = options.latency_ms / 1000 - (time.perf_counter() - started)
            if left > 0:
                time.sleep(left)

        def _clock(self) -> None:
            """Set the moment whose capture stats/endpoint serves (captures only)."""
            query = parse_qs(urlsplit(self.path).query)
            if captures is None or "at" not in query:
                self._send(400, _error_body(400, "the clock needs --captures and ?at=ISO"))
                return
            try:
                at = dt.datetime.fromisoformat(query["at"][0]).astimezone(dt.UTC)
            except ValueError as exc:
                self._send(400, _error_body(400, f"at: {exc}"))
                return
            served = captures.set_clock(at)
            self._send(200, json.dumps({"capture": served.isoformat()}).encode())

        def _captured(self, target: str) -> tuple[int, bytes] | None:
            """The capture's answer for a stats/endpoint request, when replaying captures."""
            parts = urlsplit(target)
            if captures is None or parts.path.rstrip("/") not in STATS_PATHS:
                return None
            query = parse_qs(parts.query)
            permaslug = query.get("permaslug", [""])[0]
            variant = query.get("variant", ["standard"])[0]
            body = captures.answer(permaslug, variant)
            if body is None:
                return 404, _error_body(404, "No endpoints found")
            return 200, body

        def do_GET(self) -> None:  # noqa: N802
            started = time.perf_counter()
            if urlsplit(self.path).path == CLOCK_PATH:
                self._clock()
                return
            if (
                options.require_bearer is not None
                and self.headers.get("Authorization") != f"Bearer {options.require_bearer}"
            ):
                self._wait(started)
                self._send(401, _error_body(401, "No auth credentials found"))
                return
            if bucket is not None and (wait := bucket.take()) is not None:
                self._wait(started)
                self._send(
                    429,
                    _error_body(429, "Rate limit exceeded"),
                    headers={"Retry-After": bucket.retry_after(wait)},
                )
                return
            target = normalise_request(self.path)
            fault = plan.decide(target)
            if datasets is not None and not fault and datasets.handles(urlsplit(self.path).path):
                status, body = datasets.answer(
                    self.path, authorized=bool(self.headers.get("Authorization"))
                )
                self._wait(started)
                self._send(status, body)
                return
            captured = None if fault and fault != "truncated" else self._captured(self.path)
            found = (
                None
                if (fault and fault != "truncated") or captured is not None
                else snapshot.lookup(self.path)
            )
            self._wait(started)
            if fault == "reset":
                self._reset()
            elif fault == "404":
                self._send(404, _error_body(404, "Not Found"))
            elif fault == "402":
                self._send(402, _error_body(402, "Insufficient credits"))
            elif fault in ("500", "502"):
                self._send(int(fault), _error_body(int(fault), "Internal Server Error"))
            elif fault == "429":
                self._send(
                    429,
                    _error_body(429, "Rate limit exceeded"),
                    headers={"Retry-After": str(options.retry_after_s)},
                )
            elif fault == "html503":
                self._send(503, HTML_503, "text/html; charset=utf-8")
            elif captured is not None:
                self._send(captured[0], captured[1], truncate=fault == "truncated")
            elif found is None:
                self._send(404, _error_body(404, f"No route or record for GET {self.path}"))
            else:
                rec, body = found
                self._send(rec.status, body, rec.content_type, truncate=fault == "truncated")

        def _not_allowed(self) -> None:
            self._send(405, _error_body(405, f"Method {self.command} not allowed"))

        do_POST = do_PUT = do_DELETE = do_PATCH = _not_allowed

    return Handler


class _QuietServer(ThreadingHTTPServer):
    """A client that goes away mid-answer (a run interrupted, a test done) is normal here:
    no traceback for a broken pipe or a reset connection; anything else is still printed."""

    def handle_error(self, request: object, client_address: object) -> None:
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        super().handle_error(request, client_address)


def make_server(
    snapshot_dir: Path | str = BUNDLED_SAMPLE,
    host: str = "127.0.0.1",
    port: int = 0,
    options: ReplayOptions | None = None,
    plan: FaultPlan | None = None,
    scale: int = 1,
    captures: list[Path | str] | None = None,
    datasets: Path | str | None = None,
) -> ThreadingHTTPServer:
    """``datasets``: the folder of Data API recordings (default ``data/sample/datasets``).
    ``captures``: CSV files of hourly stats/endpoint captures (pipeline/replay/captures.py)
    served instead of the snapshot's own stats/endpoint answers, at the replay's clock."""
    snapshot = RecordedSnapshot(snapshot_dir, scale=scale)
    snapshot.warm_up()
    played = None
    if captures:
        played = Captures(list(captures))
        played.load_records(snapshot.stats_answers())
    # Handler threads sleep (latency) and then need the GIL back; the default 5 ms switch
    # interval would add up to 5 ms to every response whenever another thread is busy.
    sys.setswitchinterval(0.0005)
    options = options or ReplayOptions()
    # the Data API's recordings: beside the bundled sample, or a folder given
    folder = Path(datasets) if datasets else BUNDLED_SAMPLE / "datasets"
    answers = DatasetsReplay(folder, options.datasets_quota) if folder.is_dir() else None
    handler = make_handler(snapshot, options, plan or FaultPlan(), played, answers)
    server = _QuietServer((host, port), handler)
    server.daemon_threads = True
    server.request_queue_size = 128
    return server
