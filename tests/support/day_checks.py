"""Acceptance checks of one real day: the warehouse built from it against values computed
here, in plain Python with Decimal, from the scraper's own files of that day
(``model_stats.jsonl.gz`` = the frontend stats/endpoint answers, ``models.json.gz`` =
/api/v1/models). Nothing here calls the pipeline's transforms; the pipeline only builds the
warehouse that is checked.

Used by tests/warehouse/test_real_days.py on the fixture days and by scripts/check_days.py on all 20
shared days.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
import shutil
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import duckdb

MTOK = Decimal(10) ** 6


def dec(value: object) -> Decimal:
    return Decimal(str(value).strip())


@dataclass
class Day:
    """One scraper bundle, read straight from its files."""

    folder: Path
    endpoints: dict[str, dict] = field(default_factory=dict)  # UUID → endpoint object
    models: list[dict] = field(default_factory=list)

    @classmethod
    def read(cls, folder: Path) -> Day:
        day = cls(folder)
        with gzip.open(folder / "model_stats.jsonl.gz") as fh:
            for line in fh:
                for e in json.loads(line)["endpoints"] or []:
                    day.endpoints.setdefault(e["id"], e)  # '~' aliases repeat their target's
        with gzip.open(folder / "models.json.gz") as fh:
            data = json.load(fh)
        day.models = data["data"] if isinstance(data, dict) else data
        return day


def healthy(e: dict) -> bool:
    return not (e["is_disabled"] or e["is_hidden"] or e["is_deranked"] or e["status"] < 0)


def all_prices(e: dict) -> list[Decimal]:
    """Every price an endpoint states: its pricing keys and its display list with tiers."""
    p = e["pricing"]
    out = [dec(v) for k, v in p.items() if k not in ("discount", "display_pricing", "overrides")]
    for item in e.get("display_pricing") or []:
        out.append(dec(item["price"]))
        out += [dec(t["price"]) for t in item.get("tiers") or []]
    return out


def priced_per_token(e: dict) -> bool:
    """The documented rule, written again here: prompt and completion known, not priced only
    in other units, and not 0 / 0 while something else costs money."""
    p = e["pricing"]
    if p.get("prompt") == "-1" or p.get("completion") == "-1":
        return False
    kinds = {d["kind"] for d in e.get("display_pricing") or []}
    if kinds == {"unit"}:
        return False
    prompt, completion = dec(p.get("prompt", "0")), dec(p.get("completion", "0"))
    return not (prompt == 0 and completion == 0 and any(x > 0 for x in all_prices(e)))


def blended(e: dict) -> Decimal:
    p = e["pricing"]
    return (3 * dec(p.get("prompt", "0")) + dec(p.get("completion", "0"))) / 4 * MTOK


# pricing_json tiers, spelled out adapter family by adapter family (independently of
# pipeline/transforms/price_tiers.py): threshold key → {tier price key: component}
_COMPONENT = {
    "prompt_tokens": "prompt",
    "input_tokens": "prompt",
    "completion_tokens": "completion",
    "output_tokens": "completion",
    "cached_prompt_tokens": "input_cache_read",
    "cache_read_tokens": "input_cache_read",
    "cached_input_tokens": "input_cache_read",
    "cache_write_tokens": "input_cache_write",
    "cache_write_5m_tokens": "input_cache_write",
    "cache_creation_tokens": "input_cache_write",
    "cache_write_1h_tokens": "input_cache_write_1h",
    "audio_input_tokens": "audio",
    "cache_read_audio_tokens": "input_audio_cache",
}


def json_tiers(pj: dict | None) -> list[tuple[int, dict[str, Decimal]]]:
    if not pj:
        return []
    out = []
    for key, value in pj.items():
        adapter, _, name = key.partition(":")
        tier_keys: list[tuple[str, str]] = []  # (price key, component)
        if m := re.fullmatch(r"tier(\d)_threshold", name):
            tier_keys = [(f"{adapter}:{c}_tier{m[1]}", comp) for c, comp in _COMPONENT.items()]
        elif name in ("long_context_threshold", "high_context_threshold"):
            tier_keys = [
                (f"{adapter}:{c}_{suffix}", comp)
                for c, comp in _COMPONENT.items()
                for suffix in ("long_context", "high_context")
            ] + [(f"{adapter}:long_context_{c}", comp) for c, comp in _COMPONENT.items()]
        elif m := re.fullmatch(r"long_context_threshold_(\d)", name):
            tier_keys = [
                (f"{adapter}:long_context_{c}_{m[1]}", comp) for c, comp in _COMPONENT.items()
            ] + [(f"{adapter}:{c}_high_context_{m[1]}", comp) for c, comp in _COMPONENT.items()]
        prices = {comp: dec(pj[k]) for k, comp in tier_keys if k in pj}
        if prices:
            out.append((int(dec(value)), prices))
    return out


@dataclass
class Outcome:
    day: str
    counts: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def fail(self, check: str, what: str) -> None:
        self.failures.append(f"{self.day} {check}: {what}")


def check_day(day: Day, con: duckdb.DuckDBPyConnection) -> Outcome:
    out = Outcome(day.folder.name)
    eps = day.endpoints
    by_model: dict[str, list[dict]] = {}
    for e in eps.values():
        by_model.setdefault(e["model_variant_slug"], []).append(e)

    # 1 + 2: the cheapest pick per model
    picks = {
        r[0]: r[1:]
        for r in con.sql(
            "SELECT model_id, endpoint_id, blended_usd_per_mtok FROM cheapest_endpoint_per_model"
        ).fetchall()
    }
    out.counts["picks"] = len(picks)
    zero = 0
    for model, (endpoint_id, price) in picks.items():
        e = eps.get(endpoint_id)
        if e is None:
            continue  # an endpoint only v1 lists: nothing recorded to check it against
        if price == 0:
            zero += 1
            if not (model.endswith(":free") or e["is_free"] or not any(all_prices(e))):
                out.fail("paid-shown-free", f"{model} → {e['provider_name']} blended 0")
        if not healthy(e) and any(healthy(x) for x in by_model[model]):
            out.fail("degraded-pick", f"{model} → {e['provider_name']} status {e['status']}")
    out.counts["picks_at_0"] = zero
    expected_models = 0
    for model, candidates in by_model.items():
        usable = [x for x in candidates if healthy(x) and priced_per_token(x)]
        if not usable:
            continue
        expected_models += 1
        best = min(blended(x) for x in usable)
        if model not in picks:
            out.fail("missing-pick", model)
        elif Decimal(str(picks[model][1])) != best:  # exact: the views answer in decimals
            out.fail("wrong-pick", f"{model}: {picks[model][1]} ≠ {best}")
    out.counts["models_with_usable_endpoint"] = expected_models

    # 3: every displayed price is a row of endpoint_price_items with the same decimal
    items = {
        (r[0], r[1], r[2], r[3]): r[4]
        for r in con.sql(
            "SELECT endpoint_id, item, unit, coalesce(tier_label, ''), usd_per_unit "
            "FROM endpoint_price_items WHERE service_tier = 'default'"
        ).fetchall()
    }
    n_items = 0
    for uuid, e in eps.items():
        for d in e.get("display_pricing") or []:
            unit = d["unitLabel"].lstrip("/").strip()
            for label, price in [(t["sku_label"], t["price"]) for t in d.get("tiers") or []] or [
                ("", d["price"])
            ]:
                n_items += 1
                want = dec(price) * dec(d["displayMultiplier"])
                got = items.get((uuid, d["sku_label"], unit, label))
                if got is None or Decimal(got) != want:
                    out.fail("price-item", f"{uuid} {d['sku_label']} {label}: {got} ≠ {want}")
    out.counts["display_prices"] = n_items

    # 4: every tier of pricing.overrides and of pricing_json is a row
    tiers: dict[tuple[str, int], dict[str, Decimal | None]] = {}
    rel = con.sql("SELECT * FROM endpoint_variable_pricings")
    for row in rel.fetchall():
        r = dict(zip(rel.columns, row, strict=True))
        tiers[(r["endpoint_id"], r["min_prompt_tokens"])] = r
    n_tiers = 0
    for uuid, e in eps.items():
        discount = dec(e["pricing"].get("discount") or 0)
        stated = [
            (o["min_prompt_tokens"], {c: dec(v) for c, v in o.items() if c != "min_prompt_tokens"})
            for o in e["pricing"].get("overrides") or []
        ] + [
            (t, {c: p * (1 - discount) for c, p in prices.items()})
            for t, prices in json_tiers(e.get("pricing_json"))
        ]
        for threshold, prices in stated:
            n_tiers += 1
            row = tiers.get((uuid, threshold))
            if row is None:
                out.fail("tier", f"{uuid} {e['model_variant_slug']} >{threshold} missing")
                continue
            for c, p in prices.items():
                if row[f"{c}_usd_per_token"] != p:
                    out.fail("tier", f"{uuid} >{threshold} {c}: {row[f'{c}_usd_per_token']} ≠ {p}")
    out.counts["stated_tiers"] = n_tiers

    # 5: one 300,000 + 1,000 token request on models with one usable, tiered endpoint
    macro = {
        r[0]: r[1:]
        for r in con.sql(
            "SELECT model_id, endpoint_id, request_usd FROM cheapest_endpoint(300000, 1000)"
        ).fetchall()
    }
    n_costed = 0
    for model, candidates in by_model.items():
        usable = [x for x in candidates if healthy(x) and priced_per_token(x)]
        if len(usable) != 1:
            continue
        e = usable[0]
        p = e["pricing"]
        if not p.get("overrides"):
            continue
        if e["context_length"] < 301_000 or (e["max_prompt_tokens"] or 10**9) < 300_000:
            continue
        if (e["max_completion_tokens"] or 10**9) < 1_000:
            continue
        applied = [o for o in p["overrides"] if o["min_prompt_tokens"] < 300_000]
        tier = max(applied, key=lambda o: o["min_prompt_tokens"]) if applied else {}
        cost = (
            300_000 * dec(tier.get("prompt", p.get("prompt", "0")))
            + 1_000 * dec(tier.get("completion", p.get("completion", "0")))
            + dec(p.get("request", "0"))
        )
        n_costed += 1
        got = macro.get(model)
        if got is None or got[0] != e["id"] or Decimal(str(got[1])) != cost:
            out.fail("tiered-cost", f"{model}: {got} ≠ ({e['id']}, {cost})")
    out.counts["tiered_single_endpoint_models"] = n_costed

    # 6: every model-level tier of /api/v1/models is a row of model_price_tiers
    model_tiers = {}
    rel = con.sql("SELECT * FROM model_price_tiers")
    for row in rel.fetchall():
        r = dict(zip(rel.columns, row, strict=True))
        model_tiers[(r["model_id"], r["min_prompt_tokens"])] = r
    n_model_tiers = 0
    for m in day.models:
        for o in (m.get("pricing") or {}).get("overrides") or []:
            n_model_tiers += 1
            row = model_tiers.get((m["id"], o["min_prompt_tokens"]))
            if row is None:
                out.fail("model-tier", f"{m['id']} >{o['min_prompt_tokens']} missing")
                continue
            for c, v in o.items():
                if c != "min_prompt_tokens" and row[f"{c}_usd_per_token"] != dec(v):
                    out.fail("model-tier", f"{m['id']} {c}: {row[f'{c}_usd_per_token']} ≠ {v}")
    out.counts["model_tiers"] = n_model_tiers

    # 7: every benchmark figure of /api/v1/models is a row of model_benchmarks, exactly
    check_benchmarks(day, con, out)

    # 8: price_performance's frontier, computed here from the model list and the endpoints
    best: dict[str, Decimal] = {}
    for model, candidates in by_model.items():
        usable = [x for x in candidates if healthy(x) and priced_per_token(x)]
        if usable:
            best[model] = min(blended(x) for x in usable)
    want: dict[tuple[str, str], tuple[float, Decimal]] = {}
    for m in {m["id"]: m for m in reversed(day.models)}.values():
        aa = (m.get("benchmarks") or {}).get("artificial_analysis") or {}
        for index, value in aa.items():
            if value is not None and m["id"] in best:
                want[(m["id"], index)] = (value, best[m["id"]])
    frontier = {
        key
        for key, (value, price) in want.items()
        if not any(k[1] == key[1] and p < price and v > value for k, (v, p) in want.items())
    }
    got = {
        (r[0], r[1]): r[2:]
        for r in con.sql(
            "SELECT model_id, index_name, index_value, blended_usd_per_mtok, on_frontier "
            "FROM price_performance"
        ).fetchall()
    }
    if set(got) != set(want):
        out.fail("price-performance", f"rows {sorted(set(got) ^ set(want))[:5]}")
    for key, (value, price, on) in got.items():
        if key not in want:
            continue
        if value != want[key][0] or Decimal(str(price)) != want[key][1]:
            out.fail("price-performance", f"{key}: {value}, {price} ≠ {want[key]}")
        if on != (key in frontier):
            out.fail("frontier", f"{key}: on_frontier {on}, computed {key in frontier}")
    out.counts["price_performance_rows"] = len(want)
    out.counts["frontier_rows"] = len(frontier)
    return out


def check_benchmarks(day: Day, con: duckdb.DuckDBPyConnection, out: Outcome) -> None:
    """Each figure under ``benchmarks`` of the day's model list against its row (the first
    record of an id, as the table keeps)."""
    rows: dict[tuple, float | None] = {}
    for r in con.sql(
        "SELECT model_id, source, arena, category, metric, value FROM model_benchmarks"
    ).fetchall():
        if r[:5] in rows:
            out.fail("benchmark", f"{r[:5]} twice")
        rows[r[:5]] = r[5]
    stated: dict[tuple, float | None] = {}
    for m in {m["id"]: m for m in reversed(day.models)}.values():
        b = m.get("benchmarks") or {}
        for metric, value in (b.get("artificial_analysis") or {}).items():
            stated[(m["id"], "artificial_analysis", None, None, metric)] = value
        for e in b.get("design_arena") or []:
            for metric in ("elo", "win_rate", "rank"):
                key = (m["id"], "design_arena", e["arena"], e["category"], metric)
                stated[key] = e.get(metric)
    for key, value in stated.items():
        if key not in rows:
            out.fail("benchmark", f"{key} missing")
        elif rows[key] != value or (
            value is not None and type(value) is float and repr(rows[key]) != repr(value)
        ):
            out.fail("benchmark", f"{key}: {rows[key]} ≠ {value}")
    if set(rows) - set(stated):
        out.fail("benchmark", f"rows not in the answer: {sorted(set(rows) - set(stated))[:3]}")
    out.counts["benchmark_figures"] = len(stated)


def build_day_warehouse(bundle: Path, work: Path) -> Path:
    """The raw snapshot of a scraper bundle (recorded_day.build_day), its tables and its
    warehouse in ``work``; returns the warehouse file."""
    from pipeline.raw.landing import raw_snapshot
    from pipeline.raw.reader import read_snapshot
    from pipeline.storage.layout import Layout
    from pipeline.transforms.catalog import build_tables
    from pipeline.transforms.schemas import empty
    from pipeline.warehouse.build import build_warehouse
    from tests.support.recorded_day import build_day

    if work.exists():
        shutil.rmtree(work)
    layout = Layout(str(work))
    date = dt.date.fromisoformat(bundle.name)
    build_day(bundle, layout.raw_dir(date))
    built = build_tables(read_snapshot(raw_snapshot(layout, date)))
    frames = {**built.frames}
    for name in ("endpoint_price_changes", "catalog_change_events"):
        frames[name] = empty(name)
    for name, df in frames.items():
        layout.write_partition(name, date, df)
    build_warehouse(layout)
    return layout.warehouse_path
