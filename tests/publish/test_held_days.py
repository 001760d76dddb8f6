"""Write, audit, publish, tried as a new user would: a daily run on a real day (2026-07-17), then
the real next day (07-18) bent the way upstream failures look, served over HTTP by the replay
server. Each bad day is held: the run fails in one line naming the checks and their figures,
every view and history stays on the good day, the bad day's raw is kept, and its digest says
so. `accept` then publishes a held day as a direct publish would have, and a re-run against a
healthy server replaces what was held. Expected figures are read from the served JSON here."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from assets.runner import RunHeld, run_snapshot
from pipeline.cli.app import app
from pipeline.publish import decisions
from pipeline.publish.thresholds import Thresholds
from pipeline.raw.landing import raw_snapshot
from pipeline.replay.launcher import replay_server
from pipeline.settings import Settings
from pipeline.storage.layout import Layout
from tests.conftest import (
    ROOT,
    SAMPLE,
    landed_bodies,
    rebuild_from_raw,
)

GOOD, BAD = "2026-07-17", "2026-07-18"
DAYS = SAMPLE / "earlier"
# what a bad day must not touch: every history and change view (and the latest views)
FOLLOWED = (
    "models",
    "endpoints",
    "removed_models",
    "removed_endpoints",
    "price_changes",
    "catalog_changes",
    "endpoint_price_history",
    "model_price_history",
    "policy_history",
)
# thresholds that hold nothing but an empty answer: what publishing without an audit gives
NO_AUDIT = {
    "audit_max_drop": 1.0,
    "audit_field_now": 0.0,
    "audit_max_price_changes": 1.0,
    "audit_max_zeroed": 1.0,
}


def body(folder: Path, source: str, key: str = "all") -> dict:
    return json.loads(gzip.decompress((folder / source / f"{key}.gz").read_bytes()))


def rewrite(path: Path, edit) -> None:
    doc = json.loads(gzip.decompress(path.read_bytes()))
    path.write_bytes(gzip.compress(json.dumps(edit(doc)).encode()))


def model_ids(folder: Path) -> tuple[int, int]:
    """(v1 models, catalog model ids) of a served day, from its JSON."""
    v1 = body(folder, "v1_models")["data"]
    catalog = body(folder, "frontend_catalog")["data"]
    ids = set()
    for c in catalog:
        variant = (c.get("endpoint") or {}).get("variant") or "standard"
        ids.add(c["slug"] if variant == "standard" else f"{c['slug']}:{variant}")
    return len({m["id"] for m in v1}), len(ids)


def _rename_completion(doc):
    """Every pricing object's ``completion`` key comes back as ``completion_price``."""
    if isinstance(doc, dict):
        pricing = doc.get("pricing")
        if isinstance(pricing, dict) and "completion" in pricing:
            pricing["completion_price"] = pricing.pop("completion")
        for v in doc.values():
            _rename_completion(v)
    elif isinstance(doc, list):
        for v in doc:
            _rename_completion(v)
    return doc


def bend(served: Path, how: str) -> None:
    if how == "outage":  # the model list and the catalog answer {"data": []}
        for source in ("v1_models", "frontend_catalog"):
            rewrite(served / source / "all.gz", lambda d: {"data": []})
    elif how == "truncated":  # half of both lists is missing
        for source in ("v1_models", "frontend_catalog"):
            rewrite(
                served / source / "all.gz", lambda d: {"data": d["data"][: len(d["data"]) // 2]}
            )
    elif how == "renamed":  # pricing.completion renamed, in every source that prices
        for source in ("v1_models", "v1_endpoints", "frontend_stats_endpoint", "frontend_catalog"):
            for path in (served / source).glob("*.gz"):
                rewrite(path, _rename_completion)


def settings(url: str, data: Path, **extra: object) -> Settings:
    return Settings(base_url=url, data_dir=str(data), dagster_home="memory", **extra)


def run_day(folder: Path, data: Path, date: str, **extra: object) -> None:
    with replay_server(str(folder)) as url:
        run_snapshot(settings(url, data, **extra), dt.date.fromisoformat(date))


def views(data: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        return {v: sorted(map(str, con.sql(f"SELECT * FROM {v}").fetchall())) for v in FOLLOWED}


def latest_dates(data: Path) -> set[str]:
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        return {
            str(d)
            for v in ("models", "endpoints", "providers")
            for (d,) in con.sql(f"SELECT DISTINCT snapshot_date FROM {v}").fetchall()
        }


@pytest.fixture(scope="module")
def good_day(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("good") / "data"
    run_day(DAYS / GOOD, data, GOOD)
    return data


@pytest.fixture(scope="module")
def held(good_day, tmp_path_factory) -> dict[str, tuple[Path, Path, str, dict]]:
    """Each bad day run after the good day: (data dir, served folder, the held line, the
    views before)."""
    out = {}
    for how in ("outage", "truncated", "renamed"):
        base = tmp_path_factory.mktemp(how)
        served, data = base / "served", base / "data"
        shutil.copytree(DAYS / BAD, served)
        bend(served, how)
        shutil.copytree(good_day, data)
        before = views(data)
        with pytest.raises(RunHeld) as caught:
            run_day(served, data, BAD)
        out[how] = (data, served, str(caught.value), before)
    return out


def test_an_outage_is_held_naming_the_lists_and_their_figures(held):
    _, _, line, _ = held["outage"]
    v1, catalog = model_ids(DAYS / GOOD)
    assert line.startswith(f"held {BAD}: ")
    assert f"v1 models 0 (previous {v1:,}): an empty answer" in line
    assert f"catalog rows 0 (previous {catalog:,}): an empty answer" in line
    assert "[models_volume]" in line and "[endpoints_volume]" in line
    assert f"the views stay on {GOOD}" in line and "openrouter-catalog accept" in line


def test_a_truncated_answer_is_held_by_its_drop(held):
    _, served, line, _ = held["truncated"]
    v1, catalog = model_ids(DAYS / BAD)
    kept_v1, kept_catalog = model_ids(served)
    before_v1, before_catalog = model_ids(DAYS / GOOD)
    assert kept_v1 == v1 // 2 and kept_catalog < catalog
    drop = 100 * (before_v1 - kept_v1) / before_v1
    limit = 100 * Thresholds().max_drop
    assert (
        f"v1 models {kept_v1:,} (previous {before_v1:,}, −{drop:.1f} %, limit {limit:.1f} %)"
        in line
    )
    assert f"catalog rows {kept_catalog:,} (previous {before_catalog:,}, −" in line
    assert "[models_volume]" in line


def test_a_renamed_price_key_is_a_vanished_field_never_a_price_of_zero(held):
    data, served, line, _ = held["renamed"]
    good = len(body(DAYS / GOOD, "v1_models")["data"])
    bad = len(body(served, "v1_models")["data"])
    assert f"v1_models pricing.completion: 100.0 % of {good:,} → 0.0 % of {bad:,}" in line
    assert "[api_fields_kept]" in line and "[endpoint_prices_stable]" in line
    # the staged tables read the missing key as unknown: not one completion price is 0
    import polars as pl

    staged = Layout(str(data)).base / "staging" / f"snapshot_date={BAD}" / "tables"
    eps = pl.read_parquet(staged / "endpoints" / f"snapshot_date={BAD}" / "part-0.parquet")
    models = pl.read_parquet(staged / "models" / f"snapshot_date={BAD}" / "part-0.parquet")
    assert eps["completion_usd_per_token"].null_count() == eps.height
    assert models.filter(pl.col("in_v1"))["completion_usd_per_token"].null_count() == bad


def test_the_drift_report_names_the_removed_field_beside_the_new_one(held, tmp_path):
    """The held date rebuilt from its raw alone (no API): held again, and what Dagster shows
    of it names the field that vanished and the one that appeared in its place."""
    data, _, _, _ = held["renamed"]
    shutil.copytree(data, tmp_path / "data")
    result = rebuild_from_raw(Layout(str(tmp_path / "data")), BAD, warehouse=False,
                              raise_on_error=False)  # fmt: skip
    assert not result.success
    (observed,) = [
        e.event_specific_data.asset_observation
        for e in result.all_events
        if e.event_type_value == "ASSET_OBSERVATION"
        and e.event_specific_data.asset_observation.asset_key.to_user_string() == "models"
    ]
    report = observed.metadata["drift_report"].value["v1_models"]
    assert report["pricing.completion"].startswith("removed: 100.0 % of ")
    assert report["pricing.completion_price"]  # the new name, with an example value
    assert observed.metadata["held"].value is True
    assert not result.asset_materializations_for_node("catalog_tables")


@pytest.mark.parametrize("how", ["outage", "truncated", "renamed"])
def test_a_held_day_changes_nothing_readers_see_and_keeps_its_raw(held, how):
    data, served, _, before = held[how]
    layout = Layout(str(data))
    date = dt.date.fromisoformat(BAD)
    # every view and history is what it was: nothing dated the bad day, nothing else moved
    assert views(data) == before
    assert latest_dates(data) == {GOOD}
    assert not list(layout.tables_dir.glob(f"*/snapshot_date={BAD}"))
    # the bad day's raw is kept whole: the bent answers as they were received
    snap = raw_snapshot(layout, date)
    assert snap.is_complete("v1") and snap.is_complete("frontend")
    got = landed_bodies(snap.folder, "v1_models")["all"]
    assert json.loads(got) == body(served, "v1_models")
    # the decision is kept, and the digest of the date says it is held
    decision = decisions.latest(layout, date)
    assert decision.state == decisions.HELD and decision.against == GOOD
    digest = layout.digest_path(date).read_text()
    assert "**Held, not published**" in digest and all(n in digest for n in decision.failed)
    assert not layout.report_path_for(date).exists()
    printed = CliRunner().invoke(app, ["digest", "--date", BAD, "--data-dir", str(data)])
    assert printed.exit_code == 0 and printed.stdout == digest
    newest = CliRunner().invoke(app, ["digest", "--data-dir", str(data)])
    assert newest.stdout.startswith(f"# OpenRouter catalog digest, {GOOD}")


def test_accept_publishes_a_held_day_as_a_direct_publish_would(held, good_day, tmp_path):
    data, served, _, _ = held["renamed"]
    out = subprocess.run(
        [sys.executable, "-m", "pipeline", "accept", "--snapshot-date", BAD, "--data-dir",
         str(data), "--reason", "the API renamed completion for good", "--by", "reviewer",
         "--dagster-home", "memory"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    assert f"accept: {BAD} published" in out.stdout
    layout = Layout(str(data))
    decision = decisions.latest(layout, dt.date.fromisoformat(BAD))
    assert (decision.state, decision.accepted_by) == (decisions.ACCEPTED, "reviewer")
    assert decision.reason == "the API renamed completion for good"
    assert "api_fields_kept" in decision.failed
    assert latest_dates(data) == {BAD}
    # a direct publish: the same bent day with limits that hold nothing
    direct = tmp_path / "direct"
    shutil.copytree(good_day, direct)
    run_day(served, direct, BAD, **NO_AUDIT)
    assert views(data) == views(direct)
    # a second acceptance has nothing to accept
    again = subprocess.run(
        [sys.executable, "-m", "pipeline", "accept", "--snapshot-date", BAD, "--data-dir",
         str(data), "--reason", "again", "--dagster-home", "memory"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert again.returncode == 1
    assert again.stderr.strip().splitlines() == [
        f"error: {BAD} is not held (its latest decision: accepted at {decision.at[:19]}); "
        "nothing to accept"
    ]


def test_a_rerun_against_a_healthy_server_replaces_what_was_held(held, good_day, tmp_path):
    data, _, _, _ = held["truncated"]
    run_day(DAYS / BAD, data, BAD)
    layout = Layout(str(data))
    date = dt.date.fromisoformat(BAD)
    assert latest_dates(data) == {BAD}
    assert decisions.latest(layout, date).state == decisions.PUBLISHED
    assert [d.state for d in decisions.history(layout, date)] == ["held", "published"]
    got = landed_bodies(raw_snapshot(layout, date).folder, "v1_models")["all"]
    assert json.loads(got) == body(DAYS / BAD, "v1_models")  # fetched again
    assert not (layout.base / "staging" / f"snapshot_date={BAD}").exists()
    clean = tmp_path / "clean"
    shutil.copytree(good_day, clean)
    run_day(DAYS / BAD, clean, BAD)
    assert views(data) == views(clean)


def test_the_cli_ends_in_one_line_with_exit_code_3(good_day, tmp_path):
    """A held run from the command line: exit 3 with one line on stderr (what the UI shows of
    it: tests/assets/test_ui.py)."""
    served, data = tmp_path / "served", tmp_path / "data"
    shutil.copytree(DAYS / BAD, served)
    bend(served, "outage")
    shutil.copytree(good_day, data)
    with replay_server(str(served)) as url:
        out = subprocess.run(
            [sys.executable, "-m", "pipeline", "run", "--base-url", url, "--data-dir",
             str(data), "--snapshot-date", BAD, "--dagster-home", "memory"],
            cwd=ROOT, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
    assert out.returncode == 3, out.stderr[-3000:]
    lines = out.stderr.strip().splitlines()
    v1, _ = model_ids(DAYS / GOOD)
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"error: held {BAD}: v1 models 0 (previous {v1:,})"), lines
