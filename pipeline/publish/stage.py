"""The staging area of one date's build: ``staging/snapshot_date=D/tables/<table>/
snapshot_date=X/part-0.parquet``, beside ``tables/`` and outside every reader's glob.

A build of D writes D's partitions and, since the next snapshot's diffs are taken against
D, the next date's diff partitions too; it may also drop partitions (a table the date no
longer has). All of that is staged and applied together by ``publish``: until then,
``tables/`` is exactly the previous published state. A held stage stays where it is, for
review (polars, DuckDB and pandas read it as they read ``tables/``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
import shutil
import signal
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.storage import crashpoints
from pipeline.storage.atomic import atomic_write_bytes, replacing, sweep_stale
from pipeline.storage.layout import PART_FILE, Layout

if TYPE_CHECKING:
    import polars as pl


@contextlib.contextmanager
def interrupts_held() -> Iterator[None]:
    """A Ctrl-C that arrives while a date's files move is delivered once they are all in
    place (a blocked SIGINT stays pending), so an interrupt never leaves a date half moved.
    Only a SIGKILL can, and ``recover`` finishes that. The main thread only: signals are
    delivered there."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})


# a publish in progress: the moves it makes, so a kill mid-way can be finished (``recover``)
JOURNAL = "publishing.json"


@dataclass
class Stage:
    layout: Layout
    date: dt.date
    writes: list[tuple[str, dt.date]] = field(default_factory=list)
    drops: list[tuple[str, dt.date]] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"staging/snapshot_date={self.date.isoformat()}"

    @property
    def location(self) -> str:
        """Where the staged tables are, as a folder or an ``s3://`` URL."""
        if self.layout.remote:
            return self.layout.bucket.url(f"{self.key}/tables")
        return str(self.layout.base / self.key / "tables")

    def _rel(self, table: str, date: dt.date) -> str:
        return f"{self.key}/{Layout.partition_key(table, date)}"

    def _file(self, table: str, date: dt.date) -> Path:
        return self.layout.base / self._rel(table, date)

    def clear(self) -> None:
        """Start over: whatever an earlier build of this date staged is discarded."""
        self.writes.clear()
        self.drops.clear()
        if self.layout.remote:
            for rel in self.layout.bucket.list(self.key):
                self.layout.bucket.delete(rel)
        else:
            shutil.rmtree(self.layout.base / self.key, ignore_errors=True)

    def write(self, table: str, date: dt.date, df: pl.DataFrame) -> str:
        """Stage ``table``'s partition of ``date``; returns where it is staged."""
        if self.layout.remote:
            buf = io.BytesIO()
            df.write_parquet(buf, compression="zstd", statistics=True)
            crashpoints.reached("parquet_write", table)
            rel = self._rel(table, date)
            self.layout.bucket.put(rel, buf.getvalue(), crash_detail=table)
            where = self.layout.bucket.url(rel)
        else:
            target = self._file(table, date)
            with replacing(target) as tmp:
                df.write_parquet(tmp, compression="zstd", statistics=True)
                crashpoints.reached("parquet_write", table)
            where = str(target)
        self.writes.append((table, date))
        return where

    def drop(self, table: str, date: dt.date) -> bool:
        """Stage the removal of a published partition; True when there is one."""
        if not self.layout.has_partition(table, date):
            return False
        self.drops.append((table, date))
        return True

    @property
    def journal_key(self) -> str:
        return f"{self.key}/{JOURNAL}"

    def publish(self, tables: Sequence[str], version: str | None = None) -> list[str]:
        """Move every staged partition into ``tables/``, apply the drops, and make the date
        readable; returns where the partitions now are.

        One write decides: the list of published dates (``Layout.published``), which every
        view and every date lookup reads. The date leaves the list before its files move
        (a re-run of a published date), and joins it when all of them are in place, so a kill
        at any point leaves readers with whole dates only: the previous ones, or the new one
        with every table. ``tables``: the daily tables, for a store without the list yet.
        ``version``: the code that built the date (``pipeline/publish/version.py``), stamped
        in the same write that lists it.

        Before the first move, a journal of the moves is kept in the stage: a publish cut
        short by a kill is finished by ``recover`` (the next build or rebuild of the store
        starts with it), so a re-published date is never left off the list for good."""
        listed = self.layout.ensure_published(tables)
        journal = {
            "writes": [[t, d.isoformat()] for t, d in self.writes],
            "drops": [[t, d.isoformat()] for t, d in self.drops],
            "version": version,
        }
        with interrupts_held():
            self._put(self.journal_key, json.dumps(journal).encode())
            if self.date in listed:
                self.layout.write_published(listed - {self.date})
            crashpoints.reached("publish", "unlisted")
            published = self._move(self.writes, self.drops)
            crashpoints.reached("publish", "listed")
            stamp = {self.date: version} if version else None
            self.layout.write_published(listed | {self.date}, stamp)
            self.clear()
        return published

    def _put(self, key: str, body: bytes) -> None:
        if self.layout.remote:
            self.layout.bucket.put(key, body)
        else:
            atomic_write_bytes(self.layout.base / key, body)

    def _staged(self, table: str, date: dt.date) -> bool:
        if self.layout.remote:
            return self.layout.bucket.exists(self._rel(table, date))
        return self._file(table, date).is_file()

    def _move(
        self,
        writes: Sequence[tuple[str, dt.date]],
        drops: Sequence[tuple[str, dt.date]],
        only_staged: bool = False,
    ) -> list[str]:
        published = []
        for table, date in writes:
            crashpoints.reached("publish", table)
            if only_staged and not self._staged(table, date):
                continue  # moved before the kill
            if self.layout.remote:
                self._copy(table, date)
            else:
                final = self.layout.partition_file(table, date)
                final.parent.mkdir(parents=True, exist_ok=True)
                sweep_stale(final.parent)
                os.replace(self._file(table, date), final)
            published.append(self.layout.partition_location(table, date))
        for table, date in drops:
            self.layout.drop_partition(table, date)
        return published

    def _copy(self, table: str, date: dt.date) -> None:
        src = self._rel(table, date)
        self.layout.bucket.copy(src, Layout.partition_key(table, date))
        self.layout.bucket.delete(src)


def recover(layout: Layout) -> list[dt.date]:
    """Finish every publish a kill cut short (a stage holding a journal): the partitions still
    staged are moved, the drops applied, and the date listed with its version. Returns the
    dates so finished."""
    if layout.remote:
        keys = [k for k in layout.bucket.list("staging") if k.endswith(f"/{JOURNAL}")]
        found = [(k, layout.bucket.get(k)) for k in keys]
    else:
        root = layout.base / "staging"
        paths = sorted(root.glob(f"snapshot_date=*/{JOURNAL}")) if root.is_dir() else []
        found = [(str(p), p.read_bytes()) for p in paths]
    done = []
    for where, blob in found:
        date = dt.date.fromisoformat(where.split("snapshot_date=")[1][:10])
        journal = json.loads(blob)
        stage = Stage(layout, date)

        def pairs(key: str) -> list[tuple[str, dt.date]]:
            return [(t, dt.date.fromisoformat(d)) for t, d in journal[key]]  # noqa: B023

        stage._move(pairs("writes"), pairs("drops"), only_staged=True)
        listed = layout.published() or set()
        version = journal.get("version")
        layout.write_published(listed | {date}, {date: version} if version else None)
        stage.clear()
        done.append(date)
    return done


def staged_tables(layout: Layout, date: dt.date) -> list[str]:
    """The tables a held build of ``date`` left staged (for messages and review)."""
    stage = Stage(layout, date)
    if layout.remote:
        keys = layout.bucket.list(stage.key)
        return sorted({k.split("/")[3] for k in keys if k.endswith(f"/{PART_FILE}")})
    root = layout.base / stage.key / "tables"
    return sorted(p.name for p in root.iterdir()) if root.is_dir() else []
