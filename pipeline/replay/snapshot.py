"""What the replay server knows: a snapshot folder's responses indexed by request."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from pipeline.raw_store import RawSnapshot


def normalise_request(target: str) -> str:
    """One spelling per request: decoded path, query pairs sorted (so %3A and ':' match)."""
    parts = urlsplit(target)
    query = sorted(parse_qsl(parts.query, keep_blank_values=True))
    path = unquote(parts.path).rstrip("/") or "/"
    return path + ("?" + "&".join(f"{k}={v}" for k, v in query) if query else "")


@dataclass(frozen=True)
class Recorded:
    status: int
    content_type: str
    file: str


class RecordedSnapshot:
    """Index of a raw snapshot folder (``data/sample/`` or ``data/raw/snapshot_date=D/``)."""

    def __init__(self, folder: Path | str) -> None:
        self.raw = RawSnapshot(folder)
        if not self.raw.exists():
            raise FileNotFoundError(f"{folder}: no fetch_log_*.jsonl here; not a raw snapshot")
        self.index: dict[str, Recorded] = {}
        for row in self.raw.log_rows():
            if row.get("file") and row.get("status"):
                self.index[normalise_request(row["request"])] = Recorded(
                    int(row["status"]), row.get("content_type") or "application/json", row["file"]
                )

    def lookup(self, target: str) -> tuple[Recorded, bytes] | None:
        rec = self.index.get(normalise_request(target))
        if rec is None:
            return None
        return rec, self.raw.read_body(rec.file)
