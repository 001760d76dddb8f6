"""The project's event log storage is Dagster's SQLite one with its engines kept: a home it
writes is read by Dagster's own class, event for event, and its engines stay few."""

from pathlib import Path

import dagster as dg
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

from assets.event_log import KEPT_RUN_FILES, KeptEngineSqliteEventLogStorage
from assets.runner import open_home


@dg.asset(partitions_def=dg.StaticPartitionsDefinition(["a", "b"]))
def counted(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    context.log.info(f"partition {context.partition_key}")
    return dg.MaterializeResult(metadata={"partition": context.partition_key})


def test_a_home_it_writes_is_dagsters_own(tmp_path: Path) -> None:
    with open_home(tmp_path) as instance:
        assert isinstance(instance.event_log_storage, KeptEngineSqliteEventLogStorage)
        runs = [
            dg.materialize([counted], partition_key=p, instance=instance).run_id
            for p in ("a", "b", "a")
        ]
        written = {r: [e.dagster_event_type for e in instance.all_logs(r)] for r in runs}
    plain = SqliteEventLogStorage(str(tmp_path / "history" / "runs"))
    for run_id, types in written.items():
        assert [e.dagster_event_type for e in plain.get_logs_for_run(run_id)] == types
    latest = plain.get_latest_materialization_events([dg.AssetKey("counted")])
    assert latest[dg.AssetKey("counted")].asset_materialization.metadata["partition"].value == "a"


def test_only_the_index_and_the_latest_run_files_keep_an_engine(tmp_path: Path) -> None:
    with open_home(tmp_path) as instance:
        storage = instance.event_log_storage
        assert isinstance(storage, KeptEngineSqliteEventLogStorage)
        for _ in range(KEPT_RUN_FILES + 3):
            dg.materialize([counted], partition_key="b", instance=instance)
        assert len(storage._engines) <= KEPT_RUN_FILES + 1  # noqa: SLF001
        # an evicted run file opens again on demand
        first = instance.get_runs(limit=KEPT_RUN_FILES + 3)[-1]
        assert instance.all_logs(first.run_id)
