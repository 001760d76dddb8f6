"""A warehouse file whose views would come out the same is kept, and answers over the files
written since; one whose views would differ (other statements, or a column the code now writes
that a view bound over older files lacks) is built again. On the sample's real tables."""

from __future__ import annotations

import datetime as dt
import shutil

import duckdb
import polars as pl
import pytest

from pipeline.storage.layout import Layout
from pipeline.warehouse.build import build_warehouse
from tests.conftest import SAMPLE_DATE

DATE = dt.date.fromisoformat(SAMPLE_DATE)
NEXT = DATE + dt.timedelta(days=1)


@pytest.fixture
def layout(clean_build, tmp_path) -> Layout:
    clean, _ = clean_build
    shutil.copytree(clean.base, tmp_path / "data")
    layout = Layout(str(tmp_path / "data"))
    build_warehouse(layout, reuse=False)  # built for this folder (the views hold its path)
    return layout


def publish_next(layout: Layout, df: pl.DataFrame) -> None:
    """The next day's models, written and listed as published (as a publish would)."""
    layout.write_partition("models", NEXT, df)
    layout.write_published(layout.published() | {NEXT})


def inode(layout: Layout) -> int:
    return layout.warehouse_path.stat().st_ino


def fresh_count(layout: Layout, sql: str) -> int:
    with duckdb.connect(str(layout.warehouse_path), read_only=True) as con:
        return con.sql(sql).fetchall()[0][0]


def test_a_new_day_is_answered_by_the_file_kept(layout):
    models = layout.read_partition("models", DATE)
    dropped = models["model_id"].head(7).to_list()
    publish_next(layout, models.filter(~pl.col("model_id").is_in(dropped)))
    before = inode(layout)
    counts = build_warehouse(layout)
    assert inode(layout) == before  # not replaced: the same file
    assert counts["models"] == models.height - 7  # the newest snapshot, written after the build
    assert fresh_count(layout, "SELECT count(*) FROM models") == models.height - 7
    assert fresh_count(layout, "SELECT count(DISTINCT snapshot_date) FROM models_history") == 2


def test_other_statements_are_built_again(layout):
    with duckdb.connect(str(layout.warehouse_path)) as con:
        con.execute("UPDATE warehouse_build SET fingerprint = 'views of an older commit'")
    before = inode(layout)
    build_warehouse(layout)
    assert inode(layout) != before


def test_a_column_the_views_lack_is_built_again(layout):
    """The views bound over files without a column; today's file has it: a kept file would
    leave the column out of (or break) the view, so the file is built again."""
    models = layout.read_partition("models", DATE)
    column = "description"
    assert column in models.columns and models[column].drop_nulls().len() > 100
    layout.write_partition("models", DATE, models.drop(column))
    build_warehouse(layout, reuse=False)
    with duckdb.connect(str(layout.warehouse_path), read_only=True) as con:
        assert column not in con.sql("SELECT * FROM models_history LIMIT 0").columns
    publish_next(layout, models)
    before = inode(layout)
    build_warehouse(layout)
    assert inode(layout) != before
    sql = f"SELECT count({column}) FROM models"
    assert fresh_count(layout, sql) == models[column].drop_nulls().len()


def test_reuse_off_always_builds(layout):
    before = inode(layout)
    build_warehouse(layout, reuse=False)
    assert inode(layout) != before
