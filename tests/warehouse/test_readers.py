"""Readers never see a half-built warehouse: a notebook holding a read-only connection keeps
getting complete answers while another process re-runs the pipeline and republishes."""

from __future__ import annotations

import shutil
import subprocess
import sys

import duckdb

from tests.conftest import ROOT, SAMPLE_DATE

QUERIES = {
    "cheapest": "SELECT count(*), sum(prompt_usd_per_mtok), sum(completion_usd_per_mtok), "
    "md5(string_agg(model_id || provider_name, ',' ORDER BY model_id)) "
    "FROM cheapest_endpoint_per_model",
    "flags": "SELECT count(*) FROM free_variant_training_flags",
    "endpoints": "SELECT count(*) FROM endpoints",
}


def answers(con: duckdb.DuckDBPyConnection) -> dict[str, tuple]:
    return {k: con.sql(q).fetchall()[0] for k, q in QUERIES.items()}


def test_reader_keeps_working_during_a_rerun(clean_build, replay_url, tmp_path):
    clean, _ = clean_build
    data = tmp_path / "data"
    shutil.copytree(clean.base, data)
    warehouse = data / "warehouse.duckdb"
    held = duckdb.connect(str(warehouse), read_only=True)
    expected = answers(held)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pipeline",
            "run",
            "--base-url",
            replay_url,
            "--data-dir",
            str(data),
            "--snapshot-date",
            SAMPLE_DATE,
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    held_queries = fresh_opens = 0
    while proc.poll() is None:
        assert answers(held) == expected  # the open connection keeps the file it opened
        held_queries += 1
        with duckdb.connect(str(warehouse), read_only=True) as fresh:  # a new reader mid-run
            assert answers(fresh) == expected
            fresh_opens += 1
    assert proc.returncode == 0, proc.stderr.read()[-2000:]
    assert held_queries > 5 and fresh_opens > 5
    with duckdb.connect(str(warehouse), read_only=True) as after:
        assert answers(after) == expected  # same raw, same answers after the republish
    held.close()
    assert not list(data.glob(".warehouse.duckdb.*"))  # no temporary file left behind
