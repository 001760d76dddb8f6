"""History as the product: price and policy intervals, as-of macros and removed models, on
real days built from raw out of order, checked against intervals derived day by day from the
recorded JSON (tests/support/history_checks.py; scripts/check_history_days.py runs the same
checks on all 20 shared days)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pytest

from pipeline.storage.layout import Layout
from pipeline.warehouse.build import as_of_connection, views_as_of
from tests.conftest import ROOT, SAME_ANSWERS, rebuild_from_raw
from tests.support.day_checks import Day
from tests.support.history_checks import check_history, price_vector
from tests.support.recorded_day import build_day

FIXTURES = ROOT / "tests" / "fixtures"
BUNDLES = {
    d: FIXTURES / f"daily_{d[:7]}" / d
    for d in ("2026-07-17", "2026-07-18", "2026-07-20", "2026-07-21", "2026-08-05")
}
# the newest first, then the oldest: every date is built before or after its neighbours
ORDER = ["2026-08-05", "2026-07-20", "2026-07-17", "2026-07-21", "2026-07-18"]


def land(layout: Layout, day: str, bundle: Path) -> None:
    raw = layout.raw_dir(dt.date.fromisoformat(day))
    if raw.exists():
        shutil.rmtree(raw)
    build_day(bundle, raw)


@pytest.fixture(scope="module")
def history(tmp_path_factory) -> Layout:
    layout = Layout(str(tmp_path_factory.mktemp("history5")))
    for day, bundle in BUNDLES.items():
        land(layout, day, bundle)
    for i, day in enumerate(ORDER):
        assert rebuild_from_raw(layout, day, warehouse=i == len(ORDER) - 1).success
    return layout


def test_intervals_as_of_and_removed_equal_what_raw_says_day_by_day(history):
    with duckdb.connect(str(history.warehouse_path), read_only=True) as con:
        outcome = check_history(list(BUNDLES.values()), con)
    assert outcome.failures == []
    # the checks had something to check: intervals of every kind, several of them closed
    assert outcome.counts["endpoint_price_history_intervals"] > 1000
    assert outcome.counts["model_price_history_intervals"] > 300
    assert outcome.counts["policy_history[provider_paid]_intervals"] > 50
    assert outcome.counts["removed_models"] > 0
    assert outcome.counts["as_of_days"] == 5


def _database(con: duckdb.DuckDBPyConnection) -> str:
    return con.execute("SELECT current_database()").fetchall()[0][0]


def test_the_newest_dates_views_are_the_warehouse_file_itself(history, tmp_path):
    """The digest and the report of the newest date open warehouse.duckdb, built from the same
    statements, rather than bind every view anew; any other case binds them in memory, and
    both answer alike."""
    newest, earlier = dt.date(2026, 8, 5), dt.date(2026, 7, 21)
    query = "SELECT * FROM cheapest_endpoint_per_model ORDER BY ALL"
    with views_as_of(history, newest) as con:
        assert _database(con) == "warehouse"
        from_file = con.sql(query).fetchall()
    with as_of_connection(history, newest) as con:
        assert _database(con) == "memory"
        assert con.sql(query).fetchall() == from_file
    assert len(from_file) > 300
    assert not history.has_files_after(newest) and history.has_files_after(earlier)
    with views_as_of(history, earlier) as con:  # later files exist: the views as of then
        assert _database(con) == "memory"
        assert {d for (d,) in con.sql("SELECT snapshot_date FROM endpoints").fetchall()} == {
            earlier
        }
    # moved elsewhere, the file's views still read the old folder: not the same statements
    moved = Layout(str(tmp_path / "moved"))
    shutil.copytree(history.root, moved.root)
    with views_as_of(moved, newest) as con:
        assert _database(con) == "memory"
        assert con.sql(query).fetchall() == from_file


def test_a_date_between_snapshots_gets_the_earlier_one(history):
    with duckdb.connect(str(history.warehouse_path), read_only=True) as con:
        used = con.execute("SELECT DISTINCT snapshot_date FROM endpoints_as_of('2026-07-19')")
        assert used.fetchall() == [(dt.date(2026, 7, 18),)]
        n = con.execute("SELECT count(*) FROM endpoints_as_of('2026-07-19')").fetchone()[0]
        want = con.execute(
            "SELECT count(*) FROM endpoints_history WHERE snapshot_date = '2026-07-18'"
        ).fetchone()[0]
        assert n == want > 1000
        # before the first snapshot there is no catalog; after the last, the last one
        assert con.execute("SELECT count(*) FROM models_as_of('2026-07-01')").fetchone()[0] == 0
        last = con.execute("SELECT DISTINCT snapshot_date FROM models_as_of('2027-01-01')")
        assert last.fetchall() == [(dt.date(2026, 8, 5),)]


def test_cheapest_as_of_each_day_is_that_days_cheapest(history):
    """cheapest_endpoint_as_of(d) against cheapest_endpoint of the warehouse as it stood on
    d (the report's as-of views, built from that day's partitions only)."""
    for day in BUNDLES:
        for prompt, completion, least in ((300_000, 1_000, 50), (1_000, 100, 300)):
            args = f"{prompt}, {completion}"
            with as_of_connection(history, dt.date.fromisoformat(day)) as con:
                then = sorted(con.execute(f"SELECT * FROM cheapest_endpoint({args})").fetchall())
            with duckdb.connect(str(history.warehouse_path), read_only=True) as con:
                now = con.execute(
                    "SELECT * EXCLUDE (snapshot_date) FROM "
                    f"cheapest_endpoint_as_of('{day}', {args})"
                ).fetchall()
            assert sorted(now) == then and len(then) > least, (day, args)


def test_a_rebuilt_middle_date_merges_and_splits_intervals(tmp_path):
    """Three days; the middle one is landed again with the first day's answers and rebuilt
    (its intervals must merge with the first day's), then with its own (split again)."""
    days = ["2026-07-17", "2026-07-18", "2026-07-20"]
    layout = Layout(str(tmp_path))
    for day in days:
        land(layout, day, BUNDLES[day])
    for day in ("2026-07-20", "2026-07-17", "2026-07-18"):
        assert rebuild_from_raw(layout, day, warehouse=False).success

    # the first day's bundle, as if recorded on the second
    twin = tmp_path / "bundles" / "2026-07-18"
    shutil.copytree(BUNDLES["2026-07-17"], twin)
    land(layout, "2026-07-18", twin)
    assert rebuild_from_raw(layout, "2026-07-18", limits=SAME_ANSWERS).success
    with duckdb.connect(str(layout.warehouse_path), read_only=True) as con:
        merged = check_history([BUNDLES["2026-07-17"], twin, BUNDLES["2026-07-20"]], con)
        closed_early = con.execute(
            "SELECT count(*) FROM endpoint_price_history WHERE valid_to = '2026-07-18'"
        ).fetchone()[0]
    assert merged.failures == []
    assert closed_early == 0  # nothing changes on a day equal to the one before

    land(layout, "2026-07-18", BUNDLES["2026-07-18"])
    assert rebuild_from_raw(layout, "2026-07-18").success
    with duckdb.connect(str(layout.warehouse_path), read_only=True) as con:
        split = check_history([BUNDLES[d] for d in days], con)
        closed = con.execute(
            "SELECT count(*) FROM endpoint_price_history WHERE valid_to = '2026-07-18'"
        ).fetchone()[0]
    assert split.failures == []
    assert closed > 0


def test_digest_of_a_day_names_what_raw_says_changed(history):
    """New and removed models of each day against the one before, from the days'
    /api/v1/models files; the digest file and the CLI say the same."""
    import gzip
    import json

    from typer.testing import CliRunner

    from pipeline.cli.app import app
    from pipeline.digest import build_digest

    def ids(day: str) -> set[str]:
        data = json.loads(gzip.decompress((BUNDLES[day] / "models.json.gz").read_bytes()))
        return {m["id"] for m in (data["data"] if isinstance(data, dict) else data)}

    days = list(BUNDLES)
    removed_total = 0
    for prev, day in zip(days, days[1:], strict=False):
        before, after = ids(prev), ids(day)
        digest = build_digest(history, dt.date.fromisoformat(day))
        assert str(digest.previous) == prev
        assert digest.counts["new_models"] == len(after - before), day
        assert digest.counts["removed_models"] == len(before - after), day
        for model in (before - after) | (after - before):
            assert f"| {model} |" in digest.text
        new_free = {m for m in after - before if m.endswith(":free")}
        assert digest.counts["new_free"] >= len(new_free)
        # price moves: components that differ between the two days' recorded endpoints
        old, new = Day.read(BUNDLES[prev]).endpoints, Day.read(BUNDLES[day]).endpoints
        moves = sum(
            a != b
            for uuid in old.keys() & new.keys()
            for a, b in zip(
                price_vector(old[uuid]["pricing"]), price_vector(new[uuid]["pricing"]), strict=True
            )
        )
        assert digest.counts["price_moves"] == moves > 0, day
        assert digest.path.read_text() == digest.text
        removed_total += len(before - after)
    assert removed_total > 0
    printed = CliRunner().invoke(app, ["digest", "--data-dir", str(history.root)])
    assert printed.exit_code == 0 and printed.output == digest.text  # the newest by default
    first = build_digest(history, dt.date(2026, 7, 17))
    assert first.previous is None and first.counts["new_models"] == 0
