"""A run launched the way the UI launches one, against the command line's (issue #39).

``dagster dev`` (webserver and daemon) on the project's workspace, a Dagster home of the
benchmark's on disk, the replay server at 20 ms serving the bundled day (2026-07-19). The daily
job is launched for that date through the webserver's GraphQL API, as the job page's
*Materialize…* dialog does (``launchRun`` with the partition's tag), and timed from the launch
until the run is seen to succeed; then ``openrouter-catalog run`` of the same date against the
same replay, with a Dagster home on disk. Both refetch the date on every timed run (the first
run of each, which lands the date, is not timed), so both do the same work.

    .venv/bin/python bench/ui_launch.py [--repeat 3] [--latency-ms 20]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = Path(__file__).parent / "out"
sys.path.insert(0, str(ROOT))

from assets.raw import refetch_config  # noqa: E402
from assets.runner import INSTANCE_YAML  # noqa: E402
from pipeline.cli.demo import run_command  # noqa: E402
from pipeline.replay.launcher import replay_server  # noqa: E402

DATE = "2026-07-19"
REFETCH = refetch_config(True)
LAUNCH = """
mutation Launch($params: ExecutionParams!) {
  launchRun(executionParams: $params) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on PythonError { message }
    ... on RunConfigValidationInvalid { errors { message } }
  }
}
"""
STATUS = "query Status($id: ID!) { runOrError(runId: $id) { ... on Run { status } } }"


def graphql(port: int, query: str, variables: dict | None = None) -> dict:
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query, "variables": variables or {}}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310 - loopback
        return json.loads(resp.read())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launch_and_wait(port: int, refetch: bool) -> float:
    """Seconds from the launch to the run seen succeeded (polled every 0.1 s)."""
    params = {
        "selector": {
            "repositoryLocationName": "openrouter_catalog",
            "repositoryName": "__repository__",
            "jobName": "daily_snapshot",
        },
        "runConfigData": REFETCH if refetch else {},
        "executionMetadata": {"tags": [{"key": "dagster/partition", "value": DATE}]},
    }
    t0 = time.perf_counter()
    answer = graphql(port, LAUNCH, {"params": params})["data"]["launchRun"]
    if answer["__typename"] != "LaunchRunSuccess":
        raise SystemExit(f"launchRun: {answer}")
    run_id = answer["run"]["runId"]
    while True:
        status = graphql(port, STATUS, {"id": run_id})["data"]["runOrError"]["status"]
        if status == "SUCCESS":
            return time.perf_counter() - t0
        if status in ("FAILURE", "CANCELED"):
            raise SystemExit(f"the launched run {run_id} ended {status}")
        time.sleep(0.1)


def ui_runs(url: str, tmp: Path, repeat: int) -> list[float]:
    home, data = tmp / "ui-home", tmp / "ui-data"
    home.mkdir()
    (home / "dagster.yaml").write_text(INSTANCE_YAML)
    port = free_port()
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "OPENROUTER_BASE_URL": url,
        "OPENROUTER_CATALOG_DATA_DIR": str(data),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "dagster", "dev", "-w", "workspace.yaml", "-h", "127.0.0.1",
         "-p", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 240
        while True:
            try:
                if graphql(port, "{ assetNodes { id } }")["data"]["assetNodes"]:
                    break
            except (OSError, KeyError, TypeError):
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise SystemExit("dagster dev did not start")
            time.sleep(0.5)
        launch_and_wait(port, refetch=False)  # lands the date (and warms the daemon)
        return [launch_and_wait(port, refetch=True) for _ in range(repeat)]
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=60)


def cli_runs(url: str, tmp: Path, repeat: int) -> list[float]:
    home, data = tmp / "cli-home", tmp / "cli-data"
    home.mkdir()
    (home / "dagster.yaml").write_text(INSTANCE_YAML)
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    walls = []
    for i in range(repeat + 1):
        flags = ["--dagster-home", str(home)] + (["--refetch"] if i else [])
        t0 = time.perf_counter()
        done = subprocess.run(run_command(url, data, DATE, *flags), env=env, cwd=ROOT,
                              capture_output=True, text=True)  # fmt: skip
        if done.returncode != 0:
            raise SystemExit(f"openrouter-catalog run failed: {done.stderr[-2000:]}")
        if i:
            walls.append(time.perf_counter() - t0)
    return walls


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--latency-ms", type=int, default=20)
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory(dir=OUT) as tmp,
        replay_server(None, "--latency-ms", str(args.latency_ms)) as url,
    ):
        cli = cli_runs(url, Path(tmp), args.repeat)
        ui = ui_runs(url, Path(tmp), args.repeat)
    ratio = statistics.median(ui) / statistics.median(cli)
    print("| figure | runs | median | range | target |\n|---|---|---|---|---|")
    print(
        f"| `openrouter-catalog run` {DATE}, {args.latency_ms} ms, refetch: wall s | "
        f"{len(cli)} | **{statistics.median(cli):.1f}** | {min(cli):.1f}-{max(cli):.1f} | |"
    )
    print(
        f"| the same launched through the UI's GraphQL (`dagster dev`, daemon): launch to "
        f"success, s | {len(ui)} | **{statistics.median(ui):.1f}** | "
        f"{min(ui):.1f}-{max(ui):.1f} | |"
    )
    print(
        f"| UI-launched / command line | | **{ratio:.2f}** | | ≤ 1.3 "
        f"{'✓' if ratio <= 1.3 else '✗'} |"
    )


if __name__ == "__main__":
    main()
