"""Digest layer: what changed on a snapshot date, as Markdown (reports/digest_<date>.md)."""

import dagster as dg

from assets.partitions import SINGLE_RUN, is_rebuild, run_dates, snapshot_partitions
from assets.resources import CatalogStorage
from assets.warehouse import warehouse
from pipeline.digest import build_digest, build_digests
from pipeline.storage.layout import parse_snapshot_date


@dg.asset(
    description="reports/digest_YYYY-MM-DD.md: the date against the snapshot before it: new and "
    "removed models (with their last prices), the largest endpoint price moves, data-policy "
    "changes (training, prompt retention) and new free variants. Also printed by "
    "`openrouter-catalog digest [--date D]`.",
    deps=[warehouse],
    partitions_def=snapshot_partitions,
    backfill_policy=SINGLE_RUN,
    group_name="reports",
    owners=["team:catalog"],
    kinds={"markdown", "duckdb"},
)
def catalog_digest(
    context: dg.AssetExecutionContext, storage: CatalogStorage
) -> dg.MaterializeResult:
    layout = storage.layout()
    if is_rebuild(context):
        # every date of the range again (the past digests), the newest last, side by side
        try:
            digests = build_digests(layout, run_dates(context), log=context.log.info)
        except ValueError as exc:
            raise dg.Failure(description=f"catalog_digest: {exc}") from None
        if not digests:
            return dg.MaterializeResult(metadata={"digests": 0})
        digest = digests[-1]
    else:
        try:
            digest = build_digest(layout, parse_snapshot_date(context.partition_key))
        except ValueError as exc:
            raise dg.Failure(description=f"catalog_digest: {exc}") from None
    context.log.info(
        f"catalog_digest: {digest.path} ("
        + ", ".join(f"{k} {v}" for k, v in digest.counts.items())
        + ")"
    )
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(digest.path)),
            "open": dg.MetadataValue.url(digest.path.as_uri()),
            **(
                {"shared": dg.MetadataValue.url(digest.shared)}
                if digest.shared != str(digest.path)
                else {}
            ),
            "against": str(digest.previous) if digest.previous else "first snapshot",
            **{k: dg.MetadataValue.int(v) for k, v in digest.counts.items()},
            "digest": dg.MetadataValue.md(digest.text[:20_000]),
        }
    )
