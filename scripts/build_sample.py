"""Build data/sample/ (the bundled snapshots) from ../shared/openrouter-samples/daily_2026-07:
the demo's day 2026-07-19 at the top (what `openrouter-catalog replay` serves by default and
the tests read), and the two days before it under data/sample/earlier/<date>/, which the demo
replays first so that its history shows real price changes; and under
data/sample/by-the-hour/2026-08-21/ a later real day of the second recorder
(../shared/openrouter-samples/pulse_2026-08), whose time-of-day prices the demo shows in a
data folder of its own.

Run once by a developer when the sample changes; nothing at run time reads ../shared. What is
recorded and what is derived: data/sample/README.md and tests/support/recorded_day.py.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from tests.support.pulse_day import build_pulse_day
from tests.support.recorded_day import build_day

DAILY = Path("../shared/openrouter-samples/daily_2026-07")
PULSE = Path("../shared/openrouter-samples/pulse_2026-08")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--day", default=str(DAILY / "2026-07-19"))
    ap.add_argument(
        "--earlier", nargs="*", default=[str(DAILY / d) for d in ("2026-07-17", "2026-07-18")]
    )
    ap.add_argument("--by-the-hour", default=str(PULSE / "2026-08-21"))
    ap.add_argument("--out", default="data/sample")
    args = ap.parse_args()
    out = Path(args.out)
    with tempfile.TemporaryDirectory() as tmp:
        earlier = []
        for day in map(Path, args.earlier):
            n = build_day(day, Path(tmp) / day.name)
            earlier.append((day.name, n))
        hourly = Path(args.by_the_hour)
        hourly_n = build_pulse_day(hourly, Path(tmp) / "by-the-hour" / hourly.name)
        n = build_day(Path(args.day), out)  # clears out/ (its README aside)
        print(f"wrote {n} responses to {out}")
        shutil.move(str(Path(tmp) / "by-the-hour"), out / "by-the-hour")
        print(f"wrote {hourly_n} responses to {out / 'by-the-hour' / hourly.name}")
        for name, count in earlier:
            shutil.move(str(Path(tmp) / name), out / "earlier" / name)
            print(f"wrote {count} responses to {out / 'earlier' / name}")


if __name__ == "__main__":
    main()
