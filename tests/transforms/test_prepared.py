"""Frames made while the next group is fetched (pipeline/transforms/prepared.py): the tables
step gets exactly what it would have framed itself, and nothing once the answers changed."""

from __future__ import annotations

import polars as pl
from polars.testing import assert_frame_equal

from pipeline import sources
from pipeline.raw.reader import read_snapshot
from pipeline.raw.store import RawSnapshot
from pipeline.transforms import prepared
from pipeline.transforms.catalog import build_tables
from pipeline.transforms.frames import frame_source
from tests.conftest import ROOT
from tests.support.recorded_day import build_day

DAY = ROOT / "tests" / "fixtures" / "daily_2026-08" / "2026-08-05"


def test_prepared_frames_are_the_frames_and_stale_ones_are_dropped(tmp_path):
    build_day(DAY, tmp_path / "raw")
    snap = RawSnapshot(tmp_path / "raw")
    prepared.start(snap, "frontend")
    docs = read_snapshot(snap)
    ready = prepared.take(docs)
    frontend = {"frontend_catalog", "frontend_all_providers", "frontend_stats_endpoint"}
    assert frontend <= set(ready) <= set(sources.GROUPS["frontend"])
    for source, frame in ready.items():
        mine = frame_source(docs, source)
        assert_frame_equal(frame.df, mine.df)
        assert frame.records == mine.records and frame.origins == mine.origins
    assert ready["frontend_catalog"].df.height == 838  # the day's catalog rows
    assert prepared.take(docs) == {}  # handed out once

    # the same tables with and without them
    with_ready = build_tables(docs, ready).frames
    alone = build_tables(read_snapshot(snap)).frames
    assert with_ready.keys() == alone.keys()
    for name, df in alone.items():
        assert_frame_equal(with_ready[name], df)
    assert alone["endpoints"].height > 1000

    # an answer that changed since (a resumed fetch landed another body): that source is framed
    # again, the others are still handed out
    prepared.start(snap, "frontend")
    later = read_snapshot(snap)
    row = later.chosen["frontend_catalog"][0]
    later.chosen["frontend_catalog"][0] = {**row, "sha256": "0" * 64}
    again = prepared.take(later)
    assert "frontend_catalog" not in again and "frontend_stats_endpoint" in again
    assert isinstance(again["frontend_stats_endpoint"].df, pl.DataFrame)
