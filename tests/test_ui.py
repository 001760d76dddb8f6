"""What `make ui` shows after CLI runs: the real webserver (dagster-webserver on the project's
workspace.yaml), asked over its GraphQL API, lists the runs of `openrouter-catalog run` by job
name, daily_snapshot, each with its partition, and the assets materialised for every date."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from pipeline.demo import sample_days
from pipeline.replay.launcher import replay_server
from tests.conftest import ROOT

RUNS = """{ runsOrError { __typename ... on Runs { results {
    runId jobName status tags { key value } } } } }"""
PARTITIONS = """{ assetNodeOrError(assetKey: {path: ["endpoints"]}) { __typename
    ... on AssetNode { assetMaterializations { partition runId } } } }"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def graphql(port: int, query: str) -> dict:
    body = json.dumps({"query": query}).encode()
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql", body, {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310 - loopback
        doc = json.loads(resp.read())
    assert "errors" not in doc, doc
    return doc["data"]


@pytest.fixture
def webserver(tmp_path):
    """Two days run as the demo runs them (CLI, one replay per day), recorded in a Dagster
    home of this test; then the webserver on that home."""
    home = tmp_path / "home"
    env = {**os.environ, "DAGSTER_HOME": str(home)}
    dates = []
    for date, folder in sample_days()[-2:]:
        with replay_server(str(folder)) as url:
            out = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "pipeline",
                    "run",
                    "--base-url",
                    url,
                    "--data-dir",
                    str(tmp_path / "data"),
                    "--snapshot-date",
                    date,
                ],
                env=env,
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=300,
            )
        assert out.returncode == 0, out.stderr[-2000:]
        dates.append(date)
    port = free_port()
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "dagster-webserver"),
            "-w",
            "workspace.yaml",
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=2)  # noqa: S310
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("dagster-webserver did not start") from None
                time.sleep(0.5)
        yield port, dates
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_the_ui_lists_cli_runs_as_daily_snapshot_with_their_partitions(webserver):
    port, dates = webserver
    runs = graphql(port, RUNS)["runsOrError"]["results"]
    assert len(runs) == len(dates)
    assert {r["jobName"] for r in runs} == {"daily_snapshot"}
    assert all(r["status"] == "SUCCESS" for r in runs)
    partitions = sorted(
        t["value"] for r in runs for t in r["tags"] if t["key"] == "dagster/partition"
    )
    assert partitions == sorted(dates)
    node = graphql(port, PARTITIONS)["assetNodeOrError"]
    assert node["__typename"] == "AssetNode"
    assert sorted({m["partition"] for m in node["assetMaterializations"]}) == sorted(dates)
