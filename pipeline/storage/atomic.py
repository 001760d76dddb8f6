"""Write-then-rename, the one mechanism behind every crash-safety guarantee of the storage.

A file is written under a hidden temporary name in its final folder and ``os.replace``-d into
place, so readers (a Parquet glob, DuckDB, the raw reader) see the old file or the new one,
never half of one. Temporary names carry the writer's pid: a run killed with SIGKILL leaves
its temporary behind, and the next writer removes the ones whose process is gone.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

_TMP = re.compile(r"^\..+\.pid(\d+)\.[0-9a-f]+\.tmp(\.wal)?$")
_SEQ = itertools.count()  # with the pid, makes every temporary name of this process unique


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


def _temp(folder: str, name: str) -> str:
    return os.path.join(folder, f".{name}.pid{os.getpid()}.{next(_SEQ):x}.tmp")


def temp_name(path: Path) -> Path:
    """A hidden sibling of ``path`` that no reader's glob (``*.parquet``, ``*.gz``) matches."""
    return Path(_temp(str(path.parent), path.name))


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


def atomic_write_bytes(path: Path | str, data: bytes, *, folder_exists: bool = False) -> None:
    """``replacing`` for one buffer, in plain system calls: the raw landing writes a file per
    response, and pathlib plus the context manager were most of the writer thread's time."""
    folder, name = os.path.split(os.fspath(path))
    if not folder_exists:
        os.makedirs(folder, exist_ok=True)
    tmp = _temp(folder, name)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
