"""Shared fixtures: the replay server over the bundled sample, and the sample's raw JSON read
independently of the pipeline's own readers (so expected values do not share its bugs)."""

from __future__ import annotations

import atexit
import contextlib
import gzip
import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from pipeline.replay.launcher import replay_server

ROOT = Path(__file__).resolve().parents[1]
TEST_DAGSTER_BASE = "OPENROUTER_CATALOG_TEST_DAGSTER_BASE"


def _own_dagster_home() -> None:
    """Every run the suite makes, in-process or in a child process (which inherits the
    environment), is recorded in a home of the suite's, one per xdist worker, unless a test
    removes DAGSTER_HOME to see a data dir's own home (SQLite run storage and several
    writing processes do not mix). Set at import, before any test starts; removed when the
    suite ends."""
    base = os.environ.get(TEST_DAGSTER_BASE)
    if base is None:
        base = tempfile.mkdtemp(prefix="openrouter-catalog-tests-dagster-")
        os.environ[TEST_DAGSTER_BASE] = base
        atexit.register(shutil.rmtree, base, ignore_errors=True)
    home = Path(base) / os.environ.get("PYTEST_XDIST_WORKER", "main")
    home.mkdir(exist_ok=True)
    from assets.runner import INSTANCE_YAML

    (home / "dagster.yaml").write_text(INSTANCE_YAML)  # what every home the project makes has
    os.environ["DAGSTER_HOME"] = str(home)


_own_dagster_home()
SAMPLE = ROOT / "data" / "sample"
SAMPLE_DATE = "2026-07-19"


def landed_bodies(folder: Path, source: str) -> dict[str, bytes]:
    """Every body of ``source`` in a landed raw snapshot, by key (last row wins), read here
    with nothing but gzip: a whole file, or the byte range of a pack the log row names."""
    out: dict[str, bytes] = {}
    for log in sorted(folder.glob("fetch_log_*.jsonl")):
        for row in map(json.loads, log.read_text().splitlines()):
            if row["source"] != source or not row.get("file"):
                continue
            blob = (folder / row["file"]).read_bytes()
            if row.get("file_offset") is not None:
                blob = blob[row["file_offset"] : row["file_offset"] + row["file_length"]]
            out[row["key"]] = gzip.decompress(blob)
    return out


class Sample:
    """The bundled sample's bodies, straight from the files."""

    def __init__(self, folder: Path) -> None:
        self.rows = [
            json.loads(line)
            for name in ("fetch_log_v1.jsonl", "fetch_log_frontend.jsonl")
            for line in (folder / name).read_text().splitlines()
        ]
        self.folder = folder

    def bodies(self, source: str) -> dict[str, object]:
        out = {}
        for r in self.rows:
            if r["source"] == source and r["status"] == 200:
                out[r["key"]] = json.loads(gzip.decompress((self.folder / r["file"]).read_bytes()))
        return out

    def data(self, source: str) -> list[dict]:
        return self.bodies(source)["all"]["data"]

    def frontend_endpoints(self) -> dict[str, dict]:
        """Endpoint UUID → its stats/endpoint object ('~' aliases list their target's again)."""
        out: dict[str, dict] = {}
        for doc in self.bodies("frontend_stats_endpoint").values():
            for e in doc["data"]:
                out.setdefault(e["id"], e)
        return out


@pytest.fixture(scope="session")
def sample() -> Sample:
    return Sample(SAMPLE)


@pytest.fixture(scope="module")
def s3():
    """A real S3-compatible server on loopback (SeaweedFS, bucket ``catalog``), and its keys in
    this process's environment (where obstore reads them) for the readers a test opens here;
    child processes are given ``s3.environment()`` the same way."""
    from pipeline.replay.s3_local import local_s3

    with local_s3() as server, pytest.MonkeyPatch.context() as mp:
        for k, v in server.environment().items():
            mp.setenv(k, v)
        yield server


@pytest.fixture(scope="session")
def replay_url() -> str:
    with replay_server() as url:
        yield url


# a recording replayed as another date repeats the day before's answers byte for byte: the
# audit rightly calls that a stale copy (sources_fresh), so a test that replays one recording
# for two dates turns that check off (a share of 1) in the tables step's config
SAME_ANSWERS = {"audit_max_repeated": 1.0}


def _limits_config(limits: dict | None) -> dict:
    return {"ops": {"catalog_tables": {"config": limits}}} if limits else {}


def materialize_snapshot(
    base_url: str,
    data_dir: Path,
    *,
    refetch: bool = False,
    partition: str = SAMPLE_DATE,
    instance=None,  # noqa: ANN001 - a DagsterInstance to record the run in (default: none kept)
    limits: dict | None = None,
    **api: object,
):
    """Every asset of one date (the sample's by default), in-process, against ``base_url``."""
    import dagster as dg

    from assets.definitions import ALL_ASSETS
    from assets.raw import refetch_config
    from assets.resources import CatalogStorage, OpenRouterApi

    return dg.materialize(
        ALL_ASSETS,
        partition_key=partition,
        resources={
            "api": OpenRouterApi(base_url=base_url, **api),
            "storage": CatalogStorage(root=str(data_dir)),
        },
        raise_on_error=False,
        run_config={
            "ops": {**refetch_config(refetch)["ops"], **_limits_config(limits).get("ops", {})}
        },
        instance=instance,
    )


def materialization(result, asset: str):  # noqa: ANN001, ANN201 - a run's result
    """The one materialisation of ``asset`` in a run (the raw step materialises two)."""
    [m] = [m for m in result.get_asset_materialization_events() if m.asset_key.path == [asset]]
    return m.materialization


def rebuild_from_raw(
    layout,  # noqa: ANN001
    date: str,
    *,
    warehouse: bool = True,
    raise_on_error: bool = True,
    limits: dict | None = None,
):
    """The tables (and warehouse) layer of one date from its raw snapshot only: no API resource
    is given, so any attempt to fetch would fail the run."""
    import dagster as dg

    from assets.resources import CatalogStorage
    from assets.tables import catalog_tables
    from assets.warehouse import warehouse as warehouse_asset

    return dg.materialize(
        [catalog_tables, warehouse_asset] if warehouse else [catalog_tables],
        partition_key=date,
        resources={"storage": CatalogStorage(root=layout.root)},
        raise_on_error=raise_on_error,
        run_config=_limits_config(limits),
    )


@pytest.fixture(scope="session")
def clean_build(replay_url, tmp_path_factory):
    """The fault-free reference: the sample fetched over HTTP and built, once per session."""
    from pipeline.storage.layout import Layout

    data_dir = tmp_path_factory.mktemp("clean")
    result = materialize_snapshot(replay_url, data_dir)
    assert result.success
    return Layout(str(data_dir)), result


DAILY = ROOT / "tests" / "fixtures" / "daily_2026-07"
DAYS = ["2026-07-17", "2026-07-18", "2026-07-19"]


def build_history(layout, days: list[str], order: list[str], folders: dict[str, Path]) -> None:
    """Real days landed as raw (the sample's day copied, the others built from their bundle
    in ``folders``), then tables built in ``order``, the warehouse with the last."""
    import datetime as dt
    import shutil

    from tests.support.recorded_day import build_day

    for day in days:
        raw = layout.raw_dir(dt.date.fromisoformat(day))
        if day == SAMPLE_DATE:
            shutil.copytree(SAMPLE, raw)
        else:
            build_day(folders[day], raw)
    for day in order:
        assert rebuild_from_raw(layout, day, warehouse=day == order[-1]).success


@pytest.fixture(scope="session")
def history_layout(tmp_path_factory):
    """Three real consecutive days (two daily fixtures and the bundled sample), built from raw
    into tables, warehouse and report: the demo's day with the history before it."""
    from pipeline.storage.layout import Layout

    layout = Layout(str(tmp_path_factory.mktemp("history")))
    # built out of order on purpose: a date's price changes must be right whichever of its
    # neighbours was built first
    order = [DAYS[2], DAYS[0], DAYS[1]]
    build_history(layout, DAYS, order, {d: DAILY / d for d in DAYS})
    return layout


def graphql(port: int, query: str, timeout: float = 30, variables: dict | None = None) -> dict:
    """One query to a Dagster webserver's GraphQL API on loopback; the whole answer."""
    import urllib.request

    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query, "variables": variables or {}}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - loopback
        return json.loads(resp.read())


@contextlib.contextmanager
def dagster_ui(home: Path, data_dir: Path, base_url: str | None = None, timeout: float = 240):
    """What `make ui` starts: `openrouter-catalog ui` (dagster dev, its webserver and its
    daemon) on the data dir ``data_dir``, recorded in ``home``, on a free port; yields the port
    once the code location answers. The runs it launches fetch from ``base_url``."""
    import signal
    import socket
    import subprocess
    import sys
    import time

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    args = ["--data-dir", str(data_dir), "--dagster-home", str(home), "--port", str(port)]
    home.mkdir(parents=True, exist_ok=True)
    log = (home / "ui.log").open("w")  # what the command prints, for the tests to read
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "ui", *args,
         *(["--base-url", base_url] if base_url else [])],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + timeout
        while True:  # up, and the code location loaded (its assets listed)
            try:
                if graphql(port, "{ assetNodes { id } }", timeout=5)["data"]["assetNodes"]:
                    break
            except (OSError, KeyError, TypeError):
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("openrouter-catalog ui did not start")
            time.sleep(0.5)
        yield port
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)
        log.close()
