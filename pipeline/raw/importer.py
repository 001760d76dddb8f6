"""Archived API responses into the raw landing of a date, as if fetched that day.

Years of ``/api/v1/models`` answers sit in public repositories; landing one under the date it
was recorded gives the tables and the history that day, built like any snapshot. What is
landed is the archive's bytes as they are, with a log row marked ``imported`` (its url names
the archive file). Which response a file holds is read from its records, not its name. The
sources an archive lacks stay missing: their tables get no partition for the date, and the
import says which they are.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import orjson

from pipeline import sources
from pipeline.raw.reader import unwrap
from pipeline.raw.store import RawSnapshot

# the sources an archive may hold, and how a record of each is told apart
LIST_SOURCES = ("v1_models", "v1_providers", "frontend_catalog", "frontend_all_providers")
IMPORTABLE = (*LIST_SOURCES, "v1_endpoints")


class ImportError_(ValueError):
    """An archive that cannot be landed: names the file and what is wrong with it."""


def _kind(record: dict[str, Any]) -> str | None:
    if "permaslug" in record and "slug" in record:
        return "frontend_catalog"
    if "dataPolicy" in record or "displayName" in record:
        return "frontend_all_providers"
    if "pricing" in record and "id" in record and "context_length" in record:
        return "v1_models"
    if "slug" in record and "name" in record and "privacy_policy_url" in record:
        return "v1_providers"
    return None


def detect_source(data: Any) -> tuple[str, str]:
    """(source, key) of a parsed response: a list source keyed 'all', or one model's
    endpoints keyed by its id."""
    body = unwrap(data)
    if isinstance(body, dict) and isinstance(body.get("endpoints"), list) and body.get("id"):
        return "v1_endpoints", str(body["id"])
    if isinstance(body, list):
        records = [r for r in body if isinstance(r, dict)]
        if not records:
            raise ImportError_("an empty list, or one without records: nothing to land")
        kinds = {_kind(r) for r in records[:50]}
        if len(kinds) == 1 and None not in kinds:
            return kinds.pop(), "all"
        raise ImportError_(
            "its records are not those of /api/v1/models, /api/v1/providers, the frontend "
            f"catalog or all-providers (first keys: {sorted(records[0])[:8]})"
        )
    raise ImportError_("neither a list of records (bare or under 'data') nor one model's endpoints")


@dataclass
class Archive:
    path: Path | PurePosixPath  # a local file, or the key of an s3:// URL (its .name counts)
    body: bytes  # as archived (decompressed if the file was gzip)
    source: str
    key: str
    records: int

    @property
    def group(self) -> str:
        return next(g for g, names in sources.GROUPS.items() if self.source in names)


def read_archive(path: Path | str, read: Callable[[str], bytes] | None = None) -> Archive:
    """One archived response, recognised; ImportError_ names the file and the problem.
    ``read``: how to get the bytes of ``path`` when it is not a local file (an s3:// URL)."""
    where = str(path)
    try:
        raw = read(where) if read else Path(path).read_bytes()
    except OSError as exc:
        raise ImportError_(f"{where}: cannot read it ({exc.strerror or exc})") from None
    except (RuntimeError, ValueError) as exc:  # the store's error, or a URL outside the root
        raise ImportError_(f"{where}: cannot read it ({exc})") from None
    path = PurePosixPath(where) if "://" in where else Path(path)
    try:
        body = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
        data = orjson.loads(body)
    except (OSError, EOFError, orjson.JSONDecodeError) as exc:
        raise ImportError_(f"{path}: not JSON ({exc})") from None
    try:
        source, key = detect_source(data)
    except ImportError_ as exc:
        raise ImportError_(f"{path}: {exc}") from None
    inner = unwrap(data)
    count = len(inner) if isinstance(inner, list) else len(inner.get("endpoints") or [])
    return Archive(path, body, source, key, count)


def read_archives(
    paths: Iterable[Path | str], read: Callable[[str], bytes] | None = None
) -> list[Archive]:
    """Every file read and recognised before anything is written; two answers of the same
    call (the same source and key) for one date are refused."""
    archives = [read_archive(p, read) for p in paths]
    seen: dict[tuple[str, str], Path] = {}
    for a in archives:
        other = seen.setdefault((a.source, a.key), a.path)
        if other is not a.path:
            raise ImportError_(
                f"{a.path} and {other} both hold {a.source} ({a.key}); one date takes one"
            )
    return archives


@dataclass
class Landed:
    group: str
    sources: dict[str, int] = field(default_factory=dict)  # source → records
    rows: list[dict[str, Any]] = field(default_factory=list)


def land(snap: RawSnapshot, group: str, archives: list[Archive]) -> Landed:
    """The group's archives into the snapshot, replacing what the group held: bodies first,
    then the log (rows marked imported), then a manifest saying the group is complete and
    imported, so no run of this date fetches it from the live API."""
    if snap.log_path(group).is_file() and not is_imported(snap, group):
        raise ImportError_(
            f"{snap.folder} holds a fetched {group} snapshot; archives go to a date of their "
            "own (or remove that folder first)"
        )
    names = sources.GROUPS[group]
    snap.start_fetch(group, names)
    out = Landed(group)
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    for a in (a for a in archives if a.group == group):
        rel = snap.write_body(a.source, a.key, a.body, level=6)
        out.rows.append(
            {
                "source": a.source,
                "key": a.key,
                "url": f"archive:{a.path.name}",
                "request": None,
                "status": 200,
                "attempts": 0,
                "bytes": len(a.body),
                "duration_ms": None,
                "error": None,
                "sha256": hashlib.sha256(a.body).hexdigest(),
                "fetched_at": now,
                "file": rel,
                "imported": True,
            }
        )
        out.sources[a.source] = out.sources.get(a.source, 0) + a.records
    snap.write_log(group, out.rows)
    snap.write_manifest(
        group,
        {"complete": True, "imported": True, "sources": out.sources, "imported_at": now},
    )
    return out


def is_imported(snap: RawSnapshot, group: str) -> bool:
    found = snap.manifest(group)
    return bool(found and found.get("imported"))


def missing_sources(landed: Iterable[Landed]) -> list[str]:
    """The tabulated sources no archive held (their tables stay without this date)."""
    have = {s for one in landed for s in one.sources}
    return [s for s in IMPORTABLE if s not in have]
