"""What the replay server knows: a snapshot folder's responses indexed by request, optionally
with the catalog cloned ``scale`` times."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

import orjson

from pipeline import sources
from pipeline.raw.reader import unwrap
from pipeline.raw.store import RawSnapshot
from pipeline.replay import scale as scaling
from pipeline.sources import CACHE_BUSTER


def normalise_request(target: str) -> str:
    """One spelling per request: decoded path, query pairs sorted (so %3A and ':' match), a
    cache-buster dropped (it asks the CDN for a fresh copy; the answer is the same)."""
    parts = urlsplit(target)
    query = sorted(
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != CACHE_BUSTER
    )
    path = unquote(parts.path).rstrip("/") or "/"
    return path + ("?" + "&".join(f"{k}={v}" for k, v in query) if query else "")


_LIST_SOURCES = ("v1_models", "frontend_catalog")


@dataclass(frozen=True)
class Recorded:
    status: int
    content_type: str
    file: str
    source: str
    key: str
    clone: int = 0
    file_offset: int | None = None  # a member of a pack (see pipeline.raw.store)
    file_length: int | None = None


class RecordedSnapshot:
    """Index of a raw snapshot folder (``data/sample/`` or ``data/raw/snapshot_date=D/``)."""

    def __init__(self, folder: Path | str, scale: int = 1) -> None:
        if scale < 1:
            raise ValueError(f"scale must be ≥ 1, got {scale}")
        self.raw = RawSnapshot(folder)
        if not self.raw.exists():
            raise FileNotFoundError(f"{folder}: no fetch_log_*.jsonl here; not a raw snapshot")
        self.scale = scale
        self.index: dict[str, Recorded] = {}
        for row in self.raw.log_rows():
            if not (row.get("file") and row.get("status")):
                continue
            source = sources.SOURCES_BY_NAME.get(row.get("source", ""))
            fan_out = source is not None and source.fan_out
            for k in range(scale if fan_out else 1):
                request = (
                    scaling.fan_out_request(row["source"], row["key"], row["request"], k)
                    if fan_out
                    else row["request"]
                )
                self.index[normalise_request(request)] = Recorded(
                    int(row["status"]),
                    row.get("content_type") or "application/json",
                    row["file"],
                    row["source"],
                    row["key"],
                    k,
                    row.get("file_offset"),
                    row.get("file_length"),
                )

    @functools.lru_cache(maxsize=4096)  # noqa: B019 - one instance per server process
    def _read(self, rel: str, offset: int | None, length: int | None) -> bytes:
        return self.raw.read_body(rel, offset, length)

    def _original(self, rec: Recorded) -> bytes:
        return self._read(rec.file, rec.file_offset, rec.file_length)

    @functools.lru_cache(maxsize=16)  # noqa: B019
    def _scaled_list(self, rec: Recorded) -> bytes:
        doc = orjson.loads(self._original(rec))
        data = scaling.list_body(rec.source, unwrap(doc), self.scale)
        return orjson.dumps({"data": data} if isinstance(doc, dict) else data)

    def body(self, rec: Recorded) -> bytes:
        """The recorded bytes, exactly, unless scaling must rewrite them."""
        if self.scale == 1 or rec.status != 200:
            return self._original(rec)
        if rec.clone == 0 and rec.source not in _LIST_SOURCES:
            return self._original(rec)
        try:
            if rec.clone == 0:
                return self._scaled_list(rec)
            doc = orjson.loads(self._original(rec))
        except orjson.JSONDecodeError:
            return self._original(rec)
        data = scaling.fan_out_body(rec.source, unwrap(doc), rec.clone)
        return orjson.dumps({"data": data} if isinstance(doc, dict) and "data" in doc else data)

    def warm_up(self) -> None:
        """Build the scaled list bodies before serving, so the first client does not wait."""
        for rec in self.index.values():
            if self.scale > 1 and rec.status == 200 and rec.source in _LIST_SOURCES:
                self._scaled_list(rec)

    def stats_answers(self) -> dict[tuple[str, str], bytes]:
        """The recorded stats/endpoint bodies that answered 200, by (permaslug, variant)."""
        return {
            sources.split_stats_key(rec.key): self._original(rec)
            for rec in self.index.values()
            if rec.source == "frontend_stats_endpoint" and rec.status == 200 and rec.clone == 0
        }

    def lookup(self, target: str) -> tuple[Recorded, bytes] | None:
        rec = self.index.get(normalise_request(target))
        if rec is None:
            return None
        return rec, self.body(rec)
