"""Start the replay server as a separate process and hand back its base URL."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

READY_PREFIX = "replay: serving "


@contextmanager
def replay_server(snapshot: Path | str | None = None, *extra_args: str) -> Iterator[str]:
    """Yields ``http://127.0.0.1:PORT`` of a fresh server on a free port; stops it on exit."""
    cmd = [sys.executable, "-m", "pipeline", "replay", "--port", "0", *extra_args]
    if snapshot is not None:
        cmd += ["--snapshot", str(snapshot)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line.startswith(READY_PREFIX):
            err = proc.stderr.read() if proc.stderr else ""
            raise RuntimeError(f"replay server did not start: {line.strip()} {err.strip()}")
        yield line[len(READY_PREFIX) :].split()[-1]
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
