"""`openrouter-catalog run` when the snapshot cannot be produced: a one-line reason, a
non-zero exit, and no table partition for that date."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from assets.resources import CatalogStorage, OpenRouterApi
from pipeline.raw.store import RawSnapshot
from pipeline.replay.launcher import replay_server

DATE = "2026-07-19"


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pipeline",
            "run",
            "--snapshot-date",
            DATE,
            "--max-attempts",
            "2",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )


def reason(out: subprocess.CompletedProcess) -> str:
    lines = [ln for ln in out.stderr.splitlines() if ln.startswith("error: ")]
    assert len(lines) == 1, out.stderr[-3000:]
    return lines[0]


def no_tables_for_date(data_dir: Path) -> bool:
    return not list((data_dir / "tables").glob(f"*/snapshot_date={DATE}"))


def test_unreachable_base_url(tmp_path):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = run_cli("--base-url", f"http://127.0.0.1:{port}", "--data-dir", str(tmp_path))
    assert out.returncode != 0
    line = reason(out)
    assert "not produced" in line and "cannot reach" in line and "Cannot connect to host" in line
    assert no_tables_for_date(tmp_path)


def test_non_json_answer(tmp_path):
    snap = RawSnapshot(tmp_path / "snap")
    html = b"<html><body>502 Bad Gateway</body></html>"
    rel = snap.write_body("v1_models", "all", html)
    snap.write_log(
        "v1",
        [
            {
                "source": "v1_models",
                "key": "all",
                "request": "/api/v1/models?output_modalities=all",
                "status": 200,
                "file": rel,
                "content_type": "text/html",
            }
        ],
    )
    data_dir = tmp_path / "data"
    with replay_server(snap.folder) as url:
        out = run_cli("--base-url", url, "--data-dir", str(data_dir))
    assert out.returncode != 0
    line = reason(out)
    assert "v1_models" in line and "not JSON" in line
    assert no_tables_for_date(data_dir)
    # what was received is kept, and the failure is logged
    rows = [
        json.loads(x)
        for x in (data_dir / "raw" / f"snapshot_date={DATE}" / "fetch_log_v1.jsonl")
        .read_text()
        .splitlines()
    ]
    assert rows[0]["attempts"] == 2 and "not JSON" in rows[0]["error"]


def test_malformed_base_url_stops_at_once(tmp_path):
    out = run_cli("--base-url", "openrouter.ai", "--data-dir", str(tmp_path))
    assert out.returncode != 0
    assert "base_url" in reason(out)


def test_negative_concurrency_stops_at_once(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "pipeline", "run", "--concurrency", "-1"]
        + ["--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode != 0
    line = reason(out)
    assert "concurrency" in line and "greater than or equal to 1" in line
    assert "dagster" not in out.stderr.lower()  # stopped before any run started


def test_unwritable_data_dir_stops_at_once(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    out = run_cli("--base-url", "http://127.0.0.1:9", "--data-dir", str(blocker / "data"))
    assert out.returncode != 0
    line = reason(out)
    assert "data dir" in line and "not writable" in line and str(blocker) in line
    assert "dagster" not in out.stderr.lower()


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: OpenRouterApi(base_url="openrouter.ai"), "must look like https://host"),
        (
            lambda: OpenRouterApi(concurrency=-1),
            "concurrency\n  Input should be greater than or equal to 1",
        ),
        (lambda: CatalogStorage(root="gs://bucket/prefix"), "gs:// is not supported"),
        (lambda: CatalogStorage(root="s3:///no-bucket"), "must look like s3://bucket"),
    ],
)
def test_dagster_resources_check_the_same_settings(make, message):
    """Runs launched from the UI or a schedule bypass the CLI: the resources check too."""
    with pytest.raises(ValidationError, match=message):
        make()


def test_a_wrong_type_lands_everything_and_the_run_says_so(tmp_path):
    """The API answers one frontend value of the wrong type: exit 0 with every table written,
    and the failed check named on stderr with the field, so a headless run does not hide it."""
    import gzip
    import shutil

    from tests.conftest import SAMPLE

    served = tmp_path / "served"
    shutil.copytree(SAMPLE, served)
    target = served / "frontend_stats_endpoint" / "openai%2Fgpt-oss-20b%3Afree.gz"
    doc = json.loads(gzip.decompress(target.read_bytes()))
    doc["data"][0]["status"] = "degraded"
    target.write_bytes(gzip.compress(json.dumps(doc).encode()))
    with replay_server(str(served)) as url:
        out = run_cli("--base-url", url, "--data-dir", str(tmp_path / "data"))
    assert out.returncode == 0, out.stderr[-2000:]
    prefix = "run: check failed: frontend_values_typed (warning, endpoints): "
    checks = [ln for ln in out.stderr.splitlines() if ln.startswith(prefix)]
    assert len(checks) == 1, out.stderr[-2000:]
    assert f"field 'status' of record '{doc['data'][0]['id']}'" in checks[0]
    assert not no_tables_for_date(tmp_path / "data")


@pytest.mark.parametrize("made", [False, True], ids=["missing", "empty"])
def test_warehouse_of_a_data_dir_without_tables_is_one_line_and_creates_nothing(tmp_path, made):
    data = tmp_path / "data" / "dir"
    if made:
        data.mkdir(parents=True)
    out = subprocess.run(
        [sys.executable, "-m", "pipeline", "warehouse", "--data-dir", str(data)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert out.returncode == 1
    lines = [ln for ln in (out.stdout + out.stderr).splitlines() if ln.strip()]
    want = f"no data dir at {data}" if not made else f"no snapshot in {data}/tables"
    assert len(lines) == 1 and lines[0].startswith(f"error: {want}"), lines
    assert data.exists() == made
    assert not (data / "warehouse.duckdb").exists()
