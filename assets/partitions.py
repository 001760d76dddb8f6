"""One partition per snapshot date (UTC). Today's partition exists (end_offset=1) so the
schedule and ``run`` can fetch the current catalog.

A run of a range of dates (a backfill launched in the UI, ``openrouter-catalog rebuild``) is
one run: every daily asset has the single-run backfill policy (assets whose policies differ
never share a run). Such a run is a rebuild: no request is made, and each step works through
the range itself (``run_dates``), since ``context.partition_key`` raises in it."""

from __future__ import annotations

import datetime as dt
import warnings

import dagster as dg

# the single-run policy is what a range run needs; Dagster 1.13 marks the parameter beta and
# says so each time the code location loads, in every process
warnings.filterwarnings("ignore", message="Parameter `backfill_policy`", category=dg.BetaWarning)

# the CLI checks dates against the same start (pipeline.cli.app.FIRST_SNAPSHOT_DATE)
snapshot_partitions = dg.DailyPartitionsDefinition(start_date="2023-12-01", end_offset=1)
SINGLE_RUN = dg.BackfillPolicy.single_run()
# set by `openrouter-catalog rebuild` on its run, whose range may be a single date
REBUILD_TAG = "openrouter_catalog/rebuild"
# rebuild the dates this code already built too (`openrouter-catalog rebuild --force`)
REBUILD_FORCE_TAG = "openrouter_catalog/rebuild_force"
# only the stale dates of the range (`openrouter-catalog rebuild --stale`)
REBUILD_STALE_TAG = "openrouter_catalog/rebuild_stale"


def run_dates(context: dg.AssetExecutionContext) -> list[dt.date]:
    """The snapshot dates of the run, oldest first: one for a daily run, the range for a
    rebuild."""
    keys = snapshot_partitions.get_partition_keys_in_range(context.partition_key_range)
    return [dt.date.fromisoformat(k) for k in keys]


def is_rebuild(context: dg.AssetExecutionContext) -> bool:
    """A run of a range of dates, or a rebuild of one: built from landed raw, no request."""
    r = context.partition_key_range
    return r.start != r.end or context.run.tags.get(REBUILD_TAG) == "true"
