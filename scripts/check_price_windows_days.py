"""The time-of-day price checks of tests/warehouse/test_price_windows.py on every day of
../shared/openrouter-samples/pulse_2026-08 (08-09 → 08-21, 08-19 absent): each day served by
the replay server and fetched by a daily run, in a scrambled order, then every window row,
every window event and the cheapest endpoint at each hour checked against the raw JSON
(tests/support/window_checks.py). Prints one line per day and a summary; exit 1 on a failure.

    .venv/bin/python scripts/check_price_windows_days.py [--keep DIR]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402

from tests.support.window_checks import (  # noqa: E402
    Outcome,
    check_changes,
    check_cheapest_at,
    check_windows,
)
from tests.warehouse.test_price_windows import run_days  # noqa: E402

PULSE = ROOT.parent / "shared" / "openrouter-samples" / "pulse_2026-08"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--keep", type=Path, help="build into this folder and keep it")
    args = ap.parse_args()
    days = sorted(p for p in PULSE.glob("2026-08-*") if (p / "endpoint_stats.json.gz").is_file())
    # newest first, then alternately from both ends: every date built before or after its
    # neighbours
    order, rest = [], list(days)
    while rest:
        order.append(rest.pop(-1))
        if rest:
            order.append(rest.pop(0))
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        started = time.monotonic()
        run_days(order, work / "data", work)
        print(
            f"built {len(days)} days ({days[0].name} → {days[-1].name}) in the order "
            f"{', '.join(d.name[5:] for d in order)}, {time.monotonic() - started:.0f} s"
        )
        total = Outcome()
        with duckdb.connect(str(work / "data" / "warehouse.duckdb"), read_only=True) as con:
            for i, day in enumerate(days):
                out = Outcome()
                check_windows(day, con, out)
                if i:
                    check_changes(days[i - 1], day, con, out)
                check_cheapest_at(day, con, out)
                total.failures += out.failures
                for k, v in out.counts.items():
                    total.count(k, v)
                print(
                    f"{day.name}: window prices {out.counts['endpoint_price_windows_prices']} "
                    f"(endpoints), {out.counts['model_price_windows_prices']} (v1 list); "
                    f"window events {out.counts.get('window_changes', 0)}; cheapest at 24 hours "
                    f"{out.counts['cheapest_at_checked']} checked, "
                    f"{out.counts['models_whose_cheapest_changes_in_the_day']} models whose "
                    f"cheapest provider changes in the day; failures {len(out.failures)}"
                )
    print(f"total: {total.counts}; failures {len(total.failures)}")
    for line in total.failures[:20]:
        print("  " + line)
    return 1 if total.failures else 0


if __name__ == "__main__":
    sys.exit(main())
