"""No false alarm: the 20 consecutive real days of the shared archive (2026-07-17 → 08-05) built
in order through the tables step, each audited against the day before as a daily run would
be, with the default thresholds. Prints the audit's figures per day, and the largest of each
over the 20 days beside its limit; exits 1 if any real day is held.

    .venv/bin/python scripts/check_audit_days.py [--shared ../shared/openrouter-samples]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

import dagster as dg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from assets.resources import CatalogStorage  # noqa: E402
from assets.tables import BLOCKING, catalog_tables  # noqa: E402
from pipeline.publish.thresholds import Thresholds  # noqa: E402
from pipeline.storage.layout import Layout  # noqa: E402
from tests.support.recorded_day import build_day  # noqa: E402

# (check, metadata entry, label): the figures printed per day
FIGURES = (
    ("models_volume", "v1_models_change_pct", "v1 models %"),
    ("models_volume", "catalog_rows_change_pct", "catalog %"),
    ("endpoints_volume", "endpoints_change_pct", "endpoints %"),
    ("providers_volume", "providers_change_pct", "providers %"),
    ("endpoint_prices_stable", "price_changed_pct", "price changed %"),
    ("endpoint_prices_stable", "turned_zero_or_null_pct", "endpoint paid→0 %"),
    ("model_prices_stable", "turned_zero_or_null_pct", "model paid→0 %"),
    ("api_fields_kept", "vanished", "fields vanished"),
)
DROPS = {label for _, key, label in FIGURES if key.endswith("change_pct")}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default="../shared/openrouter-samples")
    args = ap.parse_args()
    days = sorted(Path(args.shared).glob("daily_2026-0*/2026-*"))
    if not days:
        print(f"no daily bundles under {args.shared}", file=sys.stderr)
        return 2
    held: list[str] = []
    falls: list[str] = []  # per day, the field whose share fell furthest
    worst: dict[str, float] = {}
    print("date        " + "  ".join(f"{label:>17}" for _, _, label in FIGURES))
    with tempfile.TemporaryDirectory() as tmp, dg.instance_for_test() as instance:
        layout = Layout(tmp)
        for folder in days:
            t0 = time.perf_counter()
            build_day(folder, layout.raw_dir(dt.date.fromisoformat(folder.name)))
            result = dg.materialize(
                [catalog_tables],
                partition_key=folder.name,
                resources={"storage": CatalogStorage(root=tmp)},
                instance=instance,
                raise_on_error=False,
                run_config={"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}},
            )
            found = {e.check_name: e for e in result.get_asset_check_evaluations()}
            cells = []
            for check, key, label in FIGURES:
                entry = found[check].metadata.get(key)
                value = None if entry is None else entry.value
                cells.append(f"{'-' if value is None else value:>17}")
                if isinstance(value, int | float):
                    # drops are what hold a list: keep the most negative change
                    v = -value if key.endswith("change_pct") else value
                    worst[label] = max(worst.get(label, float("-inf")), v)
            failed = [n for n, e in found.items() if n in BLOCKING and not e.passed]
            if failed or not result.success:
                held.append(f"{folder.name}: {', '.join(failed) or 'run failed'}")
            status = "HELD " + ",".join(failed) if failed else "published"
            fall = found["api_fields_kept"].metadata.get("largest_fall")
            if fall is not None and fall.value:
                falls.append(f"{folder.name}: {fall.value}")
            print(
                f"{folder.name}  "
                + "  ".join(cells)
                + f"  {status} ({time.perf_counter() - t0:.1f} s)"
            )
    limits = Thresholds()
    largest = ", ".join(
        f"{label} {'drop ' if label in DROPS else ''}{v:g}" for label, v in worst.items()
    )
    print(f"\nlargest over the days: {largest}")
    print(
        f"limits: drop {100 * limits.max_drop:g} %, "
        f"price changed {100 * limits.max_price_changes:g} %, "
        f"paid→0 {100 * limits.max_zeroed:g} %, "
        f"a field vanished when ≥ {100 * limits.field_was:g} % → < {100 * limits.field_now:g} %"
    )
    print("the field that fell furthest, per day:" + "".join(f"\n  {f}" for f in falls))
    print(f"{len(days)} days, {len(held)} held" + "".join(f"\n  {h}" for h in held))
    return 1 if held else 0


if __name__ == "__main__":
    sys.exit(main())
