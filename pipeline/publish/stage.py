"""The staging area of one date's build: ``staging/snapshot_date=D/tables/<table>/
snapshot_date=X/part-0.parquet``, beside ``tables/`` and outside every reader's glob.

A build of D writes D's partitions and, since the next snapshot's diffs are taken against
D, the next date's diff partitions too; it may also drop partitions (a table the date no
longer has). All of that is staged and applied together by ``publish``: until then,
``tables/`` is exactly the previous published state. A held stage stays where it is, for
review (polars, DuckDB and pandas read it as they read ``tables/``).
"""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.storage import crashpoints
from pipeline.storage.atomic import replacing, sweep_stale
from pipeline.storage.layout import PART_FILE, Layout

if TYPE_CHECKING:
    import polars as pl


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

    def publish(self, tables: Sequence[str]) -> list[str]:
        """Move every staged partition into ``tables/``, apply the drops, and make the date
        readable; returns where the partitions now are.

        One write decides: the list of published dates (``Layout.published``), which every
        view and every date lookup reads. The date leaves the list before its files move
        (a re-run of a published date), and joins it when all of them are in place, so a kill
        at any point leaves readers with whole dates only: the previous ones, or the new one
        with every table. ``tables``: the daily tables, for a store without the list yet."""
        listed = self.layout.ensure_published(tables)
        if self.date in listed:
            self.layout.write_published(listed - {self.date})
        crashpoints.reached("publish", "unlisted")
        published = []
        for table, date in self.writes:
            crashpoints.reached("publish", table)
            if self.layout.remote:
                self._copy(table, date)
            else:
                final = self.layout.partition_file(table, date)
                final.parent.mkdir(parents=True, exist_ok=True)
                sweep_stale(final.parent)
                os.replace(self._file(table, date), final)
            published.append(self.layout.partition_location(table, date))
        for table, date in self.drops:
            self.layout.drop_partition(table, date)
        crashpoints.reached("publish", "listed")
        self.layout.write_published(listed | {self.date})
        self.clear()
        return published

    def _copy(self, table: str, date: dt.date) -> None:
        src = self._rel(table, date)
        self.layout.bucket.copy(src, Layout.partition_key(table, date))
        self.layout.bucket.delete(src)


def staged_tables(layout: Layout, date: dt.date) -> list[str]:
    """The tables a held build of ``date`` left staged (for messages and review)."""
    stage = Stage(layout, date)
    if layout.remote:
        keys = layout.bucket.list(stage.key)
        return sorted({k.split("/")[3] for k in keys if k.endswith(f"/{PART_FILE}")})
    root = layout.base / stage.key / "tables"
    return sorted(p.name for p in root.iterdir()) if root.is_dir() else []
