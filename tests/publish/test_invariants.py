"""The invariants of a day, on two real days (2026-07-17, 07-18) built by the library
(``build_and_publish``), the second one bent:

- identity survives a day: a catalog whose keys were re-keyed (every model id upper-cased,
  as a look-alike; or every id replaced, as a turnover) is held by ``keys_kept``, never
  published as 900 removals and 900 arrivals (the tables bent after they are built);
- judged against a window: endpoints leaking away over two days, each day's drop under the
  limit, are held on the day the drop since the largest recent day crosses it;
- a fresh day is fresh: v1 answering with the day before's bodies while the frontend is
  fresh is held by ``sources_fresh`` (the raw bent: the first day's v1 landing copied in)."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

from pipeline.publish import decisions
from pipeline.publish.protocol import build_and_publish, prepare
from pipeline.publish.thresholds import Thresholds
from pipeline.storage.layout import Layout
from tests.conftest import DAILY, DAYS, build_history
from tests.support.quiet import Quiet

FIRST, SECOND = (dt.date.fromisoformat(d) for d in DAYS[:2])
MODEL_KEYS = ("model_id",)


@pytest.fixture(scope="module")
def first_published(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("keys") / "data"
    layout = Layout(str(data))
    build_history(layout, DAYS, [], {d: DAILY / d for d in DAYS})
    assert not build_and_publish(layout, FIRST, Thresholds(), Quiet()).held
    return data


def second_day(
    first_published: Path, tmp_path: Path, bend: Callable[[pl.Series], pl.Series] | None
) -> tuple[Layout, object]:
    data = tmp_path / "data"
    shutil.copytree(first_published, data)
    layout = Layout(str(data))
    prepared = prepare(layout, SECOND)
    if bend is not None:
        frames = prepared.built.frames
        for name, df in frames.items():
            for col in MODEL_KEYS:
                if col in df.columns and df.schema[col] == pl.String:
                    df = df.with_columns(bend(df[col]))
            frames[name] = df
    outcome = build_and_publish(layout, SECOND, Thresholds(), Quiet(), prepared=prepared)
    return layout, outcome


def check(layout: Layout, name: str = "keys_kept") -> dict:
    [found] = [c for c in decisions.latest(layout, SECOND).checks if c["name"] == name]
    return found


def test_a_real_day_keeps_its_keys(first_published, tmp_path):
    layout, outcome = second_day(first_published, tmp_path, None)
    assert not outcome.held
    kept = check(layout)
    assert kept["passed"]
    # the figures are the real day's: the models that went and came between the two days
    before = set(layout.read_partition("models", FIRST)["model_id"].to_list())
    after = set(layout.read_partition("models", SECOND)["model_id"].to_list())
    assert len(before - after) < 0.05 * len(before) and len(after - before) < 0.05 * len(before)
    assert len(before & after) > 300


def test_every_model_id_upper_cased_is_held_as_a_rekeying(first_published, tmp_path):
    layout, outcome = second_day(first_published, tmp_path, lambda s: s.str.to_uppercase())
    assert outcome.held
    assert "keys_kept" in outcome.decision.failed
    kept = check(layout)
    assert not kept["passed"] and "look-alike" in kept["figures"]
    before = layout.read_partition("models", FIRST)["model_id"]
    # every model whose id has a letter to upper-case vanished beside its look-alike
    cased = before.filter(before != before.str.to_uppercase()).len()
    assert f"{cased:,} of {before.len():,} models vanished while a look-alike" in kept["figures"]
    assert layout.published() == {FIRST}


def test_every_model_id_replaced_is_held_as_a_turnover(first_published, tmp_path):
    layout, outcome = second_day(first_published, tmp_path, lambda s: s + "-v2")
    assert outcome.held and "keys_kept" in outcome.decision.failed
    assert "new ones arrived" in check(layout)["figures"]
    assert layout.published() == {FIRST}


def test_a_stale_copy_of_v1_beside_a_fresh_frontend_is_held(first_published, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(first_published, data)
    layout = Layout(str(data))
    old, new = layout.raw_dir(FIRST), layout.raw_dir(SECOND)
    for path in new.iterdir():  # the second day's v1 landing replaced by the first day's
        if path.name.startswith(("fetch_log_v1", "complete_v1", "v1_")):
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    for path in old.iterdir():
        if path.name.startswith(("fetch_log_v1", "complete_v1", "v1_")):
            (shutil.copytree if path.is_dir() else shutil.copy2)(path, new / path.name)
    outcome = build_and_publish(layout, SECOND, Thresholds(), Quiet())
    assert outcome.held and "sources_fresh" in outcome.decision.failed
    figures = check(layout, "sources_fresh")["figures"]
    assert figures.startswith("v1 endpoints: ") and f"(100.0 %) repeat {FIRST}'s" in figures
    assert layout.published() == {FIRST}


def test_real_days_are_fresh(first_published, tmp_path):
    layout, outcome = second_day(first_published, tmp_path, None)
    fresh = check(layout, "sources_fresh")
    assert fresh["passed"] and not outcome.held


def test_a_drop_spread_over_two_days_is_held_when_it_crosses_the_limit(first_published, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(first_published, data)
    layout = Layout(str(data))
    largest = layout.row_count("endpoints", FIRST)
    third = dt.date.fromisoformat(DAYS[2])
    kept = {}
    for date, share in ((SECOND, 0.88), (third, 0.76)):  # each day −12 % of the day before
        prepared = prepare(layout, date)
        frames = prepared.built.frames
        frames["endpoints"] = frames["endpoints"].head(round(share * largest))
        kept[date] = frames["endpoints"].height
        outcome = build_and_publish(layout, date, Thresholds(), Quiet(), prepared=prepared)
        if date == SECOND:
            assert not outcome.held, outcome.decision.line
    assert outcome.held and outcome.decision.failed == ["window_volume"]
    [window] = [c for c in outcome.decision.checks if c["name"] == "window_volume"]
    drop = 100 * (largest - kept[third]) / largest
    assert window["figures"] == (
        f"endpoints {kept[third]:,} (largest of the last 7 published days {largest:,} on "
        f"{FIRST}, −{drop:.1f} %, limit {100 * Thresholds().max_drop:.1f} %)"
    )
    assert layout.published() == {FIRST, SECOND}


def test_prices_moving_a_few_times_a_day_are_held_when_they_add_up(first_published, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(first_published, data)
    layout = Layout(str(data))
    third = dt.date.fromisoformat(DAYS[2])
    first = layout.read_partition("endpoints", FIRST)
    provider = first["provider_name"].value_counts(sort=True)["provider_name"][0]
    prices = [c for c in first.columns if c.endswith("_usd_per_token")]
    for date, factor in ((SECOND, 4), (third, 16)):  # ×4 a day: each day within ×10
        prepared = prepare(layout, date)
        frames = prepared.built.frames
        ours = pl.col("provider_name") == provider
        frames["endpoints"] = frames["endpoints"].with_columns(
            pl.when(ours).then(pl.col(c) * factor).otherwise(pl.col(c)).alias(c) for c in prices
        )
        outcome = build_and_publish(layout, date, Thresholds(), Quiet(), prepared=prepared)
        if date == SECOND:
            assert not outcome.held, outcome.decision.line
    assert outcome.held and outcome.decision.failed == ["endpoint_prices_stable"]
    [check] = [c for c in outcome.decision.checks if c["name"] == "endpoint_prices_stable"]
    assert (
        f"endpoints of {provider} moved a price beyond ×10 or ÷10 since {FIRST}"
        in (check["figures"])
    )
    assert layout.published() == {FIRST, SECOND}


def events_of(layout: Layout, date: dt.date) -> dict[str, list]:
    out = {}
    for table in ("endpoint_price_events", "model_price_events", "policy_events",
                  "catalog_change_events", "endpoint_price_changes"):  # fmt: skip
        df = layout.read_partition(table, date)
        out[table] = sorted(map(str, df.iter_rows()))
    return out


def test_a_few_keys_changed_only_in_looks_are_the_same_rows_of_history(first_published, tmp_path):
    unbent, outcome = second_day(first_published, tmp_path / "unbent", None)
    assert not outcome.held
    ids = sorted(unbent.read_partition("models", FIRST)["model_id"].to_list())
    chosen = [i for i in ids if i.upper() != i][:3]  # 3 of 800-odd: under the re-key limit
    layout, outcome = second_day(
        first_published,
        tmp_path / "bent",
        lambda s: pl.Series(
            s.name, [" " + v.upper() if v in chosen else v for v in s.to_list()], pl.String
        ),
    )
    assert not outcome.held, outcome.decision.line
    assert check(layout)["passed"]
    # published under their published keys, with exactly the unbent day's events
    models = layout.read_partition("models", SECOND)
    assert set(chosen) <= set(models["model_id"].to_list())
    assert events_of(layout, SECOND) == events_of(unbent, SECOND)
