"""The Data API's contracts against OpenRouter's own OpenAPI text: every field of every call
has a column or a stated reason to stay in raw, what the text requires is what a broken
contract is judged by, and the answers the replay serves (real rankings rows, the text's
examples) pass without drift."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
import yaml

from pipeline import sources
from pipeline.replay.datasets import DatasetsReplay
from pipeline.sources.fields import Obj, walk
from pipeline.transforms.validate import inspect

ROOT = Path(__file__).parents[2]
SPEC = yaml.safe_load(
    gzip.decompress((ROOT / "tests/fixtures/datasets/data-api-openapi.yaml.gz").read_bytes())
)
SCHEMAS = SPEC["components"]["schemas"]
# each source's call, as the OpenAPI text names its path
CALLS = {
    "datasets_rankings_daily": "/datasets/rankings-daily",
    "datasets_app_rankings": "/datasets/app-rankings",
    "datasets_session_cost": "/datasets/session-cost",
    "datasets_task_classifications": "/classifications/task",
    "datasets_benchmarks": "/benchmarks",
    "v1_endpoints_zdr": "/endpoints/zdr",
}
SAMPLE = ROOT / "data" / "sample" / "datasets"


def _resolve(schema: dict) -> list[dict]:
    """The object schemas a schema stands for (a $ref, a oneOf of refs, allOf parts)."""
    if "$ref" in schema:
        return _resolve(SCHEMAS[schema["$ref"].rsplit("/", 1)[1]])
    for key in ("oneOf", "anyOf", "allOf"):
        if key in schema:
            return [s for part in schema[key] for s in _resolve(part)]
    return [schema]


def _paths(schema: dict, prefix: str = "") -> dict[str, bool]:
    """Every field path of a response schema → whether the text requires it."""
    out: dict[str, bool] = {}
    for s in _resolve(schema):
        if s.get("type") == "array" or "items" in s:
            out.update(_paths(s.get("items", {}), f"{prefix}[]"))
            continue
        required = set(s.get("required") or [])
        for name, sub in (s.get("properties") or {}).items():
            path = f"{prefix}.{name}" if prefix else name
            out[path] = out.get(path, False) or name in required
            out.update(_paths(sub, path))
    return out


def _response(source: str) -> dict:
    op = SPEC["paths"][CALLS[source]]["get"]
    return op["responses"]["200"]["content"]["application/json"]


def _contract_paths(source: str) -> set[str]:
    contract = (sources.DATASET_CONTRACTS | sources.CONTRACTS)[source]
    return {p for p, _ in walk(contract.record)}


@pytest.mark.parametrize("source", sorted(CALLS))
def test_every_field_of_the_openapi_text_has_a_column_or_a_reason(source):
    described = _contract_paths(source)
    paths = _paths(_response(source)["schema"])
    if source == "v1_endpoints_zdr":
        # one record is an endpoint: the fields under data[]; the rest is read in v1_endpoints,
        # which the contract's `rest` states
        paths = {p.removeprefix("data[]."): r for p, r in paths.items() if p.startswith("data[].")}
        contract = sources.CONTRACTS[source]
        assert contract.record.rest, "the fields left to v1_endpoints need their reason"
        top = {p.split(".")[0].split("[")[0] for p in paths}
        assert {"model_id", "tag", "provider_name"} <= top
        return
    missing = sorted(set(paths) - described)
    assert not missing, f"{source}: OpenAPI fields with no column and no reason: {missing}"
    for path, field in walk(sources.DATASET_CONTRACTS[source].record):
        # a scalar says where it goes or why not; an object's fields say it for it
        assert field.doc or isinstance(field, Obj), (source, path)


@pytest.mark.parametrize("source", sorted(CALLS))
def test_what_breaks_a_contract_is_what_the_text_requires(source):
    required = {p for p, r in _paths(_response(source)["schema"]).items() if r}
    if source == "v1_endpoints_zdr":
        required = {p.removeprefix("data[].") for p in required if p.startswith("data[].")}
    assert set(sources.REQUIRED[source]) <= required, set(sources.REQUIRED[source]) - required


@pytest.mark.parametrize("source", sorted(set(CALLS) - {"datasets_rankings_daily"}))
def test_the_texts_examples_pass_their_contract(source):
    """The answers the replay serves for the calls without a real recording are the text's
    own examples, verbatim."""
    example = _response(source)["example"]
    name = {
        "datasets_app_rankings": "app_rankings.json",
        "datasets_session_cost": "session_cost.json",
        "datasets_task_classifications": "task_classifications.json",
        "datasets_benchmarks": "benchmarks.json",
        "v1_endpoints_zdr": "endpoints_zdr.json",
    }[source]
    assert json.loads((SAMPLE / name).read_text()) == example
    contract = (sources.DATASET_CONTRACTS | sources.CONTRACTS)[source]
    records = example["data"] if source == "v1_endpoints_zdr" else [example]
    seen = inspect(records, contract, name)
    assert seen.new_fields == {} and seen.problems == []


def test_the_real_rankings_rows_pass_their_contract_in_the_apis_envelope():
    rows = json.loads(gzip.decompress((SAMPLE / "rankings_daily.json.gz").read_bytes()))
    status, body = DatasetsReplay(SAMPLE).answer(
        "/api/v1/datasets/rankings-daily?start_date=2026-05-24&end_date=2026-08-21", True
    )
    doc = json.loads(body)
    assert status == 200 and len(doc["data"]) == sum(len(day) for day in rows.values()) == 4590
    seen = inspect([doc], sources.DATASET_CONTRACTS["datasets_rankings_daily"], "replay")
    assert seen.new_fields == {} and seen.problems == []
    # the API's order: date ascending, tokens descending, 'other' last within its date
    day = [r for r in doc["data"] if r["date"] == "2026-08-21"]
    assert day[-1]["model_permaslug"] == "other"
    tokens = [int(r["total_tokens"]) for r in day[:-1]]
    assert tokens == sorted(tokens, reverse=True)
    assert doc["meta"]["start_date"] == "2026-05-24" and doc["meta"]["end_date"] == "2026-08-21"


def test_the_replay_keeps_the_apis_window_rules():
    replay = DatasetsReplay(SAMPLE)
    target = "/api/v1/datasets/rankings-daily?start_date=2024-06-01&end_date=2025-01-05"
    status, body = replay.answer(target, True)
    assert status == 200 and json.loads(body)["meta"]["start_date"] == "2025-01-01"
    long = "/api/v1/datasets/rankings-daily?start_date=2025-01-01&end_date=2026-01-02"
    assert replay.answer(long, True)[0] == 400  # 367 days
    assert replay.answer("/api/v1/datasets/rankings-daily", False)[0] == 401
    spent = DatasetsReplay(SAMPLE, quota=1)
    assert spent.answer("/api/v1/benchmarks", True)[0] == 200
    status, body = spent.answer("/api/v1/benchmarks", True)
    assert status == 429 and b"datasets-per-account-rpd-v1" in body
