"""The version of the code that decides a published date's rows.

A date's rows are decided by the source descriptions (which fields land in which column), the
raw reader (which answer stands for a call), the schema declarations and transforms, and the
audit, quarantine and publish rules. Each published date is stamped with the hash of those
files (``tables/published.json``, written in the same single write that publishes the date),
so a date built by other code is named stale (the ``stale_dates`` view, ``openrouter-catalog
rebuild --stale --dry-run``) and a rebuild that was cut short resumes where it stopped.

The hash is of file contents, not of a hand-kept number: no one has to remember to bump it.
A comment changed in a transform names every date stale; a rebuild of a date whose rows do
not move costs a second, and a missed bump would cost a wrong history.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]
# what decides the rows, relative to the package: folders (every .py under them) and files
DECIDING = (
    "sources",
    "raw/reader.py",
    "raw/store.py",
    "transforms",
    "publish/audit.py",
    "publish/checks.py",
    "publish/identity.py",
    "publish/protocol.py",
    "publish/quarantine.py",
    "publish/stage.py",
    "publish/thresholds.py",
)
# the dictionary generator writes docs; it decides no row
_IGNORED = frozenset({"transforms/dictionary.py"})


def deciding_files(package: Path = PACKAGE) -> list[Path]:
    """The files whose contents make the version, in a fixed order."""
    found: list[Path] = []
    for rel in DECIDING:
        path = package / rel
        found += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return [p for p in found if p.relative_to(package).as_posix() not in _IGNORED]


def code_version_of(package: Path) -> str:
    """The version of the code under ``package`` (a copy of ``pipeline/`` works too): 12 hex
    digits of the SHA-256 over each deciding file's path and bytes."""
    digest = hashlib.sha256()
    for path in deciding_files(package):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


@cache
def code_version() -> str:
    """The version of the code this process runs."""
    return code_version_of(PACKAGE)
