"""The pipeline over an S3 bucket: a real S3-compatible server (SeaweedFS) on loopback, two real
recorded days (2026-07-17 and 2026-07-18) fetched over HTTP from the replay server and run on
Dagster's multiprocess executor into the bucket, and a warehouse built on a second data dir
from the bucket alone. Its answers must equal, row for row, those of the same two days run
into a local folder. Then a run killed in the middle of uploading a partition: readers of the
bucket keep the previous complete partition.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import orjson
import pytest

from assets.runner import INSTANCE_YAML, open_home
from pipeline.cli.demo import run_command
from pipeline.replay.launcher import replay_server
from pipeline.replay.s3_local import SECRET_KEY
from pipeline.storage.crashpoints import ENV as CRASH_ENV
from pipeline.storage.layout import Layout
from pipeline.storage.object_store import S3Options
from pipeline.warehouse.build import open_warehouse
from tests.conftest import DAILY, ROOT
from tests.support.recorded_day import build_day

DAYS = ["2026-07-17", "2026-07-18"]
ROOT_URL = "s3://catalog/team/openrouter"
# fetch_log holds each request's duration and time: two runs never agree on those
STABLE_LOG = "url, status, bytes, sha256, source, key"
RUN_DEPENDENT = {"fetch_log": STABLE_LOG, "fetch_log_history": STABLE_LOG + ", snapshot_date"}


def cli(args: list[str], env: dict[str, str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        args, env={**os.environ, **env}, cwd=ROOT, capture_output=True, text=True,
        timeout=600, **kw,
    )  # fmt: skip


@pytest.fixture(scope="module")
def raw_days(tmp_path_factory) -> dict[str, Path]:
    """Each real day's recorded responses as a raw folder the replay server serves."""
    base = tmp_path_factory.mktemp("replay")
    out = {}
    for day in [*DAYS, "2026-07-20"]:
        build_day(DAILY / day, base / day)
        out[day] = base / day
    return out


@pytest.fixture(scope="module")
def runs(s3, raw_days, tmp_path_factory):
    """The two days run twice over HTTP: into a local folder (in-process), and into the
    bucket (multiprocess executor, a Dagster home with the project's pool limit); then the
    warehouse of a second machine's data dir built from the bucket alone."""
    base = tmp_path_factory.mktemp("s3runs")
    local, bucket_dir, other = base / "local", base / "bucket_side", base / "other"
    home, local_home = base / "home", base / "home-local"
    for h in (home, local_home):
        h.mkdir()
        (h / "dagster.yaml").write_text(INSTANCE_YAML)
    env = {**s3.environment(), "DAGSTER_HOME": str(home)}

    def local_days(urls: dict[str, str]) -> list[str]:
        for day in DAYS:
            done = cli(run_command(urls[day], local, day), {"DAGSTER_HOME": str(local_home)})
            assert done.returncode == 0, done.stderr[-2000:]
        return []

    def bucket_days(urls: dict[str, str]) -> list[str]:
        outputs = []
        for day in DAYS:
            done = cli(
                [*run_command(urls[day], bucket_dir, day), "--root", ROOT_URL, "--executor",
                 "multiprocess"],
                env,
            )  # fmt: skip
            assert done.returncode == 0, done.stderr[-3000:]
            outputs.append(done.stdout + done.stderr)
        return outputs

    # the two sides are independent (their own data dir and Dagster home): run side by
    # side, each day after the one before, which is what a day's run needs
    with contextlib.ExitStack() as stack:
        urls = {day: stack.enter_context(replay_server(str(raw_days[day]))) for day in DAYS}
        with ThreadPoolExecutor(2) as pool:
            sides = [pool.submit(local_days, urls), pool.submit(bucket_days, urls)]
            outputs = [line for side in sides for line in side.result()]
    built = cli(
        [sys.executable, "-m", "pipeline", "warehouse", "--root", ROOT_URL, "--data-dir",
         str(other)],
        s3.environment(),
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    options = S3Options(endpoint_url=s3.endpoint_url)
    return {
        "local": Layout(str(local)),
        "remote": Layout(ROOT_URL, str(other), options),
        "writer": Layout(ROOT_URL, str(bucket_dir), options),
        "env": env,
        "home": home,
        "outputs": outputs,
        "warehouse_line": built.stdout,
    }


def _views(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "SELECT view_name FROM duckdb_views() WHERE NOT internal ORDER BY 1"
        ).fetchall()
    ]


def _rows(con: duckdb.DuckDBPyConnection, view: str) -> list[tuple]:
    cols = RUN_DEPENDENT.get(view, "*")
    return sorted(con.execute(f'SELECT {cols} FROM "{view}"').fetchall(), key=repr)


def test_warehouse_from_the_bucket_alone_answers_as_the_local_run(runs):
    local, remote = runs["local"], runs["remote"]
    assert "2 snapshots, 2026-07-17 to 2026-07-18" in runs["warehouse_line"]
    # the second data dir holds the view file and nothing of the data
    assert not (remote.base / "raw").exists() and not (remote.base / "tables").exists()
    with (
        duckdb.connect(str(local.warehouse_path), read_only=True) as a,
        open_warehouse(remote) as b,
    ):
        views = _views(a)
        assert views == _views(b)
        assert len(views) > 60
        compared, differ = 0, []
        for view in views:
            mine, theirs = _rows(a, view), _rows(b, view)
            if mine != theirs:
                differ.append(view)
            compared += len(mine)
        assert differ == []
        # the headline answers are there, not empty views agreeing with each other
        for view in ("endpoints", "cheapest_endpoint_per_model", "price_changes"):
            assert a.execute(f"SELECT count(*) FROM {view}").fetchall()[0][0] > 0, view
        dates = a.execute("SELECT DISTINCT snapshot_date FROM endpoints_history ORDER BY 1")
        assert [d[0].isoformat() for d in dates.fetchall()] == DAYS
    assert compared > 10_000


def test_the_bucket_holds_raw_and_tables_in_the_documented_layout(runs):
    local, writer = runs["local"], runs["writer"]
    keys = writer.bucket.list("")
    for day in DAYS:
        date = dt.date.fromisoformat(day)
        for group in ("v1", "frontend"):
            manifest = f"raw/snapshot_date={day}/complete_{group}.json"
            assert manifest in keys
            assert orjson.loads(writer.bucket.get(manifest))["complete"] is True
        # every partition the local run wrote is in the bucket, with the same rows
        local_tables = {
            p.parent.parent.name
            for p in (local.base / "tables").glob(f"*/snapshot_date={day}/part-0.parquet")
        }
        remote_tables = {
            k.split("/")[1]
            for k in keys
            if f"/snapshot_date={day}/" in k and k.startswith("tables/")
        }
        assert local_tables == remote_tables
        for table in ("models", "endpoints", "data_policies"):
            assert writer.read_partition(table, date).equals(local.read_partition(table, date))
    # the machine that ran the pipeline kept no raw or table files: the bucket is the store
    assert not (writer.base / "raw").exists() and not (writer.base / "tables").exists()
    # reports and digests are shared through the bucket too (a pod's folder goes with it),
    # and say what the local run's say
    for day in DAYS:
        digest = f"digest_{day}.md"
        assert (
            writer.bucket.get(f"reports/{digest}")
            == (writer.base / "reports" / digest).read_bytes()
        )
        assert (
            writer.bucket.get(f"reports/{digest}") == (local.base / "reports" / digest).read_bytes()
        )
        assert f"reports/catalog_report_{day}.html" in keys


def test_other_engines_read_the_bucket_as_it_is(runs, s3):
    """The hive-partitioned Parquet in the bucket, read by polars and by Arrow's own S3
    filesystem (what Spark-like engines share), equals the local run's tables."""
    import polars as pl
    import pyarrow.dataset as ds
    from pyarrow import fs

    local = runs["local"]
    glob = "s3://catalog/team/openrouter/tables/endpoints/*/*.parquet"
    options = {
        "aws_endpoint_url": s3.endpoint_url,
        "aws_access_key_id": s3.environment()["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": SECRET_KEY,
        "aws_region": "us-east-1",
        "aws_allow_http": "true",
    }
    order = ["snapshot_date", "endpoint_id"]
    theirs = pl.read_parquet(glob, hive_partitioning=True, storage_options=options).sort(order)
    mine = pl.read_parquet(
        f"{local.tables_location}/endpoints/*/*.parquet", hive_partitioning=True
    ).sort(order)
    assert theirs.height == mine.height > 2000
    assert theirs.equals(mine)
    arrow = fs.S3FileSystem(
        access_key=options["aws_access_key_id"], secret_key=SECRET_KEY,
        endpoint_override=s3.endpoint_url, region="us-east-1",
    )  # fmt: skip
    table = ds.dataset(
        "catalog/team/openrouter/tables/models", filesystem=arrow, format="parquet",
        partitioning="hive",
    ).to_table()  # fmt: skip
    expected = sum(local.read_partition("models", dt.date.fromisoformat(d)).height for d in DAYS)
    assert table.num_rows == expected
    assert sorted({str(d) for d in table.column("snapshot_date").to_pylist()}) == DAYS


def test_the_api_step_ran_in_its_pool_and_keys_never_logged(runs):
    """The multiprocess runs fetched both groups in their one step `raw`, which holds a slot
    of the openrouter_api pool (limit 1 in the home's dagster.yaml), and no event carries
    the key."""
    import dagster as dg

    with open_home(Path(runs["home"])) as instance:
        records = instance.get_run_records(
            dg.RunsFilter(tags={"dagster/partition": DAYS[1]}), limit=5
        )
        multi = [r for r in records if r.dagster_run.tags.get("source") == "openrouter-catalog run"]
        fetched = []
        for record in multi:
            events = instance.all_logs(record.dagster_run.run_id)
            steps = {e.step_key for e in events if e.step_key}
            assert not {"raw_v1", "raw_frontend"} & steps
            if "raw" in steps:
                keys = {
                    e.dagster_event.asset_key.to_user_string()
                    for e in events
                    if e.step_key == "raw"
                    and e.dagster_event
                    and e.dagster_event.asset_key
                    and e.dagster_event.event_type_value == "ASSET_MATERIALIZATION"
                }
                fetched.append(keys)
            all_text = b"".join(orjson.dumps(str(e)) for e in events)
            assert SECRET_KEY.encode() not in all_text
    raw = {"raw_v1", "raw_frontend", "raw_zdr", "raw_datasets"}
    assert fetched and all(keys == raw for keys in fetched), fetched
    for out in runs["outputs"]:
        assert SECRET_KEY not in out


def test_wrong_key_is_one_line_naming_the_bucket_and_never_the_key(s3, tmp_path):
    env = {**s3.environment(), "AWS_SECRET_ACCESS_KEY": "not-the-secret-0123456789"}
    done = cli(
        [sys.executable, "-m", "pipeline", "warehouse", "--root", ROOT_URL, "--data-dir",
         str(tmp_path)],
        env,
    )  # fmt: skip
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    assert "s3://catalog/team/openrouter/tables/models" in lines[0] and "403" in lines[0]
    assert "not-the-secret" not in done.stderr and SECRET_KEY not in done.stderr


def test_a_run_killed_mid_upload_leaves_the_previous_partition(runs, raw_days, s3):
    """2026-07-18 again, from the replay of another real day (2026-07-20), killed with half
    of its new endpoints partition uploaded: the bucket still serves the old date whole."""
    writer, remote = runs["writer"], runs["remote"]
    date = dt.date.fromisoformat(DAYS[1])
    before = writer.read_partition("endpoints", date)
    with replay_server(str(raw_days["2026-07-20"])) as url:
        killed = cli(
            [*run_command(url, writer.base, DAYS[1], "--refetch"), "--root", ROOT_URL],
            {**runs["env"], CRASH_ENV: "object_put:endpoints"},
        )
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    # the new raw landed (the kill came later) and the run was staging its tables, endpoints
    # caught mid-upload: nothing of the date was published, models included (write, audit,
    # publish: a date's tables leave the staging area together, after the audit)
    staged = writer.bucket.list(f"staging/snapshot_date={DAYS[1]}")
    assert any("/models/" in k for k in staged) and not any("/endpoints/" in k for k in staged)
    assert writer.read_partition("models", date).equals(
        runs["local"].read_partition("models", date)
    )
    after = writer.read_partition("endpoints", date)
    assert after.equals(before)
    with open_warehouse(remote) as con:
        served = con.execute(
            "SELECT count(*) FROM endpoints_history WHERE snapshot_date = ?", [date]
        ).fetchall()[0][0]
    assert served == before.height
    shutil.rmtree(writer.base / "reports", ignore_errors=True)


def test_an_open_connection_reads_a_replaced_partition_anew_and_nothing_stray(s3, runs):
    """The bucket's filesystem caches objects by ETag for one connection: a partition
    replaced while a notebook holds the connection is read anew, whole; an object that only
    looks like a partition one folder deeper (``*`` never crosses ``/``) is not read."""
    local = runs["local"]
    layout = Layout("s3://catalog/cache-test", str(runs["local"].base.parent / "cache-test"),
                    S3Options(endpoint_url=s3.endpoint_url))  # fmt: skip
    dates = [dt.date.fromisoformat(d) for d in DAYS]
    for table in ("models", "endpoints"):
        for date in dates:
            layout.write_partition(table, date, local.read_partition(table, date))
    layout.bucket.put(f"tables/models/snapshot_date={DAYS[0]}/stray/part-0.parquet", b"not parquet")
    from pipeline.warehouse.build import build_warehouse

    build_warehouse(layout)
    count = "SELECT snapshot_date, count(*) FROM models_history GROUP BY 1 ORDER BY 1"
    with open_warehouse(layout) as con:
        before = [(d.isoformat(), n) for d, n in con.execute(count).fetchall()]
        heights = [local.read_partition("models", d).height for d in dates]
        assert before == list(zip(DAYS, heights, strict=True))
        smaller = local.read_partition("models", dates[1]).head(100)
        layout.write_partition("models", dates[1], smaller)
        after = [(d.isoformat(), n) for d, n in con.execute(count).fetchall()]
        assert after == [(DAYS[0], heights[0]), (DAYS[1], 100)]
        latest = con.execute("SELECT count(*), min(snapshot_date) FROM models").fetchall()
        assert latest == [(100, dates[1])]


def test_archives_dropped_in_the_bucket_become_runs_that_land_them_anywhere(s3, tmp_path):
    """The archive folder sensor over a bucket root: archives/<date>/ in the bucket, a run
    request naming the files by s3:// URL (no path of the sensor's machine), and a run on a
    machine that has nothing local lands them: its models are the archived file's."""
    import dagster as dg

    from assets.definitions import ALL_ASSETS
    from assets.resources import CatalogStorage, OpenRouterApi
    from assets.sensors import archive_folder_sensor
    from tests.raw.test_import import NO_API, full_lists, records

    day, path = "2024-03-05", full_lists()["2024-03-05"]
    archived = path.read_bytes()
    root = "s3://catalog/archives-test"
    layout = Layout(root, str(tmp_path / "sensor"), S3Options(endpoint_url=s3.endpoint_url))
    layout.bucket.put(f"archives/{day}/models.json.gz", archived)
    layout.bucket.put("archives/notes/readme.json", b"{}")  # not a date: left alone
    storage = CatalogStorage(root=root, local_dir=str(tmp_path / "sensor"),
                             s3_endpoint_url=s3.endpoint_url)  # fmt: skip
    result = archive_folder_sensor(dg.build_sensor_context(resources={"storage": storage}))
    [request] = result.run_requests
    files = request.run_config["ops"]["raw"]["config"]["import_files"]
    assert files == [f"{root}/archives/{day}/models.json.gz"]
    again = archive_folder_sensor(
        dg.build_sensor_context(cursor=result.cursor, resources={"storage": storage})
    )
    assert again.run_requests == []
    elsewhere = CatalogStorage(root=root, local_dir=str(tmp_path / "worker"),
                               s3_endpoint_url=s3.endpoint_url)  # fmt: skip
    done = dg.materialize(
        ALL_ASSETS,
        partition_key=request.partition_key,
        run_config=request.run_config,
        resources={"storage": elsewhere, "api": OpenRouterApi(base_url=NO_API)},
        raise_on_error=False,
    )
    assert done.success
    models = layout.read_partition("models", dt.date.fromisoformat(day))
    assert sorted(models.filter(models["in_v1"])["model_id"].to_list()) == sorted(
        r["id"] for r in records(path)
    )
    assert not (tmp_path / "worker" / "archives").exists()


# A release into the bucket (the same server): built from a local store, written under its
# prefix with latest.json at its root, and verified there; a changed object is named.
RELEASES = "s3://catalog/releases/openrouter"


def test_a_release_into_a_bucket_verifies_there(history_layout, s3):
    from pipeline.release.build import build_release
    from pipeline.release.verify import verify

    built = build_release(history_layout, RELEASES, log=lambda _: None)
    bucket = Layout(RELEASES).bucket
    assert json.loads(bucket.get("latest.json"))["version"] == built.version
    target = f"{RELEASES}/{built.version}"
    assert built.where == target
    assert verify(target) == []
    cli = subprocess.run(
        [sys.executable, "-m", "pipeline", "verify", target],
        capture_output=True, text=True, env={**os.environ, **s3.environment()},
    )  # fmt: skip
    assert cli.returncode == 0, cli.stderr
    # one object changed in the bucket: verify names it
    key = f"{built.version}/tables/providers.parquet"
    data = bytearray(bucket.get(key))
    data[-20] ^= 0x01
    bucket.put(key, bytes(data))
    assert verify(target) == ["tables/providers.parquet: sha256 differs from the manifest's"]
