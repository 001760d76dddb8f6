"""Runs killed with SIGKILL at several points: during the fetch, inside a Parquet write and in
the middle of the warehouse build. Readers must keep seeing the last complete state of every
partition, and the next run of the date must finish with rows identical to a run that was
never interrupted.

State A is the bundled sample (2026-07-19) already published. The killed run re-fetches the
same date from a replay of a different real day (2026-07-18), state B, so a reader that saw
half of the new state would be told apart from one that saw the old.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipeline.cli.demo import run_command
from pipeline.raw.landing import raw_snapshot
from pipeline.replay.launcher import replay_server
from pipeline.storage.crashpoints import ENV as CRASH_ENV
from pipeline.storage.layout import Layout
from pipeline.transforms.schemas import TABLES
from pipeline.warehouse.build import build_warehouse
from tests.conftest import ROOT, SAMPLE_DATE, materialize_snapshot
from tests.support.recorded_day import build_day

DATE = dt.date.fromisoformat(SAMPLE_DATE)
DAY_B = Path(__file__).parents[1] / "fixtures" / "daily_2026-07" / "2026-07-18"


def cli_run(url: str, data_dir: Path, *flags: str, env: dict[str, str] | None = None) -> list:
    cmd = run_command(url, str(data_dir), SAMPLE_DATE, *flags)
    return [cmd, {**os.environ, **(env or {})}]


def run(url: str, data_dir: Path, *flags: str, env: dict[str, str] | None = None):
    cmd, environ = cli_run(url, data_dir, *flags, env=env)
    return subprocess.run(cmd, env=environ, cwd=ROOT, capture_output=True, text=True, timeout=300)


def tables(layout: Layout) -> dict[str, pl.DataFrame]:
    """Every partition of the date (a table on a cadence may have none: not asked)."""
    return {
        t: layout.read_partition(t, DATE)
        for t in TABLES
        if t != "fetch_log" and layout.partition_file(t, DATE).is_file()
    }


def same(a: pl.DataFrame, b: pl.DataFrame) -> bool:
    return a.equals(b)


@pytest.fixture(scope="module")
def day_b(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("day_b") / "raw"
    build_day(DAY_B, folder)
    return folder


@pytest.fixture(scope="module")
def server_b(day_b):
    with replay_server(day_b) as url:
        yield url


@pytest.fixture(scope="module")
def slow_server_b(day_b):
    """Day B with 5 ms per response, so that a kill from outside lands mid-fetch."""
    with replay_server(day_b, "--latency-ms", "5") as url:
        yield url


@pytest.fixture(scope="module")
def state_b(server_b, tmp_path_factory) -> dict[str, pl.DataFrame]:
    """The uninterrupted run of day B's responses for the date."""
    layout = Layout(str(tmp_path_factory.mktemp("reference_b")))
    assert materialize_snapshot(server_b, layout.base).success
    return tables(layout)


@pytest.fixture
def published_a(clean_build, tmp_path) -> Layout:
    """A copy of the published sample (state A), with its warehouse rebuilt for the copy."""
    clean, _ = clean_build
    shutil.copytree(clean.base, tmp_path / "data")
    layout = Layout(str(tmp_path / "data"))
    build_warehouse(layout)
    return layout


def assert_readers_see_complete_partitions(
    layout: Layout, state_a: dict, state_b: dict, must_be_a: set[str]
) -> None:
    for table, df in tables(layout).items():
        assert same(df, state_a[table]) or (table not in must_be_a and same(df, state_b[table])), (
            f"{table}: the partition is neither the old nor the new complete state"
        )
    # every file a Parquet glob picks up is whole, and the warehouse (old or new) answers
    for table in TABLES:
        if layout.has_any(table):  # a source absent on every date has no partition at all
            pl.scan_parquet(layout.table_glob(table), hive_partitioning=True).collect()
    with duckdb.connect(str(layout.warehouse_path), read_only=True) as con:
        for view in ("models", "endpoints", "cheapest_endpoint_per_model", "price_changes"):
            con.sql(f"SELECT count(*) FROM {view}").fetchall()
        n = con.sql("SELECT count(*) FROM endpoints").fetchall()[0][0]
    assert n == tables(layout)["endpoints"].height
    stray = [p for p in layout.base.rglob("*") if p.name.endswith(".tmp")]
    return stray


@pytest.mark.parametrize(
    "crash_at, must_be_a",
    [
        ("raw_body:150", set(TABLES)),  # mid-fetch: no table has been touched
        ("parquet_write:endpoints", {"endpoints"}),  # the endpoints file written, not renamed
        ("warehouse_build", set()),  # every table new, the new warehouse half built
    ],
)
def test_killed_run_leaves_last_complete_state_and_resumes(
    crash_at, must_be_a, published_a, server_b, state_b, clean_build
):
    layout = published_a
    state_a = tables(layout)
    assert not all(same(state_a[t], state_b[t]) for t in state_a)  # A and B are told apart
    if crash_at == "warehouse_build":  # views of another commit: the run must build anew
        with duckdb.connect(str(layout.warehouse_path)) as con:
            con.execute("UPDATE warehouse_build SET fingerprint = 'views of an older commit'")
    killed = run(server_b, layout.base, "--refetch", env={CRASH_ENV: crash_at})
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    stray = assert_readers_see_complete_partitions(layout, state_a, state_b, must_be_a)
    if not crash_at.startswith("raw_body"):
        assert stray, "the kill should have left a temporary behind (else it hit no write)"

    # the same run again (in-process: the same assets, without a second interpreter start)
    assert materialize_snapshot(server_b, layout.base, refetch=True).success
    got = tables(layout)
    for table, df in state_b.items():
        assert same(got[table], df), f"{table} differs from the uninterrupted run"
    assert not [p for p in layout.base.rglob("*") if p.name.endswith(".tmp")]


GZIP_MEMBER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00"  # magic, deflate, no flags, no mtime


def test_kill_from_outside_at_a_random_moment_of_the_fetch(
    published_a, slow_server_b, server_b, state_b
):
    layout = published_a
    state_a = tables(layout)
    cmd, environ = cli_run(slow_server_b, layout.base, "--refetch")
    proc = subprocess.Popen(
        cmd, env=environ, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    raw = layout.raw_dir(DATE) / "v1_endpoints"
    before = {p.name: p.stat().st_mtime_ns for p in raw.glob("*.gz")}
    deadline = time.monotonic() + 120

    def members(p: Path) -> int:
        """Gzip members of a pack the refetch wrote (0 for the old ones; a refetch starts the
        date over, so an old pack may vanish between the listing and the read)."""
        try:
            if before.get(p.name) == p.stat().st_mtime_ns:
                return 0
            return p.read_bytes().count(GZIP_MEMBER)
        except FileNotFoundError:
            return 0

    while time.monotonic() < deadline and proc.poll() is None:
        # the refetch lands its bodies in a new pack: count its gzip members (their header)
        landed = sum(members(p) for p in raw.glob("*.gz"))
        if landed >= 40:
            break
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    assert proc.wait() == -signal.SIGKILL, "the run ended before it could be killed mid-fetch"
    assert_readers_see_complete_partitions(layout, state_a, state_b, set(TABLES))
    assert not raw_snapshot(layout, DATE).is_complete("v1")

    assert materialize_snapshot(server_b, layout.base, refetch=True).success
    got = tables(layout)
    for table, df in state_b.items():
        assert same(got[table], df), f"{table} differs from the uninterrupted run"


def test_tables_refuse_a_raw_group_whose_fetch_never_finished(tmp_path):
    """A fetch killed mid-way leaves bodies without a log: rebuilding the tables from that raw
    must stop with a reason, not publish tables without the group's data."""
    from tests.conftest import SAMPLE, rebuild_from_raw

    layout = Layout(str(tmp_path))
    raw = layout.raw_dir(DATE)
    shutil.copytree(SAMPLE, raw)
    assert rebuild_from_raw(layout, SAMPLE_DATE).success
    before = tables(layout)
    (raw / "fetch_log_frontend.jsonl").unlink()
    result = rebuild_from_raw(layout, SAMPLE_DATE, raise_on_error=False)
    assert not result.success
    message = next(e for e in result.all_events if e.is_step_failure).step_failure_data.error
    assert "frontend fetch did not finish" in message.message
    after = tables(layout)
    assert all(same(after[t], before[t]) for t in before)


def test_a_run_killed_holding_the_api_pool_slot_does_not_stall_the_next(replay_url, tmp_path):
    """With the project's pool limit (one fetching step at a time), a run killed with SIGKILL
    in the middle of its fetch leaves its slot claimed and its run STARTED: the next run of
    the CLI closes it (marked failed, the slot freed) instead of waiting for it for ever."""
    import dagster as dg

    from assets.runner import INSTANCE_YAML, open_home

    home = tmp_path / "home"
    home.mkdir()
    (home / "dagster.yaml").write_text(INSTANCE_YAML)
    env = {"DAGSTER_HOME": str(home)}
    killed = run(replay_url, tmp_path / "data", env={**env, CRASH_ENV: "raw_body:100"})
    assert killed.returncode == -signal.SIGKILL
    with open_home(Path(home)) as instance:
        [left] = instance.get_runs()
        assert left.status == dg.DagsterRunStatus.STARTED
        held = instance.event_log_storage.get_concurrency_info("openrouter_api")
        assert held.claimed_slots and held.claimed_slots[0].run_id == left.run_id
    cmd, environ = cli_run(replay_url, tmp_path / "data", env=env)
    done = subprocess.run(cmd, env=environ, cwd=ROOT, capture_output=True, text=True,
                          timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"run {left.run_id} of {SAMPLE_DATE} was left unfinished" in done.stdout
    with open_home(Path(home)) as instance:
        statuses = {r.run_id: r.status for r in instance.get_runs()}
        assert statuses.pop(left.run_id) == dg.DagsterRunStatus.FAILURE
        assert list(statuses.values()) == [dg.DagsterRunStatus.SUCCESS]
        assert not instance.event_log_storage.get_concurrency_info("openrouter_api").claimed_slots
