"""The price views on hand-built tables, each answer computed here: cheapest_endpoint_per_model
(usable endpoints only, the 3:1 blend, the tie-break on uptime, throughput, provider name),
provider_scorecard, model_price_spread, cheapest_endpoint_per_unit and the cheapest_endpoint
macro (tiers on every component, the threshold boundary, limits, cache tokens)."""

from __future__ import annotations

import datetime as dt
import statistics
from decimal import Decimal

import duckdb
import polars as pl
import pytest

from pipeline.storage.layout import Layout
from pipeline.transforms.schemas import TABLES
from pipeline.warehouse.build import build_warehouse

DATE = dt.date(2026, 7, 19)


def make_table(name: str, rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={c.name: c.dtype for c in TABLES[name]})


def ep(model: str, provider: str, prompt: str | None, completion: str | None, **kw) -> dict:
    row = {
        "endpoint_id": f"{model}|{provider}",
        "model_id": model,
        "provider_name": provider,
        "provider_tag": provider.lower(),
        "prompt_usd_per_mtok": None if prompt is None else Decimal(prompt),
        "completion_usd_per_mtok": None if completion is None else Decimal(completion),
        "is_disabled": False,
        "is_hidden": False,
        "is_deranked": False,
        "status": 0,
        "is_free": False,
        "is_priced_per_token": prompt is not None and completion is not None,
    }
    row.update(kw)
    return row


ENDPOINTS = [
    # A: p1 and p2 tie on price (blended 1.0); p2 has higher uptime and wins
    ep("a/tie-uptime", "P1", "1", "1", uptime_last_1d=99.0, throughput_p50_tps=50.0),
    ep("a/tie-uptime", "P2", "1", "1", uptime_last_1d=99.5, throughput_p50_tps=10.0),
    ep("a/tie-uptime", "P3", "2", "2", uptime_last_1d=100.0),
    # cheaper but unusable: disabled, hidden, deranked, degraded, variable price, or priced
    # in other units (an image model's 0 / 0 token prices)
    ep("a/tie-uptime", "Off", "0.1", "0.1", is_disabled=True),
    ep("a/tie-uptime", "Hid", "0.1", "0.1", is_hidden=True),
    ep("a/tie-uptime", "Der", "0.1", "0.1", is_deranked=True),
    ep("a/tie-uptime", "Deg", "0.1", "0.1", status=-5),
    ep("a/tie-uptime", "Var", None, None, is_variable_price=True),
    ep("a/tie-uptime", "Img", "0", "0", is_priced_per_token=False),
    # unknown flags (an endpoint only v1 lists) count as usable
    ep("u/unknown", "V1", "3", "3", is_disabled=None, is_hidden=None, is_deranked=None),
    # B: same price, same uptime: higher throughput wins; then the provider name
    ep("b/tie-throughput", "Slow", "1", "1", uptime_last_1d=99.0, throughput_p50_tps=10.0),
    ep("b/tie-throughput", "Fast", "1", "1", uptime_last_1d=99.0, throughput_p50_tps=90.0),
    ep("c/tie-name", "Beta", "1", "1", uptime_last_1d=99.0, throughput_p50_tps=10.0),
    ep("c/tie-name", "Alpha", "1", "1", uptime_last_1d=99.0, throughput_p50_tps=10.0),
    # D: blend 3:1 decides: X blended (3*2+1)/4 = 1.75, Y (3*1+5)/4 = 2.0, Z 4.0
    ep("d/blend", "X", "2", "1"),
    ep("d/blend", "Y", "1", "5"),
    ep("d/blend", "Z", "4", "4"),
    # E: nothing usable, so no row
    ep("e/none", "Off", "1", "1", is_disabled=True),
]
# the v1 list price of two models: d/blend's equals X's endpoint, a/tie-uptime's none of its
V1_MODELS = [
    {
        "model_id": "d/blend",
        "in_v1": True,
        "prompt_usd_per_mtok": Decimal("2"),
        "completion_usd_per_mtok": Decimal("1"),
    },
    {
        "model_id": "a/tie-uptime",
        "in_v1": True,
        "prompt_usd_per_mtok": Decimal("5"),
        "completion_usd_per_mtok": Decimal("5"),
    },
]


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    layout = Layout(str(tmp_path_factory.mktemp("wh")))
    frames = {name: make_table(name, []) for name in TABLES}
    frames["endpoints"] = make_table("endpoints", ENDPOINTS)
    frames["models"] = make_table("models", V1_MODELS)
    for name, df in frames.items():
        layout.write_partition(name, DATE, df)
    build_warehouse(layout)
    with duckdb.connect(str(layout.warehouse_path), read_only=True) as c:
        yield c


def rows(con) -> dict[str, dict]:
    rel = con.sql("SELECT * FROM cheapest_endpoint_per_model")
    records = [dict(zip(rel.columns, r, strict=True)) for r in rel.fetchall()]
    return {r["model_id"]: r for r in records}


def usable(e: dict) -> bool:
    """The documented rule, again: not disabled, hidden or deranked (unknown counts as not),
    status not negative, priced per token."""
    flags = (e.get("is_disabled"), e.get("is_hidden"), e.get("is_deranked"))
    return not any(flags) and e.get("status", 0) >= 0 and e["is_priced_per_token"]


def test_one_row_per_model_with_a_usable_endpoint(con):
    got = rows(con)
    assert set(got) == {"a/tie-uptime", "b/tie-throughput", "c/tie-name", "d/blend", "u/unknown"}
    assert set(got) == {e["model_id"] for e in ENDPOINTS if usable(e)}


def test_tie_breaks(con):
    got = rows(con)
    assert got["a/tie-uptime"]["provider_name"] == "P2"
    assert got["a/tie-uptime"]["runner_up_provider"] == "P1"
    assert got["a/tie-uptime"]["endpoint_count"] == 3
    assert got["b/tie-throughput"]["provider_name"] == "Fast"
    assert got["c/tie-name"]["provider_name"] == "Alpha"
    assert got["c/tie-name"]["runner_up_provider"] == "Beta"


def usable_blended() -> dict[str, dict[str, float]]:
    """model → provider → blended 3:1 price of its usable endpoints, from the rows above."""
    out: dict[str, dict[str, float]] = {}
    for e in ENDPOINTS:
        p, c = e["prompt_usd_per_mtok"], e["completion_usd_per_mtok"]
        if not usable(e):
            continue
        out.setdefault(e["model_id"], {})[e["provider_name"]] = float((3 * p + c) / 4)
    return out


def view(con, name: str, key: str) -> dict[str, dict]:
    rel = con.sql(f"SELECT * FROM {name}")
    return {
        r[rel.columns.index(key)]: dict(zip(rel.columns, r, strict=True)) for r in rel.fetchall()
    }


def test_provider_scorecard(con):
    got = view(con, "provider_scorecard", "provider_name")
    blended = usable_blended()
    rows: dict[str, list[tuple[str, float, float]]] = {}
    for model, prices in blended.items():
        cheapest = min(prices.values())
        for provider, price in prices.items():
            rows.setdefault(provider, []).append((model, price, price / cheapest))
    assert set(got) == set(rows)
    for provider, eps in rows.items():
        g = got[provider]
        assert g["endpoints"] == len(eps) and g["models"] == len({m for m, _, _ in eps})
        assert g["median_price_ratio_to_cheapest"] == pytest.approx(
            statistics.median(r for _, _, r in eps)
        )
        assert g["cheapest_for_models"] == sum(r == 1.0 for _, _, r in eps)
        uptimes = [
            e["uptime_last_1d"]
            for e in ENDPOINTS
            if e["provider_name"] == provider and e.get("uptime_last_1d") is not None
        ]
        assert g["median_uptime_last_1d"] == (
            pytest.approx(statistics.median(uptimes)) if uptimes else None
        )
    assert got["Y"]["median_price_ratio_to_cheapest"] == pytest.approx(2.0 / 1.75)


def test_model_price_spread(con):
    got = view(con, "model_price_spread", "model_id")
    blended = usable_blended()
    assert set(got) == set(blended)
    for model, prices in blended.items():
        values = list(prices.values())
        g = got[model]
        assert g["endpoint_count"] == len(values)
        assert g["min_blended_usd_per_mtok"] == pytest.approx(min(values))
        assert g["median_blended_usd_per_mtok"] == pytest.approx(statistics.median(values))
        assert g["max_blended_usd_per_mtok"] == pytest.approx(max(values))
    # the v1 list price (3 * 2 + 1) / 4 = 1.75 is X's; (3 * 5 + 5) / 4 = 5 is nobody's
    assert got["d/blend"]["v1_price_matches_no_endpoint"] is False
    assert got["a/tie-uptime"]["v1_price_matches_no_endpoint"] is True
    assert got["b/tie-throughput"]["v1_blended_usd_per_mtok"] is None


def test_blend_and_savings(con):
    d = rows(con)["d/blend"]
    assert d["provider_name"] == "X"
    assert d["blended_usd_per_mtok"] == pytest.approx(1.75)
    assert d["runner_up_provider"] == "Y"
    # median of 1.75, 2.0, 4.0 is 2.0: X saves 12.5 %
    assert d["savings_vs_median_pct"] == pytest.approx(12.5)
    assert d["snapshot_date"] == DATE


# --- the table macro cheapest_endpoint(prompt_tokens, completion_tokens[, min_quantization]) ---

M = Decimal(10) ** 6


def priced(model: str, provider: str, prompt: str, completion: str, **kw) -> dict:
    """An endpoint priced per million tokens, with the per-token prices the macro reads."""
    fee = kw.pop("fee", None)
    cache_read = kw.pop("cache_read", None)
    row = ep(model, provider, prompt, completion, **kw)
    row["prompt_usd_per_token"] = Decimal(prompt) / M
    row["completion_usd_per_token"] = Decimal(completion) / M
    row["request_usd_per_token"] = Decimal(fee) if fee else Decimal(0)
    row["input_cache_read_usd_per_token"] = Decimal(cache_read) / M if cache_read else Decimal(0)
    return row


def cost(prompt_mtok: str, completion_mtok: str, p: int, c: int, fee: str = "0") -> Decimal:
    """What one request costs, exactly (the macro's answer is a decimal too)."""
    return Decimal(prompt_mtok) / M * p + Decimal(completion_mtok) / M * c + Decimal(fee)


def tier(endpoint_id: str, above: int, **prices_mtok: str) -> dict:
    return {
        "endpoint_id": endpoint_id,
        "model_id": endpoint_id.split("|")[0],
        "provider_name": endpoint_id.split("|")[1],
        "min_prompt_tokens": above,
        "tier_source": "pricing_overrides",
        **{f"{c}_usd_per_token": Decimal(v) / M for c, v in prices_mtok.items()},
    }


def item(endpoint_id: str, name: str, unit: str, usd: str, **kw) -> dict:
    model, provider = endpoint_id.split("|")
    return {
        "endpoint_id": endpoint_id,
        "model_id": model,
        "provider_name": provider,
        "service_tier": "default",
        "item": name,
        "kind": "unit",
        "unit": unit,
        "tier_label": None,
        "usd_per_unit": Decimal(usd),
        "list_usd_per_unit": Decimal(usd),
        "source": "display_pricing",
        **kw,
    }


@pytest.fixture(scope="module")
def macro_con(tmp_path_factory):
    layout = Layout(str(tmp_path_factory.mktemp("macro")))
    endpoints = [
        # f: Q has the lower token prices but a 0.01 USD fee per request
        priced("f/fee", "Q", "0.1", "0.1", fee="0.01"),
        priced("f/fee", "R", "1", "1"),
        # t: T1 is cheapest until its tier (above 100,000 prompt tokens) quadruples the price
        priced("t/tier", "T1", "1", "2"),
        priced("t/tier", "T2", "2", "3"),
        # q: by precision; an unknown quantization is the cheapest of all
        priced("q/quant", "Q4", "0.5", "0.5", quantization="fp4"),
        priced("q/quant", "Q8", "1", "1", quantization="fp8"),
        priced("q/quant", "Q16", "2", "2", quantization="bf16"),
        priced("q/quant", "QU", "0.1", "0.1", quantization="unknown"),
        # c: the cheap endpoint cannot hold a 50,000-token request
        priced("c/context", "Small", "0.1", "0.1", context_length=32_000),
        priced("c/context", "Large", "1", "1", context_length=200_000),
        # m: the cheap endpoints take at most 8,000 prompt / 1,000 completion tokens
        priced("m/limits", "ShortIn", "0.1", "0.1", max_prompt_tokens=8_000),
        priced("m/limits", "ShortOut", "0.2", "0.2", max_completion_tokens=1_000),
        priced("m/limits", "Any", "1", "1"),
        # k: cache reads at 0.1 (0.4 above 100,000 prompt tokens) against no cache price
        priced("k/cache", "Cached", "1", "1", cache_read="0.1"),
        priced("k/cache", "NoCache", "0.4", "1"),
        # degraded and unit-priced endpoints never answer, however cheap
        priced("x/unusable", "Good", "5", "5"),
        priced("x/unusable", "Degraded", "0.1", "0.1", status=-5),
        priced("x/unusable", "Image", "0", "0", is_priced_per_token=False),
    ]
    tiers = [
        tier("t/tier|T1", 100_000, prompt="4", completion="8"),
        tier("k/cache|Cached", 100_000, prompt="1", input_cache_read="0.4"),
    ]
    items = [
        # an image model: Cheap is degraded, so Mid wins one image; Big is the runner-up
        item("i/image|Cheap", "Image Output", "image", "0.01"),
        item("i/image|Mid", "Image Output", "image", "0.03"),
        item("i/image|Big", "Image Output", "image", "0.05"),
        item("i/image|Mid", "Image Output", "image", "0.06", tier_label="2K"),
        # a token price of a per-token endpoint is not a unit price
        {**item("x/unusable|Good", "Input Price", "M tokens", "5"), "kind": "token"},
    ]
    endpoints += [
        ep("i/image", "Cheap", "0", "0", is_priced_per_token=False, status=-2),
        ep("i/image", "Mid", "0", "0", is_priced_per_token=False),
        ep("i/image", "Big", "0", "0", is_priced_per_token=False),
    ]
    frames = {name: make_table(name, []) for name in TABLES}
    frames["endpoints"] = make_table("endpoints", endpoints)
    frames["endpoint_variable_pricings"] = make_table("endpoint_variable_pricings", tiers)
    frames["endpoint_price_items"] = make_table("endpoint_price_items", items)
    for name, df in frames.items():
        layout.write_partition(name, DATE, df)
    build_warehouse(layout)
    with duckdb.connect(str(layout.warehouse_path), read_only=True) as c:
        yield c


def macro(con, p: int, c: int, extra: str = "") -> dict[str, tuple]:
    return {
        m: (provider, usd, tier)
        for m, provider, usd, tier in con.sql(
            f"SELECT model_id, provider_name, request_usd, tier_applied "
            f"FROM cheapest_endpoint({p}, {c}{extra})"
        ).fetchall()
    }


def test_request_fee_counts_in_the_cost_of_one_request(macro_con):
    small, large = macro(macro_con, 1_000, 100), macro(macro_con, 200_000, 20_000)
    # 1,100 tokens: Q pays 0.01 fee + 0.00011, R 0.0011 → R; 220,000 tokens: Q wins
    assert small["f/fee"][:2] == ("R", cost("1", "1", 1_000, 100))
    assert large["f/fee"][:2] == ("Q", cost("0.1", "0.1", 200_000, 20_000, "0.01"))


def test_a_tier_applies_above_its_threshold_not_at_it(macro_con):
    """The API labels a tier of min_prompt_tokens 200000 '>200K' and the base '≤200K'."""
    at, above = macro(macro_con, 100_000, 1_000), macro(macro_con, 100_001, 1_000)
    assert at["t/tier"] == ("T1", cost("1", "2", 100_000, 1_000), False)
    # above 100,000 prompt tokens T1 costs 4 + 8 per Mtok: T2 (2 + 3) is cheaper
    assert above["t/tier"] == ("T2", cost("2", "3", 100_001, 1_000), False)


def test_tiers_price_cached_tokens_too(macro_con):
    def cached(p: int, reads: int) -> tuple:
        return macro(macro_con, p, 1_000, f", cache_read_tokens := {reads}")["k/cache"]

    def usd(*terms: tuple[int, str]) -> Decimal:
        return sum(n * Decimal(price) for n, price in terms) / M

    # 50,000 prompt tokens of which 40,000 cached: Cached pays 10,000 × 1 + 40,000 × 0.1,
    # NoCache (no cache price) 50,000 × 0.4 as prompt tokens
    assert cached(50_000, 40_000)[:2] == (
        "Cached",
        usd((10_000, "1"), (40_000, "0.1"), (1_000, "1")),
    )
    # above the tier Cached's cache reads cost 0.4: 10,000 × 1 + 140,000 × 0.4 is more than
    # NoCache's 150,000 × 0.4 (at the base cache price 0.1 Cached would still win)
    assert cached(150_000, 140_000)[:2] == (
        "NoCache",
        usd((150_000, "0.4"), (1_000, "1")),
    )
    assert usd((10_000, "1"), (140_000, "0.1")) < usd((150_000, "0.4"))


def test_quantization_floor_keeps_precise_enough_endpoints_only(macro_con):
    assert macro(macro_con, 1_000, 1_000)["q/quant"][0] == "QU"
    assert macro(macro_con, 1_000, 1_000, ", min_quantization := 'fp4'")["q/quant"][0] == "Q4"
    assert macro(macro_con, 1_000, 1_000, ", min_quantization := 'fp8'")["q/quant"][0] == "Q8"
    assert macro(macro_con, 1_000, 1_000, ", min_quantization := 'bf16'")["q/quant"][0] == "Q16"
    assert "q/quant" not in macro(macro_con, 1_000, 1_000, ", min_quantization := 'fp32'")


def test_an_endpoint_too_small_for_the_request_is_skipped(macro_con):
    assert macro(macro_con, 1_000, 1_000)["c/context"][0] == "Small"
    assert macro(macro_con, 50_000, 1_000)["c/context"][0] == "Large"


def test_prompt_and_completion_limits_are_respected(macro_con):
    assert macro(macro_con, 8_000, 1_000)["m/limits"][0] == "ShortIn"
    assert macro(macro_con, 8_001, 1_000)["m/limits"][0] == "ShortOut"
    assert macro(macro_con, 8_001, 1_001)["m/limits"][0] == "Any"


def test_degraded_and_unit_priced_endpoints_never_answer(macro_con):
    assert macro(macro_con, 1_000, 1_000)["x/unusable"][0] == "Good"
    assert "i/image" not in macro(macro_con, 1_000, 1_000)


def test_cheapest_endpoint_per_unit(macro_con):
    rel = macro_con.sql("SELECT * FROM cheapest_endpoint_per_unit")
    got = {
        (r["model_id"], r["item"], r["tier_label"]): r
        for r in (dict(zip(rel.columns, row, strict=True)) for row in rel.fetchall())
    }
    assert set(got) == {("i/image", "Image Output", None), ("i/image", "Image Output", "2K")}
    one = got[("i/image", "Image Output", None)]
    assert (one["provider_name"], one["usd_per_unit"], one["unit"]) == (
        "Mid",
        Decimal("0.03"),
        "image",
    )
    assert (one["runner_up_provider"], one["endpoint_count"]) == ("Big", 2)
    assert got[("i/image", "Image Output", "2K")]["endpoint_count"] == 1
