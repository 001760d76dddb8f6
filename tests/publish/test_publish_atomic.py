"""A date is published whole: a run killed (SIGKILL) at each crash point of the publish leaves
every reader of the warehouse with the previous date whole, or the new date whole, across
every table; a re-run then gives the history an unkilled run gives.

The good day 2026-07-17 is published first; the killed run publishes 07-18 (a new date), or
07-18 again over itself (a re-run, which takes the date off the published list while its files
move).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from pathlib import Path

import duckdb
import pytest

from pipeline.cli.demo import run_command
from pipeline.replay.launcher import replay_server
from pipeline.storage.crashpoints import ENV as CRASH_ENV
from pipeline.storage.layout import Layout
from pipeline.transforms.schemas import TABLE_DESCRIPTIONS
from pipeline.warehouse.build import build_warehouse
from tests.conftest import ROOT
from tests.publish.test_held_days import BAD, DAYS, GOOD, run_day

# what readers see: every daily table's view of the latest, and the change views
CHANGES = ("price_changes", "catalog_changes", "removed_endpoints", "endpoint_price_history")


def seen(data: Path) -> dict[str, object]:
    """Per daily table, the dates its history view shows and its latest view's rows; and the
    rows of the change views."""
    out: dict[str, object] = {}
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        for t in TABLE_DESCRIPTIONS:
            out[f"{t} dates"] = sorted(
                str(d)
                for (d,) in con.sql(f"SELECT DISTINCT snapshot_date FROM {t}_history").fetchall()
            )
            out[t] = con.sql(f"SELECT count(*) FROM {t}").fetchall()[0][0]
        for v in CHANGES:
            out[v] = sorted(map(str, con.sql(f"SELECT * FROM {v}").fetchall()))
    return out


@pytest.fixture(scope="module")
def states(tmp_path_factory) -> dict[str, object]:
    """The good day alone (its data dir and what readers see), and after an unkilled 07-18."""
    good = tmp_path_factory.mktemp("good") / "data"
    run_day(DAYS / GOOD, good, GOOD)
    both = tmp_path_factory.mktemp("both") / "data"
    shutil.copytree(good, both)
    run_day(DAYS / BAD, both, BAD)
    return {"good": good, "seen_good": seen(good), "both": both, "seen_both": seen(both)}


def killed_run(url: str, data: Path, crash_at: str) -> None:
    cmd = run_command(url, data, BAD, "--dagster-home", "memory")
    out = subprocess.run(
        cmd, env={**os.environ, CRASH_ENV: crash_at}, cwd=ROOT, capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip
    assert out.returncode == -signal.SIGKILL, out.stdout[-2000:] + out.stderr[-2000:]


@pytest.mark.parametrize(
    "crash_at",
    [
        "parquet_write:endpoints",  # staging: nothing moved
        "publish:unlisted",  # the audit held, no file moved
        "publish:providers",  # models and endpoints moved, the rest not
        "publish:endpoint_price_events",  # most tables moved
        "publish:listed",  # every file moved, the date not yet listed
    ],
)
@pytest.mark.parametrize("rerun", [False, True], ids=["new_date", "rerun"])
def test_a_kill_during_publish_leaves_whole_dates(crash_at, rerun, states, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(states["both" if rerun else "good"], data)
    build_warehouse(Layout(str(data)), reuse=False)  # its views read this copy's files
    with replay_server(str(DAYS / BAD)) as url:
        killed_run(url, data, crash_at)
        after = seen(data)
        if rerun and crash_at != "parquet_write:endpoints":
            # the re-run date left the list before its files moved: the views are on the good
            # day, whole, whatever was moved
            assert after == states["seen_good"]
        else:
            assert after in (states["seen_good"], states["seen_both"])
            if not rerun:
                assert after == states["seen_good"]
        run_day(DAYS / BAD, data, BAD)
    assert seen(data) == states["seen_both"]
