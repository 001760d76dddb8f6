"""docs/DATA_DICTIONARY.md is generated from the code, lists every field of every real
sample at every depth, and says true things about the fields it leaves out."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.sources import CONTRACTS, RECORDS
from pipeline.sources.fields import Dropped, walk
from pipeline.transforms import dictionary
from pipeline.transforms.schemas import TABLES
from pipeline.transforms.validate import inspect
from tests.conftest import SAMPLE

FIXTURES = Path(__file__).parents[1] / "fixtures"
FOLDERS = {  # fixture folder → the source its files are responses of
    "v1_models": "v1_models",
    "frontend_models": "frontend_catalog",
    "frontend_all_providers": "frontend_all_providers",
    "frontend_stats_endpoint": "frontend_stats_endpoint",
    "v1_endpoints": "v1_endpoints",
    "frontend_uptime_recent": "frontend_uptime_recent",
    "frontend_uptime_hourly": "frontend_uptime_hourly",
    "frontend_stats_app": "frontend_top_apps",
}
DAILY = {
    "models.json.gz": "v1_models",
    "catalog.json.gz": "frontend_catalog",
    "providers.json.gz": "frontend_all_providers",
}


def _data(doc: object) -> object:
    return doc["data"] if isinstance(doc, dict) and "data" in doc else doc


def _records(source: str, data: object, key: str) -> list:
    """A response's records: the usage sources' bodies are maps or wrapped lists whose
    records the source module names (adding the request's key: view, permaslug)."""
    if source in RECORDS:
        return RECORDS[source](data, key)
    return data if isinstance(data, list) else [data]


def real_samples() -> Iterator[tuple[str, str, list[dict]]]:
    """(source, file, records) of every real response in the repository."""
    for folder, source in FOLDERS.items():
        for path in sorted((FIXTURES / folder).glob("*.gz")):
            data = _data(json.loads(gzip.decompress(path.read_bytes())))
            if source == "v1_endpoints":  # one record per response: the model and its list
                data = [data] if isinstance(data, dict) else [{"id": "?", "endpoints": data}]
            # the archived 2025 calls were of liquid/lfm-7b (PROVENANCE.tsv)
            key = "liquid/lfm-7b:standard" if source == "frontend_top_apps" else path.name
            yield source, path.name, _records(source, data, key)
    for day in sorted(FIXTURES.glob("daily_*/*")):
        for name, source in DAILY.items():
            yield (
                source,
                f"{day.name}/{name}",
                json.loads(gzip.decompress((day / name).read_bytes())),
            )
        with gzip.open(day / "model_stats.jsonl.gz") as fh:
            lines = [json.loads(line) for line in fh]
        endpoints = [e for line in lines for e in line["endpoints"] or []]
        yield "frontend_stats_endpoint", f"{day.name}/model_stats", endpoints
        for field, source in (
            ("activity", "frontend_model_activity"),
            ("effective_pricing", "frontend_effective_pricing"),
        ):
            records = [
                r
                for line in lines
                for r in _records(source, line[field], f"{line['permaslug']}:{line['variant']}")
            ]
            yield source, f"{day.name}/model_stats {field}", records
        if (day / "rankings.json.gz").is_file():
            ranked = json.loads(gzip.decompress((day / "rankings.json.gz").read_bytes()))
            yield (
                "frontend_rankings",
                f"{day.name}/rankings",
                _records("frontend_rankings", ranked, "month"),
            )
    for log in SAMPLE.glob("fetch_log_*.jsonl"):
        for row in map(json.loads, log.read_text().splitlines()):
            if row["source"] in CONTRACTS and row["status"] == 200:
                data = _data(json.loads(gzip.decompress((SAMPLE / row["file"]).read_bytes())))
                yield row["source"], row["file"], _records(row["source"], data, row["key"])


SAMPLES = list(real_samples())


def test_dictionary_is_in_sync_with_the_code():
    assert dictionary.PATH.read_text() == dictionary.render(), (
        "docs/DATA_DICTIONARY.md is stale: run `python -m pipeline.transforms.dictionary`"
    )


def test_every_column_is_documented():
    text = dictionary.PATH.read_text()
    for table, columns in TABLES.items():
        assert f"### `{table}`" in text
        for c in columns:
            assert c.description and f"| `{c.name}` |" in text


# no real answer of /endpoints/zdr is recorded: its contract is checked against the OpenAPI
# text and its example (tests/datasets/test_contracts.py)
NO_REAL_ANSWER = {"v1_endpoints_zdr"}


def test_the_samples_cover_every_source():
    assert {s for s, _, _ in SAMPLES} == set(CONTRACTS) - NO_REAL_ANSWER
    assert len(SAMPLES) > 40


@pytest.mark.parametrize("source", sorted(set(CONTRACTS) - NO_REAL_ANSWER))
def test_every_field_of_every_real_sample_is_listed_with_its_right_type(source):
    """A field at any depth that no source description lists fails here (and the dictionary
    is generated from the descriptions), as does a value of another type than described."""
    contract = CONTRACTS[source]
    text = dictionary.PATH.read_text()
    records = 0
    for s, file, data in SAMPLES:
        if s != source:
            continue
        found = inspect(data, contract, file)
        assert found.new_fields == {}, (
            f"{file}: fields not in pipeline/sources/: {found.new_fields}"
        )
        assert found.problems == [], [str(p) for p in found.problems[:5]]
        records += len(data)
    assert records > 0
    for path, _ in contract.paths():
        assert f"| `{path}` |" in text, path


def test_every_mapped_field_names_columns_that_exist():
    for contract in CONTRACTS.values():
        for path, f in walk(contract.record):
            if isinstance(f, Dropped):
                assert f.doc and not f.mapped, (contract.source, path)
                continue
            for table, column in f.targets():
                if table in TABLES:
                    assert column in {c.name for c in TABLES[table]}, (contract.source, path)


def _values(records: list, path: str) -> Iterator[object]:
    """Every value at a dotted path (no lists) of the records, absent keys skipped."""
    head, _, rest = path.partition(".")
    for r in records:
        if isinstance(r, dict) and head in r:
            if rest:
                yield from _values([r[head]], rest)
            else:
                yield r[head]


CLAIMS = {  # the first that a reason says is checked
    "always null or empty": lambda v: v in (None, []),
    "always null": lambda v: v is None,
    "always false": lambda v: v is False,
    "always empty": lambda v: v in ([], None),
}


def test_what_the_dictionary_says_of_left_out_fields_is_true_of_the_samples():
    checked = 0
    for contract in CONTRACTS.values():
        for path, f in walk(contract.record):
            claim = next((c for c in CLAIMS if c in f.doc), None)
            if claim is None or "[]" in path:
                continue
            seen = [
                v for s, _, data in SAMPLES if s == contract.source for v in _values(data, path)
            ]
            assert all(map(CLAIMS[claim], seen)), (contract.source, path, claim)
            checked += bool(seen)
    assert checked >= 5
