"""The acceptance checks of tests/support/day_checks.py over every real day in the shared archive
(../shared/openrouter-samples/daily_2026-07 and daily_2026-08, 20 days): each day's bundle is
turned into a raw snapshot, built into tables and a warehouse, and checked against values
computed from the bundle's own files. make test runs the same checks on the fixture days.

    .venv/bin/python scripts/check_days.py [--shared ../shared/openrouter-samples]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.support.day_checks import Day, build_day_warehouse, check_day  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default="../shared/openrouter-samples")
    args = ap.parse_args()
    days = sorted(Path(args.shared).glob("daily_2026-0*/2026-*"))
    if not days:
        print(f"no daily bundles under {args.shared}", file=sys.stderr)
        return 2
    failures: list[str] = []
    totals: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for folder in days:
            t0 = time.perf_counter()
            warehouse = build_day_warehouse(folder, Path(tmp) / folder.name)
            with duckdb.connect(str(warehouse), read_only=True) as con:
                outcome = check_day(Day.read(folder), con)
            failures += outcome.failures
            for k, v in outcome.counts.items():
                totals[k] = totals.get(k, 0) + v
            counts = ", ".join(f"{k} {v}" for k, v in outcome.counts.items())
            status = "ok" if not outcome.failures else f"{len(outcome.failures)} FAILED"
            print(f"{folder.name}: {status} ({counts}; {time.perf_counter() - t0:.1f} s)")
    print(f"\n{len(days)} days: " + ", ".join(f"{k} {v}" for k, v in totals.items()))
    for line in failures[:50]:
        print("  " + line)
    print("all checks hold" if not failures else f"{len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
