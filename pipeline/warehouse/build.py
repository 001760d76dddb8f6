"""Build ``warehouse.duckdb`` beside the old one and rename it into place.

DuckDB locks its file: a read-write open fails while a notebook holds a read-only one. Building
a new file and ``os.replace``-ing it means new readers see the new views and open readers keep
the old file, and nobody ever sees a half-built database.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipeline import crashpoints
from pipeline.atomic import replacing, sweep_stale
from pipeline.storage import Layout

SQL_DIR = Path(__file__).parent
PLACEHOLDER = "{{tables}}"
KEY_VIEWS = (
    "models",
    "endpoints",
    "providers",
    "data_policies",
    "fetch_log",
    "cheapest_endpoint_per_model",
    "free_variant_training_flags",
    "price_changes",
    "catalog_changes",
    "provider_scorecard",
    "model_price_spread",
)


def sql_files() -> list[Path]:
    return sorted(SQL_DIR.glob("*.sql"))


def build_warehouse(layout: Layout) -> dict[str, int]:
    """Create every view; return the row count of the key views (the build's sanity check)."""
    final = layout.warehouse_path
    final.parent.mkdir(parents=True, exist_ok=True)
    sweep_stale(final.parent)
    tables = layout.tables_dir.as_posix().replace("'", "''")
    files = sql_files()
    with replacing(final) as tmp, duckdb.connect(str(tmp)) as con:
        for i, path in enumerate(files):
            if i == len(files) // 2:
                crashpoints.reached("warehouse_build")
            try:
                con.execute(path.read_text().replace(PLACEHOLDER, tables))
            except duckdb.Error as exc:
                raise RuntimeError(f"warehouse: {path.name} failed: {exc}") from exc
        counts = {v: con.sql(f'SELECT count(*) FROM "{v}"').fetchall()[0][0] for v in KEY_VIEWS}
    return counts
