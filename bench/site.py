"""What the release's site costs on the year-long store of ``bench/reprocess.py`` (issue #49):
the time it adds to ``openrouter-catalog release`` (the command users run), the size of its
index page and of the whole site; and that two builds are the same bytes but ``built_at``.

    .venv/bin/python bench/site.py [--store DIR] [--baseline CHECKOUT] [--repeat 2]

``--store`` defaults to the store ``bench/reprocess.py --days 365`` rebuilds
(``bench/out/reprocess/rebuild``). ``--baseline`` is a checkout of the code before the site
(``git worktree add DIR <commit>``): its release of the same store, run the same way,
is the time without the site. Runs alternate, the fastest of each is compared (the first
read of a cold store is slower for whichever goes first).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = str(ROOT / ".venv" / "bin" / "python")
STORE = ROOT / "bench" / "out" / "reprocess" / "rebuild"


def release(code: Path, store: Path, dest: Path) -> tuple[float, str]:
    """One ``release`` of ``store`` by the code in ``code``, in a process of its own."""
    shutil.rmtree(dest, ignore_errors=True)
    started = time.perf_counter()
    out = subprocess.run(
        [PY, "-m", "pipeline", "release", "--data-dir", str(store), "--to", str(dest)],
        cwd=code, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return time.perf_counter() - started, out.stdout + out.stderr


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--store", type=Path, default=STORE)
    ap.add_argument("--baseline", type=Path, help="a checkout of the code before the site")
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    if args.repeat < 2:
        sys.exit("--repeat 2 at least: two builds are compared")
    dates = len(list((args.store / "tables" / "endpoints").glob("snapshot_date=*")))
    print(f"store {args.store}: {dates} published dates")
    work = Path(tempfile.mkdtemp(prefix="bench-site-"))
    now, before, logs = [], [], []
    for i in range(args.repeat):
        took, log = release(ROOT, args.store, work / f"now{i}")
        now.append(took)
        logs.append(log)
        if args.baseline:
            before.append(release(args.baseline, args.store, work / f"before{i}")[0])
    line = next(x for x in logs[-1].splitlines() if x.startswith("release "))
    print(line)
    site_s = float(re.search(r"MB in ([\d.]+) s", line).group(1))
    site = next(p for p in (work / "now0").iterdir() if p.is_dir()) / "site"
    size = sum(p.stat().st_size for p in site.rglob("*") if p.is_file())
    index = (site / "index.html").stat().st_size
    print(f"release, with the site: {min(now):.1f} s (runs: {', '.join(f'{t:.1f}' for t in now)})")
    print(f"the site's own step: {site_s:.1f} s (target: ≤ 30 s added)")
    if before:
        added = min(now) - min(before)
        print(
            f"release, before the site: {min(before):.1f} s "
            f"(runs: {', '.join(f'{t:.1f}' for t in before)}); added: {added:+.1f} s"
        )
    print(f"index page: {index / 1e6:.2f} MB (target ≤ 1 MB: {index / 1e6:.2f} ×)")
    print(f"site: {size / 1e6:.1f} MB in {sum(1 for _ in site.rglob('*.html')):,} pages "
          f"(target ≤ 50 MB: {size / 50e6:.2f} ×)")  # fmt: skip
    # two builds: the same bytes but the manifest's built_at
    a, b = (next(p for p in (work / f"now{i}").iterdir() if p.is_dir()) for i in (0, 1))
    names = sorted(p.relative_to(a).as_posix() for p in a.rglob("*") if p.is_file())
    differ = [n for n in names if (a / n).read_bytes() != (b / n).read_bytes()]
    ma, mb = (json.loads((x / "manifest.json").read_text()) for x in (a, b))
    ma.pop("built_at"), mb.pop("built_at")
    print(f"two builds: {len(names):,} files, differing: {differ} (manifests equal but "
          f"built_at: {ma == mb})")  # fmt: skip
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
