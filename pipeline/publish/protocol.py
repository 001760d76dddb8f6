"""Write, audit, publish: one date's raw snapshot becomes its tables, staged where no reader
looks, audited against the previous published snapshot, and published only when the audit
holds (or a reviewer accepted the date). Every rule of publishing is here; the Dagster asset
above calls ``build_and_publish`` and reports what it returns.

Before the audit, two repairs that make a bent answer harmless rather than news: endpoints
that one source missed today keep the id they were published under (``identity``), and a
record with a price out of range is quarantined, its published rows standing in
(``quarantine``). Whatever fails after the fetch still leaves a decision record.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import polars as pl

from pipeline import sources
from pipeline.fetch.outcomes import OK, coverage, latest_rows, row_state
from pipeline.publish import audit, checks, decisions, freshness, identity
from pipeline.publish.quarantine import (
    ENDPOINT_CALLS,
    Quarantined,
    carry_unobserved,
    quarantine,
    unobserved_models,
)
from pipeline.publish.stage import Stage, recover
from pipeline.publish.thresholds import Thresholds
from pipeline.publish.version import code_version
from pipeline.raw.landing import raw_snapshot
from pipeline.raw.reader import read_snapshot
from pipeline.storage.layout import Layout
from pipeline.transforms.catalog import CADENCED, build_tables
from pipeline.transforms.diffs import DIFFS
from pipeline.transforms.schemas import RULES, TABLE_DESCRIPTIONS, with_declared

TABLE_NAMES = tuple(TABLE_DESCRIPTIONS)
# (check, the table it is shown on, what it asks)
# checks of the tables' rules (declared beside their columns in transforms/schemas.py), of
# the sources (typed values, known fields, complete fetch, served models), and the publish
# audit against the previous published snapshot (pipeline/publish/audit.py)
_DECLARED = [
    (name, table, desc, block)
    for table in RULES
    if table in TABLE_DESCRIPTIONS  # the Data API's tables are audited on their own
    for name, desc, block in checks.declared(table)
]
CHECKS = (
    *((name, table, desc) for name, table, desc, _ in _DECLARED),
    (
        "models_without_endpoints",
        "models",
        "every v1 model (routers, aliases aside) is served by an endpoint (warning)",
    ),
    (
        "v1_values_typed",
        "models",
        "no value of the v1 API had to be read as null for having the wrong type",
    ),
    (
        "frontend_values_typed",
        "endpoints",
        "no value of the frontend API had to be read as null for having the wrong type (warning)",
    ),
    (
        "api_fields_known",
        "endpoints",
        "every field the API sent, at every depth, is described in pipeline/sources (warning)",
    ),
    (
        "fetch_complete",
        "endpoints",
        "no call of the snapshot failed in a way a later run could fix (warning: the next run "
        "of the date fetches what is missing)",
    ),
    *audit.NAMES,
)
CHECK_ASSET = {name: asset for name, asset, _ in CHECKS}
# a failed blocking check holds the date: its tables stay staged
BLOCKING = frozenset(
    {*(name for name, _, _, block in _DECLARED if block), *(name for name, _, _ in audit.NAMES)}
)


class Log(Protocol):
    def info(self, msg: str) -> None: ...
    def warning(self, msg: str) -> None: ...
    def error(self, msg: str) -> None: ...


class PublishFailed(Exception):
    """The date could not be built or audited; the message is one line, and a decision
    record says the same."""


@dataclass
class Outcome:
    """What a build of one date did: its decision, and what to report of it."""

    date: dt.date
    decision: decisions.Decision
    verdicts: list[checks.Verdict]
    frames: dict[str, pl.DataFrame]  # the tables, published or staged
    not_written: dict[str, str]  # table → why the date has no partition of it
    drift_report: dict[str, dict[str, str]]
    problems: dict[str, list[str]]
    duplicates: list[str]
    calls: dict[str, dict[str, int]]
    staged: str

    @property
    def held(self) -> bool:
        return self.decision.state == decisions.HELD


@dataclass
class Prepared:
    """What a date's raw gives before anything published is read: its tables and what the
    audit needs of its answers. Independent of every other date, so a rebuild prepares the
    next dates in other processes while this one is audited and published (and a pickle
    carries it across)."""

    date: dt.date
    built: Any  # transforms.catalog.CatalogBuild
    present: frozenset[str]
    asked: frozenset[str]
    absent: frozenset[str]
    calls: dict[str, dict[str, int]]
    # the sha256 of each answer of the sources whose answers move daily (freshness)
    digests: dict[str, dict[str, str]] = field(default_factory=dict)
    # per endpoint call (``quarantine.ENDPOINT_CALLS``), the keys that did not answer, or
    # answered about something else: their models' endpoints are not observed today
    unanswered: dict[str, list[str]] = field(default_factory=dict)


def check_raw(layout: Layout, date: dt.date) -> str | None:
    """Why ``date`` cannot be built from its raw (None: its raw is whole)."""
    snap = raw_snapshot(layout, date, bodies=False)
    if not snap.exists():
        where = layout.bucket.url(layout.raw_key(date)) if layout.remote else snap.folder
        return f"no raw snapshot for {date} at {where}"
    unfinished = snap.unfinished({g: sources.GROUPS[g] for g in sources.CATALOG_GROUPS})
    if unfinished:
        return (
            f"raw snapshot {date}: the {' and '.join(unfinished)} fetch did not finish (killed "
            "mid-way?); run the date again to fetch it. The tables keep their last complete "
            "state."
        )
    return None


def unanswered(log_rows: list[dict], misanswered: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """Per endpoint call, the keys whose last answer failed or was about something else."""
    out: dict[str, list[str]] = {}
    for (source, key), row in latest_rows(log_rows).items():
        if source in ENDPOINT_CALLS and row_state(row) != OK:
            out.setdefault(source, []).append(key)
    for source, lines in misanswered.items():
        if source in ENDPOINT_CALLS:
            out.setdefault(source, []).extend(line.partition(": ")[0] for line in lines)
    return out


def prepare(layout: Layout, date: dt.date) -> Prepared:
    """Read ``date``'s raw and build its tables (no published table is read). Raises
    PublishFailed when the raw is not whole."""
    why = check_raw(layout, date)
    if why is not None:
        raise PublishFailed(why)
    snap = raw_snapshot(layout, date)
    docs = read_snapshot(snap)
    if "v1_models" not in docs.present:
        raise PublishFailed(f"raw snapshot {date} has no successful v1_models response")
    built = build_tables(docs)
    calls = coverage(docs.log_rows)
    for source, keys in built.misanswered.items():  # a failed call, counted against coverage
        counts = calls.setdefault(
            source, {"calls": len(keys), "ok": len(keys), "permanent": 0, "transient": 0}
        )
        counts["misanswered"] = len(keys)
        counts["ok"] = max(0, counts.get("ok", 0) - len(keys))
    return Prepared(
        date,
        built,
        frozenset(docs.present),
        frozenset(docs.asked),
        frozenset(docs.absent),
        calls,
        freshness.digests(snap),
        unanswered(docs.log_rows, built.misanswered),
    )


def _diffs(log: Log, layout: Layout, stage: Stage, date: dt.date, frames: Mapping) -> dict:
    """Each table of DIFFS for this date against the previous snapshot of its base table;
    and the next date's against this one, since its diffs were computed against whatever
    preceded it before this date was (re)built. Returns ``{table: frame}`` for this date.
    A date without the base table (an archive that lacks it) has no diff of its own, and the
    next date's is taken against the snapshot before."""

    # several diffs follow the same base table: each neighbour partition is read once, and
    # each table's dates listed once
    @functools.cache
    def partition(table: str, d: dt.date) -> pl.DataFrame | None:
        return read_published(layout, table, d) if layout.has_partition(table, d) else None

    @functools.cache
    def neighbours(table: str) -> tuple[dt.date | None, dt.date | None]:
        dates = layout.dates(table)
        earlier, later = [d for d in dates if d < date], [d for d in dates if d > date]
        return (earlier[-1] if earlier else None), (later[0] if later else None)

    def inputs(diff: Any, d: dt.date | None) -> dict | None:  # noqa: ANN401
        if d is None:
            return None
        found = {t: partition(t, d) for t in diff.inputs}
        return {t: df for t, df in found.items() if df is not None}

    mine = {}
    for diff in DIFFS:
        here = diff.base in frames
        prev, nxt = neighbours(diff.base)
        if here:
            mine[diff.table] = diff.compute(inputs(diff, prev), frames, prev)
        elif stage.drop(diff.table, date):
            log.info(f"{diff.table} of {date} removed: the date has no {diff.base}")
        if nxt is not None:
            before, base_date = (frames, date) if here else (inputs(diff, prev), prev)
            theirs = diff.compute(before, inputs(diff, nxt), base_date)
            stage.write(diff.table, nxt, theirs)
            log.info(f"{diff.table} of {nxt} recomputed against {base_date}")
    return mine


def _verdicts(layout: Layout, date: dt.date, built: Any, calls: dict) -> list[checks.Verdict]:  # noqa: ANN401
    frames = built.frames
    models, endpoints = frames.get("models"), frames.get("endpoints")
    verdicts = [
        checks.values_typed("v1", built.problems, sources.GROUPS["v1"]),
        checks.values_typed("frontend", built.problems, sources.GROUPS["frontend"]),
        checks.fields_known(built.drift),
        checks.fetch_complete(calls),
    ]
    if models is not None and endpoints is not None:
        verdicts.append(checks.models_without_endpoints(models, endpoints))

    def previous_rows(table: str) -> int | None:
        prev = layout.previous_date(table, date)
        return None if prev is None else layout.row_count(table, prev)

    verdicts += checks.of_rules(frames, previous_rows)
    return verdicts


def read_published(
    layout: Layout, table: str, date: dt.date, columns: Sequence[str] | None = None
) -> pl.DataFrame:
    """A published partition in this code's columns (``schemas.with_declared``): a store
    built by older code is read, compared with and rebuilt, never a crash."""
    try:
        df = layout.read_partition(table, date, columns)
    except pl.exceptions.ColumnNotFoundError:
        df = layout.read_partition(table, date)
    return with_declared(df, table, columns)


def previous_snapshots(layout: Layout, date: dt.date) -> dict[str, audit.Previous]:
    """The previous published snapshot of each table the audit compares (the staged build
    is never among them: ``tables/`` holds published partitions only)."""
    out = {}
    for table, columns in audit.PREVIOUS_COLUMNS.items():
        prev = layout.previous_date(table, date)
        if prev is not None:
            out[table] = audit.Previous(prev, read_published(layout, table, prev, columns))
    return out


def recent_window(layout: Layout, date: dt.date) -> dict[str, tuple[int, dt.date]]:
    """Per entity table, the largest row count over the last published dates before
    ``date`` (read from the Parquet footers), and its date."""
    out = {}
    for table in audit.ENTITY_KEYS:
        recent = [d for d in layout.dates(table) if d < date][-audit.WINDOW :]
        if recent:
            count, when = max((layout.row_count(table, d), d) for d in recent)
            out[table] = (count, when)
    return out


def window_base(layout: Layout, date: dt.date) -> dict[str, audit.Previous]:
    """The endpoints' prices on the oldest of the last published dates before ``date``, when
    that is not the day before (the day-to-day checks read that one)."""
    recent = [d for d in layout.dates("endpoints") if d < date][-audit.WINDOW :]
    if len(recent) < 2:
        return {}
    oldest = recent[0]
    columns = ("endpoint_id", "provider_name", *audit.PRICES)
    return {"endpoints": audit.Previous(oldest, read_published(layout, "endpoints", oldest,
                                                               columns))}  # fmt: skip


def checks_record(verdicts: list[checks.Verdict]) -> list[dict]:
    return [
        {"name": v.name, "passed": v.passed, "blocking": v.name in BLOCKING, "figures": v.summary}
        for v in verdicts
    ]


def held_figures(failed: list[checks.Verdict]) -> str:
    return "; ".join(f"{v.summary or v.description} [{v.name}]" for v in failed)


def held_line(date: dt.date, failed: list[checks.Verdict], against: str | None, staged: str) -> str:
    """The one line a held run ends with: the date, the checks and their figures, what
    readers see meanwhile and how to publish it after review."""
    stays = f"the views stay on {against}" if against else "nothing is published"
    return (
        f"held {date}: {held_figures(failed)}; {stays}; staged in {staged}: review it, then "
        f"`openrouter-catalog accept --snapshot-date {date} --reason TEXT` publishes it, or run "
        "the date again once the API answers well"
    )


def _not_asked(built: Any, absent: frozenset[str], date: dt.date, stage: Stage) -> dict[str, str]:  # noqa: ANN401
    """Tables without a partition of this date, and why: a source on a cadence not asked on
    this date, or one an imported archive lacks (no partition rather than an empty one, so
    the history sees "not observed")."""
    out = {}
    for name in built.not_asked:
        dropped = stage.drop(name, date)
        source = CADENCED.get(name, name)
        why = (
            f"the archive imported for {date} holds none of its sources"
            if built.imported
            else f"{source} was absent on {date} (404 on every known path): not observed"
            if source in absent
            else f"{source} was not asked for {date} (its cadence)"
        )
        out[name] = (
            why + "; no partition for this date" + (" (the old one was removed)" if dropped else "")
        )
    return out


def build_and_publish(
    layout: Layout,
    date: dt.date,
    limits: Thresholds,
    log: Log,
    *,
    accept: tuple[str, str] | None = None,
    run_id: str | None = None,
    prepared: Prepared | None = None,
    keep_published: bool = False,
) -> Outcome:
    """Stage, audit, decide and publish ``date``. ``accept`` = (who, why) publishes a held
    date after review. ``prepared``: the date's tables, already built from its raw (a
    rebuild builds them in other processes). ``keep_published``: a rebuild; a published date
    whose new build fails the audit keeps the build it was published with (decision
    ``kept``) rather than being held. Raises PublishFailed (with a decision recorded) when
    the date cannot be built."""
    recovered = recover(layout)
    if recovered:
        log.warning(
            "finished the publish of "
            + ", ".join(map(str, recovered))
            + " that a killed run had begun (its journal was in staging/)"
        )
    try:
        if prepared is None:
            why = check_raw(layout, date)
            if why is not None:  # nothing to record: the raw step says what is missing
                raise PublishFailed(why)
            prepared = prepare(layout, date)
        return _build_and_publish(
            layout, date, limits, log, prepared, accept, run_id, keep_published
        )
    except PublishFailed as exc:
        if check_raw(layout, date) is None:
            _record_failure(layout, date, str(exc), run_id)
        raise
    except Exception as exc:
        line = (
            f"failed {date} after the fetch: {type(exc).__name__}: {str(exc).splitlines()[0]}; "
            "nothing was published and the views stay as they were"
        )
        _record_failure(layout, date, line, run_id)
        raise PublishFailed(line) from exc


def _record_failure(layout: Layout, date: dt.date, line: str, run_id: str | None) -> None:
    decisions.record_unaudited(layout, date, decisions.FAILED, line, run_id)


def _build_and_publish(
    layout: Layout,
    date: dt.date,
    limits: Thresholds,
    log: Log,
    prepared: Prepared,
    accept: tuple[str, str] | None,
    run_id: str | None,
    keep_published: bool = False,
) -> Outcome:
    built, calls = prepared.built, prepared.calls
    frames, drift, repeated = built.frames, built.drift, built.duplicates
    missing = {s: c["transient"] for s, c in calls.items() if c["transient"]}
    if missing:
        log.warning(
            f"raw {date} is partial: calls that a later run can still fetch are missing "
            f"({missing}); the tables lack their rows until then"
        )
    if drift:
        fields = "; ".join(f"{s}: {', '.join(paths)}" for s, paths in drift.items())
        log.warning(f"new fields in the API (not described yet): {fields}")
    for source, keys in built.misanswered.items():
        log.warning(
            f"{source}: {len(keys):,} answers about something other than their request are "
            f"failed calls, not data (first: {keys[0]})"
        )
    for source, lines in built.problems.items():
        log.warning(f"{source}: {len(lines)} values read as null; first: {lines[0]}")
    for line in repeated:
        log.warning(line)

    previous = previous_snapshots(layout, date)
    rekeyed = audit.key_figures(frames, previous)  # what the API said, before the carry
    looks = identity.carry_lookalikes(frames, {t: p.df for t, p in previous.items()})
    for entity, n in looks.items():
        log.info(f"{n:,} {entity} whose key changed only in looks keep their published key")
    prev_endpoints = previous.get("endpoints")
    carried = identity.carry_ids(frames, prev_endpoints.df if prev_endpoints else None)
    if carried:
        log.info(
            f"{carried:,} endpoints described by v1 alone today keep the id they were "
            f"published under on {prev_endpoints.date}"
        )
    held_aside = _quarantine(layout, date, frames, limits, log, built.mistyped_prices)
    unobserved = unobserved_models(prepared.unanswered, frames.get("models", pl.DataFrame()))
    if carried_over := carry_unobserved(frames, _previous(layout, date), unobserved):
        log.warning(
            f"{len(carried_over):,} models whose endpoint calls failed today keep their "
            f"published endpoints (not observed is not removed; first: {carried_over[0]})"
        )

    # staged where no reader looks; tables/ stays the previous published state until the
    # audit holds
    stage = Stage(layout, date)
    stage.clear()
    frames.update(_diffs(log, layout, stage, date, frames))
    not_written = _not_asked(built, prepared.absent, date, stage)
    for name in TABLE_NAMES:
        if name not in frames and name not in not_written:  # a diff whose base is absent
            not_written[name] = f"{date} has none of its inputs"
    for name, df in frames.items():
        stage.write(name, date, df)

    verdicts = _verdicts(layout, date, built, calls)
    before = layout.previous_date("endpoints", date)
    inp = audit.AuditInput(
        date,
        frames,
        frozenset(built.present),
        built.imported,
        previous,
        prepared.asked,
        calls,
        held_aside,
        freshness.repeated(prepared.digests, freshness.previous_digests(layout, before)),
        str(before) if before else None,
        recent_window(layout, date),
        window_base=window_base(layout, date),
        rekeyed=rekeyed,
        agreement=built.agreement,
    )
    verdicts += audit.audit(inp, limits)
    report: dict[str, dict[str, str]] = {source: dict(paths) for source, paths in drift.items()}
    contract = next(v for v in verdicts if v.name == "api_fields_kept")
    for line in contract.metadata.get("sample", []) if not contract.passed else []:
        source, _, rest = line.partition(" ")
        path, _, figures = rest.partition(": ")
        report.setdefault(source, {})[path] = f"removed: {figures}"
    if held_aside.lines:
        report["quarantined"] = {str(i): line for i, line in enumerate(held_aside.lines)}
    failed = [v for v in verdicts if v.name in BLOCKING and not v.passed]
    against = str(previous["models"].date) if "models" in previous else None

    def outcome(decision: decisions.Decision) -> Outcome:
        return Outcome(
            date,
            decision,
            verdicts,
            frames,
            not_written,
            report,
            built.problems,
            repeated,
            calls,
            stage.location,
        )

    published_before = keep_published and date in (layout.published() or set())
    if failed and accept is None and published_before:
        decision = decisions.Decision(
            snapshot_date=date.isoformat(),
            state=decisions.KEPT,
            at=decisions.now(),
            against=against,
            line=(
                f"kept {date}: the rebuild failed {held_figures(failed)}; the date stays "
                f"published with the build it had; the new build is staged in "
                f"{stage.location} for review"
            ),
            failed=[v.name for v in failed],
            checks=checks_record(verdicts),
            staged=stage.location,
            run_id=run_id,
            version=code_version(),
        )
        decisions.record(layout, decision)
        log.error(decision.line)
        return outcome(decision)
    if failed and accept is None:
        decision = decisions.Decision(
            snapshot_date=date.isoformat(),
            state=decisions.HELD,
            at=decisions.now(),
            against=against,
            line=held_line(date, failed, against, stage.location),
            failed=[v.name for v in failed],
            checks=checks_record(verdicts),
            staged=stage.location,
            run_id=run_id,
            version=code_version(),
        )
        decisions.record(layout, decision)
        log.error(decision.line)
        return outcome(decision)

    stage.publish(TABLE_NAMES, code_version())
    decision = decisions.Decision(
        snapshot_date=date.isoformat(),
        state=decisions.ACCEPTED if accept else decisions.PUBLISHED,
        at=decisions.now(),
        against=against,
        line=(
            f"accepted {date} by {accept[0]}: {accept[1]}"
            + (f" (held for: {held_figures(failed)})" if failed else "")
            if accept
            else f"published {date}"
        ),
        failed=[v.name for v in failed],
        checks=checks_record(verdicts),
        accepted_by=accept[0] if accept else None,
        reason=accept[1] if accept else None,
        run_id=run_id,
        version=code_version(),
    )
    decisions.record(layout, decision)
    if accept:
        log.warning(decision.line)
    rows = ", ".join(f"{name} {df.height:,}" for name, df in frames.items())
    log.info(f"tables of {date} written to {layout.tables_location}/*/: {rows} rows")
    return outcome(decision)


def _previous(
    layout: Layout, date: dt.date
) -> Callable[[str], tuple[dt.date, pl.DataFrame] | None]:
    """A table's last published partition before ``date``."""

    def previous(table: str) -> tuple[dt.date, pl.DataFrame] | None:
        prev = layout.previous_date(table, date)
        return None if prev is None else (prev, read_published(layout, table, prev))

    return previous


def _quarantine(
    layout: Layout,
    date: dt.date,
    frames: dict,
    limits: Thresholds,
    log: Log,
    mistyped: Mapping[str, set[str]],
) -> Quarantined:
    held_aside = quarantine(frames, _previous(layout, date), limits, mistyped, date)
    for line in held_aside.lines[:5]:
        log.warning(line)
    if held_aside.count > 5:
        log.warning(f"… {held_aside.count - 5:,} more records quarantined")
    return held_aside
