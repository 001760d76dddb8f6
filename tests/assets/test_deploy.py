"""The deployment configurations of deploy/, run for real against a bucket on loopback
(SeaweedFS) and a real recorded day (2026-07-17) replayed over HTTP:

- **Celery** (deploy/celery/celery.yaml): a real Celery worker started as the file says
  (``dagster-celery worker start -y …``), the daily job run with ``OPENROUTER_CATALOG_EXECUTOR
  =celery``: every step a task the worker runs. The broker and result backend are SQLite
  through SQLAlchemy here (a deployment names Redis in the same two variables).
- **Kubernetes** (deploy/k8s/dagster.yaml, settings.yaml): the instance file as written, but
  for its Postgres storage (SQLite here) and the in-cluster API (a kubeconfig to a loopback
  server that records what it is asked). The run is launched and the daemon hands it to
  ``K8sRunLauncher``, which asks for a Kubernetes Job; that Job's container command is then run
  with only the environment the Job gives it (its env, and the ConfigMap and Secret of
  settings.yaml it names), in an empty folder: a pod, less the container runtime.

Each ends with the warehouse built from the bucket alone on another data dir, checked against
values computed from the day's recorded JSON (tests/support/day_checks.py).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import dagster as dg
import pytest
import yaml

from assets.executors import CELERY_CONFIG
from assets.runner import INSTANCE_YAML, open_home
from pipeline.replay.launcher import replay_server
from pipeline.replay.s3_local import SECRET_KEY
from pipeline.settings import Settings
from pipeline.storage.layout import Layout
from pipeline.storage.object_store import S3Options
from pipeline.warehouse.build import build_warehouse, open_warehouse
from tests.conftest import DAILY, ROOT
from tests.support.day_checks import Day, check_day
from tests.support.recorded_day import build_day

EXECUTOR_ENV = "OPENROUTER_CATALOG_EXECUTOR"
DAY = "2026-07-17"
BIN = Path(sys.executable).parent
DEPLOY = ROOT / "deploy"
TAGS = json.dumps({"dagster/partition": DAY})


@pytest.fixture(scope="module")
def replay(tmp_path_factory):
    folder = tmp_path_factory.mktemp("replay") / DAY
    build_day(DAILY / DAY, folder)
    with replay_server(str(folder)) as url:
        yield url


def _base_env(**extra: str) -> dict[str, str]:
    """What a process of the deployment gets: the machine's basics, not this test's settings."""
    keep = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "TMPDIR") if k in os.environ}
    keep["PATH"] = f"{BIN}{os.pathsep}{keep.get('PATH', '')}"
    return {**keep, **extra}


def _assert_bucket_day_is_right(root: str, s3, work: Path) -> Layout:
    """The warehouse of another data dir, from the bucket alone, against the recorded day."""
    layout = Layout(root, str(work), S3Options(endpoint_url=s3.endpoint_url))
    build_warehouse(layout)
    with open_warehouse(layout) as con:
        outcome = check_day(Day.read(DAILY / DAY), con)
        dates = con.sql("SELECT DISTINCT snapshot_date FROM endpoints_history").fetchall()
    assert [d[0].isoformat() for d in dates] == [DAY]
    assert outcome.failures == []
    assert outcome.counts["picks"] > 300
    return layout


def _create_storage(home: Path) -> None:
    """The instance's tables, made once before its processes start (as a deployment's
    database is): two processes creating a new SQLite storage at once collide."""
    with open_home(Path(home)) as instance:
        instance.get_runs(limit=1)


def _wait_ready(worker: subprocess.Popen, log: Path, timeout_s: float = 90) -> None:
    """A Celery worker takes tasks once it says ``ready``; a run started before would wait."""
    deadline = time.monotonic() + timeout_s
    while b" ready." not in log.read_bytes():
        text = log.read_text(errors="replace")
        assert worker.poll() is None, f"the Celery worker stopped: {text[-3000:]}"
        assert time.monotonic() < deadline, f"the Celery worker is not ready: {text[-3000:]}"
        time.sleep(0.3)


# ---------------------------------------------------------------- Celery


def test_the_executor_is_the_deployments_choice(monkeypatch):
    from pydantic import ValidationError

    from assets.executors import executor

    def executor_from_env() -> dg.ExecutorDefinition:
        return executor(Settings().executor)

    monkeypatch.delenv(EXECUTOR_ENV, raising=False)
    default = executor_from_env()
    # Dagster's multi-or-in-process executor, in-process unless a run asks for multiprocess
    assert default.name == "in_process_first"
    assert default.config_schema.default_value == {"in_process": {}}
    assert default.executor_creation_fn is dg.multi_or_in_process_executor.executor_creation_fn
    monkeypatch.setenv(EXECUTOR_ENV, "Celery")
    assert executor_from_env().name == "celery"
    monkeypatch.setenv(EXECUTOR_ENV, "k8s")
    with pytest.raises(ValidationError, match="executor\n  Input should be 'default' or 'celery'"):
        executor_from_env()


def test_every_home_the_project_makes_limits_the_api_pool(tmp_path):
    """Every home `run` or `ui` creates (a data dir's own, make demo's, make ui's)."""
    from assets.definitions import ALL_ASSETS
    from assets.raw import API_POOL

    open_home(tmp_path / "home").dispose()
    made = yaml.safe_load((tmp_path / "home" / "dagster.yaml").read_text())
    assert made == yaml.safe_load(INSTANCE_YAML)
    assert made["concurrency"]["pools"]["default_limit"] == 1
    # and one run of a date at a time, in the run queue
    with open_home(tmp_path / "home") as instance:
        limits = instance.get_concurrency_config().run_queue_config.tag_concurrency_limits
    assert limits == [
        {"key": "dagster/partition", "value": {"applyLimitPerUniqueValue": True}, "limit": 1}
    ]
    pooled = {a.node_def.name for a in ALL_ASSETS if a.node_def.pool == API_POOL}
    assert pooled == {"raw"}  # the one step that talks to the API


def test_the_celery_file_names_the_variables_the_code_configures_the_executor_with():
    config = yaml.safe_load((DEPLOY / "celery" / "celery.yaml").read_text())
    assert config["execution"]["config"] == CELERY_CONFIG


def test_the_daily_job_on_celery_workers_into_a_bucket(s3, replay, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "dagster.yaml").write_text(INSTANCE_YAML)
    _create_storage(home)
    root = "s3://catalog/celery"
    env = _base_env(
        **s3.environment(),
        DAGSTER_HOME=str(home),
        **{EXECUTOR_ENV: "celery"},
        OPENROUTER_CATALOG_CELERY_BROKER=f"sqla+sqlite:///{tmp_path}/broker.db",
        OPENROUTER_CATALOG_CELERY_BACKEND=f"db+sqlite:///{tmp_path}/results.db",
        OPENROUTER_BASE_URL=replay,
        OPENROUTER_CATALOG_ROOT=root,
        OPENROUTER_CATALOG_DATA_DIR=str(tmp_path / "worker-data"),
    )
    worker_log = open(tmp_path / "worker.log", "wb")  # noqa: SIM115 - closed below
    worker = subprocess.Popen(
        [str(BIN / "dagster-celery"), "worker", "start", "-A", "dagster_celery.app",
         "-y", str(DEPLOY / "celery" / "celery.yaml"), "-q", "dagster", "--", "-c", "2"],
        env=env, cwd=tmp_path, stdout=worker_log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    try:
        _wait_ready(worker, tmp_path / "worker.log")
        done = subprocess.run(
            [str(BIN / "dagster"), "job", "execute", "-m", "assets.definitions",
             "-j", "daily_snapshot", "--tags", TAGS],
            env=env, cwd=tmp_path, capture_output=True, text=True, timeout=400,
        )  # fmt: skip
    finally:
        os.killpg(worker.pid, 15)
        worker.wait(30)
        worker_log.close()
    log = (tmp_path / "worker.log").read_text(errors="replace")
    assert done.returncode == 0, done.stderr[-3000:] + log[-3000:]
    with open_home(Path(home)) as instance:
        [run] = instance.get_runs()
        assert run.status == dg.DagsterRunStatus.SUCCESS
        events = instance.all_logs(run.run_id)
    # every step ran on the worker, not in the process that started the run
    on_worker = {
        m.group(1)
        for e in events
        if e.message and (m := re.search(r"Executing steps (\S+) in celery worker", e.message))
    }
    steps = {e.step_key for e in events if e.step_key}
    assert {"raw", "catalog_tables", "warehouse"} <= steps
    assert on_worker == steps
    assert "succeeded" in log  # the worker's own log shows the tasks
    assert SECRET_KEY not in done.stdout + done.stderr + log
    _assert_bucket_day_is_right(root, s3, tmp_path / "reader")


# ---------------------------------------------------------------- Kubernetes


class _KubeApi(BaseHTTPRequestHandler):
    """The part of the Kubernetes API a run launcher uses: it creates a Job."""

    jobs: list[tuple[str, dict]] = []

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.jobs.append((self.path, json.loads(body)))
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def kube_api():
    _KubeApi.jobs = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _KubeApi)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _KubeApi.jobs
    server.shutdown()


def _settings_manifests() -> tuple[dict, dict]:
    docs = list(yaml.safe_load_all((DEPLOY / "k8s" / "settings.yaml").read_text()))
    [config_map] = [d for d in docs if d["kind"] == "ConfigMap"]
    [secret] = [d for d in docs if d["kind"] == "Secret"]
    return config_map, secret


def test_the_daily_job_in_a_kubernetes_job_into_a_bucket(s3, replay, kube_api, tmp_path):
    api_url, jobs = kube_api
    instance = yaml.safe_load((DEPLOY / "k8s" / "dagster.yaml").read_text())
    launcher = instance["run_launcher"]["config"]
    assert instance["run_launcher"]["class"] == "K8sRunLauncher"
    assert instance["concurrency"]["pools"]["default_limit"] == 1
    # what differs from a cluster: where runs are kept, and where the Kubernetes API is
    home = tmp_path / "home"
    home.mkdir()
    instance["storage"] = {"sqlite": {"base_dir": str(home)}}
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "test",
        "clusters": [{"name": "test", "cluster": {"server": api_url}}],
        "users": [{"name": "test", "user": {"token": "test-token"}}],
        "contexts": [{"name": "test", "context": {"cluster": "test", "user": "test"}}],
    }))  # fmt: skip
    launcher.update(load_incluster_config=False, kubeconfig_file=str(kubeconfig))
    (home / "dagster.yaml").write_text(yaml.safe_dump(instance))

    control = _base_env(DAGSTER_HOME=str(home))
    launched = subprocess.run(
        [str(BIN / "dagster"), "job", "launch", "-m", "assets.definitions",
         "-j", "daily_snapshot", "--tags", TAGS],
        env=control, cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert launched.returncode == 0, launched.stderr[-3000:]
    daemon = subprocess.Popen(
        [str(BIN / "dagster-daemon"), "run", "-m", "assets.definitions"],
        env=control, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        while not jobs and time.monotonic() < deadline:
            time.sleep(0.5)
    finally:
        os.killpg(daemon.pid, 15)
        daemon.wait(30)
    assert len(jobs) == 1, "the daemon did not hand the queued run to the run launcher"
    path, job = jobs[0]
    assert path == f"/apis/batch/v1/namespaces/{launcher['job_namespace']}/jobs"
    pod = job["spec"]["template"]["spec"]
    [container] = pod["containers"]
    assert container["image"] == launcher["job_image"]
    assert pod["serviceAccountName"] == launcher["service_account_name"]
    assert container["args"][:3] == ["dagster", "api", "execute_run"]

    # the pod: the Job's environment only, its ConfigMap and Secret from settings.yaml with
    # this machine's endpoints and keys, in an empty folder
    config_map, secret = _settings_manifests()
    named = {
        ("configMapRef", config_map["metadata"]["name"]): dict(config_map["data"]),
        ("secretRef", secret["metadata"]["name"]): dict(secret["stringData"]),
    }
    root = "s3://catalog/k8s"
    here = {
        "OPENROUTER_BASE_URL": replay,
        "OPENROUTER_CATALOG_ROOT": root,
        "OPENROUTER_CATALOG_S3_ENDPOINT_URL": s3.endpoint_url,
        "OPENROUTER_CATALOG_DATA_DIR": str(tmp_path / "pod-data"),
        "AWS_ACCESS_KEY_ID": s3.environment()["AWS_ACCESS_KEY_ID"],
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
    }
    pod_env = {}
    for source in container["envFrom"]:
        [(kind, ref)] = source.items()
        values = named[(kind, ref["name"])]  # a name the manifests do not define fails here
        pod_env.update({k: here.get(k, v) for k, v in values.items()})
    assert set(here) <= set(pod_env), "settings.yaml lacks a setting the pod needs"
    # the chart's Postgres password secret: not needed with this test's SQLite storage
    chart_secrets = {launcher["postgres_password_secret"]: {"postgresql-password": "unused"}}
    for e in container.get("env", []):
        if "valueFrom" in e:
            ref = e["valueFrom"]["secretKeyRef"]
            pod_env[e["name"]] = chart_secrets[ref["name"]][ref["key"]]
        else:
            pod_env[e["name"]] = e["value"]
    pod_env.pop("DAGSTER_HOME")  # the image's folder; the run's instance comes in its args
    workdir = tmp_path / "pod"
    workdir.mkdir()
    ran = subprocess.run(
        container["args"], env=_base_env(**pod_env), cwd=workdir, capture_output=True,
        text=True, timeout=400,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr[-3000:]
    with open_home(Path(home)) as dagster:
        [run] = dagster.get_runs()
        assert run.status == dg.DagsterRunStatus.SUCCESS
        assert run.tags["dagster/partition"] == DAY
    assert SECRET_KEY not in ran.stdout + ran.stderr
    # nothing was written outside the storage resource: the pod's folder is still empty
    assert list(workdir.iterdir()) == []
    _assert_bucket_day_is_right(root, s3, tmp_path / "reader")
    shutil.rmtree(tmp_path / "pod-data", ignore_errors=True)
