"""Only a whole and plausible day is published, tried as a new user would: a daily run on a real
day (2026-07-17), then the real next day (07-18) bent the way upstream failures look, served
over HTTP by the replay server and run through ``run``. Each bent day is held, or published
with no event beyond those of the unbent 07-18; none crashes.

The false events are computed here from the unbent run: the rows of the change views (prices,
catalog, removals, policies, model prices) after a bent day must be among the unbent day's. The
good day and the unbent day are built once for every case.
"""

from __future__ import annotations

import datetime as dt
import gzip
import http.server
import json
import shutil
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from assets.runner import RunFailed, RunHeld
from pipeline.sources.shapes import PRICE_COMPONENTS
from tests.conftest import ROOT
from tests.publish.test_held_days import BAD, DAYS, GOOD, rewrite, run_day

SERVED = DAYS / BAD
# what a bent day must not add to: one query per change view, rows as text
EVENTS = {
    "price_changes": "SELECT model_id, provider_name, endpoint_id, component, old_usd_per_mtok, "
    "new_usd_per_mtok FROM price_changes",
    "catalog_changes": "SELECT * FROM catalog_changes",
    "removed_endpoints": "SELECT endpoint_id, model_id, provider_name FROM removed_endpoints",
    "removed_models": "SELECT model_id FROM removed_models",
    "policy_changes": f"SELECT * EXCLUDE (valid_to, last_seen, days, snapshots) FROM "
    f"policy_history WHERE valid_from = DATE '{BAD}'",
    # an interval that ends on the bent day is an event too (a policy row "removed")
    "policy_ended": f"SELECT * EXCLUDE (valid_to, last_seen, days, snapshots) FROM "
    f"policy_history WHERE valid_to = DATE '{BAD}'",
    "endpoint_price_ended": f"SELECT * EXCLUDE (valid_to, last_seen, days, snapshots) FROM "
    f"endpoint_price_history WHERE valid_to = DATE '{BAD}'",
    "model_price_changes": f"SELECT * EXCLUDE (valid_to, last_seen, days, snapshots) FROM "
    f"model_price_history WHERE valid_from = DATE '{BAD}'",
}


def events(data: Path) -> dict[str, Counter]:
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        return {
            v: Counter(tuple(map(str, row)) for row in con.sql(q).fetchall())
            for v, q in EVENTS.items()
        }


def published_dates(data: Path) -> set[str]:
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        return {
            str(d) for (d,) in con.sql("SELECT DISTINCT snapshot_date FROM endpoints").fetchall()
        }


# ---- bending the served answers --------------------------------------------------------------


def files(served: Path, source: str) -> list[Path]:
    return sorted((served / source).glob("*.gz"))


def edit(served: Path, source: str, fn: Callable[[dict], dict], every: int = 1) -> int:
    """Apply ``fn`` to every ``every``-th body of ``source``; returns how many were bent."""
    bent = 0
    for i, path in enumerate(files(served, source)):
        if i % every == 0:
            rewrite(path, fn)
            bent += 1
    return bent


def records(doc: dict) -> list[dict]:
    """The endpoint or model records of a body (v1 endpoints nest them under data)."""
    data = doc.get("data")
    if isinstance(data, dict):
        return data.get("endpoints") or []
    return data if isinstance(data, list) else []


def scale(value: object, factor: Decimal) -> object:
    if not isinstance(value, str) or value.strip() in ("-1", ""):
        return value
    try:
        return format((Decimal(value) * factor).normalize(), "f")
    except ArithmeticError:
        return value


def scale_prices(record: dict, factor: Decimal) -> None:
    pricing = record.get("pricing")
    if isinstance(pricing, dict):
        for c in PRICE_COMPONENTS:
            if c in pricing:
                pricing[c] = scale(pricing[c], factor)
    for item in record.get("display_pricing") or []:
        if isinstance(item, dict) and "price" in item:
            item["price"] = scale(item["price"], factor)


def each_endpoint(served: Path, fn: Callable[[dict], None], only: Callable[[dict], bool]) -> int:
    """``fn`` on every endpoint record, in v1 and in stats/endpoint, that ``only`` picks."""
    n = 0

    def apply(doc: dict) -> dict:
        nonlocal n
        for r in records(doc):
            if only(r):
                fn(r)
                n += 1
        return doc

    edit(served, "v1_endpoints", apply)
    edit(served, "frontend_stats_endpoint", apply)
    return n


def providers_by_size() -> list[tuple[str, int]]:
    """Providers of the served day's v1 endpoints, largest first."""
    count: Counter = Counter()
    for path in files(SERVED, "v1_endpoints"):
        doc = json.loads(gzip.decompress(path.read_bytes()))
        count.update(r["provider_name"] for r in records(doc))
    return count.most_common()


def provider_near(share: float) -> str:
    sizes = providers_by_size()
    total = sum(n for _, n in sizes)
    return min(sizes, key=lambda p: abs(p[1] / total - share))[0]


def _every(fn: Callable[[dict], None]) -> Callable[[Path], None]:
    return lambda served: each_endpoint(served, fn, lambda r: True) and None


def _stats_body(payload: bytes, every: int) -> Callable[[Path], None]:
    def bend(served: Path) -> None:
        for i, path in enumerate(files(served, "frontend_stats_endpoint")):
            if i % every == 0:
                path.write_bytes(gzip.compress(payload))

    return bend


def _rekey(every: int) -> Callable[[Path], None]:
    def fn(doc: dict) -> dict:
        for r in records(doc):
            r["id"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"rekeyed/{r['id']}"))
        return doc

    return lambda served: edit(served, "frontend_stats_endpoint", fn, every) and None


def _v1_empty(every: int) -> Callable[[Path], None]:
    def fn(doc: dict) -> dict:
        doc["data"]["endpoints"] = []
        return doc

    return lambda served: edit(served, "v1_endpoints", fn, every) and None


def _one_endpoint_price(value: object) -> Callable[[Path], None]:
    """The first endpoint of the first model with one: its prompt price in both sources."""

    def bend(served: Path) -> None:
        first = next(
            r
            for p in files(served, "v1_endpoints")
            for r in records(json.loads(gzip.decompress(p.read_bytes())))
        )
        key = (first["model_id"], first["provider_name"])

        def pick(r: dict) -> bool:
            model = r.get("model_id") or r.get("model_variant_slug")
            return (model, r.get("provider_name")) == key

        def fn(r: dict) -> None:
            r["pricing"]["prompt"] = value

        assert each_endpoint(served, fn, pick) >= 1

    return bend


def _endpoints_price(n: int, component: str, value: object) -> Callable[[Path], None]:
    """The first ``n`` endpoints of v1 (by model and provider): one price, in both sources."""

    def bend(served: Path) -> None:
        picked = {
            (r["model_id"], r["provider_name"])
            for p in files(served, "v1_endpoints")
            for r in records(json.loads(gzip.decompress(p.read_bytes())))
        }
        keys = sorted(picked)[:n]

        def pick(r: dict) -> bool:
            model = r.get("model_id") or r.get("model_variant_slug")
            return (model, r.get("provider_name")) in keys

        def fn(r: dict) -> None:
            r["pricing"][component] = value

        assert each_endpoint(served, fn, pick) >= n

    return bend


def _one_model_price(value: object) -> Callable[[Path], None]:
    def fn(doc: dict) -> dict:
        paid = next(m for m in doc["data"] if m["pricing"].get("prompt") not in ("0", "-1"))
        paid["pricing"]["prompt"] = value
        return doc

    return lambda served: edit(served, "v1_models", fn) and None


def _provider_prices(provider: Callable[[], str], factor: Decimal) -> Callable[[Path], None]:
    def bend(served: Path) -> None:
        name = provider()
        assert each_endpoint(
            served, lambda r: scale_prices(r, factor), lambda r: r.get("provider_name") == name
        )

    return bend


def _model_list_prices(factor: Decimal) -> Callable[[Path], None]:
    def fn(doc: dict) -> dict:
        for m in doc["data"]:
            scale_prices(m, factor)
        return doc

    return lambda served: edit(served, "v1_models", fn) and None


def _all_prices(factor: Decimal) -> Callable[[Path], None]:
    def bend(served: Path) -> None:
        _every(lambda r: scale_prices(r, factor))(served)
        _model_list_prices(factor)(served)

    return bend


def _policy(key: str) -> Callable[[dict], None]:
    def fn(r: dict) -> None:
        if isinstance(r.get("data_policy"), dict):
            r["data_policy"][key] = not r["data_policy"].get(key)

    return fn


def _set(**values: object) -> Callable[[dict], None]:
    return lambda r: r.update(values)


def _halve_context(r: dict) -> None:
    if isinstance(r.get("context_length"), int):
        r["context_length"] //= 3


HELD = "held"
PUBLISHED = "published"
# the HTML answers are retried as a 502 would be: two attempts keep the case quick
QUICK = {"max_attempts": 2}
# case → (how the day is bent, what must come of it, the check that holds it)
CASES: dict[str, tuple[Callable[[Path], None], str, str]] = {
    # a partial frontend outage: stats/endpoint answers 200 with HTML or an error for a third
    "stats_html_for_a_third": (
        _stats_body(b"<!DOCTYPE html><html><body>502 Bad Gateway</body></html>", 3),
        HELD,
        "sources_complete",
    ),
    "stats_error_for_a_third": (
        _stats_body(json.dumps({"error": {"code": 500, "message": "Internal"}}).encode(), 3),
        HELD,
        "sources_complete",
    ),
    # the v1 endpoints calls answer [] while the frontend is fine
    "v1_endpoints_all_empty": (_v1_empty(1), HELD, "endpoints_volume"),
    "v1_endpoints_half_empty": (_v1_empty(2), HELD, "endpoints_volume"),
    # the same endpoints under new UUIDs
    "every_id_rekeyed": (_rekey(1), HELD, "endpoint_ids_stable"),
    "half_the_ids_rekeyed": (_rekey(2), HELD, "endpoint_ids_stable"),
    # one price out of range: quarantined, the day publishes
    "one_endpoint_prompt_150": (_one_endpoint_price("150"), PUBLISHED, ""),
    "one_model_prompt_negative": (_one_model_price("-5"), PUBLISHED, ""),
    # three records quarantined: only they leave (a provider-wide policy row has no endpoint)
    "three_endpoints_completion_negative": (
        _endpoints_price(3, "completion", "-0.00001"),
        PUBLISHED,
        "",
    ),
    # a price of the wrong type: read as null, quarantined rather than read as a change
    "one_endpoint_prompt_an_object": (_one_endpoint_price({"usd": "0.1"}), PUBLISHED, ""),
    "one_model_prompt_a_list": (_one_model_price(["0.1"]), PUBLISHED, ""),
    # a unit error across all prices, or a whole provider's, out of range: many quarantined
    "every_price_times_a_million": (_all_prices(Decimal(10**6)), HELD, "values_in_range"),
    "largest_provider_times_a_million": (
        _provider_prices(lambda: providers_by_size()[0][0], Decimal(10**6)),
        HELD,
        "values_in_range",
    ),
    # a unit error within range: implausible moves
    "one_provider_divided_by_a_million": (
        _provider_prices(lambda: provider_near(0.06), Decimal("1e-6")),
        HELD,
        "endpoint_prices_stable",
    ),
    "largest_provider_times_1000": (
        _provider_prices(lambda: providers_by_size()[0][0], Decimal(1000)),
        HELD,
        "endpoint_prices_stable",
    ),
    "model_list_times_1000": (_model_list_prices(Decimal(1000)), HELD, "model_prices_stable"),
    "model_list_divided_by_100": (
        _model_list_prices(Decimal("0.01")),
        HELD,
        "model_prices_stable",
    ),
    # flags and limits
    "training_flipped_everywhere": (_every(_policy("training")), HELD, "endpoint_flags_plausible"),
    "retention_flipped_everywhere": (
        _every(_policy("retainsPrompts")),
        HELD,
        "endpoint_flags_plausible",
    ),
    "every_endpoint_deranked": (_every(_set(is_deranked=True)), HELD, "endpoint_flags_plausible"),
    "every_status_negative": (_every(_set(status=-5)), HELD, "endpoint_flags_plausible"),
    "context_length_zero": (_every(_set(context_length=0)), HELD, "endpoint_flags_plausible"),
    "context_length_a_third": (_every(_halve_context), HELD, "endpoint_flags_plausible"),
}


@pytest.fixture(scope="module")
def good_day(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("good") / "data"
    run_day(DAYS / GOOD, data, GOOD)
    return data


@pytest.fixture(scope="module")
def unbent(good_day, tmp_path_factory) -> tuple[Path, dict[str, Counter]]:
    data = tmp_path_factory.mktemp("unbent") / "data"
    shutil.copytree(good_day, data)
    run_day(SERVED, data, BAD)
    return data, events(data)


def bent_run(good_day: Path, base: Path, bend: Callable[[Path], None]) -> tuple[Path, str | None]:
    """The bent day run after the good day: (its data dir, the held line or None)."""
    served, data = base / "served", base / "data"
    shutil.copytree(SERVED, served)
    bend(served)
    shutil.copytree(good_day, data)
    try:
        run_day(served, data, BAD, **QUICK)
    except RunHeld as exc:
        return data, str(exc)
    except RunFailed as exc:  # anything else is a crash
        pytest.fail(f"the bent day crashed the run: {exc}")
    return data, None


@pytest.mark.parametrize("case", list(CASES))
def test_a_bent_day_is_held_or_harmless(case, good_day, unbent, tmp_path):
    bend, expected, check = CASES[case]
    data, held = bent_run(good_day, tmp_path, bend)
    if expected == HELD:
        assert held is not None, f"{case} was published"
        assert held.startswith(f"held {BAD}: ") and f"[{check}]" in held, held
        assert published_dates(data) == {GOOD}
        return
    assert held is None, held
    assert published_dates(data) == {BAD}
    got, before = events(data), unbent[1]
    false = {v: got[v] - before[v] for v in EVENTS if got[v] - before[v]}
    assert not false, false


def test_a_partial_outage_is_named_with_its_count(good_day, tmp_path):
    _, held = bent_run(good_day, tmp_path, CASES["stats_error_for_a_third"][0])
    calls = len(files(SERVED, "frontend_stats_endpoint"))
    failed = len(range(0, calls, 3))
    assert f"stats/endpoint {calls - failed:,} of {calls:,} answered" in held, held


def test_a_rerun_of_an_incomplete_day_asks_only_the_missing_calls_and_publishes(
    good_day, unbent, tmp_path
):
    from pipeline.raw.landing import raw_snapshot
    from pipeline.storage.layout import Layout

    data, held = bent_run(good_day, tmp_path, CASES["stats_error_for_a_third"][0])
    assert held is not None and "[sources_complete]" in held
    snap = raw_snapshot(Layout(str(data)), dt.date.fromisoformat(BAD))

    def asked(snap) -> Counter:  # noqa: ANN001
        return Counter(r["source"] for g in ("v1", "frontend") for r in snap.group_rows(g))

    before = asked(snap)
    calls = len(files(SERVED, "frontend_stats_endpoint"))
    missing = len(range(0, calls, 3))
    run_day(SERVED, data, BAD)  # the API answers well again
    snap = raw_snapshot(Layout(str(data)), dt.date.fromisoformat(BAD))
    more = asked(snap) - before
    # v1 landed whole and is kept; of the sources that had answered, only the missing stats
    # calls are asked again (the sources absent that day are probed anew, as every run does)
    assert more["frontend_stats_endpoint"] == missing
    assert not {s for s in more if s.startswith("v1_")}
    assert {s for s in more} <= {"frontend_stats_endpoint", "frontend_top_apps",
                                 "frontend_uptime_hourly"}, more  # fmt: skip
    assert published_dates(data) == {BAD}
    assert events(data) == unbent[1]


def test_a_quarantined_price_is_named_and_its_published_row_stands_in(good_day, tmp_path):
    data, held = bent_run(good_day, tmp_path, CASES["one_endpoint_prompt_150"][0])
    assert held is None
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        # no price of $150 a token reached any view
        (top,) = con.sql("SELECT max(prompt_usd_per_mtok) FROM endpoints").fetchall()[0]
        assert top < 150_000_000
    from pipeline.publish import decisions
    from pipeline.storage.layout import Layout

    decision = decisions.latest(Layout(str(data)), dt.date.fromisoformat(BAD))
    (check,) = [c for c in decision.checks if c["name"] == "values_in_range"]
    assert check["passed"]


def _prices(data: Path, date: str, providers: set[str]) -> dict[tuple[str, str], Decimal]:
    """(endpoint id, component) → price per Mtok of ``providers``' endpoints on ``date``."""
    cols = ", ".join(f"{c}_usd_per_mtok" for c in PRICE_COMPONENTS)
    listed = ", ".join(f"'{p}'" for p in providers)
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        rows = con.sql(
            f"SELECT endpoint_id, {cols} FROM endpoints_history WHERE snapshot_date = "
            f"DATE '{date}' AND provider_name IN ({listed})"
        ).fetchall()
    return {
        (r[0], c): v
        for r in rows
        for c, v in zip(PRICE_COMPONENTS, r[1:], strict=True)
        if v is not None
    }


def test_a_broad_plausible_repricing_publishes_with_exactly_its_moves(good_day, unbent, tmp_path):
    """Three providers reprice their whole list by −30 %, +25 % and +10 %: news, not an error.
    price_changes lists exactly the moved prices: each price the unbent day had, times the
    factor, against the good day's; the other providers' changes are the unbent day's."""
    unbent_data, unbent_events = unbent
    sizes = providers_by_size()
    moved = {sizes[1][0]: Decimal("0.7"), sizes[2][0]: Decimal("1.25"), sizes[4][0]: Decimal("1.1")}

    def bend(served: Path) -> None:
        for name, factor in moved.items():
            _provider_prices(lambda n=name: n, factor)(served)

    data, held = bent_run(good_day, tmp_path, bend)
    assert held is None, held
    old = _prices(good_day, GOOD, set(moved))
    with duckdb.connect(str(unbent_data / "warehouse.duckdb"), read_only=True) as con:
        factor_of = dict(
            con.sql(f"SELECT endpoint_id, provider_name FROM endpoints WHERE provider_name IN "
                    f"({', '.join(repr(p) for p in moved)})").fetchall()
        )  # fmt: skip
    expected = set()
    for (eid, c), price in _prices(unbent_data, BAD, set(moved)).items():
        new = price * moved[factor_of[eid]]
        if (eid, c) in old and old[(eid, c)] != new:
            expected.add((eid, c, old[(eid, c)].normalize(), new.normalize()))
    assert len(expected) > 50
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        rows = con.sql(
            "SELECT endpoint_id, component, old_usd_per_mtok, new_usd_per_mtok, provider_name "
            "FROM price_changes WHERE change = 'price'"
        ).fetchall()
    got = {(e, c, o.normalize(), n.normalize()) for e, c, o, n, p in rows if p in moved}
    assert got == expected
    others = Counter(r for r in events(data)["price_changes"] if r[1] not in moved)
    assert others == Counter(r for r in unbent_events["price_changes"] if r[1] not in moved)


# ---- a rate limit that never ends -------------------------------------------------------------


class _Forever(http.server.BaseHTTPRequestHandler):
    disable_nagle_algorithm = True
    retry_after = "100000"

    def do_GET(self) -> None:  # noqa: N802
        body = b'{"error": {"code": 429, "message": "Rate limit exceeded"}}'
        self.send_response(429)
        self.send_header("Retry-After", self.retry_after)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


class _ForeverByDate(_Forever):
    retry_after = "Wed, 01 Jan 2031 00:00:00 GMT"


@pytest.mark.parametrize("handler", [_Forever, _ForeverByDate], ids=["seconds", "http_date"])
def test_a_rate_limit_that_never_ends_ends_the_run(handler, good_day, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(good_day, data)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        started = time.monotonic()
        out = subprocess.run(
            [sys.executable, "-m", "pipeline", "run", "--base-url",
             f"http://127.0.0.1:{server.server_port}", "--data-dir", str(data),
             "--snapshot-date", BAD, "--dagster-home", "memory"],
            cwd=ROOT, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        took = time.monotonic() - started
    finally:
        server.shutdown()
    assert out.returncode != 0 and took < 300
    errors = [ln for ln in (out.stdout + out.stderr).splitlines() if ln.startswith("error:")]
    assert len(errors) == 1, out.stdout[-2000:] + out.stderr[-2000:]
    assert "the API is rate limiting since" in errors[0], errors
    assert "Traceback" not in out.stdout + out.stderr
    assert published_dates(data) == {GOOD}
    assert not list((data / "tables").glob(f"*/snapshot_date={BAD}"))
