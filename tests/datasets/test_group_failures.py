"""The Data API never holds the catalog: without a key the group is not configured, on the
daily quota's 429 it is absent for the day, and a renamed field holds its own tables (as last
published) and shows in the drift report, while the catalog's date is published."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import polars as pl

from pipeline.publish import decisions
from pipeline.storage.layout import Layout
from tests.conftest import materialization
from tests.datasets.support import answers_folder, datasets_rows, recorded_rows, run, serving

DATE = "2026-08-22"


def _catalog_published(data_dir, date: str) -> bool:
    last = decisions.latest(Layout(str(data_dir)), dt.date.fromisoformat(date))
    return last is not None and last.state == decisions.PUBLISHED


def test_without_a_key_the_group_is_not_configured_and_the_date_is_complete(tmp_path):
    with serving() as url:
        result, lines = run(url, tmp_path, DATE, key=None)
    assert result.success
    said = [line for line in lines if "not configured" in line]
    assert len(said) == 1 and said[0].startswith("datasets: not configured (no API key")
    assert materialization(result, "raw_datasets").metadata["configured"].value is False
    assert datasets_rows(tmp_path, DATE) == []
    assert not (tmp_path / "tables/official_rankings_daily").exists()
    assert _catalog_published(tmp_path, DATE)
    assert not (tmp_path / "quota").exists()  # nothing spent


def test_the_daily_quotas_429_makes_the_group_absent_for_the_day(tmp_path):
    with serving(None, "--datasets-quota", "1") as url:
        result, lines = run(url, tmp_path, DATE)
        assert result.success
        rows = datasets_rows(tmp_path, DATE)
        # the first window answered; the second met the quota's 429, and nothing more was sent
        assert [(r["status"], r["attempts"]) for r in rows] == [(200, 1), (429, 1)]
        assert "datasets-per-account-rpd-v1" in rows[1]["error"]
        assert any(line.startswith(f"datasets absent on {DATE}") for line in lines)
        assert not (tmp_path / "tables/official_rankings_daily").exists()
        assert _catalog_published(tmp_path, DATE)
        [ledger] = (tmp_path / "quota/datasets/host=127.0.0.1").glob("day=*.json")
        assert json.loads(ledger.read_text())["exhausted"] is True
        # another run the same UTC day (another date) asks nothing: the ledger says so
        again, lines = run(url, tmp_path, "2026-08-23")
    assert again.success
    assert datasets_rows(tmp_path, "2026-08-23") == []
    assert any("calls not asked today" in line for line in lines)


def test_a_renamed_field_holds_the_groups_tables_not_the_catalog(tmp_path):
    with serving() as url:
        first, _ = run(url, tmp_path / "data", DATE)
    assert first.success
    tables = tmp_path / "data/tables/official_rankings_daily"
    before = {p: p.read_bytes() for p in tables.rglob("*.parquet")}

    def rename(row: dict) -> dict:
        return {("tokens" if k == "total_tokens" else k): v for k, v in row.items()}

    renamed = {d: {s: rename(r) for s, r in day.items()} for d, day in recorded_rows().items()}
    with serving(answers_folder(tmp_path / "renamed", rows=renamed)) as url:
        second, lines = run(url, tmp_path / "data", "2026-08-23")
    assert second.success
    # the drift report names the new field and the one that went
    meta = materialization(second, "official_rankings_daily").metadata
    assert meta["published"].value is False and meta["state"].value == "held"
    report = meta["drift_report"].value["datasets_rankings_daily"]
    assert "data[].tokens" in report and report["data[].total_tokens"].startswith("removed")
    held = [line for line in lines if line.startswith("datasets held 2026-08-23")]
    assert (
        len(held) == 1 and "data[].total_tokens" in held[0] and "datasets_contract_kept" in held[0]
    )
    checks = {c.check_name: c.passed for c in second.get_asset_check_evaluations()}
    assert checks["datasets_contract_kept"] is False
    # the rest of the date goes on: the warehouse, the digest and the report of 2026-08-23
    for asset in ("warehouse", "catalog_digest", "catalog_report"):
        assert materialization(second, asset)
    # the tables are as last published, byte for byte; the catalog's date is published
    assert {p: p.read_bytes() for p in tables.rglob("*.parquet")} == before
    last = decisions.latest(
        Layout(str(tmp_path / "data")), __import__("datetime").date(2026, 8, 23), decisions.DATASETS
    )
    assert last.state == decisions.HELD and "datasets_contract_kept" in last.failed
    assert _catalog_published(tmp_path / "data", "2026-08-23")
    staged = pl.read_parquet(f"{last.staged}/official_rankings_daily/part-0.parquet")
    assert staged["total_tokens"].null_count() == staged.height  # why it was held
    shutil.rmtree(tmp_path / "renamed")


def test_a_key_without_credits_makes_the_group_absent_once_with_the_apis_message(tmp_path):
    """Every Data API call answers 402 "Insufficient credits": one line quoting the API, with
    the count of calls; the group's record says absent (never published); the catalog
    publishes."""
    data_api = ("/api/v1/datasets/*", "/api/v1/classifications/*", "/api/v1/benchmarks*")
    with serving(None, *(a for p in data_api for a in ("--no-credits", p))) as url:
        result, lines = run(url, tmp_path, DATE)
    assert result.success
    rows = datasets_rows(tmp_path, DATE)
    assert rows and {r["status"] for r in rows} == {402}
    said = [x for x in lines if x.startswith("datasets") and "Insufficient credits" in x]
    assert said == [
        f"datasets: absent today: HTTP 402 Insufficient credits ({len(rows)} calls); its "
        "tables stay as last published"
    ]
    assert not [x for x in lines if x.startswith("datasets published")]
    last = decisions.latest(Layout(str(tmp_path)), dt.date.fromisoformat(DATE), decisions.DATASETS)
    assert last.state == decisions.ABSENT
    assert f"HTTP 402 Insufficient credits ({len(rows)} calls)" in last.line
    assert _catalog_published(tmp_path, DATE)
