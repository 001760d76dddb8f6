"""Every archived real response, 2023 → 2026, through the table transforms. Expected values
are computed here from the raw JSON with Python's Decimal, not with the pipeline's code."""

from __future__ import annotations

import gzip
import json
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from pipeline.sources.shapes import PRICE_COMPONENTS
from pipeline.transforms.data_policies import data_policies_table
from pipeline.transforms.endpoints import endpoint_rows, endpoints_table, provider_slugs
from pipeline.transforms.frames import source_frame
from pipeline.transforms.models import models_table
from pipeline.transforms.price_tiers import endpoint_variable_pricings_table
from pipeline.transforms.providers import providers_table

FIXTURES = Path(__file__).parents[1] / "fixtures"
MTOK = Decimal(10) ** 6


def load(path: Path) -> list[dict]:
    doc = json.loads(gzip.decompress(path.read_bytes()))
    return doc["data"] if isinstance(doc, dict) and "data" in doc else doc


def files(folder: str) -> list[Path]:
    return sorted((FIXTURES / folder).glob("*.gz"))


def providers_frame(records: list[dict]) -> pl.DataFrame:
    return source_frame(records, "frontend_all_providers").df


def expected_price(pricing: dict, component: str) -> Decimal | None:
    raw = (pricing or {}).get(component, "0")  # omitted means 0
    return None if str(raw).strip() == "-1" else Decimal(str(raw)) * MTOK


@pytest.mark.parametrize("path", files("v1_models"), ids=lambda p: p.name[:60])
def test_v1_models_file(path):
    data = load(path)
    df = models_table(data, [])
    ids = {m["id"] for m in data}
    assert df.height == len(ids)
    assert df["model_id"].is_unique().all()
    rows = {r["model_id"]: r for r in df.iter_rows(named=True)}
    checked = 0
    for m in data:
        row = rows[m["id"]]
        for c in PRICE_COMPONENTS:
            assert row[f"{c}_usd_per_mtok"] == expected_price(m.get("pricing"), c), (m["id"], c)
            checked += 1
        assert row["is_variable_price"] == any(
            str(v) == "-1" for v in (m.get("pricing") or {}).values()
        )
        slug, _, variant = m["id"].partition(":")
        assert (row["slug"], row["variant"]) == (slug, variant or "standard")
        limits = m.get("per_request_limits") or {}
        if limits.get("prompt_tokens") == "Infinity":
            assert row["per_request_limit_is_unlimited"]
            assert row["per_request_limit_prompt_tokens"] is None
        elif limits:
            assert row["per_request_limit_prompt_tokens"] == float(limits["prompt_tokens"])
        assert row["context_length"] == m.get("context_length")
    assert checked == len(data) * len(PRICE_COMPONENTS)


@pytest.mark.parametrize("path", files("frontend_models"), ids=lambda p: p.name[:60])
def test_frontend_models_file(path):
    data = load(path)
    df = models_table([], data)
    keys = {(r["slug"], (r.get("endpoint") or {}).get("variant") or "standard") for r in data}
    assert df.height == len(keys)
    assert df["model_id"].is_unique().all()
    assert not df["in_v1"].any() and df["in_frontend_catalog"].all()
    by_id = {r["model_id"]: r for r in df.iter_rows(named=True)}
    for r in data:
        variant = (r.get("endpoint") or {}).get("variant") or "standard"
        mid = r["slug"] if variant == "standard" else f"{r['slug']}:{variant}"
        assert by_id[mid]["permaslug"] == r["permaslug"]
        assert by_id[mid]["is_hidden"] == r.get("hidden")


@pytest.mark.parametrize("path", files("frontend_stats_endpoint"), ids=lambda p: p.name[:60])
def test_frontend_stats_file(path):
    data = load(path)
    df = endpoints_table([], data)
    tag = {e["id"]: e.get("provider_slug") or e["provider_info"]["slug"] for e in data}
    assert df.height == len({e["id"] for e in data})  # one row per endpoint UUID
    rows = {r["endpoint_id"]: r for r in df.iter_rows(named=True)}
    for e in data:
        row = rows[e["id"]]
        assert row["endpoint_id_is_uuid"] and row["in_frontend"] and not row["in_v1"]
        for c in ("prompt", "completion", "request", "image"):
            assert row[f"{c}_usd_per_mtok"] == expected_price(e["pricing"], c), (e["id"], c)
        assert row["is_free"] == e["is_free"]
        assert row["provider_tag"] == tag[e["id"]]
    policies = data_policies_table([], data).filter(pl.col("scope") == "endpoint")
    assert policies.height == len({e["id"] for e in data})


@pytest.mark.parametrize("path", files("v1_endpoints"), ids=lambda p: p.name[:60])
def test_v1_endpoints_file(path):
    doc = json.loads(gzip.decompress(path.read_bytes()))
    if isinstance(doc, list):  # an excerpt: the bare endpoints list of one model
        doc = {"data": {"id": "nousresearch/hermes-3-llama-3.1-405b", "endpoints": doc}}
    data = doc["data"]
    # before mid-2025 there is no tag: the provider's slug stands in for it, from the provider
    # list of the time (2025-05-20), never from the name ("Google" is google-vertex)
    providers = load(files("frontend_all_providers")[0])
    slug_of = {p["name"]: p["slug"] for p in providers}
    df = endpoints_table([data], [], slugs=provider_slugs(providers_frame(providers)))
    assert df.height == len(data["endpoints"])
    assert df["endpoint_id"].is_unique().all()
    for e in data["endpoints"]:
        row = df.filter(pl.col("provider_name") == e["provider_name"]).row(0, named=True)
        assert row["model_id"] == data["id"]
        assert row["provider_slug"] == slug_of.get(e["provider_name"])
        assert row["provider_tag"] == (e.get("tag") or slug_of.get(e["provider_name"]))
        assert row["in_v1"] and not row["in_frontend"] and row["is_hidden"] is None
        for c in PRICE_COMPONENTS:
            assert row[f"{c}_usd_per_mtok"] == expected_price(e["pricing"], c)
        assert row["discount"] == e["pricing"].get("discount")


@pytest.mark.parametrize("path", files("frontend_all_providers"), ids=lambda p: p.name[:60])
def test_all_providers_file(path):
    data = load(path)
    prov = providers_table([], data)
    assert prov.height == len({p["slug"] for p in data})
    pol = data_policies_table(data, [])
    paid = pol.filter(pl.col("scope") == "provider_paid")
    assert paid.height == len({p["name"] for p in data})
    by_name = {r["provider_name"]: r for r in paid.iter_rows(named=True)}
    for p in data:
        dp = p["dataPolicy"]
        expected = (dp.get("paidModels") or {}).get("training", dp.get("training"))
        assert by_name[p["name"]]["training"] == expected, p["name"]
    free = pol.filter(pl.col("scope") == "provider_free")
    assert free.height == sum(1 for p in data if p["dataPolicy"].get("freeModels"))


@pytest.mark.parametrize("path", files("frontend_models"), ids=lambda p: p.name[:60])
def test_2025_variable_pricings_tiers(path):
    """Every prompt-threshold tier of the 2025 default endpoints (the stats/endpoint shape) is
    a row of endpoint_variable_pricings with its prices; the spelling 'completions' included."""
    endpoints = [r["endpoint"] for r in load(path) if r.get("endpoint")]
    stated = {
        (e["id"], t["threshold"]): t
        for e in endpoints
        for t in e.get("variable_pricings") or []
        if t["type"] == "prompt-threshold"
    }
    fe = source_frame(endpoints, "frontend_stats_endpoint")
    tiers = endpoint_variable_pricings_table(endpoint_rows([], fe), fe)
    got = {(r["endpoint_id"], r["min_prompt_tokens"]): r for r in tiers.iter_rows(named=True)}
    assert set(got) == set(stated)
    for key, t in stated.items():
        assert got[key]["tier_source"] == "variable_pricings"
        assert got[key]["prompt_usd_per_token"] == Decimal(t["prompt"])
        assert got[key]["completion_usd_per_token"] == Decimal(t["completions"])
        for c in ("input_cache_read", "input_cache_write"):
            assert got[key][f"{c}_usd_per_token"] == (Decimal(t[c]) if c in t else None)
    if "full" in path.name or path.name.endswith("__models.json.gz"):
        assert len(stated) >= 4
