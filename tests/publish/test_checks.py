"""Every check fed the bad data it exists for, and seen to fire with the right figures: the
table checks (uniqueness, references, valid prices, endpoint-less models, row counts), the
source checks (types, fields known, fetch complete, coverage) and the publish audit (volume,
contract, values). The good input is the bundled sample's own tables, built from its raw;
each bad input changes a known number of rows, and the check must count exactly those."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import json
from decimal import Decimal

import polars as pl
import pytest

from pipeline.publish import audit, checks
from pipeline.publish.thresholds import Thresholds
from pipeline.raw.reader import read_snapshot
from pipeline.raw.store import RawSnapshot
from pipeline.transforms import schemas
from pipeline.transforms.catalog import build_tables
from tests.conftest import SAMPLE

DATE = dt.date(2026, 7, 19)
BEFORE = dt.date(2026, 7, 18)
LIMITS = Thresholds()


@pytest.fixture(scope="module")
def docs():
    return read_snapshot(RawSnapshot(SAMPLE))


@pytest.fixture(scope="module")
def built(docs):
    return build_tables(docs)


@pytest.fixture(scope="module")
def sample_v1(sample) -> list[dict]:
    return sample.data("v1_models")


def frames(built) -> dict[str, pl.DataFrame]:
    return dict(built.frames)


def audit_input(now: dict, before: dict, *, present=None, imported=False, gap: int = 1):
    prev = dt.date.fromordinal(DATE.toordinal() - gap)
    return audit.AuditInput(
        DATE,
        now,
        frozenset(present if present is not None else {"v1_models", "frontend_catalog",
                                                       "v1_endpoints", "v1_providers"}),
        imported,
        {t: audit.Previous(prev, df) for t, df in before.items()},
        frozenset({"v1_models", "frontend_catalog", "v1_endpoints", "v1_providers"}),
    )  # fmt: skip


# the table checks ------------------------------------------------------------------------


def test_the_sample_passes_every_table_check(built, sample_v1):
    f = frames(built)
    assert f["models"].filter(pl.col("in_v1")).height == len({m["id"] for m in sample_v1})
    verdicts = checks.of_rules(f, lambda table: None)
    assert {v.name for v in verdicts} == {
        "models_model_id_unique",
        "models_prices_valid",
        "models_row_count_change",
        "endpoints_endpoint_id_unique",
        "endpoints_reference_models",
        "endpoints_prices_valid",
        "endpoints_row_count_change",
    }
    for verdict in verdicts:
        assert verdict.passed, (verdict.name, verdict.metadata)


def test_the_checks_and_what_blocks_come_from_the_schemas_rules(monkeypatch):
    """A rule declared beside a table's columns is a check of every snapshot; keys and
    references hold a date, prices and row counts report."""
    from pipeline.publish import datasets, protocol

    catalog = [t for t in schemas.RULES if t in schemas.TABLE_DESCRIPTIONS]
    blocking = {n for t in catalog for n, _, block in checks.declared(t) if block}
    assert blocking == {
        "models_model_id_unique",
        "endpoints_endpoint_id_unique",
        "endpoints_reference_models",
    }
    assert blocking <= protocol.BLOCKING
    assert {n for t in catalog for n, _, _ in checks.declared(t)} <= set(protocol.CHECK_ASSET)
    # the Data API's tables: their keys hold their own group, never the catalog's date
    keys = {n for t in schemas.DATASET_TABLES for n, _, block in checks.declared(t) if block}
    assert keys == {
        "official_rankings_daily_key_unique",
        "task_classifications_tag_unique",
        "task_top_models_key_unique",
        "app_rankings_app_id_unique",
        "session_costs_key_unique",
        "benchmark_runs_key_unique",
    }
    assert keys <= datasets.BLOCKING
    assert not keys & protocol.BLOCKING
    monkeypatch.setitem(
        schemas.RULES, "providers", schemas.Rules(key="provider_name", row_count_change=0.5)
    )
    assert checks.declared("providers") == [
        ("providers_provider_name_unique", "providers.provider_name is unique", True),
        (
            "providers_row_count_change",
            "row count within ±50% of the previous snapshot (warning)",
            False,
        ),
    ]


def test_a_repeated_key_fires_naming_it(built, sample_v1):
    models = frames(built)["models"]
    victim = sample_v1[7]["id"]
    bad = pl.concat([models, models.filter(model_id=victim)])
    v = checks.unique_key(bad, "models", "model_id")
    assert not v.passed and v.blocking
    assert v.metadata["duplicates"] == 1
    assert v.metadata["sample"] == [{"model_id": victim, "len": "2"}]
    assert v.summary == "1 model_id values repeated"


def test_an_endpoint_of_a_missing_model_fires_counting_its_endpoints(built, sample):
    f = frames(built)
    doc = next(d for d in sample.bodies("v1_endpoints").values() if len(d["data"]["endpoints"]) > 2)
    victim = doc["data"]["id"]
    v = checks.references(
        f["endpoints"],
        "endpoints",
        "model_id",
        f["models"].filter(pl.col("model_id") != victim),
        "models",
    )
    assert not v.passed and v.blocking
    served = f["endpoints"].filter(model_id=victim).height
    assert served >= len(doc["data"]["endpoints"])
    assert v.metadata["orphans"] == served
    assert {r["model_id"] for r in v.metadata["sample"]} == {victim}


def test_a_negative_price_and_an_unknown_one_fire(built):
    eps = frames(built)["endpoints"].with_row_index("_i")
    paid = eps.filter(pl.col("prompt_usd_per_mtok") > 0)
    neg, unknown = paid["endpoint_id"][0], paid["endpoint_id"][1]
    bad = eps.with_columns(
        pl.when(pl.col("endpoint_id") == neg)
        .then(-pl.col("prompt_usd_per_mtok"))
        .otherwise(pl.col("prompt_usd_per_mtok"))
        .alias("prompt_usd_per_mtok"),
        pl.when(pl.col("endpoint_id") == unknown)
        .then(None)
        .otherwise(pl.col("completion_usd_per_mtok"))
        .alias("completion_usd_per_mtok"),
    ).drop("_i")
    v = checks.prices_non_negative(bad, "endpoints")
    assert not v.passed
    assert (v.metadata["negative"], v.metadata["null_not_variable"]) == (1, 1)
    assert {r["endpoint_id"] for r in v.metadata["sample"]} == {neg, unknown}


def test_a_model_nobody_serves_fires(built, sample):
    f = frames(built)
    before = checks.models_without_endpoints(f["models"], f["endpoints"]).metadata["models"]
    doc = next(d for d in sample.bodies("v1_endpoints").values() if d["data"]["endpoints"])
    victim = doc["data"]["id"]
    v = checks.models_without_endpoints(
        f["models"], f["endpoints"].filter(pl.col("model_id") != victim)
    )
    assert not v.passed and v.warn_only
    assert v.metadata["models"] == before + 1
    assert {"model_id": victim} in v.metadata["sample"]


@pytest.mark.parametrize(
    "rows, previous, passed, change",
    [
        (130, 100, False, 30.0),
        (79, 100, False, -21.0),
        (110, 100, True, 10.0),
        (5, None, True, None),
    ],
)
def test_a_row_count_jump_fires_with_its_change(rows, previous, passed, change):
    v = checks.row_count_change("models", rows, previous)
    assert (v.passed, v.metadata["change_pct"], v.metadata["previous_rows"]) == (
        passed,
        change,
        previous,
    )


# the source checks -----------------------------------------------------------------------


def test_a_wrong_v1_type_is_an_error_and_a_frontend_one_a_warning():
    problems = {
        "v1_models": ["v1_models: field 'context_length' of record 'a/b' … read as null"],
        "frontend_stats_endpoint": ["x", "y"],
    }
    v1 = checks.values_typed("v1", problems, ("v1_models", "v1_endpoints"))
    fe = checks.values_typed("frontend", problems, ("frontend_stats_endpoint",))
    assert (v1.passed, v1.warn_only, v1.metadata["values_nulled"]) == (False, False, 1)
    assert v1.metadata["sample"] == problems["v1_models"]
    assert (fe.passed, fe.warn_only, fe.metadata["values_nulled"]) == (False, True, 2)


def test_an_undescribed_field_fires_with_its_example():
    v = checks.fields_known({"v1_models": {"carbon.g": "12", "x": "'y'"}})
    assert not v.passed and v.metadata["new_fields"] == 2
    assert v.metadata["sample"] == ["v1_models: carbon.g = 12", "v1_models: x = 'y'"]


def test_calls_a_later_run_can_fetch_fire_the_fetch_check():
    coverage = {
        "frontend_stats_endpoint": {"calls": 431, "ok": 400, "permanent": 1, "transient": 30}
    }
    v = checks.fetch_complete(coverage)
    assert not v.passed and v.metadata["transient_failures"] == 30
    assert v.metadata["sample"][0].startswith("frontend_stats_endpoint: 30 of 431 calls failed")
    assert checks.fetch_complete({"x": {"calls": 3, "transient": 0}}).passed


def test_coverage_below_its_threshold_fires():
    v = checks.fetch_coverage(340, 20, 0.95)
    assert not v.passed and v.metadata["coverage_pct"] == round(100 * 320 / 340, 2)
    assert checks.fetch_coverage(340, 17, 0.95).passed


# the publish audit -----------------------------------------------------------------------


def test_the_sample_against_itself_holds_nothing(built):
    f = frames(built)
    verdicts = audit.audit(audit_input(f, f), LIMITS)
    assert [v.name for v in verdicts] == [n for n, _, _ in audit.NAMES]
    # freshness and the window read the raw's digests and the published dates, agreement the
    # build's two sources, not frames: with none given they say so (test_invariants.py and
    # test_metamorphic.py run them)
    beside = {"sources_fresh", "window_volume", "sources_agree"}
    assert all(v.passed for v in verdicts), [(v.name, v.summary) for v in verdicts if not v.passed]
    assert all(v.metadata["evaluated"] for v in verdicts if v.name not in beside), verdicts
    first = audit.audit(audit_input(f, {}), LIMITS)
    assert all(v.passed for v in first)
    # a first day: only the checks of the day alone say anything (an empty answer is never
    # valid, an incomplete day never whole, an out-of-range price never published)
    assert {v.name for v in first if v.metadata["evaluated"]} == {
        "sources_complete",
        "models_volume",
        "endpoints_volume",
        "providers_volume",
        "values_in_range",
    }


def test_an_empty_model_list_is_held_even_on_the_first_day(built, sample_v1):
    f = frames(built)
    empty = {**f, "models": f["models"].clear(), "endpoints": f["endpoints"].clear()}
    v, eps, _ = audit.volume_verdicts(audit_input(empty, {}), LIMITS)
    assert not v.passed and not eps.passed
    assert v.summary == "v1 models 0: an empty answer, catalog rows 0: an empty answer"
    v, *_ = audit.volume_verdicts(audit_input(empty, f), LIMITS)
    n = len({m["id"] for m in sample_v1})
    assert v.summary.startswith(f"v1 models 0 (previous {n:,}): an empty answer")
    assert (v.metadata["v1_models"], v.metadata["previous_v1_models"]) == (0, n)


def test_a_drop_over_the_limit_is_held_and_one_under_it_is_not(built):
    f = frames(built)
    eps = f["endpoints"]
    for keep, held in ((0.75, True), (0.9, False)):
        now = {**f, "endpoints": eps.head(int(eps.height * keep))}
        (v,) = [
            x
            for x in audit.volume_verdicts(audit_input(now, f), LIMITS)
            if x.name == "endpoints_volume"
        ]
        assert v.passed is not held, v.metadata
        change = round(100 * (int(eps.height * keep) - eps.height) / eps.height, 2)
        assert v.metadata["endpoints_change_pct"] == change


def test_a_failed_catalog_is_a_drop_not_an_empty_answer(built):
    f = frames(built)
    gone = {
        **f,
        "models": f["models"].filter(pl.col("in_v1")).with_columns(in_frontend_catalog=False),
    }
    present = {"v1_models", "v1_endpoints", "v1_providers"}  # the catalog call failed
    v, *_ = audit.volume_verdicts(audit_input(gone, f, present=present), LIMITS)
    assert (
        not v.passed and "catalog rows 0 (previous" in v.summary and "the calls failed" in v.summary
    )
    # on a first day there is nothing to compare: a failed call is reported elsewhere
    v, *_ = audit.volume_verdicts(audit_input(gone, {}, present=present), LIMITS)
    assert v.passed


def test_an_archive_far_from_the_previous_snapshot_is_not_compared(built):
    f = frames(built)
    half = {**f, "models": f["models"].head(f["models"].height // 3)}
    near = audit.volume_verdicts(audit_input(half, f, imported=True, gap=7), LIMITS)[0]
    far = audit.volume_verdicts(audit_input(half, f, imported=True, gap=30), LIMITS)[0]
    assert not near.passed
    assert far.passed and "30 days older" in far.metadata["against"]


def test_a_renamed_price_key_vanishes_and_reads_as_unknown(docs, built, sample_v1):
    models = copy.deepcopy(next(docs.batches("v1_models"))[0])
    for m in models:
        m["pricing"]["output"] = m["pricing"].pop("completion")
    bent = dataclasses.replace(docs, given={"v1_models": models})
    renamed = build_tables(bent)
    models = renamed.frames["models"].filter(pl.col("in_v1"))
    assert models["completion_usd_per_token"].null_count() == len(sample_v1)
    assert renamed.drift["v1_models"]["pricing.output"]
    now, before = frames(renamed), frames(built)
    v = audit.contract_verdict(audit_input(now, before), LIMITS)
    assert not v.passed and v.metadata["vanished"] == 1
    n = len(sample_v1)
    assert v.metadata["sample"] == [
        f"v1_models pricing.completion: 100.0 % of {n:,} → 0.0 % of {n:,}"
    ]
    m = audit.model_prices_verdict(audit_input(now, before), LIMITS)
    paid = sum(Decimal(x["pricing"]["completion"]) > 0 for x in sample_v1)
    assert not m.passed and m.metadata["turned_zero_or_null"] == paid
    # the prices check sees it too: unknown prices that are not variable
    assert not checks.prices_non_negative(renamed.frames["models"], "models").passed


def test_a_field_half_the_records_lose_is_not_a_vanished_field(built):
    f = frames(built)
    census = f["api_field_presence"]
    halved = census.with_columns(
        carried=pl.when(pl.col("path") == "pricing.completion")
        .then(pl.col("carried") // 2)
        .otherwise("carried")
    )
    assert audit.contract_verdict(
        audit_input({**f, "api_field_presence": halved}, f), LIMITS
    ).passed
    zero = census.with_columns(
        carried=pl.when(pl.col("path") == "context_length").then(0).otherwise("carried")
    )
    v = audit.contract_verdict(audit_input({**f, "api_field_presence": zero}, f), LIMITS)
    gone = census.filter(pl.col("path") == "context_length", pl.col("records") >= audit.MIN_OBJECTS)
    assert not v.passed and v.metadata["vanished"] == gone.height > 0


def test_changed_and_zeroed_endpoint_prices_fire_with_their_shares(built):
    f = frames(built)
    eps = f["endpoints"]
    ids = eps["endpoint_id"].sort()
    doubled = set(ids[: int(len(ids) * 0.12)])
    now = eps.with_columns(
        pl.when(pl.col("endpoint_id").is_in(doubled))
        .then(pl.col("prompt_usd_per_token") * 2 + Decimal("0.000001"))
        .otherwise(pl.col("prompt_usd_per_token"))
        .cast(eps.schema["prompt_usd_per_token"])
        .alias("prompt_usd_per_token")
    )
    v = audit.endpoint_prices_verdict(audit_input({**f, "endpoints": now}, f), LIMITS)
    assert not v.passed
    assert v.metadata["price_changed"] == len(doubled)
    assert v.metadata["price_changed_pct"] == round(100 * len(doubled) / eps.height, 2)
    paid = eps.filter(pl.col("completion_usd_per_token") > 0)
    free = set(paid["endpoint_id"].sort()[: int(paid.height * 0.12) + 1])
    zeroed = eps.with_columns(
        pl.when(pl.col("endpoint_id").is_in(free))
        .then(Decimal(0))
        .otherwise(pl.col("completion_usd_per_token"))
        .cast(eps.schema["completion_usd_per_token"])
        .alias("completion_usd_per_token")
    )
    v = audit.endpoint_prices_verdict(audit_input({**f, "endpoints": zeroed}, f), LIMITS)
    assert not v.passed and v.metadata["turned_zero_or_null"] == len(free)
    paid_prices = sum(eps.filter(pl.col(c) > 0).height for c in audit.PAID)
    assert v.metadata["paid_prices"] == paid_prices
    assert "paid endpoint prices turned 0 or null" in v.summary


def test_the_limits_are_settings(monkeypatch):
    from pipeline.settings import Settings

    monkeypatch.setenv("OPENROUTER_CATALOG_AUDIT_MAX_DROP", "0.5")
    monkeypatch.setenv("OPENROUTER_CATALOG_AUDIT_FIELD_NOW", "0")
    limits = Settings().thresholds()
    assert (limits.max_drop, limits.field_now, limits.max_zeroed) == (0.5, 0.0, 0.05)
    assert json.dumps(limits.__dict__)
