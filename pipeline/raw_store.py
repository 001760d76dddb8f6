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
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import orjson

from pipeline import crashpoints
from pipeline.atomic import atomic_write_bytes, sweep_stale

_MAX_NAME = 180
LOG_PREFIX = "fetch_log_"
MANIFEST_PREFIX = "complete_"


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
        crashpoints.reached("raw_body")
        return rel

    def read_body(self, rel: str) -> bytes:
        return gzip.decompress((self.folder / rel).read_bytes())

    def write_log(self, group: str, rows: Iterable[dict[str, Any]]) -> Path:
        path = self.log_path(group)
        data = b"".join(orjson.dumps(r) + b"\n" for r in rows)
        atomic_write_bytes(path, data)
        return path

    def log_rows(self) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        for path in sorted(self.folder.glob(f"{LOG_PREFIX}*.jsonl")):
            lines = path.read_bytes().splitlines()
            rows.extend(orjson.loads(b"[" + b",".join(x for x in lines if x.strip()) + b"]"))
        return rows

    def exists(self) -> bool:
        return any(self.folder.glob(f"{LOG_PREFIX}*.jsonl"))

    # A group's manifest is written last, after every body and the log are in place. It says
    # whether the fetch is *complete* (every call succeeded or failed for good: a 404, a body
    # of the wrong shape) or *partial* (some calls failed in a way a later try could fix: a
    # 5xx, a 429, the network). A partial group is resumed by the next run, which asks only
    # for what is missing. A killed fetch leaves no manifest; the next run starts it again.

    def manifest_path(self, group: str) -> Path:
        return self.folder / f"{MANIFEST_PREFIX}{group}.json"

    def manifest(self, group: str) -> dict[str, Any] | None:
        path = self.manifest_path(group)
        return orjson.loads(path.read_bytes()) if path.is_file() else None

    def is_complete(self, group: str) -> bool:
        found = self.manifest(group)
        # manifests written before partial groups existed were written on success only
        return found is not None and found.get("complete", True) is True

    def is_partial(self, group: str) -> bool:
        found = self.manifest(group)
        return found is not None and found.get("complete", True) is False

    def write_manifest(self, group: str, summary: dict[str, Any]) -> None:
        atomic_write_bytes(self.manifest_path(group), orjson.dumps(summary))

    def group_rows(self, group: str) -> list[dict[str, Any]]:
        """The log rows of one group, in the order the requests were made."""
        path = self.log_path(group)
        if not path.is_file():
            return []
        lines = path.read_bytes().splitlines()
        return orjson.loads(b"[" + b",".join(x for x in lines if x.strip()) + b"]")

    def log_path(self, group: str) -> Path:
        return self.folder / f"{LOG_PREFIX}{group}.jsonl"

    def start_fetch(self, group: str, source_names: Iterable[str], *, resume: bool = False) -> None:
        """Forget the group's manifest, and unless resuming its log, before any body is
        replaced: until the new log lands, nobody may read the group (its bodies are a mix of
        two fetches). A resumed fetch keeps the log: the bodies it names stay, and the calls
        it asks again only ever replace bodies of calls that had failed. Also sweeps the
        temporaries an earlier killed fetch left."""
        self.manifest_path(group).unlink(missing_ok=True)
        if not resume:
            self.log_path(group).unlink(missing_ok=True)
        sweep_stale(self.folder)
        for name in source_names:
            sweep_stale(self.folder / name)

    def unfinished(self, groups: dict[str, Iterable[str]]) -> list[str]:
        """Groups with bodies on disk but no log: a fetch was killed before it finished."""
        return [
            group
            for group, names in groups.items()
            if not self.log_path(group).is_file()
            and any(any((self.folder / n).glob("*.gz")) for n in names)
        ]
