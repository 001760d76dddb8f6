"""Drift: new fields are reported, a changed type is a clear error that spares the other
tables, and arbitrary extra fields, nulls and missing keys never crash a transform."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import shutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.storage import Layout
from pipeline.transforms.data_policies import data_policies_table
from pipeline.transforms.endpoints import endpoints_table
from pipeline.transforms.long_tables import endpoint_variable_pricings_table
from pipeline.transforms.models import models_table
from pipeline.transforms.providers import providers_table
from pipeline.transforms.validate import SourceTypeError
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


def test_changed_type_names_field_record_and_file_and_spares_other_tables(tmp_path):
    layout = raw_copy(tmp_path)
    target = layout.raw_dir(DATE) / "frontend_stats_endpoint" / "openai%2Fgpt-oss-20b%3Afree.gz"
    victim = {}

    def edit(doc):
        doc["data"][0]["is_free"] = "yes"
        victim["id"] = doc["data"][0]["id"]

    rewrite(target, edit)
    result = build_tables(layout)
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure)
    message = failure.step_failure_data.error.message
    assert "frontend_stats_endpoint: field 'is_free'" in message
    assert victim["id"] in message and str(target) in message
    written = {p.parent.parent.name for p in layout.tables_dir.glob("*/snapshot_date=*/*.parquet")}
    assert {"models", "providers", "fetch_log", "model_modalities"} <= written
    assert "endpoints" not in written and "data_policies" not in written


def test_new_fields_are_reported_not_fatal(tmp_path):
    layout = raw_copy(tmp_path)

    def edit(doc):
        doc["data"][3]["carbon_footprint"] = {"g_per_mtok": 12}

    rewrite(layout.raw_dir(DATE) / "v1_models" / "all.gz", edit)
    result = build_tables(layout)
    assert result.success
    meta = result.asset_materializations_for_node("catalog_tables")[0].metadata
    assert "carbon_footprint" in meta["drift_report"].value["v1_models"]


def test_type_error_message_for_v1_models():
    models = [{"id": "a/b", "context_length": "lots"}]
    with pytest.raises(
        SourceTypeError, match=r"v1_models: field 'context_length' of record 'a/b' in f\.json"
    ):
        models_table(models, [], {"v1_models": "f.json"})


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
    endpoints_table(keep_id(m("v1_endpoints"), "id"), m("stats"))
    providers_table(m("v1_providers"), m("providers"))
    data_policies_table(m("providers"), m("stats"))
    endpoint_variable_pricings_table(m("stats"))
