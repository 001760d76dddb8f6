"""Sources framed as they land (pipeline/transforms/prepared.py): the tables step gets exactly
what it would have framed itself from the raw landing, and nothing for a source whose answers
changed since."""

from __future__ import annotations

import gzip
import json

from polars.testing import assert_frame_equal

from pipeline.raw.reader import TABULATED, read_snapshot
from pipeline.raw.store import RawSnapshot
from pipeline.transforms import prepared
from pipeline.transforms.catalog import build_tables
from pipeline.transforms.frames import frame_source
from tests.conftest import ROOT
from tests.support.recorded_day import build_day

DAY = ROOT / "tests" / "fixtures" / "daily_2026-08" / "2026-08-05"


def announce(snap: RawSnapshot) -> None:
    """Every source of the landing announced with its log rows, as the early fetch does."""
    rows = snap.log_rows()
    for source in sorted({r["source"] for r in rows}):
        prepared.frame_later(snap.folder, source, [r for r in rows if r["source"] == source])


def test_frames_made_as_sources_land_are_those_of_the_landing(tmp_path):
    build_day(DAY, tmp_path / "raw")
    snap = RawSnapshot(tmp_path / "raw")
    announce(snap)
    docs = read_snapshot(snap)
    ready = prepared.take(docs)
    assert set(ready) == {s for s in TABULATED if docs.chosen.get(s)}
    assert prepared.take(docs) == {}  # handed out once
    for source, frame in ready.items():
        mine = frame_source(docs, source)
        assert_frame_equal(frame.df, mine.df)
        assert frame.records == mine.records and frame.origins == mine.origins
        assert frame.problems == mine.problems and frame.presence == mine.presence
    # the day's catalog and model list, counted from the recorded files themselves
    catalog = json.loads(gzip.decompress((DAY / "catalog.json.gz").read_bytes()))
    models = json.loads(gzip.decompress((DAY / "models.json.gz").read_bytes()))
    catalog, models = (d["data"] if isinstance(d, dict) else d for d in (catalog, models))
    assert ready["frontend_catalog"].df.height == len(catalog) > 800
    assert ready["v1_models"].df.height == len(models) > 300
    assert sorted(ready["v1_models"].df["id"]) == sorted(m["id"] for m in models)

    # every table is the same built from them as from the landing alone
    with_ready = build_tables(docs, ready).frames
    alone = build_tables(read_snapshot(snap)).frames
    assert with_ready.keys() == alone.keys()
    for name, df in alone.items():
        assert_frame_equal(with_ready[name], df)
    assert alone["endpoints"].height > 1_000


def test_a_source_whose_answers_changed_since_is_framed_again(tmp_path):
    build_day(DAY, tmp_path / "raw")
    snap = RawSnapshot(tmp_path / "raw")
    announce(snap)
    later = read_snapshot(snap)  # a resumed fetch landed another body for one call
    row = later.chosen["frontend_catalog"][0]
    later.chosen["frontend_catalog"][0] = {**row, "sha256": "0" * 64}
    again = prepared.take(later)
    assert "frontend_catalog" not in again
    assert {"v1_models", "frontend_stats_endpoint"} <= set(again)


def test_only_the_newest_snapshot_announced_is_kept(tmp_path):
    for name in ("one", "two"):
        build_day(DAY, tmp_path / name)
        announce(RawSnapshot(tmp_path / name))
    assert prepared.take(read_snapshot(RawSnapshot(tmp_path / "one"))) == {}
    assert "v1_models" in prepared.take(read_snapshot(RawSnapshot(tmp_path / "two")))
