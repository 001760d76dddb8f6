"""Read Parquet over plain HTTP(S) from DuckDB: a release served by any static web server.

DuckDB 2.0 has no httpfs package here, so, as for buckets (``bucket_fs.py``), a filesystem is
registered on the connection: fsspec's HTTP filesystem, which reads by range requests. DuckDB
asks every file for its modification time, which a static server need not say: the
``Last-Modified`` header when there is one, else the epoch (a release's files never change
once written; a new release is a new folder)."""

from __future__ import annotations

import datetime as dt
from email.utils import parsedate_to_datetime
from typing import Any

from fsspec.implementations.http import HTTPFileSystem

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class HttpFilesystem(HTTPFileSystem):
    """fsspec's HTTP filesystem with the modification time DuckDB asks for."""

    def modified(self, path: str) -> dt.datetime:
        info: dict[str, Any] = self.info(path)
        stamp = info.get("Last-Modified") or info.get("last-modified")
        try:
            return parsedate_to_datetime(stamp) if stamp else EPOCH
        except (TypeError, ValueError):
            return EPOCH


def attach_http(con: Any) -> None:  # noqa: ANN401 - a DuckDB connection
    """Let ``con`` read ``http://`` and ``https://`` paths."""
    con.register_filesystem(HttpFilesystem())
