"""The raw landing in a bucket: each process works on a scratch mirror of the snapshots it
touches, pulled from the bucket before and pushed back after.

Why a mirror and not object calls per body: a fetch appends each body to a pack as it comes
(``raw_store.BodyPacks``) and a bucket has no append; the raw reader slices packs by offset.
So the fetch, the resume logic and the reader stay what they are on a disk, and the bucket
sees whole files, in the order the local landing already guarantees: bodies, then the log,
then the manifest last. A reader of the bucket that trusts only manifested groups never sees
half a fetch.

The mirror lives in a temporary folder of this process, removed at exit: nothing outside the
storage root is kept, so any process on any machine (a multiprocess step, a Kubernetes pod)
starts from the bucket alone. A fetch killed before its push loses only its own progress.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from pipeline.raw.store import MANIFEST_PREFIX, RawSnapshot
from pipeline.storage.atomic import atomic_write_bytes
from pipeline.storage.object_store import Bucket


def _md5(path: Path) -> str | None:
    if not path.is_file():
        return None
    return hashlib.md5(path.read_bytes(), usedforsecurity=False).hexdigest()


def pull(bucket: Bucket, key: str, folder: Path, *, bodies: bool = True) -> int:
    """Bring the mirror of one snapshot up to date with the bucket; returns the files fetched
    (those the mirror lacks or holds other bytes of: MD5 against the ETag). ``bodies=False``
    fetches only the logs and manifests."""
    remote = bucket.list(key)
    fetched = 0
    for rel_key, etag in remote.items():
        rel = rel_key[len(key) + 1 :]
        if not bodies and "/" in rel:
            continue
        local = folder / rel
        if _md5(local) == etag:
            continue
        atomic_write_bytes(local, bucket.get(rel_key))
        fetched += 1
    # a manifest the bucket no longer has (a fetch started over elsewhere) is gone here too
    if folder.is_dir():
        for entry in folder.iterdir():
            if entry.name.startswith(MANIFEST_PREFIX) and f"{key}/{entry.name}" not in remote:
                entry.unlink(missing_ok=True)
    return fetched


def push(bucket: Bucket, key: str, snap: RawSnapshot, group: str, source_names: list[str]) -> int:
    """Publish one group of the mirror to the bucket; returns the objects written.

    Order: the bucket's manifest is taken down first if the mirror has none or another one
    (so no reader trusts a group being replaced), then bodies and packs, then the log, then
    objects of the group the mirror no longer has (a fetch started over), the manifest last.
    """
    folder = snap.folder
    remote = bucket.list(key)
    manifest = snap.manifest_path(group)
    manifest_key = f"{key}/{manifest.name}"
    if manifest_key in remote and remote[manifest_key] != _md5(manifest):
        bucket.delete(manifest_key)
    log = snap.log_path(group)
    files = sorted(
        p
        for name in source_names
        if (folder / name).is_dir()
        for p in (folder / name).iterdir()
        if p.is_file() and not p.name.startswith(".")  # not a writer's temporary
    )
    written = 0
    mine: set[str] = set()
    for path in [*files, log]:
        if not path.is_file():
            continue
        rel = f"{key}/{path.relative_to(folder).as_posix()}"
        mine.add(rel)
        if remote.get(rel) != _md5(path):
            bucket.put(rel, path.read_bytes())
            written += 1
    for rel in remote:
        inner = rel[len(key) + 1 :]
        ours = inner.split("/", 1)[0] in source_names or inner == log.name
        if ours and rel not in mine:
            bucket.delete(rel)
    if manifest.is_file() and remote.get(manifest_key) != _md5(manifest):
        bucket.put(manifest_key, manifest.read_bytes())
        written += 1
    return written
