"""Where everything lives. The only module that builds paths from the storage root.

Local roots are folders; an object-store root (``s3://bucket/prefix``) is recognised so that a
clear error says it is not wired yet, instead of a folder called ``s3:`` appearing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline import crashpoints
from pipeline.atomic import replacing, sweep_stale
from pipeline.raw_store import RawSnapshot

if TYPE_CHECKING:  # polars loads only where a partition is read or written, not for a query
    import polars as pl

PART_FILE = "part-0.parquet"


def parse_snapshot_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"snapshot date {value!r} is not YYYY-MM-DD") from None


@dataclass(frozen=True)
class Layout:
    root: str

    def __post_init__(self) -> None:
        if "://" in self.root and not self.root.startswith("file://"):
            raise ValueError(
                f"storage root {self.root!r}: object-store roots are not supported yet; "
                "use a local folder"
            )

    @property
    def base(self) -> Path:
        return Path(self.root.removeprefix("file://")).expanduser().resolve()

    def raw_dir(self, date: dt.date) -> Path:
        return self.base / "raw" / f"snapshot_date={date.isoformat()}"

    def raw(self, date: dt.date) -> RawSnapshot:
        return RawSnapshot(self.raw_dir(date))

    @property
    def tables_dir(self) -> Path:
        return self.base / "tables"

    def table_dir(self, table: str) -> Path:
        return self.tables_dir / table

    def partition_file(self, table: str, date: dt.date) -> Path:
        return self.table_dir(table) / f"snapshot_date={date.isoformat()}" / PART_FILE

    def table_glob(self, table: str) -> str:
        return str(self.table_dir(table) / "snapshot_date=*" / "*.parquet")

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

    def write_partition(self, table: str, date: dt.date, df: pl.DataFrame) -> Path:
        """One Parquet file per (table, date), renamed into place: a re-run replaces the date
        atomically and readers never see a partial file. ``snapshot_date`` lives in the path
        (hive style), not in the file."""
        target = self.partition_file(table, date)
        sweep_stale(target.parent)
        with replacing(target) as tmp:
            df.write_parquet(tmp, compression="zstd", statistics=True)
            crashpoints.reached("parquet_write", table)
        return target

    def drop_partition(self, table: str, date: dt.date) -> bool:
        """Remove the date's partition of ``table`` (a rebuilt date that no longer has the
        table); True when there was one."""
        target = self.partition_file(table, date)
        if not target.is_file():
            return False
        target.unlink()
        return True

    def dates(self, table: str) -> list[dt.date]:
        """Every snapshot date that has a partition of ``table``."""
        return sorted(
            dt.date.fromisoformat(p.parent.name.removeprefix("snapshot_date="))
            for p in self.table_dir(table).glob(f"snapshot_date=*/{PART_FILE}")
        )

    def previous_date(self, table: str, date: dt.date) -> dt.date | None:
        """The newest snapshot of ``table`` before ``date``, if any."""
        earlier = [d for d in self.dates(table) if d < date]
        return earlier[-1] if earlier else None

    def next_date(self, table: str, date: dt.date) -> dt.date | None:
        """The oldest snapshot of ``table`` after ``date``, if any."""
        later = [d for d in self.dates(table) if d > date]
        return later[0] if later else None

    def read_partition(self, table: str, date: dt.date) -> pl.DataFrame:
        import polars as pl

        return pl.read_parquet(self.partition_file(table, date))

    def row_count(self, table: str, date: dt.date) -> int:
        """From the Parquet footer: no column is read."""
        import polars as pl

        return pl.scan_parquet(self.partition_file(table, date)).select(pl.len()).collect().item()
