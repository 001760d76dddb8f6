"""The Dagster home's event log: Dagster's SQLite event log, with its engines kept.

Every step, log line, materialisation and check of a run is one event, and Dagster's SQLite
storage opens a new SQLAlchemy engine for each (and throws away the statements it compiled
with it). A daily run writes hundreds of events, so that set-up was the largest cost of a
run besides the fetch, paid by every way a run starts: the command line, a run launched from the
UI, the schedule (``bench/README.md``, issue #39). This class keeps one engine per database
file for the life of the process and is otherwise Dagster's own: the same files in the same
place (``<home>/history/runs/``), so a home keeps its runs across the change.

Connections are still used one at a time (Dagster's lock), and only the index and the most
recently used run files keep theirs, so a webserver browsing many runs holds a few files open,
not one per run.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from dagster import StringSource
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    INDEX_SHARD_NAME,
    SQLITE_BUSY_TIMEOUT_SECONDS,
    SqliteEventLogStorage,
)
from dagster._serdes import ConfigurableClassData
from sqlalchemy.pool import NullPool, QueuePool

# run files whose engine stays open besides the index's
KEPT_RUN_FILES = 4


class KeptEngineSqliteEventLogStorage(SqliteEventLogStorage):
    """``SqliteEventLogStorage`` under the home given by its ``dagster_home`` config."""

    def __init__(self, dagster_home: str, inst_data: ConfigurableClassData | None = None):
        self._engines: OrderedDict[str, sa.Engine] = OrderedDict()
        self._tables: set[str] = set()
        self._engines_lock = threading.Lock()
        super().__init__(os.path.join(dagster_home, "history", "runs"), inst_data)

    @classmethod
    def config_type(cls) -> dict[str, Any]:
        return {"dagster_home": StringSource}

    @classmethod
    def from_config_value(  # type: ignore[override]
        cls, inst_data: ConfigurableClassData | None, config_value: dict[str, Any]
    ) -> KeptEngineSqliteEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> sa.Engine:
        with self._engines_lock:
            engine = self._engines.get(shard)
            if engine is not None:
                self._engines.move_to_end(shard)
                return engine
            if shard not in self._initialized_dbs:
                # Dagster's own creation and migration check, on an engine of its own kind
                fresh = sa.create_engine(
                    self.conn_string_for_shard(shard),
                    poolclass=NullPool,
                    connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
                )
                self._initdb(fresh)
                fresh.dispose()
                self._initialized_dbs.add(shard)
            engine = sa.create_engine(
                self.conn_string_for_shard(shard),
                poolclass=QueuePool,
                pool_size=1,
                max_overflow=0,
                # Dagster's lock already serialises the connection's users across threads
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
            )
            self._engines[shard] = engine
            runs = [s for s in self._engines if s != INDEX_SHARD_NAME]
            for old in runs[:-KEPT_RUN_FILES]:
                self._engines.pop(old).dispose()
            return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[sa.Connection]:  # type: ignore[override]
        with self._db_lock:
            engine = self._engine(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    def has_table(self, table_name: str) -> bool:
        # asked before every check event; a table once there stays there
        if table_name not in self._tables and super().has_table(table_name):
            self._tables.add(table_name)
        return table_name in self._tables

    def dispose(self) -> None:
        super().dispose()
        with self._engines_lock:
            for engine in self._engines.values():
                engine.dispose()
            self._engines.clear()
