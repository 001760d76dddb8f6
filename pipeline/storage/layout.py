"""Where everything lives. The only module that builds paths from the storage root.

The root is a local folder or an object-store URL (``s3://bucket/prefix``). Under either, the
same keys: ``raw/snapshot_date=D/…`` and ``tables/<table>/snapshot_date=D/part-0.parquet``.
With a bucket, what must stay on this machine stays in ``local_dir`` (default ``./data``): the
DuckDB file of views, the reports and digests, and a scratch mirror of the raw snapshots a
process works on (``pipeline/raw/mirror.py``), which is a cache, never the truth.
"""

from __future__ import annotations

import atexit
import datetime as dt
import io
import json
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.storage import crashpoints
from pipeline.storage.atomic import atomic_write_bytes, replacing, sweep_stale
from pipeline.storage.object_store import Bucket, S3Options, is_object_root

if TYPE_CHECKING:  # polars loads only where a partition is read or written, not for a query
    import polars as pl

PART_FILE = "part-0.parquet"
# the one write that decides which snapshot dates readers see (``pipeline/publish/stage.py``)
PUBLISHED_KEY = "tables/published.json"
SAMPLE_PREFIX = "sample_"
_MIRRORS: dict[str, Path] = {}


def mirror_dir(root: str) -> Path:
    """This process's scratch folder for a bucket root's raw landing, removed at exit: each
    process works on a mirror of the snapshots it touches (``pipeline/raw/mirror.py``)."""
    found = _MIRRORS.get(root)
    if found is None:
        found = _MIRRORS[root] = Path(tempfile.mkdtemp(prefix="openrouter-catalog-raw-"))
        atexit.register(shutil.rmtree, found, True)
    return found


def parse_snapshot_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"snapshot date {value!r} is not YYYY-MM-DD") from None


def _key_date(key: str) -> dt.date:
    """The date of a ``tables/<table>/snapshot_date=D/...`` key."""
    return dt.date.fromisoformat(key.split("/")[2].removeprefix("snapshot_date="))


@dataclass(frozen=True)
class Layout:
    root: str
    # with a bucket root: the local folder of the warehouse file, reports and raw mirror
    local_dir: str | None = None
    s3: S3Options | None = None

    def __post_init__(self) -> None:
        if "://" in self.root and not (
            self.root.startswith("file://") or is_object_root(self.root)
        ):
            scheme = self.root.split("://", 1)[0]
            raise ValueError(
                f"storage root {self.root!r}: {scheme}:// is not supported; use a local "
                "folder or s3://bucket/prefix (any S3-compatible store)"
            )
        if self.remote:
            self.bucket  # noqa: B018 - a malformed s3 URL fails here, at start

    @property
    def remote(self) -> bool:
        return is_object_root(self.root)

    @cached_property
    def bucket(self) -> Bucket:
        if not self.remote:
            raise ValueError(f"storage root {self.root!r} is a local folder, not a bucket")
        return Bucket(self.root, self.s3)

    @property
    def base(self) -> Path:
        """The local folder: the root itself, or ``local_dir`` beside a bucket."""
        local = (self.local_dir or "./data") if self.remote else self.root
        return Path(local.removeprefix("file://")).expanduser().resolve()

    @staticmethod
    def raw_key(date: dt.date) -> str:
        return f"raw/snapshot_date={date.isoformat()}"

    def raw_dir(self, date: dt.date) -> Path:
        """Where the date's raw snapshot is read and written on this machine: the landing
        itself, or with a bucket the process's mirror of it (``pipeline/raw/landing.py``
        opens it, and with a bucket pulls and pushes it)."""
        if self.remote:
            return mirror_dir(self.root) / self.raw_key(date)
        return self.base / self.raw_key(date)

    @property
    def tables_dir(self) -> Path:
        if self.remote:
            raise ValueError("a bucket root has no tables folder on disk; use tables_location")
        return self.base / "tables"

    @property
    def tables_location(self) -> str:
        """The tables' root as a DuckDB/polars path: a folder or an ``s3://`` URL."""
        return self.bucket.url("tables") if self.remote else str(self.base / "tables")

    @staticmethod
    def partition_key(table: str, date: dt.date) -> str:
        return f"tables/{table}/snapshot_date={date.isoformat()}/{PART_FILE}"

    def partition_location(self, table: str, date: dt.date) -> str:
        if self.remote:
            return self.bucket.url(self.partition_key(table, date))
        return str(self.partition_file(table, date))

    def has_partition(self, table: str, date: dt.date) -> bool:
        if self.remote:
            return self.bucket.exists(self.partition_key(table, date))
        return self.partition_file(table, date).is_file()

    def table_dir(self, table: str) -> Path:
        return self.tables_dir / table

    def partition_file(self, table: str, date: dt.date) -> Path:
        return self.table_dir(table) / f"snapshot_date={date.isoformat()}" / PART_FILE

    def table_glob(self, table: str) -> str:
        return f"{self.tables_location}/{table}/snapshot_date=*/*.parquet"

    @property
    def warehouse_path(self) -> Path:
        return self.base / "warehouse.duckdb"

    @property
    def report_path(self) -> Path:
        return self.base / "reports" / "catalog_report.html"

    def digest_path(self, date: dt.date) -> Path:
        """The Markdown digest of one snapshot date (catalog_digest, ``openrouter-catalog
        digest``)."""
        return self.base / "reports" / f"digest_{date.isoformat()}.md"

    def report_path_for(self, date: dt.date) -> Path:
        """The report of one snapshot date (what that partition's materialisation links)."""
        return self.base / "reports" / f"catalog_report_{date.isoformat()}.html"

    def attach(self, con: object) -> None:
        """Let a DuckDB connection read this root: with a bucket, register its filesystem
        (``pipeline/storage/bucket_fs.py``; DuckDB 2.0 has no httpfs package here). Every connection
        that queries the views needs it; the database file does not keep it."""
        if self.remote:
            con.register_filesystem(self.bucket.filesystem())  # type: ignore[attr-defined]

    def read_file(self, ref: str) -> bytes:
        """A file named by a path, or by an ``s3://`` URL under this root (archives a sensor
        found in the bucket, landed by whichever process runs the import)."""
        if not ref.startswith("s3://"):
            return Path(ref).read_bytes()
        if not self.remote or not ref.startswith(self.bucket.root + "/"):
            raise ValueError(f"{ref} is not under the storage root {self.root}")
        return self.bucket.get(ref[len(self.bucket.root) + 1 :])

    def write_report(self, path: Path, data: bytes) -> str:
        """A report or digest (a file under ``reports/``), renamed into place; with a bucket,
        also put under the bucket's ``reports/``, since a pod's or worker's folder is gone
        when its run ends and the bucket is what the team shares. Returns where it is
        shared: the bucket URL, or the local path."""
        atomic_write_bytes(path, data)
        if not self.remote:
            return str(path)
        rel = f"reports/{path.name}"
        self.bucket.put(rel, data)
        return self.bucket.url(rel)

    def write_partition(self, table: str, date: dt.date, df: pl.DataFrame) -> Path:
        """One Parquet file per (table, date), renamed into place: a re-run replaces the date
        atomically and readers never see a partial file. ``snapshot_date`` lives in the path
        (hive style), not in the file."""
        return self.write_parquet(self.partition_key(table, date), df, table)  # type: ignore[return-value]

    def write_parquet(self, key: str, df: pl.DataFrame, what: str = "") -> Path | str:
        """``df`` as one whole Parquet file at ``key`` under the root: renamed into place on a
        disk, one PUT in a bucket (visible only when complete,
        ``pipeline/storage/object_store.py``); returns where it is."""
        what = what or key
        if self.remote:
            buf = io.BytesIO()
            df.write_parquet(buf, compression="zstd", statistics=True)
            crashpoints.reached("parquet_write", what)
            self.bucket.put(key, buf.getvalue(), crash_detail=what)
            return self.bucket.url(key)
        target = self.base / key
        sweep_stale(target.parent)
        with replacing(target) as tmp:
            df.write_parquet(tmp, compression="zstd", statistics=True)
            crashpoints.reached("parquet_write", what)
        return target

    def drop_partition(self, table: str, date: dt.date) -> bool:
        """Remove the date's partition of ``table`` (a rebuilt date that no longer has the
        table); True when there was one."""
        if self.remote:
            if not self.has_partition(table, date):
                return False
            self.bucket.delete(self.partition_key(table, date))
            return True
        target = self.partition_file(table, date)
        if not target.is_file():
            return False
        target.unlink()
        return True

    def dates(self, table: str) -> list[dt.date]:
        """Every published snapshot date that has a partition of ``table`` (a partition of a
        date whose publish was cut short is not one)."""
        found = self.partition_dates(table)
        published = self.published()
        return found if published is None else [d for d in found if d in published]

    def partition_dates(self, table: str) -> list[dt.date]:
        """Every snapshot date with a partition file of ``table``, published or not."""
        if self.remote:
            return sorted(
                _key_date(key)
                for key in self.bucket.list(f"tables/{table}")
                if key.endswith(f"/{PART_FILE}") and "/snapshot_date=" in key
            )
        return sorted(
            dt.date.fromisoformat(p.parent.name.removeprefix("snapshot_date="))
            for p in self.table_dir(table).glob(f"snapshot_date=*/{PART_FILE}")
        )

    @property
    def published_location(self) -> str:
        """The published dates, as DuckDB reads them: a file path or an ``s3://`` URL."""
        if self.remote:
            return self.bucket.url(PUBLISHED_KEY)
        return str(self.base / PUBLISHED_KEY)

    def _published_doc(self) -> dict | None:
        if self.remote:
            if not self.bucket.exists(PUBLISHED_KEY):
                return None
            blob = self.bucket.get(PUBLISHED_KEY)
        else:
            path = self.base / PUBLISHED_KEY
            if not path.is_file():
                return None
            blob = path.read_bytes()
        return json.loads(blob)

    def published(self) -> set[dt.date] | None:
        """The snapshot dates readers see; None for a store written before the list existed
        (every partition is then published)."""
        doc = self._published_doc()
        return None if doc is None else {dt.date.fromisoformat(d) for d in doc["dates"]}

    def builds(self) -> dict[dt.date, str]:
        """The version of the code that built each published date (``pipeline/publish/
        version.py``); a date published before versions were kept has none."""
        doc = self._published_doc() or {}
        return {
            dt.date.fromisoformat(b["date"]): b["version"]
            for b in doc.get("builds") or []
            if b.get("version")
        }

    def write_published(
        self, dates: set[dt.date], builds: dict[dt.date, str] | None = None
    ) -> None:
        """Replace the list of published dates, and the version each was built by, in one
        write (a rename, or one PUT). ``builds``: the stamps to set; the listed dates keep
        the ones they had."""
        kept = {**self.builds(), **(builds or {})}
        body = json.dumps(
            {
                "dates": sorted(d.isoformat() for d in dates),
                "builds": [
                    {"date": d.isoformat(), "version": kept[d]} for d in sorted(dates) if d in kept
                ],
            },
            indent=1,
        ).encode()
        if self.remote:
            self.bucket.put(PUBLISHED_KEY, body)
        else:
            atomic_write_bytes(self.base / PUBLISHED_KEY, body)

    def ensure_published(self, tables: Sequence[str]) -> set[dt.date]:
        """The published dates, the list first written from the partitions of ``tables`` on
        a store that has none yet."""
        found = self.published()
        if found is None:
            found = {d for t in tables for d in self.partition_dates(t)}
            self.write_published(found)
        return found

    def has_files_after(self, date: dt.date) -> bool:
        """Whether any table has a file dated after ``date`` (a daily partition or a sample):
        if not, the views as of ``date`` are the views of everything."""
        if self.remote:
            return any(
                key.endswith(".parquet") and "/snapshot_date=" in key and _key_date(key) > date
                for key in self.bucket.list("tables")
            )
        return any(
            dt.date.fromisoformat(folder.name.removeprefix("snapshot_date=")) > date
            and any(folder.glob("*.parquet"))
            for folder in self.tables_dir.glob("*/snapshot_date=*")
        )

    def has_any(self, table: str) -> bool:
        """Whether ``table`` has a partition of any date (for a sampled table: a sample)."""
        if self.remote:
            return bool(self.dates(table)) or bool(self.bucket.list(f"tables/{table}"))
        return (
            any(self.table_dir(table).glob(f"snapshot_date=*/{PART_FILE}"))
            or any(self.table_dir(table).glob(f"snapshot_date=*/{SAMPLE_PREFIX}*.parquet"))
            or any(self.table_dir(table).glob(f"date=*/{PART_FILE}"))  # stored by data date
        )

    # A sampled table (several samples a day, endpoint_performance_samples) holds one file per
    # sample in its date's partition, each renamed (or PUT) into place whole: a reader sees
    # every sample that landed and none half, and the views read the partition like any other.
    @staticmethod
    def sample_key(table: str, at: dt.datetime) -> str:
        return (
            f"tables/{table}/snapshot_date={at.date().isoformat()}/"
            f"{SAMPLE_PREFIX}{at.strftime('%H%M')}.parquet"
        )

    def write_sample(self, table: str, at: dt.datetime, df: pl.DataFrame) -> str:
        """One sample's rows as its own file; a sample taken again at the same minute
        replaces it. Returns where it is."""
        key = self.sample_key(table, at)
        if self.remote:
            buf = io.BytesIO()
            df.write_parquet(buf, compression="zstd", statistics=True)
            self.bucket.put(key, buf.getvalue(), crash_detail=table)
            return self.bucket.url(key)
        target = self.base / key
        target.parent.mkdir(parents=True, exist_ok=True)
        sweep_stale(target.parent)
        with replacing(target) as tmp:
            df.write_parquet(tmp, compression="zstd", statistics=True)
            crashpoints.reached("parquet_write", table)
        return str(target)

    def sample_times(self, table: str) -> list[dt.datetime]:
        """Every sample of a sampled table, oldest first."""
        if self.remote:
            keys = self.bucket.list(f"tables/{table}")
        else:
            keys = [
                p.relative_to(self.base).as_posix()
                for p in self.table_dir(table).glob(f"snapshot_date=*/{SAMPLE_PREFIX}*.parquet")
            ]
        out = []
        for key in keys:
            parts = key.split("/")
            if len(parts) != 4 or not parts[3].startswith(SAMPLE_PREFIX):
                continue
            day = parts[2].removeprefix("snapshot_date=")
            hhmm = parts[3].removeprefix(SAMPLE_PREFIX).removesuffix(".parquet")
            out.append(dt.datetime.fromisoformat(f"{day}T{hhmm[:2]}:{hhmm[2:]}+00:00"))
        return sorted(out)

    def sample_raw_key(self, at: dt.datetime) -> str:
        """The answers of one sample as received (gzip JSON lines)."""
        return f"raw_samples/snapshot_date={at.date().isoformat()}/{at.strftime('%H%M')}.jsonl.gz"

    def write_sample_raw(self, at: dt.datetime, data: bytes) -> str:
        key = self.sample_raw_key(at)
        if self.remote:
            self.bucket.put(key, data)
            return self.bucket.url(key)
        target = self.base / key
        atomic_write_bytes(target, data)
        return str(target)

    def previous_date(self, table: str, date: dt.date) -> dt.date | None:
        """The newest snapshot of ``table`` before ``date``, if any."""
        earlier = [d for d in self.dates(table) if d < date]
        return earlier[-1] if earlier else None

    def next_date(self, table: str, date: dt.date) -> dt.date | None:
        """The oldest snapshot of ``table`` after ``date``, if any."""
        later = [d for d in self.dates(table) if d > date]
        return later[0] if later else None

    def read_partition(
        self, table: str, date: dt.date, columns: Sequence[str] | None = None
    ) -> pl.DataFrame:
        import polars as pl

        cols = list(columns) if columns is not None else None
        if self.remote:
            blob = io.BytesIO(self.bucket.get(self.partition_key(table, date)))
            return pl.read_parquet(blob, columns=cols)
        return pl.read_parquet(self.partition_file(table, date), columns=cols)

    def row_count(self, table: str, date: dt.date) -> int:
        """From the Parquet footer: no column is read."""
        import polars as pl

        if self.remote:
            return self.read_partition(table, date).height
        return pl.scan_parquet(self.partition_file(table, date)).select(pl.len()).collect().item()


def data_date_key(table: str, date: dt.date) -> str:
    """A table stored by the date its rows describe (``date=D``), not by snapshot date."""
    return f"tables/{table}/date={date.isoformat()}/{PART_FILE}"


def data_dates(layout: Layout, table: str) -> list[dt.date]:
    """Every ``date=D`` partition of a table stored by data date."""
    if layout.remote:
        keys = layout.bucket.list(f"tables/{table}")
        return sorted(
            dt.date.fromisoformat(k.split("/")[2].removeprefix("date="))
            for k in keys
            if k.endswith(f"/{PART_FILE}") and k.split("/")[2].startswith("date=")
        )
    return sorted(
        dt.date.fromisoformat(p.parent.name.removeprefix("date="))
        for p in (layout.tables_dir / table).glob(f"date=*/{PART_FILE}")
    )
