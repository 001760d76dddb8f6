"""Drift: new fields at any depth are reported with their path, a value of the wrong type is
read as null and named (field, record, file) while everything else lands, and arbitrary
extra fields, nulls and missing keys never crash a transform."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import shutil

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.storage.layout import Layout
from pipeline.transforms.data_policies import data_policies_table
from pipeline.transforms.endpoints import endpoint_rows
from pipeline.transforms.frames import source_frame
from pipeline.transforms.models import models_table
from pipeline.transforms.price_items import endpoint_price_items_table
from pipeline.transforms.price_tiers import endpoint_variable_pricings_table
from pipeline.transforms.providers import providers_table
from tests.conftest import SAMPLE, SAMPLE_DATE, rebuild_from_raw

DATE = dt.date.fromisoformat(SAMPLE_DATE)


def raw_copy(tmp_path):
    layout = Layout(str(tmp_path))
    shutil.copytree(SAMPLE, layout.raw_dir(DATE))
    return layout


def rewrite(path, edit):
    doc = json.loads(gzip.decompress(path.read_bytes()))
    edit(doc)
    path.write_bytes(gzip.compress(json.dumps(doc).encode()))


def build_tables(layout):
    return rebuild_from_raw(layout, SAMPLE_DATE, warehouse=False, raise_on_error=False)


def checks(result) -> dict:
    return {e.check_name: e for e in result.get_asset_check_evaluations()}


def test_a_wrong_type_costs_that_value_only_and_is_named(tmp_path, sample):
    layout = raw_copy(tmp_path)
    target = layout.raw_dir(DATE) / "frontend_stats_endpoint" / "openai%2Fgpt-oss-20b%3Afree.gz"
    victim = {}

    def edit(doc):
        doc["data"][0]["is_deranked"] = "yes"
        doc["data"][0]["pricing"]["prompt"] = {"usd": 0}
        victim.update(doc["data"][0])

    rewrite(target, edit)
    result = build_tables(layout)
    assert result.success
    evaluation = checks(result)["frontend_values_typed"]
    assert not evaluation.passed and evaluation.metadata["values_nulled"].value == 2
    message = "\n".join(evaluation.metadata["sample"].value)
    assert "frontend_stats_endpoint: field 'is_deranked' of record" in message
    assert "field 'pricing.prompt'" in message
    assert victim["id"] in message and str(target) in message
    # every table landed; every v1 endpoint and every frontend endpoint has its row
    written = {p.parent.parent.name for p in layout.tables_dir.glob("*/snapshot_date=*/*.parquet")}
    assert {"models", "endpoints", "data_policies", "endpoint_price_items"} <= written
    endpoints = layout.read_partition("endpoints", DATE)
    v1 = sum(len(d["data"]["endpoints"]) for d in sample.bodies("v1_endpoints").values())
    assert endpoints.filter(pl.col("in_v1")).height == v1
    assert endpoints.filter(pl.col("in_frontend")).height == len(sample.frontend_endpoints())
    row = endpoints.filter(endpoint_id=victim["id"]).row(0, named=True)
    assert row["is_deranked"] is None  # unknown, not false
    assert row["is_hidden"] is victim["is_hidden"] and row["status"] == victim["status"]
    # v1 lists the endpoint too: its prompt price stands
    assert row["in_v1"] and row["prompt_usd_per_mtok"] is not None


def test_a_broken_frontend_source_leaves_every_v1_row(tmp_path, sample):
    """Every stats/endpoint record changed shape: v1's rows all build, frontend columns null.
    The endpoints only the frontend describes lost their prices to the wrong type: too many
    records to quarantine, so the day is held (values_in_range), its tables staged whole."""
    layout = raw_copy(tmp_path)
    for path in (layout.raw_dir(DATE) / "frontend_stats_endpoint").glob("*.gz"):

        def edit(doc):
            for e in doc["data"]:
                e["pricing"] = "see display_pricing"
                e["is_hidden"] = 0
                e["stats"] = [e.get("stats")]

        rewrite(path, edit)
    result = build_tables(layout)
    assert not result.success
    held = checks(result)["values_in_range"]
    frontend_only = {
        e["id"] for d in sample.bodies("frontend_stats_endpoint").values() for e in d["data"]
    } - {e for e in layout_ids_in_v1(layout)}
    assert not held.passed and held.metadata["quarantined"].value == len(frontend_only) > 5
    staged = layout.base / "staging" / f"snapshot_date={SAMPLE_DATE}" / "tables"
    endpoints = pl.read_parquet(staged / "endpoints" / f"snapshot_date={SAMPLE_DATE}" / "*.parquet")
    v1 = sum(len(d["data"]["endpoints"]) for d in sample.bodies("v1_endpoints").values())
    assert endpoints.filter(pl.col("in_v1")).height == v1
    assert endpoints.filter(pl.col("in_v1"))["prompt_usd_per_mtok"].null_count() == 0
    assert endpoints["is_hidden"].null_count() == endpoints.height
    assert endpoints["latency_p95_ms"].null_count() == endpoints.height
    assert checks(result)["frontend_values_typed"].metadata["values_nulled"].value == 3 * len(
        [e for d in sample.bodies("frontend_stats_endpoint").values() for e in d["data"]]
    )


def layout_ids_in_v1(layout) -> set[str]:
    """Endpoint ids that v1 describes too, from the staged build."""
    staged = layout.base / "staging" / f"snapshot_date={SAMPLE_DATE}" / "tables"
    eps = pl.read_parquet(staged / "endpoints" / f"snapshot_date={SAMPLE_DATE}" / "*.parquet")
    return set(eps.filter(pl.col("in_v1"))["endpoint_id"].to_list())


def test_new_fields_are_reported_at_every_depth_with_an_example(tmp_path):
    layout = raw_copy(tmp_path)

    def edit_models(doc):
        doc["data"][3]["carbon_footprint"] = {"g_per_mtok": 12}
        doc["data"][4]["architecture"]["parameters_b"] = 70

    def edit_stats(doc):
        doc["data"][0]["display_pricing"][0]["currency"] = "EUR"

    rewrite(layout.raw_dir(DATE) / "v1_models" / "all.gz", edit_models)
    rewrite(
        layout.raw_dir(DATE) / "frontend_stats_endpoint" / "openai%2Fgpt-oss-20b%3Astandard.gz",
        edit_stats,
    )
    result = build_tables(layout)
    assert result.success
    drift = result.asset_materializations_for_node("catalog_tables")[0].metadata["drift_report"]
    assert drift.value == {
        "v1_models": {
            "architecture.parameters_b": "70",
            "carbon_footprint": "{'g_per_mtok': 12}",
        },
        "frontend_stats_endpoint": {"display_pricing[].currency": "'EUR'"},
    }
    evaluation = checks(result)["api_fields_known"]
    assert not evaluation.passed and evaluation.metadata["new_fields"].value == 3


def test_the_sample_has_no_drift_and_no_type_problem(clean_build):
    _, result = clean_build
    found = checks(result)
    assert found["api_fields_known"].passed and found["v1_values_typed"].passed
    assert found["frontend_values_typed"].passed


def test_type_problem_message_for_v1_models():
    models = [{"id": "a/b", "context_length": "lots"}, {"id": "c/d", "context_length": 8}]
    sf = source_frame(models, "v1_models", "f.json")
    assert [str(p) for p in sf.problems] == [
        "v1_models: field 'context_length' of record 'a/b' in f.json is string ('lots'), "
        "expected int; read as null"
    ]
    df = models_table(sf, [])
    assert dict(df.select("model_id", "context_length").iter_rows()) == {"a/b": None, "c/d": 8}


junk = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)


def mutate(records, data):
    """Drop keys, null values and add unknown fields at random."""
    out = []
    for rec in records:
        rec = dict(rec)
        for key in list(rec):
            action = data.draw(st.sampled_from(["keep", "keep", "drop", "null"]))
            if action == "drop":
                del rec[key]
            elif action == "null":
                rec[key] = None
        rec["x_" + data.draw(st.text(max_size=8))] = data.draw(junk)  # never a known key
        out.append(rec)
    return out


@pytest.fixture(scope="module")
def real(sample):
    eps = [
        e for d in list(sample.bodies("frontend_stats_endpoint").values())[:5] for e in d["data"]
    ]
    return {
        "models": sample.data("v1_models")[:5],
        "catalog": sample.data("frontend_catalog")[:5],
        "providers": sample.data("frontend_all_providers")[:5],
        "v1_providers": sample.data("v1_providers")[:5],
        "v1_endpoints": [d["data"] for d in list(sample.bodies("v1_endpoints").values())[:5]],
        "stats": eps,
    }


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_missing_keys_nulls_and_extra_fields_never_crash(real, data):
    m = lambda key: mutate(real[key], data)  # noqa: E731
    # ids are what a record is; the rest may be anything the API stops or starts sending
    keep_id = lambda recs, k: [r for r in recs if isinstance(r.get(k), str)]  # noqa: E731
    models_table(keep_id(m("models"), "id"), m("catalog"))
    stats = source_frame(m("stats"), "frontend_stats_endpoint")
    rows = endpoint_rows(keep_id(m("v1_endpoints"), "id"), stats)
    endpoint_variable_pricings_table(rows, stats)
    endpoint_price_items_table(rows)
    providers_table(m("v1_providers"), m("providers"))
    data_policies_table(m("providers"), m("stats"))
