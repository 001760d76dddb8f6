"""Time-of-day prices checked against the recorded JSON of the second recorder's days
(pulse_2026-08): shared by tests/warehouse/test_price_windows.py (five days kept in
tests/fixtures) and scripts/check_price_windows_days.py (all of ../shared). Everything
expected is read from the raw files here, with nothing of the pipeline's."""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

# written out here, not imported from pipeline.sources.shapes: a component the code forgot to
# read must fail these checks, not drop out of both sides
COMPONENTS = (
    "prompt",
    "completion",
    "input_cache_read",
    "input_cache_write",
    "input_cache_write_1h",
    "audio",
    "input_audio_cache",
)
PROMPT, COMPLETION = 3000, 1000  # the request of the cheapest-at-a-time checks


def load(folder: Path, name: str) -> object:
    with gzip.open(folder / f"{name}.json.gz") as fh:
        return json.load(fh)


def raw_endpoints(folder: Path) -> dict[str, dict]:
    """Endpoint UUID → its stats/endpoint object (an alias permaslug lists its target's again)."""
    out: dict[str, dict] = {}
    for body in load(folder, "endpoint_stats").values():  # type: ignore[union-attr]
        for e in body.get("data") or []:
            out.setdefault(e["id"], e)
    return out


def is_window(o: dict) -> bool:
    return any(o.get(k) is not None for k in ("utc_start", "utc_end", "utc_days"))


def window_rows(overrides: list[dict] | None) -> set[tuple]:
    """(override_index, utc_start, utc_end, component, exact price per token) of each window."""
    return {
        (i, o.get("utc_start"), o.get("utc_end"), c, Decimal(str(o[c])))
        for i, o in enumerate(overrides or [])
        if is_window(o)
        for c in COMPONENTS
        if o.get(c) is not None
    }


def minutes(hhmm: int) -> int:
    return hhmm // 100 * 60 + hhmm % 100


def is_open(o: dict, minute_of_day: int) -> bool:
    s, e = minutes(o.get("utc_start") or 0), minutes(o.get("utc_end") or 0)
    if s == e:
        return True
    return s <= minute_of_day < e if s < e else (minute_of_day >= s or minute_of_day < e)


def price_at(e: dict, component: str, minute_of_day: int) -> Decimal | None:
    """The API's rule, read off its SDKs: among the entries whose conditions all hold, the
    later one wins per price key; a key none sets keeps the base price."""
    price = e["pricing"].get(component)
    for o in e["pricing"].get("overrides") or []:
        applies = is_window(o) and o.get("min_prompt_tokens") is None
        if applies and is_open(o, minute_of_day) and o.get(component) is not None:
            price = o[component]
    return None if price is None else Decimal(str(price))


def blended(e: dict, minute_of_day: int) -> Decimal:
    p, c = price_at(e, "prompt", minute_of_day), price_at(e, "completion", minute_of_day)
    return (3 * p + c) / 4 * 1_000_000


def request_usd(e: dict, minute_of_day: int, prompt: int, completion: int) -> Decimal | None:
    p, c = price_at(e, "prompt", minute_of_day), price_at(e, "completion", minute_of_day)
    if p is None or c is None:
        return None
    for o in sorted(
        (o for o in e["pricing"].get("overrides") or [] if not is_window(o)),
        key=lambda o: o.get("min_prompt_tokens") or 0,
    ):
        if (o.get("min_prompt_tokens") or 0) < prompt:  # a context tier ("more than")
            p = Decimal(str(o.get("prompt", p)))
            c = Decimal(str(o.get("completion", c)))
    return prompt * p + completion * c + Decimal(str(e["pricing"].get("request") or 0))


def schedules(folder: Path) -> dict[tuple[str, str], str]:
    """(endpoint UUID, component) → its windows as a comparable value."""
    out = {}
    for uuid, e in raw_endpoints(folder).items():
        rows = sorted(window_rows(e["pricing"].get("overrides")))
        for c in COMPONENTS:
            mine = [r for r in rows if r[3] == c]
            if mine:
                out[(uuid, c)] = repr(mine)
    return out


def expected_changes(before: Path, after: Path) -> dict[tuple[str, str], str]:
    """(UUID, component) → appeared / changed / ended, for endpoints listed on both days."""
    both = raw_endpoints(before).keys() & raw_endpoints(after).keys()
    old, new = schedules(before), schedules(after)
    return {
        key: "appeared" if key not in old else "ended" if key not in new else "changed"
        for key in old.keys() | new.keys()
        if key[0] in both and old.get(key) != new.get(key)
    }


@dataclass
class Outcome:
    failures: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def count(self, name: str, n: int = 1) -> None:
        self.counts[name] = self.counts.get(name, 0) + n


def _rows(con, sql: str, day: str) -> set[tuple]:  # noqa: ANN001
    got = set()
    for key, i, start, end, *prices in con.execute(sql, [day]).fetchall():
        got |= {
            (key, i, start, end, c, p)
            for c, p in zip(COMPONENTS, prices, strict=True)
            if p is not None
        }
    return got


def check_windows(folder: Path, con, out: Outcome) -> None:  # noqa: ANN001
    """Every window of stats/endpoint and of the v1 list is a row with its exact prices."""
    day = folder.name
    prices = ", ".join(f"{c}_usd_per_token" for c in COMPONENTS)
    for table, key, expected in (
        (
            "endpoint_price_windows",
            "endpoint_id",
            {
                (u, *r)
                for u, e in raw_endpoints(folder).items()
                for r in window_rows(e["pricing"].get("overrides"))
            },
        ),
        (
            "model_price_windows",
            "model_id",
            {
                (m["id"], *r)
                for m in load(folder, "models")["data"]  # type: ignore[index]
                for r in window_rows(m["pricing"].get("overrides"))
            },
        ),
    ):
        got = _rows(
            con,
            f"SELECT {key}, override_index, utc_start, utc_end, {prices} "
            f"FROM {table}_history WHERE snapshot_date = ?",
            day,
        )
        if got != expected:
            out.failures.append(
                f"{day} {table}: {len(expected - got)} missing, {len(got - expected)} extra"
            )
        out.count(f"{table}_prices", len(expected))


def check_changes(before: Path, after: Path, con, out: Outcome) -> None:  # noqa: ANN001
    """One price_window_changes row per endpoint and component whose windows differ."""
    expected = expected_changes(before, after)
    got = {
        (u, c): change
        for u, c, change, frm in con.execute(
            "SELECT endpoint_id, component, change, from_date FROM price_window_changes_history "
            "WHERE snapshot_date = ?",
            [after.name],
        ).fetchall()
        if str(frm) == before.name
    }
    if got != expected:
        out.failures.append(f"{before.name}→{after.name} window changes: {got} != {expected}")
    out.count("window_changes", len(expected))


def check_cheapest_at(folder: Path, con, out: Outcome) -> list[str]:  # noqa: ANN001
    """cheapest_endpoint_at at the start of each UTC hour against plain Python, per model.
    Which endpoints are usable is the warehouse's (health, priced per token); every price,
    window, tier and limit is read from raw. Returns the picks of the day's models by hour
    (model → provider per hour) for the caller's own checks."""
    day = folder.name
    usable = dict(
        con.execute(
            "SELECT endpoint_id, model_id FROM usable_endpoints_history WHERE snapshot_date = ?",
            [day],
        ).fetchall()
    )
    by_model: dict[str, list[dict]] = {}
    for uuid, e in raw_endpoints(folder).items():
        fits = all(
            limit is None or limit >= need
            for limit, need in (
                (e.get("context_length"), PROMPT + COMPLETION),
                (e.get("max_prompt_tokens"), PROMPT),
                (e.get("max_completion_tokens"), COMPLETION),
            )
        )
        if uuid in usable and fits:
            by_model.setdefault(usable[uuid], []).append(e)
    picks: dict[str, list[str]] = {}
    for hour in range(24):
        got = {
            m: (prov, usd)
            for m, prov, usd in con.execute(
                "SELECT model_id, provider_name, request_usd FROM cheapest_endpoint_at(?, ?, ?)",
                [f"{day} {hour:02d}:00:00", PROMPT, COMPLETION],
            ).fetchall()
        }
        if got.keys() != by_model.keys():
            out.failures.append(f"{day} {hour:02d}:00 models: {got.keys() ^ by_model.keys()}")
        for model, eps in by_model.items():
            costs = sorted(
                (request_usd(e, hour * 60, PROMPT, COMPLETION), i) for i, e in enumerate(eps)
            )
            best = costs[0][0]
            prov, usd = got.get(model, (None, None))
            if usd is None or usd != best:  # exact: decimals on both sides
                out.failures.append(f"{day} {hour:02d}:00 {model}: {usd} != {best}")
            if (len(costs) == 1 or costs[1][0] != best) and prov != eps[costs[0][1]][
                "provider_name"
            ]:
                out.failures.append(f"{day} {hour:02d}:00 {model}: {prov}")
            picks.setdefault(model, []).append(prov)
            out.count("cheapest_at_checked")
    out.count(
        "models_whose_cheapest_changes_in_the_day",
        sum(1 for p in picks.values() if len(set(p)) > 1),
    )
    return picks
