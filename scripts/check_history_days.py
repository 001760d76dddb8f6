"""The history views over all 20 shared real days (2026-07-17 → 08-05), built from raw out
of order (the last ten first, then the rest), against intervals derived here day by day from
the recorded JSON (tests/support/history_checks.py): every endpoint, model and provider-policy
interval, endpoints_as_of and models_as_of of each day, and removed_models.

Reads ../shared/openrouter-samples (not in the repository, so not part of ``make test``):

    .venv/bin/python scripts/check_history_days.py [--shared DIR] 2>/dev/null
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402

from pipeline.storage.layout import Layout  # noqa: E402
from tests.conftest import rebuild_from_raw  # noqa: E402
from tests.support.history_checks import check_history  # noqa: E402
from tests.support.recorded_day import build_day  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", default=str(ROOT.parent / "shared" / "openrouter-samples"))
    args = ap.parse_args()
    days = sorted(Path(args.shared).glob("daily_2026-0*/2026-*"))
    if len(days) != 20:
        print(f"expected 20 days under {args.shared}, found {len(days)}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        layout = Layout(tmp)
        for day in days:
            build_day(day, layout.raw_dir(dt.date.fromisoformat(day.name)))
        order = days[10:] + days[:10]
        t0 = time.perf_counter()
        for i, day in enumerate(order):
            result = rebuild_from_raw(layout, day.name, warehouse=i == len(order) - 1)
            assert result.success, day.name
        print(
            f"built 20 days out of order ({order[0].name} first) in "
            f"{time.perf_counter() - t0:.0f} s"
        )
        with duckdb.connect(str(layout.warehouse_path), read_only=True) as con:
            outcome = check_history(days, con)
    print("20 days: " + ", ".join(f"{k} {v:,}" for k, v in outcome.counts.items()))
    for line in outcome.failures[:30]:
        print("  " + line)
    print("all checks hold" if not outcome.failures else f"{len(outcome.failures)} failures")
    return 1 if outcome.failures else 0


if __name__ == "__main__":
    sys.exit(main())
