"""The fetch begun with a run (pipeline/fetch/early.py): a process of its own, over real HTTP
to the replay server, landing what the raw steps would land; the steps take its reports; a
fetch process that dies leaves the step to fetch."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import subprocess
import sys
import time
from collections import Counter

import pytest

from pipeline.fetch import early
from pipeline.fetch.cadence import Cadence
from pipeline.fetch.client import ApiClient
from pipeline.fetch.snapshot import LANDING_ORDER, fetch_frontend, fetch_v1
from pipeline.raw.store import RawSnapshot
from pipeline.replay.launcher import replay_server
from pipeline.replay.server import BUNDLED_SAMPLE
from pipeline.storage.layout import Layout
from tests.conftest import SAMPLE_DATE

DATE = dt.date.fromisoformat(SAMPLE_DATE)


def calls(snap: RawSnapshot) -> set[tuple]:
    return {
        (r["source"], r["key"], r["status"], r["sha256"])
        for r in snap.log_rows()
        if not r.get("absent")
    }


def test_a_fetch_begun_early_lands_what_the_steps_fetch_and_hands_over_its_reports(tmp_path):
    recorded = {
        (r["source"], r["request"]): r["sha256"]
        for r in RawSnapshot(BUNDLED_SAMPLE).log_rows()
        if r.get("status") == 200
    }
    layout = Layout(str(tmp_path / "early"))
    with replay_server(None) as url:
        options = {"base_url": url, "concurrency": 8}
        assert early.begin(
            layout, DATE, options, refetch=False, min_coverage=0.95, cadence=Cadence()
        )
        snap = RawSnapshot(layout.raw_dir(DATE))
        lines: list[str] = []
        reports = {}
        for group in early.GROUPS:
            begun = early.claim(snap.folder, group)
            assert begun is not None and early.claim(snap.folder, group) is None  # once
            reports[group] = begun.relay(lines.append)

        # the same date fetched as a raw step fetches it, in this process
        async def steps() -> RawSnapshot:
            plain = RawSnapshot(tmp_path / "steps")
            async with ApiClient(url) as client:
                await fetch_v1(client, plain, lambda _: None)
                await fetch_frontend(client, plain, lambda _: None)
            return plain

        plain = asyncio.run(steps())

    assert snap.is_complete("v1") and snap.is_complete("frontend")
    assert calls(snap) == calls(plain)
    # every 200 is the recorded body, byte for byte (its sha256 in the recording's own log)
    ok = [r for r in snap.log_rows() if r.get("status") == 200]
    assert len(ok) > 1_000
    assert all(recorded[(r["source"], r["request"])] == r["sha256"] for r in ok)
    # the reports count what the landing holds, as a fetch made now
    asked = Counter(r["source"] for r in snap.log_rows() if not r.get("absent"))
    for group, report in reports.items():
        assert report.complete and not report.reused
        for source, stats in report.stats.items():
            assert stats.requested == stats.fetched_now == asked[source], (group, source)
    assert any("v1_endpoints: 338/338 done" in line for line in lines)


def test_each_source_is_announced_once_as_it_lands_with_its_bodies_in_place(tmp_path):
    """``on_landed`` hears of every source asked, once, with the rows the log then holds, and
    every body they name is already in its pack, byte for byte; the fan-outs land one after
    another in the fetch's order, not all together at the end."""
    heard: list[tuple[str, list[dict], bool]] = []

    def on_landed(folder, source, rows):
        snap = RawSnapshot(folder)
        in_place = all(
            hashlib.sha256(snap.body(r)).hexdigest() == r["sha256"] for r in rows if r["file"]
        )
        heard.append((source, rows, in_place))

    layout = Layout(str(tmp_path))
    with replay_server(None, "--latency-ms", "10") as url:
        options = {"base_url": url, "concurrency": 8}
        assert early.begin(
            layout,
            DATE,
            options,
            refetch=False,
            min_coverage=0.95,
            cadence=Cadence(),
            on_landed=on_landed,
        )
        snap = RawSnapshot(layout.raw_dir(DATE))
        for group in early.GROUPS:
            early.claim(snap.folder, group).relay(lambda _: None)

    log = snap.log_rows()
    order = [source for source, _, _ in heard]
    assert sorted(order) == sorted({r["source"] for r in log})  # every source asked, once
    assert all(in_place for _, _, in_place in heard)
    for source, rows, _ in heard:
        assert rows == [r for r in log if r["source"] == source], source
    assert sum(len(rows) for _, rows, _ in heard) == len(log) > 2_000
    calls = Counter(r["source"] for r in log)
    fan_outs = [s for s in LANDING_ORDER if calls[s] > 300]
    assert len(fan_outs) >= 4  # v1 endpoints, stats, usage, prices paid (and more, that day)
    assert [s for s in order if s in fan_outs] == fan_outs


def test_no_early_fetch_where_the_steps_would_resume_or_reuse(tmp_path):
    layout = Layout(str(tmp_path))
    snap = RawSnapshot(layout.raw_dir(DATE))
    snap.write_log("v1", [])
    kwargs = {"min_coverage": 0.95, "cadence": Cadence()}
    options = {"base_url": "http://127.0.0.1:9"}
    assert not early.begin(layout, DATE, options, refetch=False, **kwargs)
    assert early.claim(snap.folder, "v1") is None and early.claim(snap.folder, "frontend") is None


def test_a_process_started_ahead_takes_its_job_or_ends_without_one(tmp_path):
    """``start_process`` starts the fetch process before the command knows what to fetch:
    handed a job by ``begin`` it lands the date; dismissed, it ends without a request."""
    with replay_server(None, "--latency-ms", "5") as url:
        options = {"base_url": url, "concurrency": 8}
        kwargs = {"refetch": False, "min_coverage": 0.95, "cadence": Cadence()}
        layout = Layout(str(tmp_path / "fetched"))
        proc = early.start_process()
        assert early.begin(layout, DATE, options, process=proc, **kwargs)
        snap = RawSnapshot(layout.raw_dir(DATE))
        for group in early.GROUPS:
            assert early.claim(snap.folder, group).relay(lambda _: None).complete
        assert proc.wait(30) == 0
        assert snap.is_complete("v1") and snap.is_complete("frontend")

        # the date landed already: nothing to fetch, and the process ends at once
        again = early.start_process()
        assert not early.begin(layout, DATE, options, process=again, **kwargs)
        assert again.wait(30) == 0
        assert early.claim(snap.folder, "v1") is None
    assert len(snap.log_rows()) > 2_000


DIES = 'import sys; print(\'{"group": "v1", "line": "x"}\'); sys.exit(3)'


def test_a_fetch_process_that_dies_leaves_the_step_to_fetch():
    proc = subprocess.Popen([sys.executable, "-c", DIES], stdout=subprocess.PIPE)
    groups = {g: early.BegunGroup() for g in early.GROUPS}
    early._read(proc, groups)
    lines: list[str] = []
    with pytest.raises(early.EarlyFetchLost, match=r"without a report \(exit 3\)"):
        groups["v1"].relay(lines.append)
    assert lines == ["x"]


def test_a_killed_fetch_process_costs_the_run_nothing(clean_build, tmp_path):
    """The fetch process killed mid-way: the raw steps warn, fetch the date themselves, and
    the run builds the tables a run without the early fetch builds."""
    import dagster as dg
    import psutil

    from pipeline.transforms.schemas import TABLES
    from tests.conftest import materialize_snapshot

    clean, _ = clean_build
    layout = Layout(str(tmp_path))
    with replay_server(None, "--latency-ms", "20") as url:
        before = {p.pid for p in psutil.Process().children()}
        options = {"base_url": url, "concurrency": 8}
        assert early.begin(
            layout, DATE, options, refetch=False, min_coverage=0.95, cadence=Cadence()
        )
        (child,) = [p for p in psutil.Process().children() if p.pid not in before]
        assert "pipeline.fetch.early" in " ".join(child.cmdline())
        snap = RawSnapshot(layout.raw_dir(DATE))
        while not snap.folder.is_dir() or not any(snap.folder.rglob("responses-*.gz")):
            time.sleep(0.01)  # killed once its first bodies are on disk: a landing half-written
        child.kill()
        with dg.DagsterInstance.ephemeral() as instance:
            result = materialize_snapshot(url, tmp_path, instance=instance)
            lines = [e.user_message for e in instance.all_logs(result.run_id)]
    assert result.success
    lost = [line for line in lines if "without a report (exit -9)" in line]
    assert len(lost) == 2 and all("this step fetches what is missing" in x for x in lost)
    assert snap.is_complete("v1") and snap.is_complete("frontend")
    for table in (t for t in TABLES if t != "fetch_log"):
        if clean.has_partition(table, DATE):
            got, want = layout.read_partition(table, DATE), clean.read_partition(table, DATE)
            assert got.equals(want), table


STRAY = """print('a library says hello'); print('{"group": "elsewhere"}')"""


def test_a_stray_line_or_an_unreadable_message_never_leaves_a_step_waiting():
    proc = subprocess.Popen([sys.executable, "-c", STRAY], stdout=subprocess.PIPE)
    groups = {g: early.BegunGroup() for g in early.GROUPS}
    early._read(proc, groups)
    for g in groups.values():
        with pytest.raises(early.EarlyFetchLost, match=r"could not be read \(KeyError"):
            g.relay(lambda _: None)


KILLED = """
import datetime as dt, os, signal, sys, psutil
from pipeline.fetch import early
from pipeline.fetch.cadence import Cadence
from pipeline.storage.layout import Layout
early.begin(Layout(sys.argv[2]), dt.date.fromisoformat(sys.argv[3]), {"base_url": sys.argv[1]},
            refetch=False, min_coverage=0.95, cadence=Cadence())
print(psutil.Process().children()[0].pid, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_the_fetch_process_ends_with_a_command_killed_outright(tmp_path):
    import psutil

    with replay_server(None, "--latency-ms", "200") as url:
        out = subprocess.run(
            [sys.executable, "-c", KILLED, url, str(tmp_path), SAMPLE_DATE],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert out.returncode == -9, out.stderr[-2000:]
        try:
            child = psutil.Process(int(out.stdout.split()[0]))
        except psutil.NoSuchProcess:
            return  # gone already
        _, alive = psutil.wait_procs([child], timeout=5)
    assert not alive
