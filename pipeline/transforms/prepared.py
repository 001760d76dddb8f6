"""A fetched group's sources framed while the next group is fetched.

A daily run fetches the frontend group, then the v1 group, then builds the tables. Fetching
waits on the network with the processor mostly idle, and framing a group's sources (parse,
type check, frame) is about half of the tables step: the frontend's, 0.6 s on a real day, can
be done during the v1 fetch. ``start`` frames the sources of a group that has just landed on
a thread of its own; ``take`` hands the frames to the tables step of the same process if the
answers they were framed from are still the ones the raw snapshot chooses, and otherwise (or
when the framing failed: the tables step then meets the same error itself) nothing, so that
the tables never depend on whether anything was prepared. Another process (the multiprocess
executor, a later run) prepares nothing and frames as before.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future
from typing import Any

from pipeline import sources
from pipeline.raw.reader import TABULATED, RawDocs, read_snapshot
from pipeline.raw.store import RawSnapshot
from pipeline.transforms.frames import SourceFrame, frame_source

Answers = tuple[tuple[Any, ...], ...]

_lock = threading.Lock()
# snapshot folder → source → (the answers framed, the frame being made)
_prepared: dict[str, dict[str, tuple[Answers, Future[SourceFrame]]]] = {}


def _answers(docs: RawDocs, source: str) -> Answers:
    """Which stored bodies stand for the source's calls: what a frame was made of."""
    return tuple(
        (r["key"], r.get("file"), r.get("file_offset"), r.get("file_length"), r.get("sha256"))
        for r in docs.chosen.get(source, [])
    )


def start(snap: RawSnapshot, group: str) -> None:
    """Frame the tabulated sources of ``group`` on a background thread, from what has landed.
    A daemon thread: a process that ends before its tables step does not wait for it."""
    docs = read_snapshot(snap)
    wanted = [s for s in TABULATED if s in sources.GROUPS[group] and docs.chosen.get(s)]
    if not wanted:
        return
    futures: dict[str, Future[SourceFrame]] = {s: Future() for s in wanted}
    with _lock:
        # only this snapshot's: another's whose tables step never came is garbage
        for folder in [f for f in _prepared if f != str(snap.folder)]:
            del _prepared[folder]
        entry = _prepared.setdefault(str(snap.folder), {})
        for source in wanted:
            entry[source] = (_answers(docs, source), futures[source])

    def frame_all() -> None:
        for source, future in futures.items():
            try:
                future.set_result(frame_source(docs, source))
            except BaseException as exc:  # noqa: BLE001 - handed to take(), which drops it
                future.set_exception(exc)

    threading.Thread(target=frame_all, name=f"prepare-{group}", daemon=True).start()


def take(docs: RawDocs) -> dict[str, SourceFrame]:
    """The frames prepared for ``docs``' snapshot that are still right for it (waiting for
    any still being made); each is handed out once."""
    if docs.snap is None:
        return {}
    with _lock:
        entry = _prepared.pop(str(docs.snap.folder), {})
    ready = {}
    for source, (answers, future) in entry.items():
        try:
            frame = future.result()
        except Exception:  # noqa: BLE001 - the tables step frames it again and says why
            continue
        if answers == _answers(docs, source):
            ready[source] = frame
    return ready
