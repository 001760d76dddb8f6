"""OpenRouter's official daily rankings over every shared real day (2026-05-24 → 08-21, 51 rows
a day), run as the daily runs would ask them: a first run dated 05-25 backfills from
2025-01-01, then one run a day to 08-22, each asking from three days before the last stored
day. Every answer is rebuilt from the recorded rows by the replay's rules and goes through the
library's own build and publish (no Dagster, no HTTP). Checks, against the recorded JSON:
every (date, permaslug) stored once with its exact token count, no revision counted (the rows
never change), one 'other' row a day, and the calls a run spends.

Reads ../shared/openrouter-samples (not in the repository, so not part of ``make test``):

    .venv/bin/python scripts/check_official_days.py [--shared DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import polars as pl  # noqa: E402

from pipeline.fetch.client import request_target  # noqa: E402
from pipeline.fetch.datasets import rankings_calls  # noqa: E402
from pipeline.publish.datasets import last_stored_day, write_tables  # noqa: E402
from pipeline.replay.datasets import DatasetsReplay  # noqa: E402
from pipeline.storage.layout import Layout  # noqa: E402
from pipeline.transforms.datasets import Answer, build  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    args = ap.parse_args()
    [recorded] = sorted((args.shared / "openrouter-samples/datasets_rankings_daily").glob("*.gz"))
    rows = json.loads(gzip.decompress(recorded.read_bytes()))
    days = sorted(rows)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "answers"
        folder.mkdir()
        shutil.copy(recorded, folder / "rankings_daily.json.gz")
        replay = DatasetsReplay(folder)
        layout = Layout(str(Path(tmp) / "data"))
        first = dt.date.fromisoformat(days[0]) + dt.timedelta(days=1)
        last = dt.date.fromisoformat(days[-1]) + dt.timedelta(days=1)
        snapshot, calls, revisions, runs = first, [], 0, 0
        while snapshot <= last:
            planned = rankings_calls(snapshot, last_stored_day(layout))
            found = []
            for call in planned:
                target = request_target(call.path, call.params)
                status, body = replay.answer(target, authorized=True)
                assert status == 200, (snapshot, target, status)
                found.append(Answer(call.source, call.key, target, json.loads(body), "replay"))
            built = build(found, None, snapshot)
            assert not built.drift and not built.broken and not built.problems, snapshot
            n, _ = write_tables(layout, snapshot, built.frames)
            revisions += n
            calls.append(len(planned))
            runs += 1
            snapshot += dt.timedelta(days=1)
        stored = pl.read_parquet(
            f"{layout.tables_location}/official_rankings_daily/date=*/*.parquet"
        )
    expected = {
        (d, slug, int(r["total_tokens"])) for d, day in rows.items() for slug, r in day.items()
    }
    got = {
        (str(d), s, t)
        for d, s, t in stored.select("date", "model_permaslug", "total_tokens").iter_rows()
    }
    print(
        f"official rankings: {len(days)} recorded days ({days[0]} → {days[-1]}), {runs} daily runs"
    )
    print(f"  rows stored {stored.height:,}, recorded {len(expected):,}, equal: {got == expected}")
    print(f"  one 'other' row a day: {stored.filter(pl.col('is_other')).height == len(days)}")
    print(f"  revisions counted: {revisions} (the recorded rows never change)")
    print(f"  rankings calls: first run {calls[0]}, then {min(calls[1:])}-{max(calls[1:])} a day")
    ok = got == expected and stored.height == len(expected) and revisions == 0
    print("OK" if ok else "MISMATCH")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
