"""Metamorphic tests on two real days (2026-07-17 published, then 07-18), through the library
(``build_and_publish``), not through ``run``: hypothesis composes transformations of the
second day's raw answers (``tests/support/bend.py``), and the published history is compared
with the unbent second day's, every event table, ended intervals included.

- Meaning-preserving transformations (list order, number formats, JSON layout, identical
  records repeated, a provider's display name) publish, with exactly the unbent day's events
  (a display name is carried, not keyed: the only difference is the rename itself).
- Meaning-breaking ones (ids re-keyed, one source stale, a list truncated, answers about
  another model, a unit error on part of the catalog, values out of range) are held, or
  publish no event the unbent day lacks.

Budget: a fixed ``max_examples`` at about 4 s each (``pytest --durations`` names the cost).
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
import tempfile
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, event, example, given, settings
from hypothesis import strategies as st

from pipeline.publish.protocol import build_and_publish
from pipeline.publish.thresholds import Thresholds
from pipeline.storage.layout import Layout
from tests.conftest import DAILY, DAYS, build_history
from tests.support import bend
from tests.support.quiet import Quiet

FIRST, SECOND = (dt.date.fromisoformat(d) for d in DAYS[:2])
# every table that records what happened between two snapshots
EVENT_TABLES = (
    "endpoint_price_events",
    "model_price_events",
    "policy_events",
    "catalog_change_events",
    "endpoint_price_changes",
    "price_window_changes",
)
# display names: carried beside a key, never part of what happened
NAMES = ("provider_name", "name")
EXAMPLES = 4  # generated, beside one explicit example of every transformation


@pytest.fixture(scope="module")
def first_published(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("metamorphic") / "data"
    layout = Layout(str(data))
    build_history(layout, DAYS[:2], [], {d: DAILY / d for d in DAYS[:2]})
    assert not build_and_publish(layout, FIRST, Thresholds(), Quiet()).held
    return data


def events(layout: Layout) -> Counter:
    """Every event of the second day, as (table, row without display names)."""
    if SECOND not in layout.published():
        return Counter()
    out: Counter = Counter()
    for table in EVENT_TABLES:
        df = layout.read_partition(table, SECOND)
        df = df.drop([c for c in NAMES if c in df.columns])
        if table == "catalog_change_events":
            df = df.filter(df["change"] != "provider_renamed")
        out.update((table, *map(str, row)) for row in df.iter_rows())
    return out


def second_day(first_published: Path, where: Path, *bends: str, seed: int = 0):
    data = where / "data"
    shutil.copytree(first_published, data)
    layout = Layout(str(data))
    rng = random.Random(seed)
    for name in bends:
        fn = bend.PRESERVING.get(name) or bend.BREAKING[name]
        fn(layout.raw_dir(SECOND), layout.raw_dir(FIRST), rng)
    outcome = build_and_publish(layout, SECOND, Thresholds(), Quiet())
    return layout, outcome


class Unbent(tuple):
    """(layout, events) of the unbent second day; a short repr for hypothesis' reports."""

    def __repr__(self) -> str:
        return f"<unbent {SECOND}: {sum(self[1].values())} events>"


@pytest.fixture(scope="module")
def unbent(first_published, tmp_path_factory) -> Unbent:
    layout, outcome = second_day(first_published, tmp_path_factory.mktemp("unbent"))
    assert not outcome.held, outcome.decision.line
    found = events(layout)
    assert sum(found.values()) > 50  # a real day moves: prices, endpoints, policies
    return Unbent((layout, found))


def renamed(layout: Layout) -> list[str]:
    df = layout.read_partition("catalog_change_events", SECOND)
    return df.filter(df["change"] == "provider_renamed")["provider_name"].to_list()


# the cases with a test of their own below
OWN_TESTS = {"rekey", "stale_v1_endpoints", "v1_apart"}
# every other meaning-breaking transformation alone, and all the preserving ones at once,
# run whatever hypothesis draws
EXPLICIT = [
    *(
        {"preserving": [], "breaking": name, "seed": 1}
        for name in sorted(set(bend.BREAKING) - OWN_TESTS)
    ),
    {"preserving": sorted(bend.PRESERVING), "breaking": None, "seed": 1},
]


def explicit_examples(fn):  # noqa: ANN001, ANN201 - a decorator of a hypothesis test
    for kwargs in reversed(EXPLICIT):
        fn = example(**kwargs)(fn)
    return fn


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    # each example is a day built (seconds): report the first failure as found
    phases=(Phase.explicit, Phase.generate),
    report_multiple_bugs=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    preserving=st.lists(st.sampled_from(sorted(bend.PRESERVING)), unique=True, max_size=3),
    breaking=st.one_of(st.none(), st.sampled_from(sorted(bend.BREAKING))),
    seed=st.integers(0, 2**16),
)
@explicit_examples
def test_a_bent_day_is_held_or_adds_no_event(first_published, unbent, preserving, breaking, seed):
    _, expected = unbent
    with tempfile.TemporaryDirectory() as tmp:
        bends = [*preserving, *([breaking] if breaking else [])]
        layout, outcome = second_day(first_published, Path(tmp), *bends, seed=seed)
        found = events(layout)
        false = found - expected
        # pytest --hypothesis-show-statistics lists what each drawn day came to
        event(f"{breaking or 'preserving only'}: {'held' if outcome.held else 'published'}")
        if breaking is None:
            assert not outcome.held, f"{bends}: {outcome.decision.line}"
            assert found == expected, f"{bends}: {sum(false.values())} false, missing " + str(
                sum((expected - found).values())
            )
        else:
            assert outcome.held or not false, (
                f"{bends} published {sum(false.values())} false events, first {list(false)[:3]}"
            )


# ---- what was seen: each case against the unbent run ----------------------------------------


def test_every_id_upper_cased_in_both_apis_is_held(first_published, unbent, tmp_path):
    layout, outcome = second_day(first_published, tmp_path, "rekey")
    assert outcome.held
    assert layout.published() == {FIRST}


def test_a_provider_renamed_is_one_changed_name_not_removals(first_published, unbent, tmp_path):
    before, expected = unbent
    old = bend.largest_provider(before.raw_dir(SECOND))
    layout, outcome = second_day(first_published, tmp_path, "rename_provider")
    assert not outcome.held, outcome.decision.line
    assert events(layout) == expected
    assert renamed(layout) == [old + bend.RENAMED_SUFFIX]
    # its endpoints and policy rows keep their keys, and carry the new name
    eps = layout.read_partition("endpoints", SECOND)
    theirs = eps.filter(eps["provider_name"] == old + bend.RENAMED_SUFFIX)
    kept = before.read_partition("endpoints", SECOND)
    assert sorted(theirs["endpoint_id"]) == sorted(
        kept.filter(kept["provider_name"] == old)["endpoint_id"]
    )
    # its policy rows too: the same rows under the same slug, the new name carried
    policies = layout.read_partition("data_policies", SECOND).drop("provider_name")
    assert policies.sort(policies.columns).equals(
        before.read_partition("data_policies", SECOND).drop("provider_name").sort(policies.columns)
    )


def test_a_stale_v1_beside_a_fresh_frontend_loses_no_price_change(
    first_published, unbent, tmp_path
):
    before, _ = unbent
    changes = before.read_partition("endpoint_price_changes", SECOND)
    assert changes.height > 0  # the real day's price moves, which a stale v1 would hide
    layout, outcome = second_day(first_published, tmp_path, "stale_v1_endpoints")
    assert outcome.held
    assert {"sources_fresh", "sources_agree"} & set(outcome.decision.failed)


def test_v1_contradicting_the_frontend_is_held_by_agreement(first_published, unbent, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(first_published, data)
    layout = Layout(str(data))
    bent = bend.v1_apart(layout.raw_dir(SECOND), layout.raw_dir(FIRST), random.Random(0))
    assert bent > 20
    outcome = build_and_publish(layout, SECOND, Thresholds(), Quiet())
    assert outcome.held and outcome.decision.failed == ["sources_agree"]
    [check] = [c for c in outcome.decision.checks if c["name"] == "sources_agree"]
    both = unbent[0].read_partition("endpoints", SECOND)
    listed = both.filter(both["in_v1"] & both["in_frontend"]).height
    assert check["figures"].startswith(
        f"v1 against the frontend, on the endpoints both list: {bent:,} of {listed:,} disagree"
    )
    assert f"prompt {bent:,}" in check["figures"]
