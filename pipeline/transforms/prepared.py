"""Sources framed as they land, while the rest of the snapshot is still being fetched.

Framing a source (parse its bodies, check every value against its description, build its
frame) is most of the tables step, and a run that fetches early (``pipeline/fetch/early.py``)
hears of each source as it lands, one after another (the fetch's ``LANDING_ORDER``), while
the command's own process only waits for the fetch. ``frame_later`` frames a landed source
on a thread of its own; the tables step then ``take``s the frames whose answers are still
the ones the raw snapshot chooses. Any other (a later fetch of the date, a resumed one), or a
framing that failed, it frames itself as before, so the tables never depend on whether
anything was prepared, only on the raw landing. Another process (the multiprocess executor,
a later run) prepares nothing and frames as before.

Only frames of one snapshot are kept: those of another, whose tables step never came, are
dropped. The frames are what the tables step would hold anyway; the parsed bodies of one
batch are all the thread holds besides.
"""

from __future__ import annotations

import queue
import threading
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.raw.reader import TABULATED, RawDocs, choose
from pipeline.raw.store import RawSnapshot

if TYPE_CHECKING:  # polars comes with the frames: imported on the thread, not by the caller
    from pipeline.transforms.frames import SourceFrame

Answers = tuple[tuple[Any, ...], ...]

_lock = threading.Lock()
# snapshot folder → source → (the answers framed, the frame being made)
_prepared: dict[str, dict[str, tuple[Answers, Future[SourceFrame]]]] = {}
_jobs: queue.SimpleQueue[tuple[RawSnapshot, str, list[dict[str, Any]], Future[Any]]] = (
    queue.SimpleQueue()
)
_thread: threading.Thread | None = None


def _answers(rows: list[dict[str, Any]]) -> Answers:
    """Which stored bodies stand for a source's calls: what a frame was made of."""
    return tuple(
        (r["key"], r.get("file"), r.get("file_offset"), r.get("file_length"), r.get("sha256"))
        for r in rows
    )


def _folder(folder: Path | str) -> str:
    return str(Path(folder).resolve())


def frame_later(folder: Path | str, source: str, rows: list[dict[str, Any]]) -> None:
    """Frame ``source`` of the snapshot in ``folder`` from these log rows of its fetch (every
    body in its pack), on the preparing thread. Returns at once: the caller reads the fetch's
    messages, which must not wait."""
    global _thread
    if source not in TABULATED:
        return
    chosen = choose(rows).get(source, [])
    if not chosen:
        return
    key = _folder(folder)
    future: Future[SourceFrame] = Future()
    with _lock:
        for other in [f for f in _prepared if f != key]:
            del _prepared[other]
        _prepared.setdefault(key, {})[source] = (_answers(chosen), future)
        if _thread is None:
            # a daemon: a process that ends before its tables step does not wait for it
            _thread = threading.Thread(target=_work, name="prepare-sources", daemon=True)
            _thread.start()
    _jobs.put((RawSnapshot(key), source, chosen, future))


def _work() -> None:
    from pipeline.transforms.frames import frame_source

    while True:
        snap, source, chosen, future = _jobs.get()
        if not future.set_running_or_notify_cancel():
            continue
        try:
            future.set_result(frame_source(RawDocs(snap=snap, chosen={source: chosen}), source))
        except BaseException as exc:  # noqa: BLE001 - handed to take(), which drops it
            future.set_exception(exc)
        del snap, chosen, future  # the frame is take()'s to keep or drop, not this loop's


def take(docs: RawDocs) -> dict[str, SourceFrame]:
    """The frames prepared for ``docs``' snapshot that are still right for it (waiting for
    any still being made); each is handed out once."""
    if docs.snap is None:
        return {}
    with _lock:
        entry = _prepared.pop(_folder(docs.snap.folder), {})
    ready = {}
    for source, (answers, future) in entry.items():
        if answers != _answers(docs.chosen.get(source, [])):
            future.cancel()
            continue
        try:
            ready[source] = future.result()
        except Exception:  # noqa: BLE001, S112 - the tables step frames it again and says why
            continue
    return ready
