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


# bytes fetched beyond what a read asks for: fsspec's default (5 MB) would fetch most of a
# release's file to read one row group of it
BLOCK_BYTES = 64 * 1024


class HttpFilesystem(HTTPFileSystem):
    """fsspec's HTTP filesystem with the modification time DuckDB asks for, reading small
    blocks so a query fetches its row groups and little more."""

    def __init__(self, **kwargs: Any) -> None:  # noqa: ANN401
        kwargs.setdefault("block_size", BLOCK_BYTES)
        super().__init__(**kwargs)

    def _open(self, path: str, mode: str = "rb", block_size: int | None = None, **kwargs: Any):  # noqa: ANN202, ANN401
        # a block size of 0 (or none) would stream the whole file from its start, once per
        # open: always ranges; and no read-ahead, since DuckDB asks for each column chunk it
        # needs and a block around each of 150 small chunks is most of a row group again
        kwargs.setdefault("cache_type", "none")
        return super()._open(path, mode, block_size=block_size or BLOCK_BYTES, **kwargs)

    async def _exists(self, path: str, **kwargs: Any) -> bool:  # noqa: ANN401
        # fsspec asks with a GET, which a server answers with the whole file: a HEAD says it
        try:
            await self._info(path, **kwargs)
        except FileNotFoundError:
            return False
        return True

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
