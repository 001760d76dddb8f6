"""Backfill from archives: the real /api/v1/models lists of 2024-01 → 2026-05 archived in
public repositories (tests/fixtures/v1_models, their dates in its PROVENANCE.tsv) imported
under their dates, out of order, through the same daily_snapshot run as a fetch; the model
history then answers for every archived day with that day's file's own prices."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import json
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from assets.runner import RunFailed, run_snapshot
from pipeline.cli.app import app
from pipeline.raw.importer import ImportError_, land, read_archives
from pipeline.raw.landing import raw_snapshot
from pipeline.settings import Settings
from pipeline.storage.layout import Layout
from tests.conftest import ROOT
from tests.support.history_checks import PRICE_COLUMNS, model_state

ARCHIVES = ROOT / "tests" / "fixtures" / "v1_models"
MTOK = Decimal(10) ** 6
# nothing listens there: a run that tried to fetch would fail
NO_API = "http://127.0.0.1:9"


def full_lists() -> dict[str, Path]:
    """date → the archive of that date, full responses only (the excerpts of 3 and 5 models
    and the image-only subset would read as hundreds of models removed for a day)."""
    out: dict[str, Path] = {}
    with (ARCHIVES / "PROVENANCE.tsv").open() as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            if "excerpt" in row["note"] or "subset" in row["note"]:
                continue
            out[row["data_date"][:10]] = ARCHIVES / f"{row['file']}.gz"
    return dict(sorted(out.items()))


def records(path: Path) -> list[dict]:
    data = json.loads(gzip.decompress(path.read_bytes()))
    return data["data"] if isinstance(data, dict) else data


def settings(root: Path) -> Settings:
    return Settings(data_dir=str(root), base_url=NO_API, dagster_home="memory")


@pytest.fixture(scope="module")
def imported(tmp_path_factory) -> tuple[Layout, dict[str, Path]]:
    root = tmp_path_factory.mktemp("archives")
    lists = full_lists()
    assert len(lists) == 18
    # the newest first, then every other one, then the rest: intervals are rebuilt both ways
    dates = list(lists)[::-1]
    for day in dates[::2] + dates[1::2]:
        run_snapshot(settings(root), dt.date.fromisoformat(day), import_files=[str(lists[day])])
    return Layout(str(root)), lists


def test_every_archived_day_answers_with_its_own_files_prices(imported):
    layout, lists = imported
    with duckdb.connect(str(layout.warehouse_path), read_only=True) as con:
        for day, path in lists.items():
            want = {}
            for m in records(path):
                p = m["pricing"]
                want[m["id"]] = (mtok(p["prompt"]), mtok(p["completion"]))
            got = {
                r[0]: (r[1], r[2])
                for r in con.execute(
                    "SELECT model_id, prompt_usd_per_mtok, completion_usd_per_mtok, "
                    f"snapshot_date FROM models_as_of('{day}')"
                ).fetchall()
            }
            assert got == want, day


def mtok(v: str) -> Decimal | None:
    """Per million tokens; "-1" (decided per request) is null."""
    return None if v == "-1" else Decimal(v) * MTOK


def test_models_listed_since_2024_have_one_interval_per_price_they_had(imported):
    layout, lists = imported
    listed = [{m["id"]: m for m in records(p)} for p in lists.values()]
    always = sorted(set.intersection(*(set(x) for x in listed)))
    assert "openai/gpt-4" in always
    moved = 0
    with duckdb.connect(str(layout.warehouse_path), read_only=True) as con:
        for model in always:
            runs: list[tuple] = []
            for day, models in zip(lists, listed, strict=True):
                state = model_state(models[model])  # every component, and the tiers
                if not runs or runs[-1][1] != state:
                    runs.append((day, state))
            rows = con.execute(
                f"SELECT valid_from, {', '.join(PRICE_COLUMNS)} FROM model_price_history "
                "WHERE model_id = ? ORDER BY valid_from",
                [model],
            ).fetchall()
            want = [(day, state[: len(PRICE_COLUMNS)]) for day, state in runs]
            assert [(str(r[0]), tuple(r[1:])) for r in rows] == want, model
            moved += len(runs) > 1
    assert len(always) >= 8 and moved > 0  # some of them did change price over two years


def test_imports_are_marked_and_what_the_archives_lack_stays_missing(imported):
    layout, lists = imported
    day = "2024-03-05"
    log = layout.read_partition("fetch_log", dt.date.fromisoformat(day))
    assert log["imported"].to_list() == [True]
    assert log["url"].to_list() == [f"archive:{lists[day].name}"]
    # no endpoints, providers or policies were archived: no partition, not an empty one
    for table in ("endpoints", "providers", "data_policies", "endpoint_price_events"):
        assert dt.date.fromisoformat(day) not in layout.dates(table), table
    assert len(layout.dates("models")) == len(lists)
    with duckdb.connect(str(layout.warehouse_path), read_only=True) as con:
        removed = con.execute("SELECT count(*), count(*) FILTER (came_back) FROM removed_models")
        n, back = removed.fetchall()[0]
    assert n > 100 and back > 0  # two years of models retired, a few listed again


def test_an_imported_date_is_never_fetched_again(imported, tmp_path):
    layout, lists = imported
    with pytest.raises(RunFailed, match="imported archives"):
        run_snapshot(settings(Path(layout.root)), dt.date(2024, 3, 5), refetch=True)
    # a plain run of the date rebuilds it from the archive, without the API
    run_snapshot(settings(Path(layout.root)), dt.date(2024, 3, 5))


def test_import_refuses_bad_files_in_one_line(tmp_path):
    runner = CliRunner()
    bad = tmp_path / "page.json"
    bad.write_text("<html>rate limited</html>")
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"data": [{"foo": 1}]}))
    one = next(iter(full_lists().values()))
    cases = [
        ([str(bad)], "2025-01-01", f"{bad}: not JSON"),
        ([str(other)], "2025-01-01", "are not those of /api/v1/models"),
        ([str(one), str(one)], "2025-01-01", "both hold v1_models"),
        ([str(one)], "2099-01-01", "out of range"),
        ([str(one)], "01/02/2025", "is not YYYY-MM-DD"),
    ]
    for files, date, message in cases:
        result = runner.invoke(
            app, ["import", "--snapshot-date", date, "--data-dir", str(tmp_path), *files]
        )
        assert result.exit_code == 1, (files, result.output)
        assert message in result.output and result.output.count("\n") == 1, result.output


def test_a_fetched_date_takes_no_archive(clean_build):
    layout, _ = clean_build
    snap = raw_snapshot(layout, dt.date(2026, 7, 19))
    with pytest.raises(ImportError_, match="holds a fetched v1 snapshot"):
        land(snap, "v1", read_archives([next(iter(full_lists().values()))]))


def test_the_cli_lands_builds_and_says_what_is_missing(tmp_path):
    day, path = "2024-01-06", full_lists()["2024-01-06"]
    result = CliRunner().invoke(
        app,
        [
            "import",
            "--snapshot-date",
            day,
            "--data-dir",
            str(tmp_path),
            "--dagster-home",
            "memory",
            str(path),
        ],
    )
    assert result.exit_code == 0, result.output
    n = len(records(path))
    assert f"{path.name} → v1_models ({n:,} records)" in result.output
    assert "no archive of v1_providers, frontend_catalog" in result.output
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM models").fetchall() == [(n,)]


def test_the_archive_folder_sensor_asks_one_run_per_dated_folder(tmp_path):
    """The Dagster way for a folder: archives/<date>/ folders become runs of daily_snapshot
    that land their files; a folder is asked once until its files change."""
    import dagster as dg

    from assets.definitions import ALL_ASSETS
    from assets.resources import CatalogStorage, OpenRouterApi
    from assets.sensors import archive_folder_sensor

    lists = full_lists()
    for day in ("2024-03-05", "2024-03-11"):
        folder = tmp_path / "archives" / day
        folder.mkdir(parents=True)
        (folder / "models.json.gz").write_bytes(lists[day].read_bytes())
    (tmp_path / "archives" / "notes").mkdir()  # not a date: left alone
    storage = CatalogStorage(root=str(tmp_path))
    ctx = dg.build_sensor_context(resources={"storage": storage})
    result = archive_folder_sensor(ctx)
    assert [r.partition_key for r in result.run_requests] == ["2024-03-05", "2024-03-11"]
    again = archive_folder_sensor(
        dg.build_sensor_context(cursor=result.cursor, resources={"storage": storage})
    )
    assert again.run_requests == []
    for request in result.run_requests:
        done = dg.materialize(
            ALL_ASSETS,
            partition_key=request.partition_key,
            run_config=request.run_config,
            resources={"storage": storage, "api": OpenRouterApi(base_url=NO_API)},
        )
        assert done.success
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        n = con.execute("SELECT count(*) FROM models_as_of('2024-03-05')").fetchall()[0][0]
    assert n == len(records(lists["2024-03-05"]))
