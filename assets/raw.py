"""Raw layer: fetch one snapshot's responses into the raw landing, exactly as received."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import dagster as dg

from assets import memory
from assets.partitions import snapshot_partitions
from assets.resources import CatalogStorage, OpenRouterApi
from pipeline import sources
from pipeline.fetch.cadence import not_due
from pipeline.fetch.outcomes import FetchError, FetchReport
from pipeline.fetch.snapshot import fetch_frontend, fetch_v1
from pipeline.publish import checks, decisions
from pipeline.raw.importer import ImportError_, is_imported, land, read_archives
from pipeline.raw.landing import publish_raw, raw_snapshot
from pipeline.raw.store import RawSnapshot
from pipeline.storage.layout import parse_snapshot_date

API_POOL = "openrouter_api"

COMMON = {
    "partitions_def": snapshot_partitions,
    "group_name": "raw",
    "owners": ["team:catalog"],
    "kinds": {"python", "json"},
    # every step that talks to the API holds a slot of this Dagster pool, across all runs and
    # processes; the instance sets its limit (dagster.yaml: concurrency.pools)
    "pool": API_POOL,
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


RAW_ASSETS = ("raw_v1", "raw_frontend")


def refetch_config(refetch: bool, import_files: list[str] | None = None) -> dict[str, Any]:
    """Run config asking the raw assets to fetch again (or not) what already landed, or to
    land archived responses instead of fetching."""
    config = {"refetch": refetch, "import_files": list(import_files or [])}
    return {"ops": {name: {"config": config} for name in RAW_ASSETS}}


def _run(
    context: dg.AssetExecutionContext,
    config: RawFetchConfig,
    api: OpenRouterApi,
    storage: CatalogStorage,
    group: str,
    job: Callable[..., Awaitable[FetchReport]],
    **kwargs: object,
) -> tuple[FetchReport, RawSnapshot]:
    layout = storage.layout()
    date = parse_snapshot_date(context.partition_key)
    snap = raw_snapshot(layout, date)
    if (
        not config.refetch
        and decisions.is_refused(layout, date)
        and decisions.ACCEPTED_BY_TAG not in context.run.tags
        and not is_imported(snap, group)
        and snap.is_complete(group)
    ):
        # the held answer is what the audit refused: a re-run asks the API again (an
        # acceptance publishes the held raw as it is instead). A date held only as
        # incomplete resumes its missing calls instead.
        context.log.info(
            f"raw {group}: {date} is held; fetching it again (this run replaces what was held)"
        )
        config = RawFetchConfig(refetch=True, import_files=config.import_files)
    try:
        return _land_or_fetch(context, config, api, snap, group, job, layout.read_file, **kwargs)
    finally:
        # whatever the fetch left (complete, partial, or a log without manifest) goes to a
        # bucket root as it would stay on a disk; the manifest still decides what is read
        publish_raw(layout, date, snap, group, list(sources.GROUPS[group]))


def _land_or_fetch(
    context: dg.AssetExecutionContext,
    config: RawFetchConfig,
    api: OpenRouterApi,
    snap: RawSnapshot,
    group: str,
    job: Callable[..., Awaitable[FetchReport]],
    read: Callable[[str], bytes],
    **kwargs: object,
) -> tuple[FetchReport, RawSnapshot]:
    if config.import_files:
        try:
            landed = land(snap, group, read_archives(config.import_files, read))
        except ImportError_ as exc:
            raise dg.Failure(description=f"import: {exc}") from None
        held = ", ".join(f"{s} ({n:,} records)" for s, n in landed.sources.items())
        context.log.info(f"raw {group}: imported {held or 'nothing of this group'}")
        return FetchReport.from_log(snap.group_rows(group), group), snap
    if is_imported(snap, group):
        if config.refetch:
            raise dg.Failure(
                description=f"raw {group}: {snap.folder} holds imported archives, and the live "
                "API cannot answer for another day; import the files again instead"
            )
        context.log.info(f"raw {group}: imported archives in {snap.folder}; not fetched")
        return FetchReport.from_log(snap.group_rows(group), group), snap
    if snap.is_complete(group) and not config.refetch:
        context.log.info(
            f"raw {group}: {snap.folder} already holds a complete fetch; reusing it "
            "(refetch=true, or `openrouter-catalog run --refetch`, fetches again)"
        )
        return FetchReport.from_log(snap.group_rows(group), group), snap
    # a partial fetch (or one killed after its log landed) is completed, not started over
    resume = not config.refetch and snap.log_path(group).is_file()
    if resume:
        context.log.info(f"raw {group}: resuming the partial fetch in {snap.folder}")

    async def go() -> FetchReport:
        async with api.client() as client:
            report = await job(client, snap, context.log.info, resume=resume, **kwargs)
            if client.rate_limited is not None:
                # the calls left are missing, not refused: the raw stays partial and a later
                # run of the date asks only those
                raise FetchError(
                    f"{client.rate_limit_line().removesuffix('; not sent')}; "
                    f"{report.transient:,} calls missing, nothing is published; run the date "
                    "again later"
                )
            if client.rate.cuts:
                context.log.info(
                    f"raw {group}: the server limited the rate {client.limited} times; "
                    f"paced at {client.rate.rate:.1f} requests/s in the end"
                )
            return report

    return _landed(context, group, lambda: asyncio.run(go())), snap


def _landed(
    context: dg.AssetExecutionContext, group: str, fetch: Callable[[], FetchReport]
) -> FetchReport:
    """The report of the group's fetch: a failed snapshot fails the step with its reason, a
    partial one is said to be partial."""
    try:
        report = fetch()
    except FetchError as exc:
        raise dg.Failure(description=str(exc)) from None
    finally:
        memory.release()
    if not report.complete:
        context.log.warning(
            f"raw {group}: {report.transient} calls failed in a way a later try could fix; "
            "the group is kept as partial and the next run of this date fetches only those"
        )
    return report


@dg.asset(
    description="Documented API: GET /api/v1/models?output_modalities=all, /api/v1/providers, "
    "and /api/v1/models/{author}/{slug}/endpoints for every model id (variant included). "
    "Fails when the model list fails or endpoint coverage falls below the threshold.",
    check_specs=[
        dg.AssetCheckSpec(
            "v1_endpoints_coverage",
            asset="raw_v1",
            description="share of per-model endpoints calls that succeeded, against the "
            "coverage threshold (below it the asset itself fails)",
        )
    ],
    **COMMON,
)
def raw_v1(
    context: dg.AssetExecutionContext,
    config: RawFetchConfig,
    api: OpenRouterApi,
    storage: CatalogStorage,
) -> dg.MaterializeResult:
    report, snap = _run(
        context, config, api, storage, "v1", fetch_v1, min_coverage=api.min_coverage
    )
    calls = report.source("v1_endpoints")
    verdict = checks.fetch_coverage(calls.requested, calls.failed, api.min_coverage)
    return dg.MaterializeResult(
        metadata={"folder": dg.MetadataValue.path(str(snap.folder)), **report.as_metadata()},
        check_results=[
            dg.AssetCheckResult(
                check_name=verdict.name, passed=verdict.passed, metadata=verdict.metadata
            )
        ],
    )


@dg.asset(
    description="Undocumented frontend API (best effort): catalog of models with permaslugs "
    "and hidden models, all-providers with data policies, rankings, and per (permaslug, "
    "variant) stats/endpoint, effective-pricing and model-activity; uptime (every 2 days) "
    "and top apps (weekly) on a cadence. Known paths are tried newest first; what is missing "
    "is reported, never fatal.",
    **COMMON,
)
def raw_frontend(
    context: dg.AssetExecutionContext,
    config: RawFetchConfig,
    api: OpenRouterApi,
    storage: CatalogStorage,
) -> dg.MaterializeResult:
    layout = storage.layout()
    date = parse_snapshot_date(context.partition_key)
    archived = bool(config.import_files) or is_imported(
        raw_snapshot(layout, date, bodies=False), "frontend"
    )
    skip: frozenset[str] = frozenset()
    if not archived:
        skip, why = not_due(date, api.cadence(), lambda d: raw_snapshot(layout, d, bodies=False))
        for line in why:
            context.log.info(line)
    report, snap = _run(
        context,
        config,
        api,
        storage,
        "frontend",
        fetch_frontend,
        skip=skip,
        hourly_endpoints=api.uptime_hourly_endpoints,
    )
    if report.missing:
        context.log.warning(f"frontend missing: {'; '.join(report.missing)}")
    return dg.MaterializeResult(
        metadata={"folder": dg.MetadataValue.path(str(snap.folder)), **report.as_metadata()}
    )
