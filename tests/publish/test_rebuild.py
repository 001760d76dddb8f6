"""A rebuild of stored history: one Dagster run for a range of dates, built from landed raw
with no request, equal to the dates run one at a time; the stale dates named and emptied; a
date that fails the new audit keeping its old build; a killed or interrupted rebuild leaving
whole dates and finished by a second run; a data dir moved elsewhere answering there.

The store is three real days (2026-07-17 and 07-18 from their recorded bundles, 07-19 the
sample) landed as raw once; each test works on a copy.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import pytest

from assets.runner import open_home
from pipeline.publish import decisions
from pipeline.publish.version import code_version, code_version_of
from pipeline.storage.layout import Layout
from pipeline.storage.lock import date_lock, dates_locked
from pipeline.transforms.schemas import TABLE_DESCRIPTIONS
from tests.conftest import DAILY, DAYS, ROOT, build_history, rebuild_from_raw

CLI = [sys.executable, "-c", "from pipeline.cli.app import main; main()"]
FOLDERS = {d: DAILY / d for d in DAYS}
# views readers follow history through
HISTORY_VIEWS = ("price_changes", "catalog_changes", "endpoint_price_history", "removed_models")


def cli(
    *args: str, env: dict | None = None, timeout: int = 300, cwd: Path = ROOT
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*CLI, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout,
        env={**os.environ, **(env or {})},
    )  # fmt: skip


def rows(store: Path) -> dict[str, pl.DataFrame]:
    """Every published partition of every daily table, by ``table/date``."""
    layout = Layout(str(store))
    out = {}
    for table in TABLE_DESCRIPTIONS:
        for d in layout.dates(table):
            out[f"{table}/{d}"] = layout.read_partition(table, d)
    return out


def assert_same_rows(a: dict[str, pl.DataFrame], b: dict[str, pl.DataFrame]) -> None:
    assert sorted(a) == sorted(b)
    for key in a:
        assert a[key].equals(b[key]), key


def views(store: Path) -> dict[str, list[str]]:
    with duckdb.connect(str(store / "warehouse.duckdb"), read_only=True) as con:
        return {
            v: sorted(map(str, con.sql(f"SELECT * FROM {v}").fetchall())) for v in HISTORY_VIEWS
        }


def unstamp(store: Path) -> None:
    """The store as code before version stamps left it: published, no version."""
    path = store / "tables" / "published.json"
    doc = json.loads(path.read_text())
    path.write_text(json.dumps({"dates": doc["dates"]}))


@pytest.fixture(scope="module")
def landed(tmp_path_factory) -> Path:
    store = tmp_path_factory.mktemp("landed") / "data"
    build_history(Layout(str(store)), DAYS, [], FOLDERS)
    return store


@pytest.fixture(scope="module")
def daily_way(landed, tmp_path_factory) -> Path:
    """The three dates built the old way: one Dagster run each, oldest first."""
    store = tmp_path_factory.mktemp("daily") / "data"
    shutil.copytree(landed, store)
    layout = Layout(str(store))
    for day in DAYS:
        assert rebuild_from_raw(layout, day, warehouse=day == DAYS[-1]).success
    return store


@pytest.fixture(scope="module")
def rebuilt(landed, tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """The same raw, rebuilt by one command."""
    store = tmp_path_factory.mktemp("rebuilt") / "data"
    shutil.copytree(landed, store)
    home = store.parent / "home"
    out = cli("rebuild", "--from", DAYS[0], "--to", DAYS[-1], "--data-dir", str(store),
              "--dagster-home", str(home))  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr
    return store, out


def test_a_range_is_one_run_with_each_date_shown(rebuilt):
    store, out = rebuilt
    lines = [x for x in out.stdout.splitlines() if "catalog_tables: rebuild " in x]
    assert [re.search(r"rebuild (\d/\d) (\S+): (\w+)", x).groups() for x in lines[:3]] == [
        ("1/3", DAYS[0], "rebuilt"),
        ("2/3", DAYS[1], "rebuilt"),
        ("3/3", DAYS[2], "rebuilt"),
    ]
    assert all(re.search(r"\d+\.\d\d dates/s, \d+s left\)$", x) for x in lines[:3])
    assert "asks nothing" in out.stdout  # no request: the raw step only looks
    with open_home(store.parent / "home") as instance:
        [run] = instance.get_runs()
        assert run.tags["dagster/asset_partition_range_start"] == DAYS[0]
        assert run.tags["dagster/asset_partition_range_end"] == DAYS[-1]
        assert run.status == dg.DagsterRunStatus.SUCCESS
        records = instance.fetch_materializations(dg.AssetKey("endpoints"), limit=10).records
        assert sorted(r.partition_key for r in records) == DAYS
        observed = instance.fetch_observations(dg.AssetKey("endpoints"), limit=10).records
        assert sorted(r.partition_key for r in observed) == DAYS
        for r in observed:
            meta = r.asset_observation.metadata
            assert meta["rebuild"].value == "rebuilt"
            assert meta["code_version"].value == code_version()
        records = instance.get_records_for_run(
            run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
        ).records
        checks = [r.event_log_entry.dagster_event.asset_check_evaluation_data for r in records]
        dated = {c.metadata["snapshot_date"].value for c in checks if "snapshot_date" in c.metadata}
        assert dated == set(DAYS)


def test_a_rebuild_equals_the_dates_run_one_by_one(rebuilt, daily_way):
    store, _ = rebuilt
    assert_same_rows(rows(store), rows(daily_way))
    assert views(store) == views(daily_way)
    layout = Layout(str(store))
    assert layout.builds() == {dt.date.fromisoformat(d): code_version() for d in DAYS}
    assert (store / "reports" / f"digest_{DAYS[0]}.md").is_file()  # the past digests too


def test_a_changed_declaration_names_every_date_stale(rebuilt, tmp_path):
    store = tmp_path / "data"
    shutil.copytree(rebuilt[0], store)
    assert cli("warehouse", "--data-dir", str(store)).returncode == 0  # built for this place
    code = tmp_path / "src"
    shutil.copytree(ROOT / "pipeline", code / "pipeline")
    shutil.copytree(ROOT / "assets", code / "assets")
    schemas = code / "pipeline" / "transforms" / "schemas.py"
    text = schemas.read_text()
    declared = re.search(r'Column\("model_id", S, "([^"]+)"\)', text)
    assert declared is not None
    schemas.write_text(text.replace(declared.group(1), declared.group(1) + " (changed)", 1))
    newer = code_version_of(code / "pipeline")
    assert newer != code_version()
    # `python -c` puts its working directory first on the path: the changed copy is the code
    env = {"PYTHONPATH": str(code)}
    query = ["query", "SELECT snapshot_date, built_by FROM stale_dates", "--format", "json",
             "--data-dir", str(store)]  # fmt: skip

    out = cli(*query, env=env, cwd=code)
    assert out.returncode == 0, out.stderr
    assert [r["snapshot_date"] for r in json.loads(out.stdout)] == DAYS
    assert {r["built_by"] for r in json.loads(out.stdout)} == {code_version()}
    assert "not by this code" in out.stderr and newer in out.stderr

    dry = cli("rebuild", "--stale", "--dry-run", "--data-dir", str(store), env=env, cwd=code)
    assert dry.returncode == 0, dry.stderr
    assert [x.split()[0] for x in dry.stdout.splitlines()[:3]] == DAYS
    assert f"3 dates would be rebuilt by {newer}" in dry.stdout

    done = cli("rebuild", "--stale", "--data-dir", str(store), "--dagster-home", "memory",
               env=env, cwd=code)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    out = cli(*query, env=env, cwd=code)
    assert json.loads(out.stdout) == []
    assert Layout(str(store)).builds() == {dt.date.fromisoformat(d): newer for d in DAYS}
    assert_same_rows(rows(store), rows(rebuilt[0]))  # a description decides no row


def test_a_date_failing_the_new_audit_keeps_its_old_build(rebuilt, tmp_path):
    store = tmp_path / "data"
    shutil.copytree(rebuilt[0], store)
    unstamp(store)
    before = {p: p.read_bytes() for p in (store / "tables").rglob("*.parquet")}
    # the new audit allows no price change: 07-18 and 07-19 have real ones
    strict = {"OPENROUTER_CATALOG_AUDIT_MAX_PRICE_CHANGES": "0"}
    out = cli("rebuild", "--stale", "--data-dir", str(store), "--dagster-home", "memory",
              env=strict)  # fmt: skip
    assert out.returncode == 3, out.stdout + out.stderr
    for day in DAYS[1:]:
        assert f"rebuild: {day} kept its old build (kept: endpoint_prices_stable" in out.stderr
        assert decisions.latest(Layout(str(store)), dt.date.fromisoformat(day)).state == "kept"
    assert "rebuild: 1 of 3 dates rebuilt" in out.stdout
    layout = Layout(str(store))
    assert layout.published() == {dt.date.fromisoformat(d) for d in DAYS}  # nothing vanished
    for path, blob in before.items():
        if f"snapshot_date={DAYS[0]}" not in str(path):
            assert path.read_bytes() == blob, path  # the kept dates' files untouched
    assert sorted(map(str, layout.builds())) == [DAYS[0]]  # the kept two are still stale


def whole(store: Path, reference: dict[str, pl.DataFrame]) -> None:
    """Every published date has every table of the reference, with its rows; a date off the
    list has a journal that the next run finishes."""
    layout = Layout(str(store))
    listed = {str(d) for d in layout.published() or set()}
    for key, df in reference.items():
        table, day = key.split("/")
        if day in listed:
            assert layout.read_partition(table, dt.date.fromisoformat(day)).equals(df), key
    for day in set(DAYS) - listed:
        assert (store / "staging" / f"snapshot_date={day}" / "publishing.json").is_file()


def killed(store: Path, how: str) -> subprocess.CompletedProcess:
    args = [*CLI, "rebuild", "--stale", "--data-dir", str(store), "--dagster-home", "memory"]
    env = {**os.environ}
    if how.startswith("crash:"):
        env["OPENROUTER_CATALOG_CRASH_AT"] = how.removeprefix("crash:")
        return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, env=env,
                              timeout=300)  # fmt: skip
    sig, _, after = how.partition("@")
    proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env, start_new_session=True)  # fmt: skip
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if f"rebuild {after} " in line:
            # a terminal's Ctrl-C reaches the whole process group, workers included
            os.killpg(proc.pid, signal.SIGINT if sig == "int" else signal.SIGKILL)
            break
    rest, err = proc.communicate(timeout=120)
    return subprocess.CompletedProcess(args, proc.returncode, "".join(lines) + rest, err)


@pytest.mark.parametrize(
    "how",
    # killed mid-publish (a crash point), between dates (SIGKILL to the group), Ctrl-C
    ["crash:publish:endpoint_price_events", "kill@1/3", "int@2/3"],
)
def test_a_killed_rebuild_leaves_whole_dates_and_a_rerun_finishes(how, rebuilt, tmp_path):
    store = tmp_path / "data"
    shutil.copytree(rebuilt[0], store)
    unstamp(store)
    reference = rows(rebuilt[0])
    out = killed(store, how)
    if how.startswith("int"):
        assert out.returncode == 130, out.stdout + out.stderr
        assert "rebuild interrupted" in out.stderr
    else:
        assert out.returncode == -signal.SIGKILL, out.stdout + out.stderr
    whole(store, reference)
    again = cli("rebuild", "--stale", "--data-dir", str(store), "--dagster-home", "memory")
    assert again.returncode == 0, again.stdout + again.stderr
    assert_same_rows(rows(store), reference)
    assert views(store) == views(rebuilt[0])
    assert Layout(str(store)).builds() == {dt.date.fromisoformat(d): code_version() for d in DAYS}
    if how == "int@2/3":  # the dates finished before the Ctrl-C are not done again
        assert re.search(r"^rebuild: ([12]) of \1 dates rebuilt", again.stdout, re.M), again.stdout


def test_a_moved_data_dir_answers_there(rebuilt, tmp_path):
    moved = tmp_path / "elsewhere" / "data"
    shutil.copytree(rebuilt[0], moved)
    sql = "SELECT model_id, blended_usd_per_mtok FROM cheapest_endpoint_per_model ORDER BY 1"
    here = cli("query", sql, "--format", "csv", "--data-dir", str(rebuilt[0]))
    there = cli("query", sql, "--format", "csv", "--data-dir", str(moved))
    assert here.returncode == there.returncode == 0, there.stderr
    assert there.stdout == here.stdout and len(here.stdout.splitlines()) > 100
    [note] = there.stderr.splitlines()
    assert f"bound in memory over {moved / 'tables'}" in note
    assert here.stderr == ""
    before = (moved / "warehouse.duckdb").read_bytes()
    digest = cli("digest", "--data-dir", str(moved))
    assert digest.returncode == 0 and "bound in memory" in digest.stderr
    assert (moved / "warehouse.duckdb").read_bytes() == before  # nothing rewritten


def test_a_rebuild_and_a_run_of_one_of_its_dates_refuse_each_other(rebuilt, tmp_path):
    """A daily run holds its date (here this test holds it as that run would): a rebuild over
    it refuses in one line and changes nothing; a rebuild holds its range: a daily run of a
    date inside it refuses in one line, naming the rebuild."""
    store = tmp_path / "data"
    shutil.copytree(rebuilt[0], store)
    layout = Layout(str(store))
    middle = dt.date.fromisoformat(DAYS[1])
    before = (store / "tables" / "published.json").read_bytes()
    with date_lock(layout, middle, "run"):
        out = cli("rebuild", "--from", DAYS[0], "--to", DAYS[-1], "--force", "--data-dir",
                  str(store), "--dagster-home", "memory")  # fmt: skip
    assert out.returncode not in (0, 3), out.stdout + out.stderr
    [line] = [x for x in out.stderr.splitlines() if "is being run into" in x]
    assert f"snapshot {middle} is being run into" in line and "(run)" in line
    assert (store / "tables" / "published.json").read_bytes() == before
    with dates_locked(layout, [dt.date.fromisoformat(d) for d in DAYS]):
        out = cli("run", "--snapshot-date", DAYS[1], "--data-dir", str(store),
                  "--dagster-home", "memory", "--base-url", "http://127.0.0.1:9")  # fmt: skip
    assert out.returncode not in (0, 3), out.stdout + out.stderr
    [line] = [x for x in out.stderr.splitlines() if "is being run into" in x]
    assert f"snapshot {middle} is being run into" in line and "(rebuild)" in line


# the last commit whose keys came from display names (a provider's name in an endpoint's
# hash id and in the policy history): a store it built moves to the slug keys by rebuilding
BEFORE_SLUG_KEYS = "ccdc011"


@pytest.fixture(scope="module")
def older_code(tmp_path_factory) -> Path:
    """The source tree of ``BEFORE_SLUG_KEYS``, from this clone's history."""
    code = tmp_path_factory.mktemp("older") / "src"
    code.mkdir()
    archive = subprocess.run(
        ["git", "archive", "--format=tar", BEFORE_SLUG_KEYS], cwd=ROOT, capture_output=True
    )
    if archive.returncode != 0:
        why = f"no {BEFORE_SLUG_KEYS} in this clone's history: {archive.stderr.decode()[:200]}"
        if os.environ.get("CI"):
            pytest.fail(why)
        pytest.skip(why)
    subprocess.run(["tar", "-x", "-C", str(code)], input=archive.stdout, check=True)
    return code


def test_a_store_built_before_the_slug_keys_moves_to_them(landed, rebuilt, older_code, tmp_path):
    store = tmp_path / "data"
    shutil.copytree(landed, store)
    # the first two dates published by the older code, as a store of then would be
    env = {"PYTHONPATH": str(older_code)}
    old = cli("rebuild", "--from", DAYS[0], "--to", DAYS[1], "--data-dir", str(store),
              "--dagster-home", "memory", env=env, cwd=older_code)  # fmt: skip
    assert old.returncode == 0, old.stdout + old.stderr
    layout = Layout(str(store))
    assert "provider_slug" not in layout.read_partition("data_policies", dt.date.fromisoformat(
        DAYS[0])).columns  # fmt: skip
    # the upgrade: both dates are stale, and one command moves them to this code's keys
    dry = cli("rebuild", "--stale", "--dry-run", "--data-dir", str(store))
    assert [x.split()[0] for x in dry.stdout.splitlines()[:2]] == DAYS[:2], dry.stdout
    done = cli("rebuild", "--stale", "--data-dir", str(store), "--dagster-home", "memory")
    assert done.returncode == 0, done.stdout + done.stderr
    # the first daily run after it: the next date, as the schedule builds it
    assert rebuild_from_raw(layout, DAYS[2]).success
    # no false event: every partition, events included, is what this code builds from the
    # start (``rebuilt``), and so is every history view
    assert_same_rows(rows(store), rows(rebuilt[0]))
    assert views(store) == views(rebuilt[0])
