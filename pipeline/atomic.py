"""Write-then-rename, the one mechanism behind every crash-safety guarantee of the storage.

A file is written under a hidden temporary name in its final folder and ``os.replace``-d into
place, so readers (a Parquet glob, DuckDB, the raw reader) see the old file or the new one,
never half of one. Temporary names carry the writer's pid: a run killed with SIGKILL leaves
its temporary behind, and the next writer removes the ones whose process is gone.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_TMP = re.compile(r"^\..+\.pid(\d+)\.[0-9a-f]+\.tmp(\.wal)?$")


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def temp_name(path: Path) -> Path:
    """A hidden sibling of ``path`` that no reader's glob (``*.parquet``, ``*.gz``) matches."""
    return path.with_name(f".{path.name}.pid{os.getpid()}.{os.urandom(4).hex()}.tmp")


def sweep_stale(folder: Path) -> list[Path]:
    """Remove temporaries left in ``folder`` by writers that no longer run."""
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    for entry in folder.iterdir():
        m = _TMP.match(entry.name)
        if m and not _alive(int(m.group(1))):
            entry.unlink(missing_ok=True)
            removed.append(entry)
    return removed


@contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces ``path``, on error it is gone."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_name(path)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
        Path(f"{tmp}.wal").unlink(missing_ok=True)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    with replacing(path) as tmp:
        tmp.write_bytes(data)
