"""Acceptance checks of the history views over several real days: the intervals, the as-of
macros and the removed models, against what is derived here, day by day, from the scraper's
own files (``models.json.gz`` = /api/v1/models, ``model_stats.jsonl.gz`` = the frontend
stats/endpoint answers, ``providers.json.gz`` = all-providers). Plain Python, nothing of the
pipeline's transforms: the pipeline only builds the warehouse that is checked.

Used by tests/warehouse/test_history.py on the fixture days and by scripts/check_history_days.py on
all 20 shared days.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import duckdb

from tests.support.day_checks import MTOK, Day, dec, json_tiers

COMPONENTS = (
    "prompt",
    "completion",
    "request",
    "image",
    "image_token",
    "image_output",
    "audio",
    "audio_output",
    "input_audio_cache",
    "web_search",
    "internal_reasoning",
    "input_cache_read",
    "input_cache_write",
    "input_cache_write_1h",
)
PRICE_COLUMNS = tuple(f"{c}_usd_per_mtok" for c in COMPONENTS)


def price_vector(pricing: dict) -> tuple[Decimal | None, ...]:
    """Every component per million units: 0 when the key is absent, None when "-1"."""
    out = []
    for c in COMPONENTS:
        v = pricing.get(c)
        out.append(None if v in ("-1", -1) else dec(v) * MTOK if v is not None else Decimal(0))
    return tuple(out)


def endpoint_state(e: dict) -> tuple:
    """Prices, discount, and every stated tier (overrides and pricing_json) of an endpoint."""
    p = e["pricing"]
    discount = dec(p.get("discount") or 0)
    tiers = {
        (int(o["min_prompt_tokens"]), c, dec(v))
        for o in p.get("overrides") or []
        for c, v in o.items()
        if c != "min_prompt_tokens"
    } | {
        (t, c, price * (1 - discount))
        for t, prices in json_tiers(e.get("pricing_json"))
        for c, price in prices.items()
    }
    return (*price_vector(p), float(discount), frozenset(tiers))


def model_state(m: dict) -> tuple:
    p = m.get("pricing") or {}
    tiers = {
        (int(o["min_prompt_tokens"]), c, dec(v))
        for o in p.get("overrides") or []
        for c, v in o.items()
        if c != "min_prompt_tokens"
    }
    return (*price_vector(p), frozenset(tiers))


def provider_policies(folder: Path) -> dict[str, tuple]:
    """Provider name → (training, retains_prompts, retention_days) for paid models."""
    with gzip.open(folder / "providers.json.gz") as fh:
        data = json.load(fh)
    rows = data["data"] if isinstance(data, dict) else data
    out: dict[str, tuple] = {}
    for r in rows:
        dp = r.get("dataPolicy") or {}
        sub = dp.get("paidModels") or {}
        out.setdefault(
            r["name"],
            tuple(sub.get(k, dp.get(k)) for k in ("training", "retainsPrompts", "retentionDays")),
        )
    return out


@dataclass
class Interval:
    state: tuple
    valid_from: str
    last_seen: str
    valid_to: str | None = None


def intervals(days: list[str], states: dict[str, dict[Hashable, tuple]]) -> dict:
    """Run-length intervals of each key over the days (sorted), the plain way: a key's
    interval goes on while the next day has it with the same state."""
    out: dict[Hashable, list[Interval]] = {}
    prev: dict[Hashable, tuple] = {}
    for day in days:
        now = states[day]
        for key, state in now.items():
            runs = out.setdefault(key, [])
            if key in prev and prev[key] == state:
                runs[-1].last_seen = day
            else:
                if key in prev:
                    runs[-1].valid_to = day
                runs.append(Interval(state, day, day))
        for key in prev.keys() - now.keys():
            out[key][-1].valid_to = day
        prev = now
    return out


@dataclass
class HistoryOutcome:
    counts: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)


def _compare(
    name: str,
    expected: dict[Hashable, list[Interval]],
    con: duckdb.DuckDBPyConnection,
    sql: str,
    key_of: Callable[[tuple], Hashable],
    state_of: Callable[[tuple], tuple],
    out: HistoryOutcome,
) -> None:
    got: dict[Hashable, list[tuple]] = {}
    for row in con.sql(sql).fetchall():
        got.setdefault(key_of(row), []).append(row)
    n = 0
    for key, runs in expected.items():
        rows = sorted(got.get(key, []), key=lambda r: r[-4])
        want = [(i.valid_from, i.valid_to, i.last_seen, i.state) for i in runs]
        have = [(str(r[-4]), str(r[-3]) if r[-3] else None, str(r[-2]), state_of(r)) for r in rows]
        n += len(runs)
        if want != have:
            out.failures.append(f"{name} {key}: expected {want[:3]}… got {have[:3]}…")
    extra = got.keys() - expected.keys()
    if extra:
        out.failures.append(f"{name}: keys no raw day has: {sorted(map(str, extra))[:5]}")
    out.counts[f"{name}_intervals"] = n


def check_history(folders: list[Path], con: duckdb.DuckDBPyConnection) -> HistoryOutcome:
    """``folders``: the day bundles the warehouse was built from (any order)."""
    out = HistoryOutcome()
    folders = sorted(folders, key=lambda f: f.name)
    names = [f.name for f in folders]
    ep_states: dict[str, dict] = {}
    model_states: dict[str, dict] = {}
    policy_states: dict[str, dict] = {}
    for f in folders:
        day = Day.read(f)
        ep_states[f.name] = {uuid: endpoint_state(e) for uuid, e in day.endpoints.items()}
        model_states[f.name] = {m["id"]: model_state(m) for m in day.models}
        policy_states[f.name] = provider_policies(f)

    def tier_set(text: str | None, discount: bool) -> frozenset:
        return frozenset(
            (t["min_prompt_tokens"], k.removesuffix("_usd_per_mtok"), dec(v) / MTOK)
            for t in json.loads(text or "[]")
            for k, v in t.items()
            if k.endswith("_usd_per_mtok") and v is not None
        )

    cols = ", ".join(PRICE_COLUMNS)
    tail = "valid_from, valid_to, last_seen, days"
    # endpoints: UUID endpoints (those the frontend records name) only
    _compare(
        "endpoint_price_history",
        intervals(names, ep_states),
        con,
        f"SELECT endpoint_id, {cols}, discount, tiers, {tail} FROM endpoint_price_history "
        "WHERE endpoint_id IN (SELECT endpoint_id FROM endpoints_history WHERE "
        "endpoint_id_is_uuid)",
        lambda r: r[0],
        lambda r: (*r[1 : 1 + len(COMPONENTS)], r[15], tier_set(r[16], True)),
        out,
    )
    _compare(
        "model_price_history",
        intervals(names, model_states),
        con,
        f"SELECT model_id, {cols}, tiers, {tail} FROM model_price_history",
        lambda r: r[0],
        lambda r: (*r[1 : 1 + len(COMPONENTS)], tier_set(r[15], False)),
        out,
    )
    _compare(
        "policy_history[provider_paid]",
        intervals(names, policy_states),
        con,
        f"SELECT provider_name, training, retains_prompts, retention_days, {tail} "
        "FROM policy_history WHERE scope = 'provider_paid'",
        lambda r: r[0],
        lambda r: tuple(r[1:4]),
        out,
    )

    # the as-of macro of each day equals that day's endpoints rows
    key_cols = f"endpoint_id, model_id, provider_name, {cols}, is_variable_price, discount"
    for day in names:
        a = con.sql(f"SELECT {key_cols} FROM endpoints_as_of(DATE '{day}')").fetchall()
        b = con.sql(
            f"SELECT {key_cols} FROM endpoints_history WHERE snapshot_date = DATE '{day}'"
        ).fetchall()
        used = con.sql(f"SELECT DISTINCT snapshot_date FROM endpoints_as_of(DATE '{day}')")
        if sorted(a, key=str) != sorted(b, key=str) or [str(x[0]) for x in used.fetchall()] != [
            day
        ]:
            out.failures.append(f"endpoints_as_of({day}) ≠ its endpoints_history rows")
        m = con.sql(f"SELECT model_id FROM models_as_of(DATE '{day}')").fetchall()
        if {x[0] for x in m} != set(model_states[day]):
            out.failures.append(f"models_as_of({day}) ≠ the models of /api/v1/models that day")
    out.counts["as_of_days"] = len(names)

    # removed models: listed on a day, absent on a later one
    removed = set()
    for i, day in enumerate(names[1:], 1):
        removed |= model_states[names[i - 1]].keys() - model_states[day].keys()
    got = {r[0] for r in con.sql("SELECT model_id FROM removed_models").fetchall()}
    if got != removed:
        out.failures.append(
            f"removed_models: missing {sorted(removed - got)[:5]}, "
            f"extra {sorted(got - removed)[:5]}"
        )
    out.counts["removed_models"] = len(removed)
    back = set()
    for key in removed:
        seen = [key in model_states[d] for d in names]
        first_gap = seen.index(False, seen.index(True))
        back |= {key} if any(seen[first_gap:]) else set()
    got_back = {
        r[0] for r in con.sql("SELECT model_id FROM removed_models WHERE came_back").fetchall()
    }
    if got_back != back:
        out.failures.append(f"removed_models came_back: {sorted(got_back ^ back)[:5]}")
    out.counts["came_back"] = len(back)
    return out
