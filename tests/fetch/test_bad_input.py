"""Bad input from the API, served over real HTTP by the replay server: hostile ids, repeated
ids, bodies of the wrong shape, bodies that are not JSON, a body over the size cap. Each gets a
reason naming the source, the record and the field; everything else lands complete."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import shutil
from pathlib import Path

import pytest

from pipeline import sources
from pipeline.raw.store import RawSnapshot
from pipeline.replay.launcher import replay_server
from pipeline.storage.layout import Layout
from tests.conftest import SAMPLE, SAMPLE_DATE, landed_bodies, materialization, materialize_snapshot

DATE = dt.date.fromisoformat(SAMPLE_DATE)
HOSTILE = [
    "evil/..",
    "../escape",
    "evil/../../../../tmp/owned",
    "evil/100%-real%2F",
    "evil/model:free:extra",
    "~evil/alias-latest",
    "evil/with space and\ttab",
    "évil/модель-日本語-🙂",
    "evil/.hidden",
    "evil/a?b#c&d=e",
]
WRONG_SHAPE = "evil/data-is-a-list"
NOT_JSON = "evil/html-body"
HUGE = "evil/huge-body"
# the answer of another model (its data.id says so): a failed call, never this model's data
ANOTHERS = "evil/answers-for-another"
DUPLICATE = "evil/twice"
# a segment of dots only: RFC 3986 reads %2E as '.', so no URL can carry it (the client and
# any proxy may remove it as '..'); the call is logged and not made
UNADDRESSABLE = ("evil/..", "../escape")
CAP_MB = 1.0


def log_row(source: str, key: str, request: str, rel: str) -> dict:
    return {"source": source, "key": key, "request": request, "status": 200, "file": rel}


def sample_body(source: str, key: str) -> dict:
    rows = [json.loads(x) for x in (SAMPLE / "fetch_log_v1.jsonl").read_text().splitlines() if x]
    row = next(r for r in rows if r["source"] == source and r["key"] == key)
    return json.loads(gzip.decompress((SAMPLE / row["file"]).read_bytes()))


@pytest.fixture(scope="module")
def hostile_snapshot(tmp_path_factory) -> tuple[Path, dict[str, int]]:
    """The sample, plus models cloned from a real one under hostile ids, one twice, and four
    whose endpoints answer is broken in a different way. Returns the folder and the number of
    endpoints each hostile id serves."""
    folder = tmp_path_factory.mktemp("hostile") / "snap"
    shutil.copytree(SAMPLE, folder)
    snap = RawSnapshot(folder)
    models_doc = sample_body("v1_models", "all")
    template_id = "meta-llama/llama-3.1-8b-instruct"
    template = next(m for m in models_doc["data"] if m["id"] == template_id)
    endpoints_doc = sample_body("v1_endpoints", template_id)
    v1_rows = [json.loads(x) for x in (folder / "fetch_log_v1.jsonl").read_text().splitlines() if x]
    added = []
    for mid in [*HOSTILE, DUPLICATE, WRONG_SHAPE, NOT_JSON, HUGE, ANOTHERS]:
        added.append({**template, "id": mid, "name": f"clone as {mid}"})
        if mid in UNADDRESSABLE:
            continue  # no URL can ask for it: the server holds no answer
        if mid == WRONG_SHAPE:
            body = json.dumps({"data": [endpoints_doc["data"]]}).encode()
        elif mid == NOT_JSON:
            body = b"<html><body>upstream error</body></html>"
        elif mid == ANOTHERS:
            body = json.dumps(endpoints_doc).encode()
        elif mid == HUGE:
            pad = "x" * int(CAP_MB * 1024 * 1024 * 2)
            body = json.dumps({"data": {**endpoints_doc["data"], "id": mid, "pad": pad}}).encode()
        else:
            body = json.dumps({"data": {**endpoints_doc["data"], "id": mid}}).encode()
        rel = snap.write_body("v1_endpoints", mid, body)
        v1_rows.append(log_row("v1_endpoints", mid, sources.endpoints_path(mid), rel))
    added.append({**template, "id": DUPLICATE, "name": "second record, same id"})
    models_doc["data"] += added
    for row in v1_rows:
        if row["source"] == "v1_models":
            row["file"] = snap.write_body("v1_models", "all", json.dumps(models_doc).encode())
    snap.write_log("v1", v1_rows)
    return folder, {mid: len(endpoints_doc["data"]["endpoints"]) for mid in [*HOSTILE, DUPLICATE]}


@pytest.fixture(scope="module")
def hostile_run(hostile_snapshot, tmp_path_factory):
    folder, _ = hostile_snapshot
    root = tmp_path_factory.mktemp("hostile_run")
    data_dir = root / "data"
    with replay_server(folder) as url:
        result = materialize_snapshot(url, data_dir, max_body_mb=CAP_MB, max_attempts=2)
    return root, Layout(str(data_dir)), result


def test_hostile_ids_stay_inside_the_data_dir_and_survive_unchanged(hostile_run, hostile_snapshot):
    root, layout, result = hostile_run
    _, endpoint_counts = hostile_snapshot
    assert result.success
    raw = layout.raw_dir(DATE).resolve()
    outside = [p for p in root.rglob("*") if not p.resolve().is_relative_to(layout.base)]
    assert outside == []
    bodies = list(raw.rglob("*.gz"))
    assert all(p.resolve().is_relative_to(raw) for p in bodies)
    log = layout.read_partition("fetch_log", DATE)
    ok = log.filter(source="v1_endpoints", status=200)
    for mid in HOSTILE:
        if mid in UNADDRESSABLE:
            (row,) = log.filter(source="v1_endpoints", key=mid).iter_rows(named=True)
            assert row["status"] is None and row["attempts"] == 0 and row["file"] is None
            assert "is dots only" in row["error"] and "not requested" in row["error"]
            continue
        row = ok.filter(key=mid)
        assert row.height == 1, mid
        assert (raw / row["file"][0]).resolve().parent == raw / "v1_endpoints", mid
    models = layout.read_partition("models", DATE)
    endpoints = layout.read_partition("endpoints", DATE)
    for mid in HOSTILE:
        assert models.filter(model_id=mid).height == 1, mid
        served = 0 if mid in UNADDRESSABLE else endpoint_counts[mid]
        assert endpoints.filter(model_id=mid).height == served, mid
    assert models.filter(model_id="~evil/alias-latest")["is_alias"].item() is True
    # the variant follows the last colon, and slug + variant give the id back, for every id
    odd = models.filter(model_id="evil/model:free:extra").row(0, named=True)
    assert (odd["slug"], odd["variant"]) == ("evil/model:free", "extra")
    for r in models.iter_rows(named=True):
        rebuilt = r["slug"] if r["variant"] == "standard" else f"{r['slug']}:{r['variant']}"
        assert rebuilt == r["model_id"], r["model_id"]


def test_a_repeated_id_is_kept_once_and_reported(hostile_run, hostile_snapshot):
    _, layout, result = hostile_run
    _, endpoint_counts = hostile_snapshot
    models = layout.read_partition("models", DATE)
    assert models.filter(model_id=DUPLICATE)["name"].to_list() == [f"clone as {DUPLICATE}"]
    assert (
        layout.read_partition("endpoints", DATE).filter(model_id=DUPLICATE).height
        == endpoint_counts[DUPLICATE]
    )
    report = result.asset_materializations_for_node("catalog_tables")[0].metadata
    lines = report["duplicate_ids"].value
    assert any(
        "v1_models" in ln
        and f"'{DUPLICATE}'" in ln
        and "2 times" in ln
        and "/v1_models/responses-001.gz@0)" in ln  # the body: its pack, and where in it
        for ln in lines
    ), lines


@pytest.mark.parametrize(
    "mid, reason",
    [
        (WRONG_SHAPE, "JSON of the wrong shape: 'data' is a list, expected an object"),
        (NOT_JSON, "body is not JSON"),
        (HUGE, "over the 1,048,576-byte cap (max_body_mb); not retried"),
        (
            ANOTHERS,
            "an answer about something else: data.id is "
            "'meta-llama/llama-3.1-8b-instruct', not the model asked for",
        ),
    ],
)
def test_a_broken_answer_is_logged_with_its_reason_and_loses_nothing_else(
    hostile_run, sample, mid, reason
):
    _, layout, result = hostile_run
    log = layout.read_partition("fetch_log", DATE)
    row = log.filter(source="v1_endpoints", key=mid)
    assert row.height == 1 and reason in row["error"].item(), row["error"].to_list()
    if mid == HUGE:
        assert row["attempts"].item() == 1
    failures = materialization(result, "raw_v1").metadata["failures"].value
    assert any(mid in f and reason in f for f in failures)
    # the model is still listed; only its endpoints are missing
    assert layout.read_partition("models", DATE).filter(model_id=mid).height == 1
    endpoints = layout.read_partition("endpoints", DATE)
    assert endpoints.filter(model_id=mid).filter("in_v1").height == 0
    # every endpoint of the real sample is still there
    expected = {
        key: len(doc["data"]["endpoints"]) for key, doc in sample.bodies("v1_endpoints").items()
    }
    got = dict(endpoints.filter("in_v1").group_by("model_id").len().iter_rows())
    assert {k: got.get(k, 0) for k in expected} == expected


def test_models_list_of_the_wrong_shape_stops_the_run_naming_source_and_field(tmp_path):
    snap = RawSnapshot(tmp_path / "snap")
    rel = snap.write_body("v1_models", "all", json.dumps({"data": {"id": "a/b"}}).encode())
    snap.write_log("v1", [log_row("v1_models", "all", "/api/v1/models?output_modalities=all", rel)])
    with replay_server(snap.folder) as url:
        result = materialize_snapshot(url, tmp_path / "data")
    assert not result.success
    fail = next(e for e in result.all_events if e.is_step_failure)
    message = fail.step_failure_data.error.message
    assert "v1_models" in message and "'data' is an object, expected a list" in message
    # what was received is kept in raw
    kept = landed_bodies(Layout(str(tmp_path / "data")).raw_dir(DATE), "v1_models")
    assert [json.loads(b) for b in kept.values()] == [{"data": {"id": "a/b"}}]
