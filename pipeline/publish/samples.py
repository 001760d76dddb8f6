"""An hourly performance sample, from the question to the landed file: which pairs to ask
(those the latest *published* snapshot lists with endpoints, so a held day's catalog is never
sampled), the answers kept as received, and the rows landed as one file of the date's
partition of ``endpoint_performance_samples`` (a reader sees a whole sample or none)."""

from __future__ import annotations

import datetime as dt
import gzip
from collections.abc import Callable
from dataclasses import dataclass, field

import orjson
import polars as pl

from pipeline.fetch.client import ApiClient
from pipeline.fetch.sample import SampleAnswers, fetch_sample
from pipeline.sources import ModelVariant
from pipeline.storage.layout import Layout
from pipeline.transforms.performance import frontend_rows, samples_table, v1_rows

TABLE = "endpoint_performance_samples"


class NothingToSample(RuntimeError):
    """No published snapshot lists endpoints yet: a daily run must publish one first."""


class SampleIncomplete(RuntimeError):
    """Fewer pairs answered than the coverage asks; what did answer is landed."""


@dataclass(frozen=True)
class Targets:
    snapshot_date: dt.date  # the published snapshot the pairs come from
    pairs: list[ModelVariant]
    # (model_id, provider_name, provider_tag) → endpoint_id, for answers without a UUID (v1)
    endpoint_ids: dict[tuple[str, str, str], str]


@dataclass
class SampleOutcome:
    at: dt.datetime
    targets: Targets
    answers: SampleAnswers
    rows: int
    coverage: float
    file: str | None  # None: no row answered, and no file was written
    raw: str
    notes: list[str] = field(default_factory=list)

    def line(self) -> str:
        via = "v1 (frontend down)" if self.answers.frontend_down else "frontend stats/endpoint"
        return (
            f"sample {self.at:%Y-%m-%dT%H:%M}Z: {self.rows:,} endpoint rows from "
            f"{len(self.targets.pairs):,} pairs of snapshot {self.targets.snapshot_date}, "
            f"{self.answers.requests:,} requests via {via}, {len(self.answers.failed)} failed, "
            f"coverage {self.coverage:.1%}"
        )


def sample_targets(layout: Layout) -> Targets:
    """Every (model, variant) with an endpoint in the latest published snapshot: the models
    the catalog shows with a default endpoint, and those the endpoints table serves."""
    dates = layout.dates("endpoints")
    if not dates:
        raise NothingToSample(
            f"no published snapshot under {layout.root}: run `openrouter-catalog run` first "
            "(a sample asks only for the endpoints a published snapshot lists)"
        )
    date = dates[-1]
    endpoints = layout.read_partition(
        "endpoints", date, ["endpoint_id", "model_id", "provider_name", "provider_tag"]
    )
    models = layout.read_partition(
        "models", date, ["model_id", "permaslug", "variant", "default_endpoint_id"]
    )
    served = set(endpoints["model_id"].to_list())
    pairs = [
        ModelVariant(r["model_id"], r["permaslug"] or r["model_id"], r["variant"] or "standard")
        for r in models.iter_rows(named=True)
        if r["default_endpoint_id"] is not None or r["model_id"] in served
    ]
    ids = {
        (r["model_id"], r["provider_name"], r["provider_tag"]): r["endpoint_id"]
        for r in endpoints.iter_rows(named=True)
    }
    return Targets(date, pairs, ids)


def _raw_lines(answers: SampleAnswers) -> bytes:
    """Every answer of the sample as received, one JSON line each (gzip)."""
    lines = []
    for _pair, r in answers.frontend + answers.v1:
        lines.append(
            orjson.dumps(
                {
                    "source": r.source,
                    "key": r.key,
                    "request": r.request,
                    "status": r.status,
                    "error": r.error,
                    "fetched_at": r.fetched_at,
                    "duration_ms": r.duration_ms,
                    "body": (r.body or b"").decode("utf-8", "replace"),
                }
            )
        )
    return gzip.compress(b"\n".join(lines) + b"\n", compresslevel=6)


def rows_of(answers: SampleAnswers, at: dt.datetime, targets: Targets) -> pl.DataFrame:
    rows = []
    for pair, r in answers.frontend:
        if r.status == 200 and r.error is None:
            rows += frontend_rows(pair, r.json().get("data"), at)
    for pair, r in answers.v1:
        if r.status == 200 and r.error is None:
            rows += v1_rows(pair, r.json().get("data"), at, targets.endpoint_ids)
    return samples_table(rows)


async def take_sample(
    layout: Layout,
    client: ApiClient,
    at: dt.datetime,
    *,
    min_coverage: float = 0.95,
    log: Callable[[str], None] = lambda _: None,
) -> SampleOutcome:
    """Ask, keep the answers, land the rows. Raises SampleIncomplete after landing what
    answered when too few pairs did (a re-run of the same minute replaces the sample)."""
    at = at.astimezone(dt.UTC).replace(second=0, microsecond=0)
    targets = sample_targets(layout)
    log(
        f"sample {at:%Y-%m-%dT%H:%M}Z: {len(targets.pairs):,} (model, variant) pairs of "
        f"snapshot {targets.snapshot_date}"
    )
    answers = await fetch_sample(client, targets.pairs, log)
    raw = layout.write_sample_raw(at, _raw_lines(answers))
    df = rows_of(answers, at, targets)
    # no row, no file: an empty file would stand in the table as a sample of nothing, and its
    # failure belongs to the run's record, not to the data
    file = layout.write_sample(TABLE, at, df) if df.height else None
    # the share of pairs answered (by v1 for all of them when the frontend was down)
    calls = answers.v1 if answers.frontend_down else answers.frontend
    failed = [r for _, r in calls if r.error is not None and r.status != 404]
    coverage = 1 - len(failed) / len(calls) if calls else 0.0
    outcome = SampleOutcome(at, targets, answers, df.height, coverage, file, raw)
    if answers.skipped:
        outcome.notes += answers.skipped
    if targets.pairs and coverage < min_coverage:
        failed = answers.failed[:3]
        detail = "; ".join(f"{r.request}: {r.error}" for r in failed)
        raise SampleIncomplete(
            f"{outcome.line()} (below {min_coverage:.0%}; landed what answered). {detail}"
        )
    return outcome
