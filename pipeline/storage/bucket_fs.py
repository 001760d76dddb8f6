"""The bucket as a filesystem DuckDB 2.0 reads through (``con.register_filesystem``).

DuckDB 2.0 has no httpfs package on the registry, so the warehouse views read ``s3://`` URLs
through obstore's fsspec filesystem. Used as it comes, that costs three to four requests per
Parquet file every time a view is bound (measured over 20 days of history: 2,620 opens,
3,404 folder listings and 5,500 HEADs to create the views; bench/README.md): fsspec's glob
lists every ``snapshot_date=`` folder on its own, and every open asks the object's size and
its modification time with a HEAD each. Here:

- a glob is one flat listing of the pattern's fixed prefix, matched segment by segment
  (``*`` never crosses ``/``), and it records each object's size, ETag and time;
- ``info``, ``size`` and ``modified`` answer from that listing (a HEAD only for an object no
  listing has shown);
- an object is read with one GET of the whole object, kept in a small cache keyed by path
  and ETag: a view bound with ``union_by_name`` reads every footer at bind and again when it
  runs, and the second read is then free. Each query's glob lists again, so a replaced
  partition (new ETag) is read anew; an entry never outlives its ETag.

Bytes come from one GET, so a reader always sees one whole version of an object, never the
start of one and the end of another.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import io
import threading
from collections import OrderedDict
from typing import Any

from obstore.fsspec import FsspecStore

SCHEME = "s3://"
WILDCARDS = "*?["
CACHE_BYTES = 256 * 1024 * 1024  # a year of the history fits (bench/object_store.py)
WHOLE_OBJECT_BYTES = 64 * 1024 * 1024  # larger objects are read in ranges, not cached


class _Listed:
    __slots__ = ("size", "etag", "modified")

    def __init__(self, size: int, etag: str, modified: dt.datetime) -> None:
        self.size, self.etag, self.modified = size, etag, modified


def _bare(path: str) -> str:
    return path.removeprefix(SCHEME).lstrip("/")


def _matches(key: str, pattern: list[str]) -> bool:
    parts = key.split("/")
    return len(parts) == len(pattern) and all(
        fnmatch.fnmatchcase(p, q) for p, q in zip(parts, pattern, strict=True)
    )


class BucketFilesystem(FsspecStore):
    """``s3://`` for DuckDB: few requests per file (see the module doc); everything else is
    obstore's fsspec filesystem."""

    def __init__(self, *args: Any, cache_bytes: int = CACHE_BYTES, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._listed: dict[str, _Listed] = {}
        self._cache: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self._cached = 0
        self._cache_limit = cache_bytes
        self._lock = threading.Lock()  # DuckDB calls in from several threads

    def glob(self, path: str, **kwargs: Any) -> list[str]:  # type: ignore[override]
        """Every object matching ``path``; DuckDB hands in and expects full URLs."""
        import obstore

        bare = _bare(path)
        if not any(c in bare for c in WILDCARDS):
            # one object named outright (the list of published dates): asked anew each time,
            # since it is replaced in place while a connection stays open
            return [SCHEME + bare] if self._head(bare) else []
        bucket, key = bare.split("/", 1) if "/" in bare else (bare, "")
        first = min(key.find(c) for c in WILDCARDS if c in key)
        fixed = key[:first].rsplit("/", 1)[0] if "/" in key[:first] else ""
        pattern = key.split("/")
        store = self._construct_store(bucket)
        found: list[str] = []
        listed: dict[str, _Listed] = {}
        for batch in obstore.list(store, fixed or None, chunk_size=1000):
            for meta in batch:
                name = meta["path"]
                if _matches(name, pattern):
                    full = f"{bucket}/{name}"
                    listed[full] = _Listed(
                        meta["size"], (meta.get("e_tag") or "").strip('"'), meta["last_modified"]
                    )
                    found.append(SCHEME + full)
        with self._lock:
            self._listed.update(listed)
        return sorted(found)

    def _head(self, bare: str) -> bool:
        """Whether the object exists, its size and tag noted afresh for the reads after."""
        import obstore

        bucket, _, key = bare.partition("/")
        try:
            meta = obstore.head(self._construct_store(bucket), key)
        except FileNotFoundError:
            return False
        entry = _Listed(meta["size"], (meta.get("e_tag") or "").strip('"'), meta["last_modified"])
        with self._lock:
            self._listed[bare] = entry
        return True

    def _entry(self, bare: str) -> _Listed:
        with self._lock:
            found = self._listed.get(bare)
        if found is None and self._head(bare):
            with self._lock:
                found = self._listed.get(bare)
        if found is None:
            raise FileNotFoundError(bare)
        return found

    def info(self, path: str, **kwargs: Any) -> dict[str, Any]:
        bare = _bare(path)
        entry = self._entry(bare)
        return {"name": bare, "size": entry.size, "type": "file", "e_tag": entry.etag}

    def size(self, path: str) -> int:
        return self._entry(_bare(path)).size

    def modified(self, path: str) -> dt.datetime:
        return self._entry(_bare(path)).modified

    def _open(self, path: str, mode: str = "rb", **kwargs: Any) -> Any:  # noqa: ANN401
        if mode != "rb":
            return super()._open(path, mode, **kwargs)
        bare = _bare(path)
        entry = self._entry(bare)
        if entry.size > WHOLE_OBJECT_BYTES:
            return super()._open(bare, mode, **kwargs)
        data = self._whole(bare, entry.etag)
        if len(data) != entry.size:  # replaced since it was listed: this GET's version counts
            with self._lock:
                self._listed[bare] = _Listed(len(data), "", entry.modified)
        return io.BytesIO(data)

    def _whole(self, bare: str, etag: str) -> bytes:
        import obstore

        key = (bare, etag)
        with self._lock:
            data = self._cache.get(key)
            if data is not None:
                self._cache.move_to_end(key)
                return data
        bucket, rel = bare.split("/", 1)
        data = obstore.get(self._construct_store(bucket), rel).bytes().to_bytes()
        if len(data) * 4 > self._cache_limit:
            return data
        with self._lock:
            if key not in self._cache:
                self._cache[key] = data
                self._cached += len(data)
            while self._cached > self._cache_limit:
                _, old = self._cache.popitem(last=False)
                self._cached -= len(old)
        return data
