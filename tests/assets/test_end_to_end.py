"""A real Dagster materialisation of every asset against the replay server (real HTTP),
into a temporary data dir, checked against values computed here from the sample files."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import dagster as dg
import duckdb
import polars as pl
import pytest

from pipeline.storage.layout import Layout
from tests.conftest import SAMPLE_DATE
from tests.support.day_checks import blended as day_blended
from tests.support.day_checks import healthy, priced_per_token

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


def uptime(h: dict | None) -> float | None:
    """The v1 uptime as the sample derives it from the frontend's request counts."""
    if not h or not (h.get("success") or 0) + (h.get("derankableError") or 0):
        return None
    ok, bad = h.get("success") or 0, h.get("derankableError") or 0
    return round(100.0 * ok / (ok + bad), 4)


def usable_by_model(sample) -> dict[str, list[dict]]:
    """Model id → its usable endpoints (healthy, priced per token), from the raw records."""
    out: dict[str, list[dict]] = {}
    for e in sample.frontend_endpoints().values():
        if healthy(e) and priced_per_token(e):
            out.setdefault(e["model_variant_slug"], []).append(e)
    return out


def test_warehouse_views_answer(built, sample):
    layout, result = built
    with duckdb.connect(str(layout.warehouse_path), read_only=True) as con:
        count = {
            view: con.sql(f"SELECT count(*) FROM {view}").fetchall()[0][0]
            for view in (
                "models",
                "providers",
                "usable_endpoints",
                "cheapest_endpoint_per_model",
                "free_variant_training_flags",
            )
        }
        cheapest = con.sql(
            "SELECT provider_name, blended_usd_per_mtok, endpoint_count FROM "
            "cheapest_endpoint_per_model WHERE model_id = 'openai/gpt-oss-120b'"
        ).fetchall()
        flags = con.sql(
            "SELECT model_id, provider_name, trains_on_prompts FROM free_variant_training_flags"
        ).fetchall()
    fe = sample.frontend_endpoints()
    usable = usable_by_model(sample)
    catalog_ids = {
        c["slug"]
        + (
            ""
            if (c.get("endpoint") or {}).get("variant", "standard") == "standard"
            else ":" + c["endpoint"]["variant"]
        )
        for c in sample.data("frontend_catalog")
    }
    assert count["models"] == len({m["id"] for m in sample.data("v1_models")} | catalog_ids)
    assert count["providers"] == len({p["slug"] for p in sample.data("frontend_all_providers")})
    assert count["usable_endpoints"] == sum(map(len, usable.values())) > 800
    assert count["cheapest_endpoint_per_model"] == len(usable) > 300
    free = [e for e in fe.values() if e["is_free"] or e["model_variant_slug"].endswith(":free")]
    assert count["free_variant_training_flags"] == len(free) > 10
    # the cheapest of gpt-oss-120b, from its raw records
    eps = usable["openai/gpt-oss-120b"]
    best = min(day_blended(e) for e in eps)
    assert cheapest[0][0] in {e["provider_name"] for e in eps if day_blended(e) == best}
    assert cheapest[0][1] == best  # exact: decimals on both sides
    assert cheapest[0][2] == len(eps) >= 10
    # free variant endpoints and their endpoint-level training flag
    expected = {
        (e["model_variant_slug"], e["provider_name"], e["data_policy"]["training"]) for e in free
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
    """Every model with ≥ 5 usable endpoints: the rule computed here from the raw frontend
    records (usable = healthy and priced per token; blend 3:1, then uptime, throughput,
    provider name) against the view."""
    layout, _ = built
    expected = {}
    for model_id, eps in usable_by_model(sample).items():
        if len(eps) < 5:
            continue
        ranked = sorted(
            eps,
            key=lambda e: (
                day_blended(e),
                -(uptime(e.get("status_heuristics_1d")) or -1),
                -((e.get("stats") or {}).get("p50_throughput") or -1),
                e["provider_name"],
            ),
        )
        expected[model_id] = (ranked[0]["provider_name"], day_blended(ranked[0]), len(eps))
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
        assert got[model_id][1] == blended, model_id
        assert got[model_id][2] == count, model_id
