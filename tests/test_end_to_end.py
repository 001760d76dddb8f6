"""A real Dagster materialisation of every asset against the replay server (real HTTP),
into a temporary data dir, checked against values computed here from the sample files."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import dagster as dg
import duckdb
import polars as pl
import pytest

from pipeline.storage import Layout
from tests.conftest import SAMPLE_DATE

MTOK = Decimal(10) ** 6


@pytest.fixture(scope="module")
def built(clean_build):
    return clean_build


def _table(layout: Layout, name: str) -> pl.DataFrame:
    return layout.read_partition(name, dt.date.fromisoformat(SAMPLE_DATE))


def _per_mtok(pricing: dict, key: str) -> Decimal | None:
    raw = pricing.get(key, "0")  # an omitted price key means 0
    return None if raw == "-1" else Decimal(raw) * MTOK


def test_every_request_made_and_logged(built, sample):
    layout, _ = built
    log = _table(layout, "fetch_log")
    n_models = len(sample.data("v1_models"))
    counts = dict(log.group_by("source").len().iter_rows())
    assert counts["v1_endpoints"] == n_models == 338
    assert counts["frontend_stats_endpoint"] == len(sample.bodies("frontend_stats_endpoint"))
    assert log["error"].null_count() == log.height
    # endpoints calls carry the variant in the path, e.g. .../gpt-oss-20b:free/endpoints
    urls = set(log["url"])
    assert any(u.endswith("/api/v1/models/openai/gpt-oss-20b:free/endpoints") for u in urls)


def test_models_ids_and_prices_match_the_source(built, sample):
    layout, _ = built
    models = _table(layout, "models")
    v1 = sample.data("v1_models")
    catalog = sample.data("frontend_catalog")
    assert models["model_id"].is_unique().all()
    assert models.filter(pl.col("in_v1")).height == len(v1)
    assert set(models["model_id"]) >= {m["id"] for m in v1}
    assert models.height == len(
        {m["id"] for m in v1}
        | {
            c["slug"]
            + (
                ""
                if (c.get("endpoint") or {}).get("variant", "standard") == "standard"
                else ":" + c["endpoint"]["variant"]
            )
            for c in catalog
        }
    )
    by_id = {r["model_id"]: r for r in models.iter_rows(named=True)}
    for m in v1:  # every v1 price, exactly: decimal string × 10^6
        row = by_id[m["id"]]
        for comp in ("prompt", "completion", "request", "input_cache_read", "web_search"):
            assert row[f"{comp}_usd_per_mtok"] == _per_mtok(m["pricing"], comp), (m["id"], comp)
        assert row["is_variable_price"] == ("-1" in m["pricing"].values())
    free = by_id["openai/gpt-oss-20b:free"]
    assert (free["slug"], free["variant"]) == ("openai/gpt-oss-20b", "free")
    assert by_id["openai/gpt-oss-20b"]["variant"] == "standard"
    assert by_id["openai/gpt-oss-20b"]["prompt_usd_per_mtok"] == Decimal("0.03")
    auto = by_id["openrouter/auto"]
    assert auto["is_variable_price"] and auto["prompt_usd_per_mtok"] is None


def test_endpoints_merge_v1_and_frontend(built, sample):
    layout, _ = built
    eps = _table(layout, "endpoints")
    v1_keys = {
        (doc["data"]["id"], e["tag"])
        for doc in sample.bodies("v1_endpoints").values()
        for e in doc["data"]["endpoints"]
    }
    fe = [e for doc in sample.bodies("frontend_stats_endpoint").values() for e in doc["data"]]
    fe_keys = {(e["model_variant_slug"], e["provider_slug"]) for e in fe}
    # one row per frontend endpoint UUID, plus v1 endpoints the frontend does not list
    assert eps.height == len({e["id"] for e in fe}) + len(v1_keys - fe_keys)
    v1_count = sum(len(d["data"]["endpoints"]) for d in sample.bodies("v1_endpoints").values())
    assert eps.filter(pl.col("in_v1")).height == v1_count >= len(v1_keys)
    assert eps["endpoint_id"].is_unique().all()
    # a v1 endpoint's prices, exactly
    doc = sample.bodies("v1_endpoints")["openai/gpt-oss-20b"]["data"]
    for e in doc["endpoints"]:
        row = eps.filter(
            (pl.col("model_id") == "openai/gpt-oss-20b") & (pl.col("provider_tag") == e["tag"])
        ).row(0, named=True)
        assert row["prompt_usd_per_mtok"] == _per_mtok(e["pricing"], "prompt")
        assert row["completion_usd_per_mtok"] == _per_mtok(e["pricing"], "completion")
        assert row["endpoint_id_is_uuid"]
    # the :free variant has its own endpoints, all free
    free = eps.filter(pl.col("model_id") == "openai/gpt-oss-20b:free")
    assert free.height == sum(1 for k in fe_keys if k[0] == "openai/gpt-oss-20b:free") >= 1
    assert free["is_free"].all()


def test_warehouse_views_answer(built, sample):
    layout, result = built
    with duckdb.connect(str(layout.warehouse_path), read_only=True) as con:
        for view in (
            "models",
            "endpoints",
            "providers",
            "cheapest_endpoint_per_model",
            "free_variant_training_flags",
        ):
            assert con.sql(f"SELECT count(*) FROM {view}").fetchall()[0][0] > 0, view
        cheapest = con.sql(
            "SELECT provider_name, blended_usd_per_mtok, endpoint_count FROM "
            "cheapest_endpoint_per_model WHERE model_id = 'openai/gpt-oss-120b'"
        ).fetchall()
        flags = con.sql(
            "SELECT model_id, provider_name, trains_on_prompts FROM free_variant_training_flags"
        ).fetchall()
    # expected cheapest, from the v1 endpoints file: usable = every listed endpoint
    eps = sample.bodies("v1_endpoints")["openai/gpt-oss-120b"]["data"]["endpoints"]
    blended = {
        e["provider_name"]: float(
            (3 * Decimal(e["pricing"]["prompt"]) + Decimal(e["pricing"]["completion"])) / 4 * MTOK
        )
        for e in eps
    }
    best = min(blended.values())
    assert cheapest[0][0] in {p for p, b in blended.items() if b == best}
    assert cheapest[0][1] == pytest.approx(best)
    assert cheapest[0][2] == len(eps)
    # free variant endpoints and their endpoint-level training flag
    fe = [e for doc in sample.bodies("frontend_stats_endpoint").values() for e in doc["data"]]
    expected = {
        (e["model_variant_slug"], e["provider_name"], e["data_policy"]["training"])
        for e in fe
        if e["is_free"] or e["model_variant_slug"].endswith(":free")
    }
    assert set(flags) == expected
    assert result.asset_materializations_for_node("warehouse")


def test_asset_checks_pass_on_the_sample_and_explain_themselves(built):
    _, result = built
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert len(evaluations) >= 9
    failed_errors = [
        name
        for name, e in evaluations.items()
        if not e.passed and e.severity == dg.AssetCheckSeverity.ERROR
    ]
    assert failed_errors == []
    assert evaluations["v1_endpoints_coverage"].metadata["coverage_pct"].value == 100.0
    # no previous snapshot in a fresh data dir: the change check passes with nothing to compare
    assert evaluations["models_row_count_change"].metadata["previous_rows"].value is None


def test_cheapest_endpoint_for_every_model_with_many_endpoints(built, sample):
    """Every model with ≥ 5 endpoints: the rule computed here from the v1 endpoints files
    (blend 3:1, then uptime, throughput, provider name) against the view."""
    layout, _ = built
    expected = {}
    for doc in sample.bodies("v1_endpoints").values():
        eps = doc["data"]["endpoints"]
        if len(eps) < 5:
            continue
        ranked = sorted(
            eps,
            key=lambda e: (
                (
                    3 * Decimal(e["pricing"].get("prompt", "0"))
                    + Decimal(e["pricing"].get("completion", "0"))
                )
                / 4,
                -(e["uptime_last_1d"] if e["uptime_last_1d"] is not None else -1),
                -((e["throughput_last_30m"] or {}).get("p50") or -1),
                e["provider_name"],
            ),
        )
        best = ranked[0]
        expected[doc["data"]["id"]] = (
            best["provider_name"],
            float(
                (
                    3 * Decimal(best["pricing"].get("prompt", "0"))
                    + Decimal(best["pricing"].get("completion", "0"))
                )
                / 4
                * MTOK
            ),
            len(eps),
        )
    assert len(expected) >= 40
    with duckdb.connect(str(layout.warehouse_path), read_only=True) as con:
        got = {
            r[0]: r[1:]
            for r in con.sql(
                "SELECT model_id, provider_name, blended_usd_per_mtok, endpoint_count "
                "FROM cheapest_endpoint_per_model"
            ).fetchall()
        }
    for model_id, (provider, blended, count) in expected.items():
        assert got[model_id][0] == provider, model_id
        assert got[model_id][1] == pytest.approx(blended), model_id
        assert got[model_id][2] == count, model_id
