"""`openrouter-catalog run` as a user meets it: every failure ends in exactly one line on
stderr (the reason), and a run is recorded as the `daily_snapshot` job in the Dagster home,
which for the suite is its own, never the project's."""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest

from assets.runner import open_home
from pipeline.replay.launcher import replay_server
from tests.conftest import ROOT, SAMPLE_DATE


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "pipeline", "run", *args]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(cli(*args), capture_output=True, text=True, timeout=300, cwd=ROOT)


def one_line(out: subprocess.CompletedProcess) -> str:
    lines = out.stderr.splitlines()
    assert len(lines) == 1, out.stderr[-3000:]
    return lines[0]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize(
    "date, says",
    [
        ("2099-01-01", "is out of range"),
        ("2023-01-01", "is out of range"),
        ((dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)).isoformat(), "out of range"),
        ("2026-13-01", "is not YYYY-MM-DD"),
    ],
)
def test_a_bad_or_out_of_range_date_is_one_line(tmp_path, date, says):
    out = run("--snapshot-date", date, "--data-dir", str(tmp_path))
    assert out.returncode == 1
    line = one_line(out)
    assert line.startswith("error: ") and says in line and date in line


def test_an_unreachable_host_is_one_line_that_says_so(tmp_path):
    out = run(
        "--snapshot-date",
        SAMPLE_DATE,
        "--base-url",
        f"http://127.0.0.1:{free_port()}",
        "--data-dir",
        str(tmp_path),
        "--max-attempts",
        "1",
    )
    assert out.returncode == 1
    line = one_line(out)
    assert "cannot reach" in line and "is the network up" in line
    assert "moved" not in out.stdout and "no known path answered" not in out.stdout
    assert "host unreachable" in out.stdout  # the frontend says the same, not "moved"


def test_a_refused_key_is_one_line(tmp_path):
    with replay_server(None, "--require-api-key", "right") as url:
        out = run("--snapshot-date", SAMPLE_DATE, "--base-url", url, "--data-dir", str(tmp_path))
    assert out.returncode == 1
    assert "401" in one_line(out)


# (the moment: the first line printed at or after it), the date published whole after it?
MOMENTS = {
    "start-up": ("run: snapshot", False),
    "fetch": ("  raw: ", False),
    "after the publish, in the warehouse": ("  catalog_tables: tables of", True),
}


@pytest.mark.parametrize("moment", list(MOMENTS))
def test_ctrl_c_at_any_moment_exits_130_with_one_line(moment, tmp_path, clean_build):
    """SIGINT to the run's process group (what a terminal sends) at several moments: exit 130,
    one line and no traceback from any process, no run left unfinished in the home, and the
    date either unpublished or published whole; a re-run then gives the clean run's tables."""
    from pipeline.storage.layout import Layout
    from tests.fetch.test_resume import assert_same_tables

    marker, published = MOMENTS[moment]
    home = tmp_path / "home"
    data = tmp_path / "data"
    env = {**os.environ, "DAGSTER_HOME": str(home)}
    args = ("--snapshot-date", SAMPLE_DATE, "--data-dir", str(data))
    with replay_server(None, "--latency-ms", "5") as url:
        proc = subprocess.Popen(
            cli(*args, "--base-url", url), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, cwd=ROOT, env=env, start_new_session=True,
        )  # fmt: skip
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith(marker):
                break
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 130, err[-2000:]
        said = "was published whole" if published else "not finished"
        assert len(err.splitlines()) == 1 and said in err, err[-2000:]
        layout = Layout(str(data))
        listed = {d.isoformat() for d in layout.published() or ()}
        assert (SAMPLE_DATE in listed) is published
        with open_home(home) as instance:
            unfinished = instance.get_run_records(
                dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED,
                                        dg.DagsterRunStatus.NOT_STARTED])
            )  # fmt: skip
        assert unfinished == []
        if moment == "fetch":
            again = subprocess.run(cli(*args, "--base-url", url), capture_output=True,
                                   text=True, cwd=ROOT, env=env, timeout=240)  # fmt: skip
            assert again.returncode == 0, again.stderr[-2000:]
            assert_same_tables(layout, clean_build[0])


def test_ctrl_c_in_memory_exits_130_with_one_line(tmp_path):
    """Ctrl-C reaches the terminal's whole process group: one line is said, and no process
    of the run is left."""
    import psutil

    with replay_server(None, "--latency-ms", "200") as url:
        proc = subprocess.Popen(
            cli("--snapshot-date", SAMPLE_DATE, "--base-url", url, "--data-dir", str(tmp_path))
            + ["--dagster-home", "memory"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            start_new_session=True,  # its own group, as a terminal's foreground job
        )
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("  raw: "):
                break
        children = psutil.Process(proc.pid).children(recursive=True)
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130
    assert err.splitlines() == [f"error: interrupted; snapshot {SAMPLE_DATE} not finished"]
    psutil.wait_procs(children, timeout=10)
    assert not any(c.is_running() for c in children)


def test_a_run_is_recorded_in_the_dagster_home_it_is_given(replay_url, tmp_path):
    """A real run in a child process, with the environment the suite gives every child: it
    is recorded as daily_snapshot with its partition in DAGSTER_HOME, the suite's own, and
    the data dir gets no home of its own."""
    home = Path(os.environ["DAGSTER_HOME"])
    out = run("--snapshot-date", SAMPLE_DATE, "--base-url", replay_url, "--data-dir", str(tmp_path))
    assert out.returncode == 0, out.stderr[-2000:]
    assert f"recorded in {home.resolve()}" in out.stdout
    assert not (tmp_path / ".dagster").exists()
    run_id = out.stdout.rsplit("daily_snapshot run ", 1)[1].split(",")[0]
    with open_home(Path(home)) as instance:
        record = instance.get_run_by_id(run_id)
    assert record is not None and record.job_name == "daily_snapshot"
    assert record.tags.get("dagster/partition") == SAMPLE_DATE
    # and Dagster's event stream stays out of the user's terminal: a line per step message
    assert "STEP_" not in out.stdout + out.stderr and "  raw: v1_models: 338 models" in out.stdout


def test_each_data_dir_has_a_home_of_its_own(replay_url, tmp_path):
    """With no home given, a run is recorded in its data dir's own home: the UI of one data
    dir lists its runs and materialisations, never another data dir's."""
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    dirs = [tmp_path / "data", tmp_path / "elsewhere"]
    ids = {}
    for data in dirs:
        out = subprocess.run(
            cli("--snapshot-date", SAMPLE_DATE, "--base-url", replay_url, "--data-dir", str(data)),
            capture_output=True, text=True, cwd=ROOT, env=env, timeout=240,
        )  # fmt: skip
        assert out.returncode == 0, out.stderr[-2000:]
        assert f"recorded in {(data / '.dagster').resolve()}" in out.stdout
        ids[data] = out.stdout.rsplit("daily_snapshot run ", 1)[1].split(",")[0]
    for data in dirs:
        with open_home(data / ".dagster") as instance:
            assert [r.run_id for r in instance.get_runs()] == [ids[data]]
            events = instance.fetch_materializations(dg.AssetKey("endpoints"), limit=10)
            assert [e.run_id for e in events.records] == [ids[data]]


def test_a_router_priced_zero_is_not_a_model_without_endpoints():
    """openrouter/free costs 0 (not the routers' variable "-1") and says in its description
    that it is a router: the check leaves it out, and still names a real model left alone."""
    import polars as pl

    from pipeline.publish import checks
    from tests.conftest import SAMPLE, Sample

    free = next(m for m in Sample(SAMPLE).data("v1_models") if m["id"] == "openrouter/free")
    assert free["pricing"]["prompt"] == "0" and "is a router" in free["description"]
    models = pl.DataFrame(
        {
            "model_id": ["openrouter/free", "a/lonely"],
            "description": [free["description"], "A model."],
            "in_v1": [True, True],
            "is_alias": [False, False],
            "is_variable_price": [False, False],
        }
    )
    verdict = checks.models_without_endpoints(models, pl.DataFrame({"model_id": ["x/y"]}))
    assert verdict.metadata["models"] == 1 and "a/lonely" in str(verdict.metadata["sample"])
    # the line a headless run prints names the model, in the singular
    assert verdict.summary == "1 v1 model without an endpoint: a/lonely"


def test_cheapest_answers_carry_their_discount_list_price_and_tag(clean_build):
    """Every discounted pick of the sample, against its stats/endpoint record: the discount
    the API sent, the list price before it, and the endpoint's own tag."""
    from decimal import Decimal

    from tests.conftest import SAMPLE, Sample

    layout, _ = clean_build
    records = Sample(SAMPLE).frontend_endpoints()
    with duckdb_ro(layout.warehouse_path) as con:
        picks = con.sql(
            "SELECT endpoint_id, provider_tag, discount, prompt_usd_per_mtok::VARCHAR, "
            "list_prompt_usd_per_mtok::VARCHAR FROM cheapest_endpoint_per_model "
            "WHERE discount > 0"
        ).fetchall()
        macro = dict(
            con.sql(
                "SELECT endpoint_id, list_request_usd / request_usd FROM "
                "cheapest_endpoint(20000, 1000) WHERE discount > 0"
            ).fetchall()
        )
    assert len(picks) >= 5
    for endpoint_id, tag, discount, price, listed in picks:
        e = records[endpoint_id]
        assert (tag, discount) == (e["provider_slug"], float(e["pricing"]["discount"]))
        assert Decimal(price) == Decimal(e["pricing"]["prompt"]) * 10**6
        assert Decimal(listed) == pytest.approx(Decimal(price) / (1 - Decimal(str(discount))))
    assert macro and all(r > 1 for r in macro.values())


def duckdb_ro(path: Path):
    import duckdb

    return duckdb.connect(str(path), read_only=True)


def test_the_replay_server_is_quiet_when_a_client_goes_away():
    """A client that hangs up before the answer is written: no BrokenPipeError printed."""
    import http.client

    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "replay", "--port", "0", "--latency-ms", "300"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip().rsplit(" at ", 1)[1]
        host, port = url.removeprefix("http://").split(":")
        for _ in range(5):  # ask for the big catalog, then hang up at once
            conn = http.client.HTTPConnection(host, int(port), timeout=5)
            conn.request("GET", "/api/frontend/v1/catalog/models")
            linger = struct.pack("ii", 1, 0)  # close with a reset: the server's write fails
            conn.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
            conn.close()
        time.sleep(1.0)
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert "BrokenPipeError" not in err and "ConnectionResetError" not in err
    assert "Traceback" not in err


def test_query_keeps_ids_whole_when_piped(clean_build, monkeypatch):
    """Piped, the table keeps every value whole (an endpoint UUID or a long model id cut with
    '…' cannot be looked up); on a terminal, cells are cut to fit."""
    from pipeline.cli.query import Format, render, run_query

    layout, _ = clean_build
    sql = (
        "SELECT model_id, endpoint_id, name FROM endpoints "
        "ORDER BY length(model_id) + length(name) DESC LIMIT 3"
    )
    out = subprocess.run(
        [sys.executable, "-m", "pipeline", "query", sql, "--data-dir", str(layout.base)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    with duckdb_ro(layout.warehouse_path) as con:
        want = con.sql(sql).fetchall()
    assert max(len(m) + len(n) for m, _, n in want) > 60  # long enough to be cut on a terminal
    for model_id, endpoint_id, name in want:
        assert model_id in out.stdout and endpoint_id in out.stdout and name in out.stdout
    assert "…" not in out.stdout
    monkeypatch.setenv("COLUMNS", "400")  # a wide terminal: the cells are cut, not the lines
    on_terminal = render(run_query(layout.warehouse_path, sql), Format.table, terminal=True)
    assert "…" in on_terminal


def test_materialisation_previews_show_a_few_chosen_columns(clean_build):
    _, result = clean_build
    meta = {
        m.asset_key.to_user_string(): m.metadata
        for m in result.asset_materializations_for_node("catalog_tables")
    }
    text = meta["endpoints"]["preview"].value
    header = text.splitlines()[0]
    assert header.startswith("| model_id | provider_name | provider_tag | prompt_usd_per_mtok")
    assert header.count("|") == 8  # seven columns, not 95 squeezed
    assert "000000" not in text  # decimals without their trailing zeros
    from pipeline.transforms.schemas import TABLES

    assert text.endswith(f"rows, {len(TABLES['endpoints'])} columns")


def test_a_second_run_of_a_running_date_refuses_in_one_line_and_loses_nothing(tmp_path):
    """Two runs of one date into one data dir at once: the second ends at once with one line
    naming the first; the first publishes the date whole. Another date is not held up."""
    with replay_server(None, "--latency-ms", "30") as url:
        first = subprocess.Popen(
            cli("--snapshot-date", SAMPLE_DATE, "--base-url", url, "--data-dir", str(tmp_path))
            + ["--dagster-home", "memory"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
        )  # fmt: skip
        assert first.stdout is not None
        for line in first.stdout:
            if line.startswith("  raw: "):  # the first run holds the date
                break
        second = run(
            "--snapshot-date", SAMPLE_DATE, "--base-url", url, "--data-dir", str(tmp_path),
            "--dagster-home", "memory",
        )  # fmt: skip
        _, err = first.communicate(timeout=300)
    assert second.returncode == 1
    lines = [ln for ln in second.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, second.stderr[-2000:]
    assert f"snapshot {SAMPLE_DATE} is being run into {tmp_path} by pid {first.pid}" in lines[0]
    assert first.returncode == 0, err[-2000:]
    from pipeline.storage.layout import Layout

    layout = Layout(str(tmp_path))
    assert layout.published() == {dt.date.fromisoformat(SAMPLE_DATE)}
    assert not list(layout.base.glob("staging/*/tables/*"))
