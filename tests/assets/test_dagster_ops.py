"""What a data team does in Dagster: re-run a date, backfill from raw without the API, let the
schedule pick today's partition, and browse it all in the webserver."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import shutil
import socket

import dagster as dg
import duckdb

from assets.definitions import defs
from pipeline.raw.landing import raw_snapshot
from pipeline.storage.layout import Layout
from pipeline.transforms.schemas import TABLES
from tests.conftest import (
    DAILY,
    SAMPLE_DATE,
    materialization,
    materialize_snapshot,
    rebuild_from_raw,
)
from tests.support.recorded_day import build_day


def dead_url() -> str:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def test_rerun_reuses_raw_and_gives_byte_identical_tables(clean_build, replay_url, tmp_path):
    """Idempotence: a re-run of a date rebuilds from the landed raw (no request at all: the
    API is unreachable here) into byte-identical files; ``refetch`` fetches again and gives
    the same rows."""
    clean, _ = clean_build
    shutil.copytree(clean.base, tmp_path / "data")
    layout = Layout(str(tmp_path / "data"))
    date = dt.date.fromisoformat(SAMPLE_DATE)
    # every partition of the date (a source absent that day has none)
    files = {
        t: layout.partition_file(t, date).read_bytes()
        for t in TABLES
        if layout.has_partition(t, date)
    }
    assert len(files) >= len(TABLES) - 2
    raw_log = raw_snapshot(layout, date).log_path("v1").read_bytes()

    result = materialize_snapshot(dead_url(), layout.base)
    assert result.success
    for table, blob in files.items():
        assert layout.partition_file(table, date).read_bytes() == blob, table
    assert raw_snapshot(layout, date).log_path("v1").read_bytes() == raw_log  # nothing was fetched
    raw_meta = materialization(result, "raw_v1").metadata
    assert raw_meta["reused"].value is True and raw_meta["v1_endpoints_ok"].value > 300

    before = {t: layout.read_partition(t, date) for t in files if t != "fetch_log"}
    refetched = materialize_snapshot(replay_url, layout.base, refetch=True)
    assert refetched.success
    assert raw_snapshot(layout, date).log_path("v1").read_bytes() != raw_log  # fetched again
    for table, df in before.items():
        assert layout.read_partition(table, date).equals(df), table
    # one file per partition: the re-run replaced the date, it did not add to it
    assert len(list(layout.table_dir("models").glob(f"snapshot_date={SAMPLE_DATE}/*"))) == 1


def model_ids(day: str) -> set[str]:
    """The model ids of a real day, from its files: v1 ids and catalog rows with variants."""
    folder = DAILY / day
    v1 = json.loads(gzip.decompress((folder / "models.json.gz").read_bytes()))
    catalog = json.loads(gzip.decompress((folder / "catalog.json.gz").read_bytes()))
    ids = {m["id"] for m in v1}
    for c in catalog:
        variant = (c.get("endpoint") or {}).get("variant") or "standard"
        ids.add(c["slug"] if variant == "standard" else f"{c['slug']}:{variant}")
    return ids


def test_backfill_of_past_dates_from_raw_only(tmp_path):
    """Tables and warehouse for two real past dates, with no API resource at all: raw is
    enough. The dates are built newest first."""
    layout = Layout(str(tmp_path))
    dates = ["2026-07-17", "2026-07-18"]
    for d in dates:
        build_day(DAILY / d, layout.raw_dir(dt.date.fromisoformat(d)))
    for d in reversed(dates):
        result = rebuild_from_raw(layout, d)
        assert result.success
    with duckdb.connect(str(layout.warehouse_path), read_only=True) as con:
        got = con.sql(
            "SELECT snapshot_date::VARCHAR, count(*) FROM models_history GROUP BY 1 ORDER BY 1"
        ).fetchall()
        latest = con.sql("SELECT DISTINCT snapshot_date::VARCHAR FROM endpoints").fetchall()
    assert got == [(d, len(model_ids(d))) for d in dates]
    assert got[0][1] != got[1][1]
    assert latest == [("2026-07-18",)]
    # the first date, built last, saw no snapshot before it; the second one did, but was
    # built before the first existed
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert evaluations["models_row_count_change"].metadata["previous_rows"].value is None


def test_schedule_targets_todays_partition_at_six_utc():
    schedule = defs.resolve_schedule_def("daily_snapshot_schedule")
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("0 6 * * *", "UTC")
    tick = schedule.evaluate_tick(
        dg.build_schedule_context(
            scheduled_execution_time=dt.datetime(2026, 7, 20, 6, tzinfo=dt.UTC)
        )
    )
    assert [r.partition_key for r in tick.run_requests] == ["2026-07-20"]
