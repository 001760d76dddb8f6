"""One partition per snapshot date (UTC). Today's partition exists (end_offset=1) so the
schedule and ``run`` can fetch the current catalog."""

import dagster as dg

snapshot_partitions = dg.DailyPartitionsDefinition(start_date="2023-12-01", end_offset=1)
