"""One partition per snapshot date (UTC). Today's partition exists (end_offset=1) so the
schedule and ``run`` can fetch the current catalog."""

import dagster as dg

# the CLI checks dates against the same start (pipeline.cli.app.FIRST_SNAPSHOT_DATE)
snapshot_partitions = dg.DailyPartitionsDefinition(start_date="2023-12-01", end_offset=1)
