"""The fetch layer against a misbehaving replay server: retried faults change nothing, failures
are recorded exactly, the coverage rule holds, a vanished frontend costs nothing of v1, and the
API key goes where it should and nowhere else."""

from __future__ import annotations

import datetime as dt
import fnmatch
import os
import subprocess
import sys

import dagster as dg
import polars as pl
import pytest

from pipeline.replay.faults import FaultPlan
from pipeline.replay.launcher import replay_server
from pipeline.storage.layout import Layout
from tests.conftest import ROOT, SAMPLE_DATE, materialization, materialize_snapshot

DATE = dt.date.fromisoformat(SAMPLE_DATE)
TABLES = ("models", "endpoints", "providers", "data_policies")


def table(layout: Layout, name: str) -> pl.DataFrame:
    return layout.read_partition(name, DATE)


def fetch_log(layout: Layout) -> pl.DataFrame:
    return table(layout, "fetch_log")


def failure_message(result: dg.ExecuteInProcessResult) -> str:
    fails = [e for e in result.all_events if e.is_step_failure]
    assert fails, "expected a failed step"
    return fails[0].step_failure_data.error.message


def test_faults_are_retried_into_the_identical_snapshot(clean_build, tmp_path):
    clean, _ = clean_build
    # replay the pipeline's own raw landing of the clean run, 30 % of URLs misbehaving
    raw = clean.raw_dir(DATE)
    with replay_server(raw, "--fault-rate", "0.3", "--seed", "7") as url:
        result = materialize_snapshot(url, tmp_path)
    assert result.success
    faulty = Layout(str(tmp_path))
    for name in TABLES:
        assert table(faulty, name).equals(table(clean, name)), name
    log = fetch_log(faulty)
    assert log["error"].null_count() == log.height  # every URL ended well
    retried = log.filter(pl.col("attempts") > 1)
    plan = FaultPlan(0.3, 7)
    faults = {r["url"]: plan.chosen(_target(r["url"])) for r in log.iter_rows(named=True)}
    chosen = {u for u, f in faults.items() if f is not None}
    # aiohttp itself re-sends once when a reused keep-alive connection turns out reset
    must_retry = {u for u, f in faults.items() if f is not None and f.kind != "reset"}
    assert must_retry <= set(retried["url"]) <= chosen and len(must_retry) > 100
    # same bytes as the clean run, URL by URL (a probe asks a key on each known path)
    key = ["source", "key", "path"]
    path = pl.col("url").str.replace(r"^https?://[^/]+", "").alias("path")
    both = (
        log.with_columns(path)
        .select(*key, "sha256")
        .join(
            fetch_log(clean).with_columns(path).select(*key, pl.col("sha256").alias("clean")),
            on=key,
        )
    )
    assert both.height == log.height and (both["sha256"] == both["clean"]).all()


def _target(url: str) -> str:
    from pipeline.replay.snapshot import normalise_request

    return normalise_request(url.split("://", 1)[1].split("/", 1)[1].join(["/", ""]))


def test_urls_that_always_fail_are_listed_and_the_rest_is_complete(clean_build, sample, tmp_path):
    clean, _ = clean_build
    broken = ["mistralai/mistral-large", "openai/gpt-oss-20b:free", "z-ai/glm-5.2"]
    args = [a for m in broken for a in ("--fail-always", f"/api/v1/models/{m}/endpoints")]
    with replay_server(None, *args) as url:
        result = materialize_snapshot(url, tmp_path, max_attempts=2)
    assert result.success
    layout = Layout(str(tmp_path))
    log = fetch_log(layout)
    failed = log.filter(pl.col("error").is_not_null())
    assert sorted(failed["key"]) == sorted(broken)
    assert set(failed["status"]) == {500} and set(failed["attempts"]) == {2}
    assert log.height == fetch_log(clean).height
    eps = table(layout, "endpoints")
    v1 = eps.filter(pl.col("in_v1"))
    assert set(v1["model_id"]) == set(
        table(clean, "endpoints").filter(pl.col("in_v1"))["model_id"]
    ) - set(broken)
    # the frontend still describes the endpoints of those models
    assert eps.filter(pl.col("model_id") == "openai/gpt-oss-20b:free").height > 0
    meta = materialization(result, "raw_v1").metadata
    assert meta["v1_endpoints_failed"].value == 3


def test_coverage_below_threshold_fails_with_the_offenders(sample, tmp_path):
    pattern = "/api/v1/models/[a-g]*"
    ids = [m["id"] for m in sample.data("v1_models")]
    expected = sum(fnmatch.fnmatchcase(f"/api/v1/models/{i}/endpoints", pattern) for i in ids)
    assert expected / len(ids) > 0.05
    with replay_server(None, "--fail-always", pattern) as url:
        result = materialize_snapshot(url, tmp_path, max_attempts=1)
    assert not result.success
    msg = failure_message(result)
    assert f"v1_endpoints: {expected} of {len(ids)} calls failed" in msg
    assert "HTTP 500" in msg
    assert not list((tmp_path / "tables").glob(f"*/snapshot_date={SAMPLE_DATE}"))


def test_frontend_gone_v1_tables_complete(sample, tmp_path):
    with replay_server(None, "--not-found", "/api/frontend/*") as url:
        result = materialize_snapshot(url, tmp_path)
    assert result.success
    layout = Layout(str(tmp_path))
    models = table(layout, "models")
    assert models.height == len(sample.data("v1_models"))
    assert not models["in_frontend_catalog"].any()
    v1_keys = {
        (d["data"]["id"], e["tag"])
        for d in sample.bodies("v1_endpoints").values()
        for e in d["data"]["endpoints"]
    }
    eps = table(layout, "endpoints")
    v1_count = sum(len(d["data"]["endpoints"]) for d in sample.bodies("v1_endpoints").values())
    assert eps.height == v1_count >= len(v1_keys) and eps["in_v1"].all()
    assert table(layout, "providers").height == len(sample.data("v1_providers"))
    missing = materialization(result, "raw_frontend").metadata["missing"]
    assert any("frontend_catalog" in m for m in missing.value)


def test_api_key_is_sent_and_never_written(tmp_path):
    """A canary key through a good run and a failed one (the server refuses it there): it
    must not appear in raw files, tables, the warehouse, Dagster's run and event storage
    (logs, metadata, errors) or the runs' stdout and stderr."""
    canary = "sk-or-v1-canary-7f3a9c2e51d84b06"
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    data_dir = tmp_path / "data"
    env = {**os.environ, "OPENROUTER_API_KEY": canary, "DAGSTER_HOME": str(home)}

    def run(url: str, date: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "pipeline", "run", "--base-url", url]
            + ["--data-dir", str(data_dir), "--snapshot-date", date, "--max-attempts", "1"],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
            cwd=ROOT,
        )

    # the server refuses every request without the key: a green run proves it was sent
    with replay_server(None, "--require-api-key", canary) as url:
        good = run(url, SAMPLE_DATE)
    assert good.returncode == 0, good.stderr[-2000:]
    # a server that wants another key: 401 on every call, the run fails with a reason
    with replay_server(None, "--require-api-key", "sk-or-v1-some-other-key") as url:
        bad = run(url, "2026-07-20")
    assert bad.returncode != 0 and "HTTP 401" in bad.stderr
    for out in (good, bad):
        assert canary not in out.stdout and canary not in out.stderr
    needle = canary.encode()
    scanned = 0
    for path in [*data_dir.rglob("*"), *home.rglob("*")]:
        if path.is_file():
            blob = path.read_bytes()
            if path.suffix == ".gz":
                import gzip

                blob = gzip.decompress(blob)  # every member of a pack, one after the other
            assert needle not in blob, path
            scanned += len(blob)
    # every body received (13 MB for the sample), tables, warehouse, Dagster's storage
    assert scanned > 13_000_000
    assert any(p.suffix == ".db" for p in home.rglob("*"))


@pytest.mark.parametrize("seed", [1, 2])
def test_fault_plan_is_deterministic_and_ends(seed):
    a, b = FaultPlan(0.5, seed), FaultPlan(0.5, seed)
    urls = [f"/api/v1/models/x/m{i}/endpoints" for i in range(200)]
    assert [a.chosen(u) for u in urls] == [b.chosen(u) for u in urls]
    for u in urls:
        fault = a.chosen(u)
        tries = [a.decide(u) for _ in range(4)]
        if fault is None:
            assert tries == [None] * 4
        else:
            assert tries == [fault.kind] * fault.tries + [None] * (4 - fault.tries)


def test_scaled_catalog_is_consistent(sample):
    import httpx

    with replay_server(None, "--scale", "3") as url:
        models = httpx.get(f"{url}/api/v1/models?output_modalities=all").json()["data"]
        ids = [m["id"] for m in models]
        assert len(ids) == len(set(ids)) == 3 * len(sample.data("v1_models"))
        clone = httpx.get(f"{url}/api/v1/models/openai/gpt-oss-20b-x2:free/endpoints").json()
        assert clone["data"]["id"] == "openai/gpt-oss-20b-x2:free"
        original = sample.bodies("v1_endpoints")["openai/gpt-oss-20b:free"]["data"]
        assert len(clone["data"]["endpoints"]) == len(original["endpoints"])
        catalog = httpx.get(f"{url}/api/frontend/v1/catalog/models").json()["data"]
        row = next(r for r in catalog if r["slug"] == "openai/gpt-oss-20b-x1")
        stats = httpx.get(
            f"{url}/api/frontend/v1/stats/endpoint",
            params={"permaslug": row["permaslug"], "variant": "standard"},
        ).json()
        assert {e["model_variant_slug"] for e in stats["data"]} == {"openai/gpt-oss-20b-x1"}
        uuids = {e["id"] for e in stats["data"]}
        assert not uuids & {
            e["id"] for d in sample.bodies("frontend_stats_endpoint").values() for e in d["data"]
        }


@pytest.mark.parametrize("every_s, lines", [(0.0, "every call"), (3600.0, "the last")])
def test_progress_is_a_line_every_few_seconds_and_one_at_the_end(
    replay_url, sample, tmp_path, monkeypatch, every_s, lines
):
    import asyncio

    from assets.resources import OpenRouterApi
    from pipeline.fetch import snapshot as fetch
    from pipeline.raw.store import RawSnapshot

    monkeypatch.setattr(fetch, "PROGRESS_EVERY_S", every_s)
    said: list[str] = []

    async def go() -> None:
        async with OpenRouterApi(base_url=replay_url).client() as client:
            await fetch.fetch_v1(client, RawSnapshot(tmp_path), said.append)

    asyncio.run(go())
    n = len({m["id"] for m in sample.data("v1_models") if "/" in m["id"]})
    progress = [s for s in said if s.startswith("v1_endpoints: ")]
    assert progress[-1] == f"v1_endpoints: {n}/{n} done, 0 failed, 0 retried"
    assert len(progress) == (n if lines == "every call" else 1)
