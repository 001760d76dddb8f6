"""Raw layer: fetch one snapshot's responses into the raw landing, exactly as received."""

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import dagster as dg

from assets.partitions import SINGLE_RUN, is_rebuild, run_dates, snapshot_partitions
from assets.resources import CatalogStorage, OpenRouterApi
from pipeline import memory, sources
from pipeline.fetch.cadence import not_due
from pipeline.fetch.client import ApiClient
from pipeline.fetch.datasets import fetch_datasets, fetch_zdr
from pipeline.fetch.outcomes import FetchError, FetchReport
from pipeline.fetch.quota import QuotaLedger
from pipeline.fetch.snapshot import fetch_frontend, fetch_v1
from pipeline.publish import checks, decisions
from pipeline.publish.datasets import last_stored_day
from pipeline.publish.protocol import check_raw
from pipeline.raw.importer import ImportError_, is_imported, land, read_archives
from pipeline.raw.landing import publish_raw, raw_snapshot
from pipeline.raw.store import RawSnapshot
from pipeline.settings import Settings
from pipeline.storage.layout import Layout, parse_snapshot_date

API_POOL = "openrouter_api"

SPEC: dict[str, Any] = {
    "group_name": "raw",
    "owners": ["team:catalog"],
    "kinds": {"python", "json"},
}


class RawFetchConfig(dg.Config):
    """Raw is the source of truth: a date whose group landed completely is not fetched again
    (a re-run rebuilds from it), and one that landed partially is resumed (only the calls
    that failed in a way a later try could fix are made again), unless ``refetch`` asks for
    a fresh copy."""

    refetch: bool = False
    # archived responses to land instead of fetching (openrouter-catalog import, or the
    # archive folder sensor): each raw asset lands the files of its own group
    import_files: list[str] = []


GROUPS = ("v1", "frontend", "zdr", "datasets")
# the groups fetched on the run's shared client; the Data API has a client of its own
SHARED_CLIENT = ("v1", "frontend", "zdr")
# what a fetch of one group is, once its client is open
Job = Callable[[ApiClient], Awaitable[FetchReport]]


def refetch_config(refetch: bool, import_files: list[str] | None = None) -> dict[str, Any]:
    """Run config asking the raw step to fetch again (or not) what already landed, or to
    land archived responses instead of fetching."""
    config = {"refetch": refetch, "import_files": list(import_files or [])}
    return {"ops": {"raw": {"config": config}}}


def _held_again(
    context: dg.AssetExecutionContext,
    config: RawFetchConfig,
    layout: Layout,
    date: dt.date,
    snap: RawSnapshot,
    group: str,
) -> RawFetchConfig:
    """The config for a group whose complete answer the audit refused: a re-run asks the API
    again (an acceptance publishes the held raw as it is instead). A date held only as
    incomplete resumes its missing calls instead."""
    if (
        not config.refetch
        and decisions.is_refused(layout, date)
        and decisions.ACCEPTED_BY_TAG not in context.run.tags
        and not is_imported(snap, group)
        and snap.is_complete(group)
    ):
        context.log.info(
            f"raw {group}: {date} is held; fetching it again (this run replaces what was held)"
        )
        return RawFetchConfig(refetch=True, import_files=config.import_files)
    return config


def _prepare(
    context: dg.AssetExecutionContext,
    config: RawFetchConfig,
    snap: RawSnapshot,
    group: str,
    read: Callable[[str], bytes],
    fetch: Callable[..., Awaitable[FetchReport]],
    **kwargs: object,
) -> FetchReport | Job:
    """The group's report when nothing is to be fetched (archives landed, or a complete
    fetch reused); else the fetch to make, resuming a partial one."""
    if config.import_files:
        try:
            landed = land(snap, group, read_archives(config.import_files, read))
        except ImportError_ as exc:
            raise dg.Failure(description=f"import: {exc}") from None
        held = ", ".join(f"{s} ({n:,} records)" for s, n in landed.sources.items())
        context.log.info(f"raw {group}: imported {held or 'nothing of this group'}")
        return FetchReport.from_log(snap.group_rows(group), group)
    if is_imported(snap, group):
        if config.refetch:
            raise dg.Failure(
                description=f"raw {group}: {snap.folder} holds imported archives, and the live "
                "API cannot answer for another day; import the files again instead"
            )
        context.log.info(f"raw {group}: imported archives in {snap.folder}; not fetched")
        return FetchReport.from_log(snap.group_rows(group), group)
    if snap.is_complete(group) and not config.refetch:
        context.log.info(
            f"raw {group}: {snap.folder} already holds a complete fetch; reusing it "
            "(refetch=true, or `openrouter-catalog run --refetch`, fetches again)"
        )
        return FetchReport.from_log(snap.group_rows(group), group)
    # a partial fetch (or one killed after its log landed) is completed, not started over
    resume = not config.refetch and snap.log_path(group).is_file()
    if resume:
        context.log.info(f"raw {group}: resuming the partial fetch in {snap.folder}")
    return lambda client: fetch(client, snap, context.log.info, resume=resume, **kwargs)


async def _fetch_side_by_side(
    context: dg.AssetExecutionContext, api: OpenRouterApi, jobs: dict[str, Job]
) -> dict[str, FetchReport | FetchError]:
    """Every group's fetch at once on one client: one pool of connections and one limit of
    requests in flight, so neither group's tail waits for the other's start."""
    async with api.client() as client:
        done = await asyncio.gather(*(job(client) for job in jobs.values()), return_exceptions=True)
        shared = [g for g in jobs if g in SHARED_CLIENT]
        out: dict[str, FetchReport | FetchError] = {}
        for group, result in zip(jobs, done, strict=True):
            if isinstance(result, FetchReport | FetchError):
                out[group] = result
            else:
                raise result
        if client.rate_limited is not None:
            # the calls left are missing, not refused: the raw stays partial and a later
            # run of the date asks only those
            for group, result in out.items():
                if group not in shared:
                    continue
                missing = result.transient if isinstance(result, FetchReport) else 0
                out[group] = FetchError(
                    f"{client.rate_limit_line().removesuffix('; not sent')}; {missing:,} calls "
                    "missing, nothing is published; run the date again later"
                )
        if client.rate.cuts:
            context.log.info(
                f"raw: the server limited the rate {client.limited} times; paced at "
                f"{client.rate.rate:.1f} requests/s in the end"
            )
    return out


def _fetch_kwargs(
    context: dg.AssetExecutionContext,
    config: RawFetchConfig,
    api: OpenRouterApi,
    layout: Layout,
    date: dt.date,
    snap: RawSnapshot,
    group: str,
) -> dict[str, object]:
    if group == "v1":
        return {"min_coverage": api.min_coverage}
    if group == "zdr":
        return {}
    if group == "datasets":
        return {
            "date": date,
            "ledger": QuotaLedger(
                layout, api.datasets_daily_budget, urlsplit(api.base_url).hostname or "?"
            ),
            "last_stored": last_stored_day(layout),
            "slices": list(api.datasets_slices),
        }
    skip: frozenset[str] = frozenset()
    if not (config.import_files or is_imported(snap, "frontend")):
        skip, why = not_due(date, api.cadence(), lambda d: raw_snapshot(layout, d, bodies=False))
        for line in why:
            context.log.info(line)
    return {"skip": skip, "hourly_endpoints": api.uptime_hourly_endpoints}


def _datasets_fetch(api: OpenRouterApi) -> Callable[..., Awaitable[FetchReport]]:
    """The Data API's fetch, on a client of its own (its limits are the key's and the
    account's, not the catalog's)."""

    async def fetch(_shared: ApiClient, *args: Any, **kwargs: Any) -> FetchReport:  # noqa: ANN401
        async with api.datasets_client() as own:
            return await fetch_datasets(own, *args, **kwargs)

    return fetch


FETCHES: dict[str, Callable[..., Awaitable[FetchReport]]] = {
    "v1": fetch_v1,
    "frontend": fetch_frontend,
    "zdr": fetch_zdr,
}


def _result(group: str, report: FetchReport, snap: RawSnapshot) -> dg.MaterializeResult:
    return dg.MaterializeResult(
        asset_key=f"raw_{group}",
        metadata={"folder": dg.MetadataValue.path(str(snap.folder)), **report.as_metadata()},
    )


def _coverage(report: FetchReport, min_coverage: float) -> dg.AssetCheckResult:
    calls = report.source("v1_endpoints")
    verdict = checks.fetch_coverage(calls.requested, calls.failed, min_coverage)
    return dg.AssetCheckResult(
        asset_key="raw_v1",
        check_name=verdict.name,
        passed=verdict.passed,
        metadata=verdict.metadata,
    )


def _landed(context: dg.AssetExecutionContext, layout: Layout) -> Iterator[dg.MaterializeResult]:
    """A rebuild asks nothing: it names the dates of its range whose raw is not whole (the
    tables step skips them) and reports what landed."""
    dates = run_dates(context)
    missing = {str(d): why for d in dates if (why := check_raw(layout, d)) is not None}
    for date, why in missing.items():
        context.log.warning(f"raw {date}: {why}; the rebuild skips it")
    context.log.info(
        f"raw: a rebuild of {dates[0]} → {dates[-1]} asks nothing: "
        f"{len(dates) - len(missing)} dates with whole raw, {len(missing)} without"
    )
    for key in sorted(k.to_user_string() for k in context.selected_asset_keys):
        yield dg.MaterializeResult(
            asset_key=key,
            metadata={"requests": 0, "rebuild": True, "without_whole_raw": missing},
        )
        if key == "raw_v1":
            yield dg.AssetCheckResult(
                asset_key=key,
                check_name="v1_endpoints_coverage",
                passed=True,
                severity=dg.AssetCheckSeverity.WARN,
                description="a rebuild asks nothing: the coverage is each date's own, "
                "checked when it was fetched",
                metadata={"rebuild": True},
            )


@dg.multi_asset(
    name="raw",
    specs=[
        dg.AssetSpec(
            "raw_v1",
            description="Documented API: GET /api/v1/models?output_modalities=all, "
            "/api/v1/providers, and /api/v1/models/{author}/{slug}/endpoints for every model "
            "id (variant included). Fails when the model list fails or endpoint coverage "
            "falls below the threshold.",
            **SPEC,
        ),
        dg.AssetSpec(
            "raw_zdr",
            description="Documented API: GET /api/v1/endpoints/zdr, the endpoints that keep "
            "no data (zero data retention). A daily call of its own: its failure (or a "
            "401/403) leaves endpoints.is_zero_data_retention null, never fails a group.",
            **SPEC,
        ),
        dg.AssetSpec(
            "raw_datasets",
            description="OpenRouter's Data API (key-gated; 30 calls a minute, 500 a day): the "
            "official daily token rankings (a first run backfills from 2025-01-01), task "
            "classifications, app rankings, session costs and benchmarks. Without a key it is "
            "not configured (one line, never a failure); on the daily quota's 429 it is "
            "absent for the day. Every call is counted in the storage root's ledger.",
            **{**SPEC, "group_name": "datasets"},
        ),
        dg.AssetSpec(
            "raw_frontend",
            description="Undocumented frontend API (best effort): catalog of models with "
            "permaslugs and hidden models, all-providers with data policies, rankings, and "
            "per (permaslug, variant) stats/endpoint, effective-pricing and model-activity; "
            "uptime (every 2 days) and top apps (weekly) on a cadence. Known paths are tried "
            "newest first; what is missing is reported, never fatal.",
            **SPEC,
        ),
    ],
    check_specs=[
        dg.AssetCheckSpec(
            "v1_endpoints_coverage",
            asset="raw_v1",
            description="share of per-model endpoints calls that succeeded, against the "
            "coverage threshold (below it the asset itself fails)",
        )
    ],
    partitions_def=snapshot_partitions,
    backfill_policy=SINGLE_RUN,
    can_subset=True,
    # the step talks to the API, so it holds a slot of this Dagster pool, across all runs
    # and processes; the instance sets its limit (dagster.yaml: concurrency.pools)
    pool=API_POOL,
)
def raw(
    context: dg.AssetExecutionContext,
    config: RawFetchConfig,
    api: OpenRouterApi,
    storage: CatalogStorage,
) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
    """Both groups of the date (or the one selected), fetched side by side."""
    layout = storage.layout()
    if is_rebuild(context):
        yield from _landed(context, layout)
        return
    date = parse_snapshot_date(context.partition_key)
    snap = raw_snapshot(layout, date)
    selected = {key.to_user_string() for key in context.selected_asset_keys}
    groups = [g for g in GROUPS if f"raw_{g}" in selected]
    reports: dict[str, FetchReport | FetchError] = {}
    if "datasets" in groups and Settings().key() is None:
        context.log.info(
            "datasets: not configured (no API key: set OPENROUTER_API_KEY); the Data API's "
            "tables are not asked, and the snapshot is complete without them"
        )
        groups.remove("datasets")
        yield dg.MaterializeResult(asset_key="raw_datasets", metadata={"configured": False})
    imported = bool(config.import_files) or is_imported(snap, "v1")
    for group in [g for g in groups if g in ("zdr", "datasets") and imported]:
        # an archive describes its own day; today's answers of these calls do not
        context.log.info(f"raw {group}: not asked for an imported snapshot")
        groups.remove(group)
        yield dg.MaterializeResult(asset_key=f"raw_{group}", metadata={"asked": False})
    try:
        jobs: dict[str, Job] = {}
        for group in groups:
            cfg = (
                _held_again(context, config, layout, date, snap, group)
                if group in ("v1", "frontend")
                else config
            )
            kwargs = _fetch_kwargs(context, cfg, api, layout, date, snap, group)
            fetch = FETCHES[group] if group in FETCHES else _datasets_fetch(api)
            prepared = _prepare(context, cfg, snap, group, layout.read_file, fetch, **kwargs)
            if isinstance(prepared, FetchReport):
                reports[group] = prepared
            else:
                jobs[group] = prepared
        if jobs:
            try:
                reports.update(asyncio.run(_fetch_side_by_side(context, api, jobs)))
            finally:
                memory.release()
    finally:
        # whatever the fetch left (complete, partial, or a log without manifest) goes to a
        # bucket root as it would stay on a disk; the manifest still decides what is read
        for group in groups:
            publish_raw(layout, date, snap, group, list(sources.GROUPS[group]))
    failed = []
    for group in groups:
        report = reports[group]
        if isinstance(report, FetchError):
            failed.append(f"raw {group}: {report}" if len(groups) > 1 else str(report))
            continue
        if not report.complete:
            context.log.warning(
                f"raw {group}: {report.transient} calls failed in a way a later try could "
                "fix; the group is kept as partial and the next run of this date fetches "
                "only those"
            )
        # a source absent today was said as it happened; the rest of what is missing (a host
        # that did not answer, say) is said here once. The metadata keeps the whole list.
        unsaid = [m for m in report.missing if "absent today" not in m]
        if unsaid:
            context.log.warning(f"{group} missing: {'; '.join(unsaid)}")
        yield _result(group, report, snap)
        if group == "v1":
            yield _coverage(report, api.min_coverage)
    if failed:
        raise dg.Failure(description="; ".join(failed))
