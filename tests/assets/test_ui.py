"""What `make ui` shows after CLI runs: the real webserver (dagster-webserver on the project's
workspace.yaml), asked over its GraphQL API, lists the runs of `openrouter-catalog run` by job
name, daily_snapshot, each with its partition, and the assets materialised for every date."""

from __future__ import annotations

import os
import subprocess

import pytest

from pipeline.cli.demo import run_command, sample_days
from pipeline.replay.launcher import replay_server
from tests.conftest import ROOT, dagster_webserver, graphql

RUNS = """{ runsOrError { __typename ... on Runs { results {
    runId jobName status tags { key value } } } } }"""
PARTITIONS = """{ assetNodeOrError(assetKey: {path: ["endpoints"]}) { __typename
    ... on AssetNode { assetMaterializations { partition runId } } } }"""


def query(port: int, text: str) -> dict:
    doc = graphql(port, text)
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
                run_command(url, tmp_path / "data", date),
                env=env, cwd=ROOT, capture_output=True, text=True, timeout=300,
            )  # fmt: skip
        assert out.returncode == 0, out.stderr[-2000:]
        dates.append(date)
    with dagster_webserver(home) as port:
        yield port, dates


def test_the_ui_lists_cli_runs_as_daily_snapshot_with_their_partitions(webserver):
    port, dates = webserver
    runs = query(port, RUNS)["runsOrError"]["results"]
    assert len(runs) == len(dates)
    assert {r["jobName"] for r in runs} == {"daily_snapshot"}
    assert all(r["status"] == "SUCCESS" for r in runs)
    partitions = sorted(
        t["value"] for r in runs for t in r["tags"] if t["key"] == "dagster/partition"
    )
    assert partitions == sorted(dates)
    node = query(port, PARTITIONS)["assetNodeOrError"]
    assert node["__typename"] == "AssetNode"
    assert sorted({m["partition"] for m in node["assetMaterializations"]}) == sorted(dates)
