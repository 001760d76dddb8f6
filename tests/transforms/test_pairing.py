"""v1 and frontend endpoints paired as real ones differ, never on records derived from each
other: independently recorded 2025 responses (v1 endpoints without tags, the frontend's
default endpoint of the same week, the provider list), and real 2026 twins under one tag
listed by v1 in another number format and order. Expected values come from the raw JSON."""

from __future__ import annotations

import gzip
import json
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from pipeline.transforms.endpoints import endpoint_rows, provider_slugs
from pipeline.transforms.frames import source_frame
from pipeline.transforms.price_items import endpoint_price_items_table
from pipeline.transforms.price_tiers import endpoint_variable_pricings_table
from pipeline.transforms.schemas import conform

FIXTURES = Path(__file__).parents[1] / "fixtures"
MTOK = Decimal(10) ** 6


def load(relative: str) -> object:
    doc = json.loads(gzip.decompress((FIXTURES / relative).read_bytes()))
    return doc["data"] if isinstance(doc, dict) and "data" in doc else doc


@pytest.fixture(scope="module")
def providers_2025():
    """The 2025-05-20 all-providers list: the provider records that name slugs."""
    records = load("frontend_all_providers/deankerr__orchid__959360d5__all-providers.json.gz")
    return records, provider_slugs(source_frame(records, "frontend_all_providers").df)


def frontend_default_endpoint(model: str) -> dict:
    """The default endpoint object of a 2025-05-25 frontend catalog row (stats/endpoint shape)."""
    rows = load("frontend_models/deankerr__orchid__1dd4019b__models_full.json.gz")
    return next(r["endpoint"] for r in rows if r["slug"] == model)


def build(v1_docs: list[dict], frontend: list[dict], slugs: pl.DataFrame | None):
    fe = source_frame(frontend, "frontend_stats_endpoint")
    rows = endpoint_rows(v1_docs, fe, slugs=slugs)
    return rows, conform(rows, "endpoints"), fe


@pytest.mark.parametrize(
    "v1_file",
    [
        "cline__cline__9ffdc787__openrouter-model-endpoints.json.gz",  # 2025-05-12: no tags
        "cline__cline__fa1e7b41__openrouter-model-endpoints.json.gz",  # 2025-05-23: tags
    ],
)
def test_recorded_2025_v1_endpoints_meet_their_frontend_record(v1_file, providers_2025):
    records, slugs = providers_2025
    v1 = load(f"v1_endpoints/{v1_file}")
    fe = frontend_default_endpoint(v1["id"])
    slug_of = {p["name"]: p["slug"] for p in records}
    rows, eps, fe_frame = build([v1], [fe], slugs)
    assert eps.height == len(v1["endpoints"]) == 2  # the frontend one is one of v1's two
    assert eps["endpoint_id"].is_unique().all()
    for e in v1["endpoints"]:
        row = eps.filter(provider_name=e["provider_name"]).row(0, named=True)
        # the slug comes from the provider record, not from the name ("Google" is google-vertex)
        assert row["provider_slug"] == slug_of[e["provider_name"]]
        assert row["provider_tag"] == (e.get("tag") or slug_of[e["provider_name"]])
        assert row["in_v1"]
        assert row["prompt_usd_per_mtok"] == Decimal(e["pricing"]["prompt"]) * MTOK
        paired = fe["provider_info"]["slug"] == slug_of[e["provider_name"]]
        assert row["in_frontend"] is paired
        assert row["endpoint_id_is_uuid"] is paired
        if paired:
            assert row["endpoint_id"] == fe["id"]
            assert row["is_deranked"] is fe["is_deranked"]
        else:
            assert row["is_hidden"] is None and row["is_deranked"] is None  # unknown, not false
    assert slug_of["Google"] != "google"  # the name alone would have said google

    # the frontend's 2025 variable_pricings tier lands, with its prices, for that UUID
    tiers = endpoint_variable_pricings_table(rows, fe_frame)
    stated = [t for t in fe["variable_pricings"] if t["type"] == "prompt-threshold"]
    assert tiers.height == len(stated) == 1
    t, row = stated[0], tiers.row(0, named=True)
    assert (row["endpoint_id"], row["tier_source"], row["min_prompt_tokens"]) == (
        fe["id"],
        "variable_pricings",
        t["threshold"],
    )
    assert row["prompt_usd_per_token"] == Decimal(t["prompt"])
    assert row["completion_usd_per_token"] == Decimal(t["completions"])
    assert row["input_cache_write_usd_per_token"] == Decimal(t["input_cache_write"])


def test_tagless_2025_v1_endpoints_pair_by_provider_slug(providers_2025):
    """hermes-3 on 2025-05-16 (v1, no tags) and its frontend default endpoint of 2025-05-25
    (tag deepinfra/fp8, and a price changed in between): one DeepInfra endpoint, not two."""
    records, slugs = providers_2025
    v1 = {
        "id": "nousresearch/hermes-3-llama-3.1-405b",
        "endpoints": load("v1_endpoints/deankerr__orchid__38043f3e__endpoints-hermes-3.json.gz"),
    }
    fe = frontend_default_endpoint(v1["id"])
    assert fe["pricing"]["prompt"] != next(
        e["pricing"]["prompt"] for e in v1["endpoints"] if e["provider_name"] == "DeepInfra"
    )
    _, eps, _ = build([v1], [fe], slugs)
    assert eps.height == len(v1["endpoints"]) == 3
    deepinfra = eps.filter(provider_name="DeepInfra").row(0, named=True)
    assert (deepinfra["endpoint_id"], deepinfra["provider_tag"]) == (fe["id"], fe["provider_slug"])
    assert deepinfra["in_v1"] and deepinfra["in_frontend"]
    # v1's price wins for the endpoint v1 lists
    v1_price = next(e for e in v1["endpoints"] if e["provider_name"] == "DeepInfra")["pricing"]
    assert deepinfra["prompt_usd_per_mtok"] == Decimal(v1_price["prompt"]) * MTOK
    slug_of = {p["name"]: p["slug"] for p in records}
    for name in ("Lambda", "Nebius"):
        row = eps.filter(provider_name=name).row(0, named=True)
        assert (row["provider_slug"], row["provider_tag"]) == (slug_of[name], slug_of[name])
    # without provider records the tagless endpoints stay apart rather than be guessed at
    _, apart, _ = build([v1], [fe], None)
    assert apart.height == 4 and apart.filter(pl.col("provider_slug").is_null()).height == 3


@pytest.fixture(scope="module")
def twins():
    """The two real Together endpoints of gemma-4-31b-it (2026-07-17), same tag, two prices."""
    with gzip.open(FIXTURES / "daily_2026-07/2026-07-17/model_stats.jsonl.gz") as fh:
        lines = [json.loads(line) for line in fh]
    eps = {
        e["id"]: e
        for line in lines
        for e in line["endpoints"] or []
        if e["model_variant_slug"] == "google/gemma-4-31b-it" and e["provider_slug"] == "together"
    }
    assert len(eps) == 2
    return sorted(eps.values(), key=lambda e: Decimal(e["pricing"]["prompt"]))


def v1_endpoint(e: dict, prompt: str, completion: str, **kw) -> dict:
    return {
        "name": e["name"],
        "provider_name": e["provider_name"],
        "tag": e["provider_slug"],
        "context_length": e["context_length"],
        "pricing": {"prompt": prompt, "completion": completion},
        **kw,
    }


def test_same_tag_twins_pair_by_decimal_price_in_any_number_format(twins):
    cheap, dear = twins  # 0.00000028 / 0.00000086 and 0.00000039 / 0.00000097
    # v1 writes the dear one plainly and the cheap one in exponent notation, dear first: as
    # strings "0.00000039" sorts before "2.8e-7", the other way round from the numbers
    v1 = {
        "id": "google/gemma-4-31b-it",
        "endpoints": [
            v1_endpoint(dear, "0.00000039", "9.7E-7"),
            v1_endpoint(cheap, "2.8e-7", ".86e-6"),
        ],
    }
    _, eps, _ = build([v1], [cheap, dear], None)
    assert eps.height == 2 and eps["in_v1"].all() and eps["in_frontend"].all()
    for e in (cheap, dear):
        row = eps.filter(endpoint_id=e["id"]).row(0, named=True)
        assert row["prompt_usd_per_mtok"] == Decimal(e["pricing"]["prompt"]) * MTOK
        assert row["completion_usd_per_mtok"] == Decimal(e["pricing"]["completion"]) * MTOK
        assert row["status"] == e["status"] or row["status"] is None


def test_twins_the_frontend_does_not_list_get_ids_of_their_own(twins):
    cheap, dear = twins
    v1 = {
        "id": "google/gemma-4-31b-it",
        "endpoints": [
            v1_endpoint(dear, "0.00000039", "0.00000097"),
            v1_endpoint(cheap, "0.00000028", "0.00000086"),
            # a third Together endpoint only v1 lists, and two v1-only twins of another tag
            v1_endpoint(dear, "0.0000005", "0.000001", context_length=131072),
            {**v1_endpoint(dear, "0.000001", "0.000002"), "tag": "together/turbo"},
            {**v1_endpoint(dear, "0.0000011", "0.000002"), "tag": "together/turbo"},
        ],
    }
    _, eps, _ = build([v1], [cheap, dear], None)
    assert eps.height == 5 and eps["endpoint_id"].is_unique().all()
    assert set(eps.filter(pl.col("endpoint_id_is_uuid"))["endpoint_id"]) == {
        cheap["id"],
        dear["id"],
    }
    # ids do not depend on the order v1 lists them in
    _, again, _ = build([{**v1, "endpoints": v1["endpoints"][::-1]}], [dear, cheap], None)
    assert set(again["endpoint_id"]) == set(eps["endpoint_id"])


def test_an_endpoint_v1_does_not_list_keeps_its_frontend_row(twins):
    cheap, dear = twins
    v1 = {"id": "google/gemma-4-31b-it", "endpoints": [v1_endpoint(dear, "3.9e-7", "9.7e-7")]}
    _, eps, _ = build([v1], [cheap, dear], None)
    assert eps.height == 2
    only_frontend = eps.filter(~pl.col("in_v1")).row(0, named=True)
    assert only_frontend["endpoint_id"] == cheap["id"]
    assert only_frontend["prompt_usd_per_mtok"] == Decimal(cheap["pricing"]["prompt"]) * MTOK


def test_price_items_of_a_2025_endpoint_come_from_its_pricing_keys(providers_2025):
    """No display list in 2025: one item per pricing key, search tiers from variable_pricings."""
    _, slugs = providers_2025
    rows = load("frontend_models/deankerr__orchid__1dd4019b__models_full.json.gz")
    endpoints = [r["endpoint"] for r in rows if r.get("endpoint")]
    searched = [
        e for e in endpoints if any(t["type"] == "search-threshold" for t in e["variable_pricings"])
    ]
    assert len(searched) >= 5
    rows_, _, _ = build([], endpoints, slugs)
    items = endpoint_price_items_table(rows_)
    for e in searched[:20]:
        got = items.filter(endpoint_id=e["id"])
        keys = {k: v for k, v in e["pricing"].items() if k != "discount"}
        pricing = got.filter(source="pricing")
        assert set(pricing["item"]) == set(keys)
        prompt = pricing.filter(item="prompt").row(0, named=True)
        assert (prompt["unit"], prompt["usd_per_unit"]) == (
            "M tokens",
            Decimal(keys["prompt"]) * MTOK,
        )
        search = got.filter(source="variable_pricings")
        assert {(r["tier_label"], r["usd_per_unit"]) for r in search.iter_rows(named=True)} == {
            (t["threshold"], Decimal(t["request"]))
            for t in e["variable_pricings"]
            if t["type"] == "search-threshold"
        }
