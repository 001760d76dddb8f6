"""A date's raw snapshot as the stages open it: where it is on this machine (the landing on a
disk, or with a bucket root this process's mirror, brought up to date first) and, after a
fetch, how it reaches the bucket (bodies, the log, the manifest last)."""

from __future__ import annotations

import datetime as dt

from pipeline.raw.mirror import pull, push
from pipeline.raw.store import RawSnapshot
from pipeline.storage.layout import Layout


def raw_snapshot(layout: Layout, date: dt.date, bodies: bool = True) -> RawSnapshot:
    """The date's raw snapshot. With a bucket, the mirror is pulled first (``bodies=False``:
    logs and manifests only, enough to ask what landed)."""
    if layout.remote:
        pull(layout.bucket, layout.raw_key(date), layout.raw_dir(date), bodies=bodies)
    return RawSnapshot(layout.raw_dir(date))


def publish_raw(
    layout: Layout, date: dt.date, snap: RawSnapshot, group: str, source_names: list[str]
) -> None:
    """With a bucket, upload what the group's fetch left in the mirror; a landing on a disk
    is already in place."""
    if layout.remote:
        push(layout.bucket, layout.raw_key(date), snap, group, source_names)
