"""The ``openrouter-catalog`` command: run, accept, import, digest, warehouse, replay, query,
demo."""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import ValidationError

if TYPE_CHECKING:
    pass

FIRST_SNAPSHOT_DATE = dt.date(2023, 12, 1)  # the partitions' start (assets/partitions.py)

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="The OpenRouter model catalog as typed, historical datasets.",
)


DataDirOpt = Annotated[
    str | None,
    typer.Option(
        help="local folder: the warehouse file and reports, and the storage root unless "
        "--root [env OPENROUTER_CATALOG_DATA_DIR; default ./data]"
    ),
]
RootOpt = Annotated[
    str | None,
    typer.Option(
        help="storage root of raw and tables when not the data dir: s3://bucket/prefix "
        "(endpoint, region and keys from OPENROUTER_CATALOG_S3_* or the usual AWS_* "
        "variables) [env OPENROUTER_CATALOG_ROOT]"
    ),
]


HELD_EXIT = 3  # the snapshot was built, and its audit held it: nothing published
HomeOpt = Annotated[
    str | None,
    typer.Option(help="where the run is recorded (as for run); 'memory': not recorded"),
]
VerboseOpt = Annotated[
    bool, typer.Option("--verbose", "-v", help="Dagster's own log, and tracebacks")
]


INTERRUPTED_EXIT = 130
_said: list[str] = []  # the interrupted line a command said, if any


def _interrupted(message: str) -> None:
    """One line for a Ctrl-C, and exit 130 as a shell expects."""
    typer.echo(f"error: interrupted; {message}", err=True)
    _said.append(message)
    raise typer.Exit(code=INTERRUPTED_EXIT)


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=1)


def _held(line: str) -> None:
    typer.echo(f"error: {line}", err=True)
    raise typer.Exit(code=HELD_EXIT)


def _settings(**flags: object) -> object:
    from pipeline.settings import Settings

    try:
        return Settings(**{k: v for k, v in flags.items() if v is not None})
    except ValidationError as exc:
        err = exc.errors()[0]
        _fail(f"invalid setting {'.'.join(map(str, err['loc']))}: {err['msg']}")


def _check_root(settings: object) -> None:
    """A bucket root answers before the run starts: a wrong endpoint, bucket or key fails
    here in one line, not inside the first step."""
    from pipeline.storage.object_store import StorageError

    layout = settings.layout()  # type: ignore[attr-defined]
    if not layout.remote:
        return
    try:
        layout.bucket.list("tables/models")
    except StorageError as exc:
        _fail(f"storage root not reachable: {exc}")


def _check_data_dir(data_dir: str) -> None:
    path = Path(data_dir).expanduser()
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f".write-probe-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        _fail(f"data dir {data_dir} is not writable ({exc.strerror})")


@app.command()
def run(
    base_url: Annotated[
        str | None, typer.Option(help="API base URL [env OPENROUTER_BASE_URL]")
    ] = None,
    data_dir: DataDirOpt = None,
    root: RootOpt = None,
    snapshot_date: Annotated[
        str | None, typer.Option(help="YYYY-MM-DD; default today (UTC)")
    ] = None,
    concurrency: Annotated[int | None, typer.Option(help="parallel requests (default 8)")] = None,
    max_attempts: Annotated[
        int | None, typer.Option(help="attempts per request (default 4)")
    ] = None,
    refetch: Annotated[
        bool, typer.Option(help="fetch again even if the date's raw landed completely")
    ] = False,
    dagster_home: Annotated[
        str | None,
        typer.Option(
            help="where the run is recorded for the UI [env DAGSTER_HOME; default the "
            "storage root's own, <data dir>/.dagster; 'memory': not recorded]"
        ),
    ] = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Dagster's own log, and tracebacks")
    ] = False,
    executor: Annotated[
        str,
        typer.Option(
            help="in_process (one process, a progress line) or multiprocess (Dagster's "
            "multiprocess executor: each step its own process, independent steps at once)"
        ),
    ] = "in_process",
) -> None:
    """Materialise every asset for one snapshot: a run of the daily_snapshot job, in-process,
    recorded where `openrouter-catalog ui` of the same data dir looks."""
    from pipeline.storage.layout import parse_snapshot_date

    settings = _settings(
        base_url=base_url,
        data_dir=data_dir,
        root=root,
        concurrency=concurrency,
        max_attempts=max_attempts,
        dagster_home=dagster_home,
    )
    today = dt.datetime.now(dt.UTC).date()
    try:
        date = parse_snapshot_date(snapshot_date) if snapshot_date else today
    except ValueError as exc:
        _fail(str(exc))
    if not FIRST_SNAPSHOT_DATE <= date <= today:
        _fail(
            f"snapshot date {date} is out of range: snapshots run from {FIRST_SNAPSHOT_DATE} "
            f"to today ({today}, UTC)"
        )
    if executor not in ("in_process", "multiprocess"):
        _fail(f"--executor must be in_process or multiprocess, not {executor!r}")
    _check_data_dir(settings.data_dir)
    _check_root(settings)
    try:
        # inside: a Ctrl-C as soon as the line is out is this command's to say
        typer.echo(f"run: snapshot {date} from {settings.base_url} into {settings.storage_root()}")
        from assets.runner import RunFailed, RunHeld, run_snapshot  # Dagster loads here only

        outcome = run_snapshot(settings, date, refetch=refetch, verbose=verbose, executor=executor)
    except KeyboardInterrupt as exc:
        if getattr(exc, "published", False):
            _interrupted(
                f"snapshot {date} was published whole (run it again to rebuild the warehouse "
                "and reports if they did not finish)"
            )
        _interrupted(f"snapshot {date} not finished")
    except RunHeld as exc:
        _held(str(exc))
    except RunFailed as exc:
        _fail(f"snapshot {date} not produced: {exc}")
    except Exception as exc:  # noqa: BLE001 - one line unless asked for the traceback
        if verbose:
            raise
        _fail(f"snapshot {date} not produced: {type(exc).__name__}: {exc} (--verbose for more)")
    for line in outcome.failed_checks():
        typer.echo(f"run: check failed: {line}", err=True)
    where = settings.dagster_home_path()
    recorded = f", recorded in {where}" if where else ""
    typer.echo(f"run: snapshot {date} done (daily_snapshot run {outcome.run_id}{recorded})")


@app.command()
def sample(
    at: Annotated[
        str | None,
        typer.Option(
            help="YYYY-MM-DDTHH:MM (UTC): the moment to stamp the sample with; default now"
        ),
    ] = None,
    base_url: Annotated[
        str | None, typer.Option(help="API base URL [env OPENROUTER_BASE_URL]")
    ] = None,
    data_dir: DataDirOpt = None,
    root: RootOpt = None,
    dagster_home: HomeOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Take one hourly performance sample: a run of the hourly_performance job for the hour of
    --at (or now), asking every endpoint the latest published snapshot lists."""
    settings = _settings(base_url=base_url, data_dir=data_dir, root=root, dagster_home=dagster_home)
    moment = None
    if at is not None:
        try:
            moment = dt.datetime.strptime(at, "%Y-%m-%dT%H:%M").replace(tzinfo=dt.UTC)
        except ValueError:
            _fail(f"--at {at!r} is not YYYY-MM-DDTHH:MM (UTC)")
        if moment > dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5):
            _fail(f"--at {at} is in the future")
    _check_data_dir(settings.data_dir)
    _check_root(settings)
    try:
        from assets.runner import RunFailed, run_sample  # Dagster loads here only

        outcome = run_sample(settings, moment, verbose=verbose)
    except KeyboardInterrupt:
        _interrupted("sample not taken")
    except RunFailed as exc:
        _fail(f"sample not taken: {exc}")
    where = settings.dagster_home_path()
    recorded = f", recorded in {where}" if where else ""
    typer.echo(f"sample: done (hourly_performance run {outcome.run_id}{recorded})")


@app.command("import")
def import_(
    files: Annotated[list[Path], typer.Argument(help="archived responses (JSON, or gzip of it)")],
    snapshot_date: Annotated[
        str, typer.Option(help="YYYY-MM-DD: the day the responses were recorded")
    ],
    data_dir: DataDirOpt = None,
    root: RootOpt = None,
    dagster_home: HomeOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Land archived API responses (/api/v1/models lists, /api/v1/providers, the frontend
    catalog or all-providers, one model's endpoints; bare lists or {"data": …}) as the raw
    snapshot of a date, then build that date's tables and warehouse like any snapshot: a run
    of the daily_snapshot job that lands instead of fetching."""
    from pipeline.raw.importer import IMPORTABLE, ImportError_, read_archives
    from pipeline.storage.layout import parse_snapshot_date

    settings = _settings(data_dir=data_dir, root=root, dagster_home=dagster_home)
    today = dt.datetime.now(dt.UTC).date()
    try:
        date = parse_snapshot_date(snapshot_date)
    except ValueError as exc:
        _fail(str(exc))
    if not FIRST_SNAPSHOT_DATE <= date <= today:
        _fail(f"snapshot date {date} is out of range: {FIRST_SNAPSHOT_DATE} to today ({today})")
    try:
        archives = read_archives(files)
    except ImportError_ as exc:
        _fail(str(exc))
    _check_data_dir(settings.data_dir)
    _check_root(settings)
    for a in archives:
        typer.echo(f"import: {a.path.name} → {a.source} ({a.records:,} records)")
    held = {a.source for a in archives}
    lacking = [s for s in IMPORTABLE if s not in held]
    try:
        from assets.runner import RunFailed, RunHeld, run_snapshot

        outcome = run_snapshot(
            settings, date, verbose=verbose, import_files=[str(a.path.resolve()) for a in archives]
        )
    except KeyboardInterrupt:
        _interrupted(f"snapshot {date} not finished")
    except RunHeld as exc:
        _held(str(exc))
    except RunFailed as exc:
        _fail(f"snapshot {date} not imported: {exc}")
    if lacking:
        typer.echo(
            f"import: no archive of {', '.join(lacking)}: their tables have no partition for "
            f"{date} (not observed, rather than empty)"
        )
    typer.echo(f"import: snapshot {date} built from archives (daily_snapshot run {outcome.run_id})")


@app.command()
def accept(
    snapshot_date: Annotated[str, typer.Option(help="YYYY-MM-DD: the held date to publish")],
    reason: Annotated[
        str, typer.Option(help="why the held date is right after all (kept with the decision)")
    ],
    by: Annotated[
        str | None, typer.Option(help="who accepts it [default: user@host of this process]")
    ] = None,
    data_dir: DataDirOpt = None,
    root: RootOpt = None,
    dagster_home: HomeOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Publish a date the audit held, after review: its tables are rebuilt from the held raw
    (no request is made) and published despite the failed checks, which stay on the record
    as warnings naming who accepted the date and why; then the warehouse, report and digest
    follow, as for any published date."""
    import getpass
    import socket

    from pipeline.publish import decisions
    from pipeline.storage.layout import parse_snapshot_date

    settings = _settings(data_dir=data_dir, root=root, dagster_home=dagster_home)
    try:
        date = parse_snapshot_date(snapshot_date)
    except ValueError as exc:
        _fail(str(exc))
    if not reason.strip():
        _fail("--reason must say why the held date is right")
    _check_root(settings)
    layout = settings.layout()
    last = decisions.latest(layout, date)
    if last is None or last.state != decisions.HELD:
        state = f"its latest decision: {last.state} at {last.at[:19]}" if last else "never built"
        _fail(f"{date} is not held ({state}); nothing to accept")
    who = by or f"{getpass.getuser()}@{socket.gethostname()}"
    typer.echo(f"accept: {date}, held for: {', '.join(last.failed)}; by {who}: {reason}")
    try:
        from assets.runner import RunFailed, run_snapshot

        outcome = run_snapshot(settings, date, verbose=verbose, accept=(who, reason))
    except KeyboardInterrupt:
        _interrupted(f"{date} not accepted")
    except RunFailed as exc:
        _fail(f"{date} not accepted: {exc}")
    typer.echo(f"accept: {date} published (daily_snapshot run {outcome.run_id})")


@app.command()
def digest(
    date: Annotated[
        str | None, typer.Option(help="YYYY-MM-DD snapshot date; default the newest")
    ] = None,
    data_dir: DataDirOpt = None,
    root: RootOpt = None,
) -> None:
    """Print what changed on a snapshot date against the one before (new and removed models,
    the largest price moves, data-policy changes, new free variants) as Markdown; also
    written to reports/digest_<date>.md, as the catalog_digest asset does."""
    from pipeline.digest import build_digest
    from pipeline.storage.layout import parse_snapshot_date
    from pipeline.storage.object_store import StorageError
    from pipeline.warehouse.binding import moved_from, moved_line

    settings = _settings(data_dir=data_dir, root=root)
    try:
        day = parse_snapshot_date(date) if date else None
        layout = settings.layout()
        if (built := moved_from(layout)) is not None:
            typer.echo(moved_line(layout, built), err=True)
        found = build_digest(layout, day)
    except (ValueError, StorageError) as exc:
        _fail(str(exc))
    typer.echo(found.text, nl=False)


@app.command()
def release(
    to: Annotated[
        str | None,
        typer.Option(
            "--to",
            help="folder or s3://bucket/prefix the release goes to (a folder per version, "
            "latest.json at its root); default <data dir>/releases",
        ),
    ] = None,
    keep: Annotated[
        int | None, typer.Option(help="releases kept at the destination (older ones removed)")
    ] = None,
    data_dir: DataDirOpt = None,
    root: RootOpt = None,
) -> None:
    """Build a release of everything published so far: one Parquet file per table and
    history, load.sql (the warehouse's views over them), manifest.json, DATACARD.md and the
    change feed (changes.atom, changes.json). The same data gives the same files."""
    from pipeline.release.build import build_release, destination
    from pipeline.storage.object_store import StorageError

    settings = _settings(data_dir=data_dir, root=root)
    layout = settings.layout()
    try:
        build_release(
            layout,
            to or destination(layout, settings.release_to),
            keep=keep if keep is not None else settings.release_keep,
            min_pct=settings.release_price_threshold_pct,
            log=typer.echo,
        )
    except (ValueError, StorageError, OSError) as exc:
        _fail(f"release: {exc}")


@app.command()
def verify(
    release_path: Annotated[
        str, typer.Argument(metavar="RELEASE", help="a release's folder, http(s) URL or s3:// root")
    ],
) -> None:
    """Check every file of a release against its manifest (size and sha256); name each file
    that differs and exit non-zero."""
    from pipeline.release.verify import verify as check

    problems = check(release_path)
    for line in problems:
        typer.echo(f"verify: {line}", err=True)
    if problems:
        raise typer.Exit(1)
    typer.echo(f"verify: {release_path}: every file matches its manifest")


@app.command()
def rebuild(
    from_: Annotated[
        str | None, typer.Option("--from", help="first snapshot date (YYYY-MM-DD)")
    ] = None,
    to: Annotated[str | None, typer.Option(help="last snapshot date (YYYY-MM-DD)")] = None,
    stale: Annotated[
        bool,
        typer.Option(
            help="the published dates built by another version of the code (the stale_dates view)"
        ),
    ] = False,
    dry_run: Annotated[bool, typer.Option(help="say what would be rebuilt, and stop")] = False,
    force: Annotated[
        bool, typer.Option(help="rebuild the dates this code already built too")
    ] = False,
    data_dir: DataDirOpt = None,
    root: RootOpt = None,
    dagster_home: HomeOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Rebuild stored dates from their raw, with no request: one run of the daily_snapshot
    job over the range, dates published oldest first and each audited as on its day; the
    warehouse, the report and the digests once at the end. Exit 3 when some dates kept
    their old build (or stayed held), naming them and their checks."""
    from pipeline.publish.rebuild import plan
    from pipeline.publish.version import code_version
    from pipeline.storage.layout import parse_snapshot_date

    if stale == bool(from_ or to):
        _fail("say which dates: --from D1 --to D2 (either may be left out), or --stale")
    try:
        start = parse_snapshot_date(from_) if from_ else None
        end = parse_snapshot_date(to) if to else None
    except ValueError as exc:
        _fail(str(exc))
    if start and end and start > end:
        _fail(f"--from {start} is after --to {end}")
    settings = _settings(data_dir=data_dir, root=root, dagster_home=dagster_home)
    _check_data_dir(settings.data_dir)
    _check_root(settings)
    layout = settings.layout()
    planned = plan(layout, start=start, end=end, stale=stale, force=force)
    version = code_version()
    for d, why in planned.skipped.items():
        typer.echo(f"rebuild: {d} skipped: {why}", err=True)
    if planned.current:
        typer.echo(
            f"rebuild: {len(planned.current)} dates already built by this code ({version}), "
            "left as they are (--force rebuilds them)"
        )
    dates = planned.dates
    if not dates:
        typer.echo(f"rebuild: nothing to rebuild in {settings.storage_root()}")
        raise typer.Exit(HELD_EXIT if planned.skipped and not stale else 0)
    builds = layout.builds()
    if dry_run:
        for d in dates:
            typer.echo(f"{d}  built by {builds.get(d) or 'an unversioned build'}")
        typer.echo(
            f"rebuild: {len(dates)} dates would be rebuilt by {version} ({dates[0]} → "
            f"{dates[-1]}); --dry-run: nothing done"
        )
        return
    typer.echo(
        f"rebuild: {len(dates)} dates, {dates[0]} → {dates[-1]}, from raw in "
        f"{settings.storage_root()} (no request), code {version}"
    )
    try:
        from assets.runner import RunFailed, run_rebuild  # Dagster loads here only

        outcome = run_rebuild(
            settings, dates[0], dates[-1], dates, stale=stale, force=force, verbose=verbose
        )
    except KeyboardInterrupt:
        _interrupted(
            "rebuild interrupted: every date is whole, at its old build or its new one; "
            "run the same command again to finish (the dates already rebuilt are skipped)"
        )
    except RunFailed as exc:
        _fail(f"rebuild not finished: {exc}")
    kept = outcome.not_rebuilt()
    for d, dec in kept.items():
        what = (
            f"{dec.state}: {', '.join(dec.failed) or dec.line}"
            if dec is not None
            else "not reached"
        )
        typer.echo(f"rebuild: {d} kept its old build ({what})", err=True)
    where = settings.dagster_home_path()
    recorded = f", recorded in {where}" if where else ""
    done = len(dates) - len(kept)
    typer.echo(
        f"rebuild: {done} of {len(dates)} dates rebuilt (daily_snapshot run "
        f"{outcome.run_id}{recorded})"
    )
    if kept:
        raise typer.Exit(HELD_EXIT)


@app.command()
def replay(
    snapshot: Annotated[
        Path | None, typer.Option(help="raw snapshot folder; default the bundled sample")
    ] = None,
    host: str = "127.0.0.1",
    port: Annotated[int, typer.Option(help="0 picks a free port")] = 8765,
    latency_ms: Annotated[float, typer.Option(help="added to every response")] = 0.0,
    fault_rate: Annotated[
        float, typer.Option(help="share of URLs that fail their first 1-2 tries")
    ] = 0.0,
    seed: Annotated[int, typer.Option(help="which URLs fail, and how")] = 0,
    scale: Annotated[int, typer.Option(help="clone the catalog K times under new ids")] = 1,
    fail_always: Annotated[
        list[str] | None, typer.Option(help="glob of request paths that always answer 500")
    ] = None,
    not_found: Annotated[
        list[str] | None, typer.Option(help="glob of request paths that answer 404")
    ] = None,
    no_credits: Annotated[
        list[str] | None,
        typer.Option(help='glob of request paths that answer 402 "Insufficient credits"'),
    ] = None,
    retry_after: Annotated[int, typer.Option(help="Retry-After seconds sent with 429")] = 1,
    rate_limit: Annotated[
        float | None,
        typer.Option(help="requests per second allowed; above it 429 + Retry-After"),
    ] = None,
    require_api_key: Annotated[
        str | None, typer.Option(help="answer 401 unless this key is sent as Bearer")
    ] = None,
    captures: Annotated[
        list[Path] | None,
        typer.Option(
            help="CSV of hourly stats/endpoint captures (perf_hourly/<date>.csv.gz) served at "
            "the replay's clock (GET /_replay/clock?at=ISO), over the snapshot's records"
        ),
    ] = None,
    datasets: Annotated[
        Path | None,
        typer.Option(
            help="folder of Data API recordings (rankings_daily.json.gz and examples); "
            "default data/sample/datasets"
        ),
    ] = None,
    datasets_quota: Annotated[
        int | None,
        typer.Option(help="Data API calls answered before the daily quota's 429"),
    ] = None,
) -> None:
    """Serve a recorded snapshot with OpenRouter's paths, for tests, the demo and benchmarks."""
    from pipeline.replay.faults import FaultPlan
    from pipeline.replay.launcher import READY_PREFIX
    from pipeline.replay.server import BUNDLED_SAMPLE, ReplayOptions, make_server

    if not 0 <= fault_rate <= 1:
        _fail(f"--fault-rate must be within [0, 1], got {fault_rate}")
    plan = FaultPlan(
        fault_rate,
        seed,
        tuple(fail_always or ()),
        tuple(not_found or ()),
        tuple(no_credits or ()),
    )
    if rate_limit is not None and rate_limit <= 0:
        _fail(f"--rate-limit must be above 0, got {rate_limit}")
    options = ReplayOptions(latency_ms, retry_after, require_api_key, rate_limit, datasets_quota)
    try:
        server = make_server(
            snapshot or BUNDLED_SAMPLE,
            host,
            port,
            options,
            plan,
            scale,
            list(captures or ()),
            datasets,
        )
    except (FileNotFoundError, OSError, ValueError, KeyError) as exc:
        _fail(str(exc))
    h, p = server.server_address[:2]
    print(f"{READY_PREFIX}{snapshot or BUNDLED_SAMPLE} at http://{h}:{p}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


@app.command()
def query(
    sql: Annotated[str, typer.Argument(help="one SQL query over the warehouse views")],
    data_dir: DataDirOpt = None,
    root: RootOpt = None,
    format: Annotated[  # noqa: A002 - the option users type is --format
        str, typer.Option("--format", "-f", help="table, csv or json")
    ] = "table",
    max_rows: Annotated[int, typer.Option(help="rows shown by --format table")] = 50,
) -> None:
    """Run SQL on data/warehouse.duckdb (read-only) and print the result."""
    from pipeline.cli.query import Format, QueryError, render, run_query

    try:
        fmt = Format(format)
    except ValueError:
        _fail(f"--format must be table, csv or json, not {format!r}")
    settings = _settings(data_dir=data_dir, root=root)
    try:
        layout = settings.layout()
        result = run_query(layout.warehouse_path, sql, layout)
    except (QueryError, ValueError) as exc:
        _fail(str(exc))
    sys.stdout.write(render(result, fmt, max_rows, terminal=sys.stdout.isatty()))


@app.command()
def warehouse(
    data_dir: DataDirOpt = None,
    root: RootOpt = None,
) -> None:
    """Build the warehouse file (DuckDB views, no copies) from the store alone: on any
    machine, a local folder of views over a shared bucket's tables. Always built anew (a run
    keeps a file whose views would come out the same)."""
    from pipeline.storage.object_store import StorageError
    from pipeline.warehouse.build import build_warehouse

    settings = _settings(data_dir=data_dir, root=root)
    layout = settings.layout()
    if not layout.remote and not layout.base.is_dir():
        # nothing to build from, and nothing created for it
        _fail(f"no data dir at {layout.base}: nothing to build views over")
    _check_data_dir(settings.data_dir)
    try:
        dates = layout.dates("models")
    except StorageError as exc:
        _fail(str(exc))
    if not dates:
        _fail(f"no snapshot in {layout.tables_location}: nothing to build views over")
    try:
        counts = build_warehouse(layout, reuse=False)
    except (StorageError, RuntimeError) as exc:
        _fail(str(exc))
    typer.echo(
        f"warehouse: {layout.warehouse_path}, views over {layout.tables_location} "
        f"({len(dates)} snapshots, {dates[0]} to {dates[-1]}); "
        + ", ".join(f"{k} {v:,}" for k, v in counts.items() if k in SHOWN_COUNTS)
    )


SHOWN_COUNTS = ("models", "endpoints", "providers", "price_changes")


@app.command()
def demo(
    data_dir: Annotated[
        str | None,
        typer.Option(help="where the demo writes [default ./data; with --s3 ./data/s3-demo]"),
    ] = None,
    rows: int = 8,
    s3: Annotated[
        bool,
        typer.Option(
            "--s3",
            help="into a bucket of an S3-compatible server on loopback, on the multiprocess "
            "executor; then a warehouse from the bucket alone, compared with a local run",
        ),
    ] = False,
) -> None:
    """Replay the bundled days on loopback in order, run the pipeline on each, show the
    answers of the newest."""
    if s3:
        from pipeline.cli.demo_s3 import run_demo_s3

        sys.exit(run_demo_s3(data_dir or "./data/s3-demo", rows))
    from pipeline.cli.demo import run_demo

    sys.exit(run_demo(data_dir or "./data", rows))


@app.command()
def ui(
    data_dir: DataDirOpt = None,
    root: RootOpt = None,
    base_url: Annotated[
        str | None,
        typer.Option(
            help="API base URL of the runs the UI launches [env OPENROUTER_BASE_URL; default "
            "https://openrouter.ai]"
        ),
    ] = None,
    dagster_home: HomeOpt = None,
    port: Annotated[int, typer.Option(help="the webserver's port")] = 3000,
) -> None:
    """The Dagster UI (dagster dev, with its daemon) of one data dir: its home lists the runs
    and materialisations of that data dir, and the runs it launches write there."""

    from assets.runner import open_home
    from pipeline.settings import MEMORY

    settings = _settings(base_url=base_url, data_dir=data_dir, root=root, dagster_home=dagster_home)
    home = settings.dagster_home_path()
    if home is None:
        _fail(f"--dagster-home {MEMORY}: the UI needs a home on disk")
    open_home(home).dispose()  # its dagster.yaml, before the webserver reads it
    env = {**os.environ, **settings.environment(), "DAGSTER_HOME": str(home)}
    # `dagster dev` warns that `dg dev` supersedes it; dg needs dagster-dg-cli and a project
    # of its layout, and `dagster dev` is what the pinned stack gives
    env["PYTHONWARNINGS"] = ",".join(
        w for w in (env.get("PYTHONWARNINGS"), "ignore:Function `dev_command` is superseded") if w
    )
    dagster = str(Path(sys.executable).with_name("dagster"))
    workspace = Path(__file__).resolve().parents[2] / "workspace.yaml"  # the code location
    args = [dagster, "dev", "-w", str(workspace), "-p", str(port)]
    typer.echo(
        f"ui: {settings.storage_root()} (runs recorded in {home}) on http://127.0.0.1:{port}"
    )
    sys.stdout.flush()
    os.execve(dagster, args, env)


def main() -> None:
    """The console entry point: the app, then a fast exit (``pipeline/cli/fast_exit.py``)."""
    from pipeline.cli.fast_exit import leave

    try:
        app()
    except SystemExit as exc:
        if exc.code == INTERRUPTED_EXIT and not _said:
            # a Ctrl-C outside a command's own handling (Typer makes it exit 130 silently)
            print("error: interrupted", file=sys.stderr)
        leave(exc.code)
    leave(0)
