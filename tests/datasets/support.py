"""Shared by the Data API tests: a folder of answers for the replay, a run with a key, and
what a run asked and logged."""

from __future__ import annotations

import contextlib
import gzip
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from pipeline.replay.launcher import replay_server
from tests.conftest import SAME_ANSWERS, materialize_snapshot

SAMPLE = Path(__file__).parents[2] / "data" / "sample" / "datasets"
KEY = "sk-or-test-datasets"


def recorded_rows() -> dict[str, dict[str, dict]]:
    """The real rows the replay serves: {date: {permaslug: row}}."""
    return json.loads(gzip.decompress((SAMPLE / "rankings_daily.json.gz").read_bytes()))


def answers_folder(
    where: Path,
    *,
    rows: dict | None = None,
    files: dict[str, object] | None = None,
) -> Path:
    """A copy of the bundled answers, with rankings rows or whole answers replaced."""
    shutil.copytree(SAMPLE, where)
    if rows is not None:
        (where / "rankings_daily.json.gz").chmod(0o644)
        (where / "rankings_daily.json.gz").write_bytes(gzip.compress(json.dumps(rows).encode()))
    for name, doc in (files or {}).items():
        (where / name).write_text(json.dumps(doc))
    return where


@contextlib.contextmanager
def serving(folder: Path | None = None, *args: str) -> Iterator[str]:
    extra = ["--datasets", str(folder)] if folder else []
    with replay_server(None, *extra, *args) as url:
        yield url


def run(url: str, data_dir: Path, date: str, *, key: str | None = KEY):  # noqa: ANN201
    """The daily job of ``date`` in-process, with (or without) an API key; (result, the
    run's log lines)."""
    instance = dg.DagsterInstance.ephemeral()
    with pytest.MonkeyPatch.context() as mp:
        if key is None:
            mp.delenv("OPENROUTER_API_KEY", raising=False)
        else:
            mp.setenv("OPENROUTER_API_KEY", key)
        # the sample's day replayed as each date asked for
        result = materialize_snapshot(
            url, data_dir, partition=date, instance=instance, limits=SAME_ANSWERS
        )
    lines = [e.user_message for e in instance.all_logs(result.run_id) if e.user_message]
    return result, lines


def datasets_rows(data_dir: Path, date: str) -> list[dict]:
    """The datasets group's fetch log rows of a snapshot."""
    log = data_dir / "raw" / f"snapshot_date={date}" / "fetch_log_datasets.jsonl"
    return [json.loads(line) for line in log.read_text().splitlines()] if log.is_file() else []
