"""The raw landing: every response body exactly as received, and one log row per request.

Layout of one snapshot folder (also the format of ``data/sample/`` and of what the replay
server serves)::

    <snapshot>/fetch_log_<group>.jsonl     one JSON row per request, failed ones included
    <snapshot>/<source>/<encoded key>.gz   the body, gzip of the exact bytes received

Every file is written to a temporary name and renamed into place, so a killed run never
leaves a half-written body where a reader looks.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import orjson

_MAX_NAME = 180
LOG_PREFIX = "fetch_log_"


def encode_key(key: str) -> str:
    """A file name for an API id: percent-encoded so that '/', '..', '%' or ':' cannot
    escape the folder or collide; long names keep a readable prefix plus a hash."""
    name = quote(key, safe="-_.~")
    if name.startswith("."):
        name = "%2E" + name[1:]
    if len(name) > _MAX_NAME:
        digest = hashlib.sha256(key.encode()).hexdigest()[:16]
        name = f"{name[:_MAX_NAME]}-{digest}"
    return name


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write then rename, so readers see the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class RawSnapshot:
    """One snapshot folder of the raw landing."""

    def __init__(self, folder: Path | str) -> None:
        self.folder = Path(folder)

    def body_file(self, source: str, key: str) -> str:
        """The body's path relative to the snapshot folder (as stored in the log)."""
        return f"{source}/{encode_key(key)}.gz"

    def write_body(self, source: str, key: str, body: bytes) -> str:
        rel = self.body_file(source, key)
        atomic_write_bytes(self.folder / rel, gzip.compress(body, compresslevel=1, mtime=0))
        return rel

    def read_body(self, rel: str) -> bytes:
        return gzip.decompress((self.folder / rel).read_bytes())

    def write_log(self, group: str, rows: Iterable[dict[str, Any]]) -> Path:
        path = self.folder / f"{LOG_PREFIX}{group}.jsonl"
        data = b"".join(orjson.dumps(r) + b"\n" for r in rows)
        atomic_write_bytes(path, data)
        return path

    def log_rows(self) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        for path in sorted(self.folder.glob(f"{LOG_PREFIX}*.jsonl")):
            rows.extend(orjson.loads(line) for line in path.read_bytes().splitlines() if line)
        return rows

    def exists(self) -> bool:
        return any(self.folder.glob(f"{LOG_PREFIX}*.jsonl"))
