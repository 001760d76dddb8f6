"""A plain static file server on loopback that honours HTTP range requests (as any web server
or bucket does) and counts the bytes it sends: what a release's reader fetches over HTTP."""

from __future__ import annotations

import contextlib
import os
import re
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.request import urlopen


class Served:
    def __init__(self, base: str) -> None:
        self.base = base
        self.bytes: dict[str, int] = {}
        self.ranges = 0
        self.lock = threading.Lock()

    def add(self, path: str, n: int, ranged: bool) -> None:
        with self.lock:
            self.bytes[path] = self.bytes.get(path, 0) + n
            self.ranges += ranged

    def get_text(self, path: str) -> str:
        with urlopen(f"{self.base}{path}") as r:  # noqa: S310 - loopback
            return r.read().decode()


def _handler(root: Path, served: Served) -> type[SimpleHTTPRequestHandler]:
    class Handler(SimpleHTTPRequestHandler):
        def __init__(self, *args: object, **kw: object) -> None:
            super().__init__(*args, directory=str(root), **kw)  # type: ignore[arg-type]

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

        def do_GET(self) -> None:  # noqa: N802
            path = Path(self.translate_path(self.path))
            m = re.fullmatch(r"bytes=(\d*)-(\d*)", self.headers.get("Range", ""))
            if not path.is_file():
                return super().do_GET()
            size = path.stat().st_size
            start, end = 0, size - 1
            if m:
                if m.group(1):
                    start = int(m.group(1))
                    end = int(m.group(2)) if m.group(2) else size - 1
                else:  # a suffix: the last N bytes
                    start = max(0, size - int(m.group(2)))
                end = min(end, size - 1)
            with open(path, "rb") as fh:
                fh.seek(start)
                body = fh.read(end - start + 1)
            self.send_response(206 if m else 200)
            # the type by the name, as any static host does (a page must be text/html)
            self.send_header("Content-Type", self.guess_type(path))
            self.send_header("Accept-Ranges", "bytes")
            self.send_header("Content-Length", str(len(body)))
            if m:
                self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
            self.end_headers()
            self.wfile.write(body)
            served.add(self.path, len(body), bool(m))

        def do_HEAD(self) -> None:  # noqa: N802
            path = Path(self.translate_path(self.path))
            if not path.is_file():
                return super().do_HEAD()
            self.send_response(200)
            self.send_header("Content-Length", str(os.path.getsize(path)))
            self.send_header("Accept-Ranges", "bytes")
            self.end_headers()

    return Handler


@contextlib.contextmanager
def static_server(root: Path) -> Iterator[tuple[str, Served]]:
    counter = Served("")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(root, counter))
    base = counter.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base, counter
    finally:
        server.shutdown()
        server.server_close()
