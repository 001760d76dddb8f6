"""Load the whole code location, the way `dagster dev` does: a renamed import or an asset
without a description or schema fails here, not in the UI."""

from __future__ import annotations

import subprocess
import sys

import dagster as dg

from assets.definitions import defs
from pipeline.transforms.schemas import DATASET_TABLES, TABLES
from tests.conftest import ROOT

EXPECTED = {
    "raw_v1",
    "raw_frontend",
    "models",
    "endpoints",
    "providers",
    "data_policies",
    "fetch_log",
    "model_modalities",
    "model_benchmarks",
    "endpoint_supported_parameters",
    "endpoint_variable_pricings",
    "model_price_tiers",
    "endpoint_price_windows",
    "model_price_windows",
    "endpoint_price_items",
    "model_activity",
    "model_rankings",
    "model_effective_pricing",
    "provider_effective_pricing",
    "endpoint_uptime_observations",
    "endpoint_uptime_hourly_observations",
    "model_top_apps",
    "endpoint_price_changes",
    "catalog_change_events",
    "price_window_changes",
    "endpoint_price_events",
    "model_price_events",
    "policy_events",
    "api_field_presence",
    "warehouse",
    "catalog_report",
    "catalog_digest",
    "endpoint_performance_samples",
}


# OpenRouter's Data API: its own group, beside the catalog's (and /endpoints/zdr in raw)
DATASETS = {"raw_datasets", *DATASET_TABLES}


def test_code_location_loads_with_every_asset():
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert keys == EXPECTED | DATASETS | {"raw_zdr", "release"}
    assert defs.resolve_job_def("daily_snapshot")
    groups = {graph.get(dg.AssetKey(k)).group_name for k in keys}
    assert groups == {"raw", "tables", "datasets", "warehouse", "reports", "performance"}
    in_group = {k for k in keys if graph.get(dg.AssetKey(k)).group_name == "datasets"}
    assert in_group == DATASETS
    # the daily job is what it was: every asset but the hourly sample, on daily partitions
    daily = defs.resolve_job_def("daily_snapshot")
    assert "endpoint_performance_samples" not in {
        k.to_user_string() for k in daily.asset_layer.executable_asset_keys
    }
    hourly = defs.resolve_job_def("hourly_performance")
    assert hourly.partitions_def.get_cron_schedule() == "0 * * * *"


def test_the_data_apis_checks_are_on_its_own_assets_and_the_catalogs_unchanged():
    """The new checks sit on the datasets group's assets; the catalog's assets keep exactly
    the checks the catalog's audit declares, none added, none lost."""
    from pipeline.publish import datasets, protocol

    graph = defs.resolve_asset_graph()
    by_asset: dict[str, set[str]] = {}
    for check in graph.asset_check_keys:
        by_asset.setdefault(check.asset_key.to_user_string(), set()).add(check.name)
    catalog = {name for a, names in by_asset.items() if a not in DATASETS for name in names}
    assert catalog == {name for name, _, _ in protocol.CHECKS} | {"v1_endpoints_coverage"}
    ours = {name for a, names in by_asset.items() if a in DATASETS for name in names}
    assert ours == {name for name, _, _, _ in datasets.CHECKS}
    assert "datasets_contract_kept" in datasets.BLOCKING


def test_every_asset_has_description_and_owner_and_is_partitioned():
    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.description, key
        assert node.owners, key
        assert node.partitions_def is not None, key


def test_table_assets_declare_their_column_schema():
    graph = defs.resolve_asset_graph()
    for name in TABLES:
        schema = graph.get(dg.AssetKey(name)).metadata["dagster/column_schema"]
        assert schema.columns and all(c.description for c in schema.columns), name


def test_schedule_targets_the_daily_partition():
    schedule = defs.resolve_schedule_def("daily_snapshot_schedule")
    assert schedule.cron_schedule == "0 6 * * *"


def test_workspace_yaml_loads_in_dagster_cli():
    out = subprocess.run(
        [sys.executable, "-m", "dagster", "definitions", "validate", "-w", "workspace.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert out.returncode == 0, out.stdout + out.stderr


def test_the_hourly_sample_stands_on_the_newest_published_endpoints():
    """The sample reads the latest published snapshot's endpoints: the lineage shows it, on the
    newest daily partition whatever the hour."""
    graph = defs.resolve_asset_graph()
    sample = graph.get(dg.AssetKey("endpoint_performance_samples"))
    assert sample.parent_keys == {dg.AssetKey("endpoints")}
    spec = next(
        s for a in defs.assets if isinstance(a, dg.AssetsDefinition)
        for s in a.specs if s.key == sample.key
    )  # fmt: skip
    (dep,) = spec.deps
    assert isinstance(dep.partition_mapping, dg.LastPartitionMapping)
