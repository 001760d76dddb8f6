"""An OpenRouter-compatible HTTP server that serves a recorded snapshot on loopback.

Tests, the demo and benchmarks talk real HTTP to it instead of the internet. Standard library
``ThreadingHTTPServer``: no framework between us and the socket, which the fault injection
(resets, truncated bodies) needs.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from pipeline.replay.snapshot import RecordedSnapshot

BUNDLED_SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"


@dataclass(frozen=True)
class ReplayOptions:
    latency_ms: float = 0.0


def _error_body(code: int, message: str) -> bytes:
    return json.dumps({"error": {"code": code, "message": message}}).encode()


def make_handler(
    snapshot: RecordedSnapshot, options: ReplayOptions
) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "openrouter-catalog-replay"

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass  # quiet: the client's fetch log is the record

        def _send(self, status: int, body: bytes, ctype: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802
            if options.latency_ms:
                time.sleep(options.latency_ms / 1000)
            found = snapshot.lookup(self.path)
            if found is None:
                self._send(404, _error_body(404, f"No route or record for GET {self.path}"))
                return
            rec, body = found
            self._send(rec.status, body, rec.content_type)

        def _not_allowed(self) -> None:
            self._send(405, _error_body(405, f"Method {self.command} not allowed"))

        do_POST = do_PUT = do_DELETE = do_PATCH = _not_allowed

    return Handler


def make_server(
    snapshot_dir: Path | str = BUNDLED_SAMPLE,
    host: str = "127.0.0.1",
    port: int = 0,
    options: ReplayOptions | None = None,
) -> ThreadingHTTPServer:
    snapshot = RecordedSnapshot(snapshot_dir)
    server = ThreadingHTTPServer((host, port), make_handler(snapshot, options or ReplayOptions()))
    server.daemon_threads = True
    return server
