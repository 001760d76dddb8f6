"""Build data/sample/ (the bundled snapshot) from ../shared/openrouter-samples/daily_2026-07.

Run once by a developer when the sample changes; nothing at run time reads ../shared. What is
recorded and what is derived: data/sample/README.md and pipeline/replay/recorded_day.py.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from pipeline.replay.recorded_day import build_day


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--day", default="../shared/openrouter-samples/daily_2026-07/2026-07-19")
    ap.add_argument("--out", default="data/sample")
    args = ap.parse_args()
    n = build_day(Path(args.day), Path(args.out))
    print(f"wrote {n} responses to {args.out}")


if __name__ == "__main__":
    main()
