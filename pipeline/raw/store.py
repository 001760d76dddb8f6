"""The raw landing: every response body exactly as received, and one log row per request.

Layout of one snapshot folder (also what the replay server serves)::

    <snapshot>/fetch_log_<group>.jsonl        one JSON row per request, failed ones included
    <snapshot>/complete_<group>.json          the manifest, written last (see below)
    <snapshot>/<source>/responses-NNN.gz      the bodies of one fetch of the source, each a gzip
                                              member of the exact bytes received, appended
    <snapshot>/<source>/<encoded key>.gz      one body per file (snapshots landed before
                                              packs, ``data/sample/``, hand-made ones)

A log row names its body by ``file`` and, in a pack, ``file_offset`` and ``file_length`` (the
member's bytes); ``zcat`` of a pack prints every body in fetch order. Packs exist because
creating a file costs more kernel time than the rest of a request on the machines measured
(``bench/README.md``), and an object store charges per object too.

A pack is only ever appended to by the fetch that created it, and the log that names its
members is written after the pack is closed, so a killed run never leaves a body where a
reader looks half-written. Single files are written to a temporary name and renamed.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import re
import zlib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import quote

import orjson

from pipeline.storage import crashpoints
from pipeline.storage.atomic import atomic_write_bytes, sweep_stale

_MAX_NAME = 180
LOG_PREFIX = "fetch_log_"
MANIFEST_PREFIX = "complete_"
PACK = re.compile(r"^responses-(\d+)\.gz$")


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
        self._made: set[str] = set()  # source folders known to exist

    def body_file(self, source: str, key: str) -> str:
        """The body's path relative to the snapshot folder (as stored in the log)."""
        return f"{source}/{encode_key(key)}.gz"

    def write_body(self, source: str, key: str, body: bytes, level: int = 1) -> str:
        """``level`` 1 is the fetch's (speed); a snapshot kept in git is written at 9."""
        rel = self.body_file(source, key)
        # zlib writes the gzip framing itself (no name, mtime 0): same bytes for the same body
        data = zlib.compress(body, level, wbits=31)
        atomic_write_bytes(f"{self.folder}/{rel}", data, folder_exists=source in self._made)
        self._made.add(source)
        crashpoints.reached("raw_body")
        return rel

    def read_body(self, rel: str, offset: int | None = None, length: int | None = None) -> bytes:
        """A body by its place: a whole file, or one member of a pack."""
        if offset is None:
            return gzip.decompress((self.folder / rel).read_bytes())
        with open(self.folder / rel, "rb") as fh:
            fh.seek(offset)
            member = fh.read(length)
        return zlib.decompress(member, wbits=31)

    def body(self, row: Mapping[str, Any]) -> bytes:
        """The body a log row names."""
        return self.read_body(row["file"], row.get("file_offset"), row.get("file_length"))

    def packs(self) -> BodyPacks:
        return BodyPacks(self.folder)

    def remove_packs(self, source_names: Iterable[str], keep: Iterable[str] = ()) -> None:
        """Remove the packs of these sources that no kept log row names: those of a fetch
        that is started over, or of one killed before its log was written."""
        kept = set(keep)
        for name in source_names:
            folder = self.folder / name
            if folder.is_dir():
                for entry in folder.iterdir():
                    rel = f"{name}/{entry.name}"
                    if PACK.match(entry.name) and rel not in kept:
                        entry.unlink(missing_ok=True)

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

    def start_fetch(
        self, group: str, source_names: Iterable[str], *, resume_rows: list[dict] | None = None
    ) -> None:
        """Forget the group's manifest and, unless resuming, its log and bodies: until the new
        log lands, nobody may read the group. A resumed fetch keeps the log and every body
        it names (new bodies go to new packs), and drops only the packs no row names (left
        by a killed run). Also sweeps the temporaries an earlier killed fetch left."""
        names = list(source_names)
        self.manifest_path(group).unlink(missing_ok=True)
        if resume_rows is None:
            self.log_path(group).unlink(missing_ok=True)
            for name in names:
                folder = self.folder / name
                if folder.is_dir():
                    for entry in folder.glob("*.gz"):
                        entry.unlink(missing_ok=True)
        else:
            self.remove_packs(names, keep=(r["file"] for r in resume_rows if r.get("file")))
        sweep_stale(self.folder)
        for name in names:
            sweep_stale(self.folder / name)

    def unfinished(self, groups: dict[str, Iterable[str]]) -> list[str]:
        """Groups with bodies on disk but no log: a fetch was killed before it finished."""
        return [
            group
            for group, names in groups.items()
            if not self.log_path(group).is_file()
            and any(any((self.folder / n).glob("*.gz")) for n in names)
        ]


class BodyPacks:
    """The bodies of one fetch: per source, a new pack file that only this object appends to.
    Not thread-safe: one writer (the fetch's writer thread) owns it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._open: dict[str, tuple[BinaryIO, str]] = {}
        self._size: dict[str, int] = {}

    def add(self, source: str, body: bytes) -> dict[str, Any]:
        """Append one body; returns its place for the log row."""
        # zlib writes the gzip framing itself (no name, mtime 0): same bytes for the same body
        member = zlib.compress(body, 1, wbits=31)
        if source not in self._open:
            self._open[source] = self._create(source)
            self._size[source] = 0
        fh, rel = self._open[source]
        offset = self._size[source]
        view = memoryview(member)
        while view:
            view = view[fh.write(view) :]
        self._size[source] = offset + len(member)
        crashpoints.reached("raw_body")
        return {"file": rel, "file_offset": offset, "file_length": len(member)}

    def _create(self, source: str) -> tuple[BinaryIO, str]:
        folder = self.folder / source
        folder.mkdir(parents=True, exist_ok=True)
        taken = [int(m.group(1)) for e in os.listdir(folder) if (m := PACK.match(e))]
        rel = f"{source}/responses-{max(taken, default=0) + 1:03d}.gz"
        # unbuffered: what add() returned is in the file, even if the process dies next
        return open(self.folder / rel, "xb", buffering=0), rel  # noqa: SIM115 - closed by close()

    def close(self) -> None:
        for fh, _ in self._open.values():
            fh.close()
        self._open.clear()
