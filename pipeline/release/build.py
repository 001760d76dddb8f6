"""Build a release of everything published so far (see ``pipeline/release/__init__.py``).

Every file but the manifest is a function of the published tables and the code: the tables
are written sorted on every column by one DuckDB thread, the feed and the card carry no
clock, so the same data always gives the same bytes and the same version.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.publish import decisions
from pipeline.release import card, croissant, feed, site
from pipeline.release.sql import history_views, release_sql
from pipeline.storage.layout import Layout
from pipeline.transforms.history import HISTORIES
from pipeline.transforms.schemas import ALL_TABLES, RULES
from pipeline.warehouse.build import as_of_connection

MANIFEST = "manifest.json"
LATEST = "latest.json"
FRONT = "index.html"  # at the releases' root: leads to the newest release's site
# a table's rows in row groups of about this share of the table, within bounds: enough
# groups that a reader fetches a date's or a model's rows, not the whole file
ROW_GROUPS = 32
MIN_GROUP = 64
ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Release:
    version: str
    where: str  # the release's folder or URL
    files: dict[str, dict[str, Any]]
    manifest: dict[str, Any]


def _order(con: duckdb.DuckDBPyConnection, view: str, first: list[str]) -> str:
    """ORDER BY the given columns, then every other: a total order, the same every build."""
    cols = [r[0] for r in con.sql(f"DESCRIBE {view}").fetchall()]
    lead = [c for c in first if c in cols]
    return ", ".join(f'"{c}"' for c in lead + [c for c in cols if c not in lead])


def _key_first(table: str) -> list[str]:
    """How a table is sorted: by date, then by model and its key, so that a date's rows are
    a few row groups and a model's are near each other within them."""
    key = RULES[table].key if table in RULES else None
    keys = [key] if isinstance(key, str) else list(key or ())
    return ["snapshot_date", "date", "model_id", *keys, "endpoint_id"]


def _write(con: duckdb.DuckDBPyConnection, view: str, first: list[str], path: Path) -> int:
    """The view's rows, sorted, as one Parquet file whose row groups break where the leading
    sort column changes (a date, or a model), about a 32nd of the table each: a reader asking
    for one date or one model reads the footer and one group. Statistics only on the sort
    columns, which are what a reader filters on; the others would triple the footer every
    reader fetches first."""
    cols = [r[0] for r in con.sql(f"DESCRIBE {view}").fetchall()]
    lead = [c for c in first if c in cols]
    # Parquet has no 128-bit integer (DuckDB would write a double): sums of counts are
    # BIGINT in the file, the same numbers
    wide = [c for c, t, *_ in con.sql(f"DESCRIBE {view}").fetchall() if "HUGEINT" in t]
    casts = ", ".join(f'CAST("{c}" AS BIGINT) AS "{c}"' for c in wide)
    cast = f" REPLACE ({casts})" if wide else ""
    found = con.sql(f"SELECT *{cast} FROM {view} ORDER BY {_order(con, view, first)}").arrow()
    table = found.read_all() if isinstance(found, pa.RecordBatchReader) else found
    bounds = _groups(table.column(lead[0]).to_pylist() if lead else [], table.num_rows)
    writer = pq.ParquetWriter(
        path, table.schema, compression="zstd", write_statistics=lead or False
    )
    with writer:
        for a, b in itertools.pairwise(bounds):
            writer.write_table(table.slice(a, b - a), row_group_size=b - a)
        if table.num_rows == 0:
            writer.write_table(table)
    return table.num_rows


def _groups(keys: list[Any], rows: int) -> list[int]:
    """Row-group boundaries: where the leading key changes, once a group holds at least a
    32nd of the rows (and MIN_GROUP)."""
    target = max(MIN_GROUP, rows // ROW_GROUPS)
    bounds = [0]
    for i in range(1, len(keys)):
        if keys[i] != keys[i - 1] and i - bounds[-1] >= target:
            bounds.append(i)
    if rows > bounds[-1]:
        bounds.append(rows)
    return bounds


def destination(layout: Layout, configured: str | None) -> str:
    """Where releases go: the setting, else the storage root's ``releases/`` (in the bucket,
    with a bucket root)."""
    if configured:
        return configured
    return layout.bucket.url("releases") if layout.remote else str(layout.base / "releases")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def commit_of(root: Path = ROOT) -> str | None:
    """The code's commit, when the code is a git checkout."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def _dates(layout: Layout, published: list[dt.date]) -> dict[str, Any]:
    """Every snapshot date the store has a decision for, with its state and reason; and the
    days between the first and the last published that have no snapshot at all."""
    seen: dict[str, dict[str, Any]] = {}
    audit = sorted(p.name for p in (layout.base / "audit").glob("snapshot_date=*"))
    for name in audit:
        day = dt.date.fromisoformat(name.removeprefix("snapshot_date="))
        last = decisions.latest(layout, day)
        if last is not None:
            seen[str(day)] = {"state": last.state, "reason": last.line}
    for day in published:
        seen.setdefault(str(day), {"state": decisions.PUBLISHED, "reason": f"published {day}"})
    absent = []
    if published:
        day = published[0]
        while day < published[-1]:
            if str(day) not in seen:
                absent.append(str(day))
            day += dt.timedelta(days=1)
    return {
        "published": [str(d) for d in published],
        "held": {d: s["reason"] for d, s in sorted(seen.items()) if s["state"] == decisions.HELD},
        "accepted": {
            d: s["reason"] for d, s in sorted(seen.items()) if s["state"] == decisions.ACCEPTED
        },
        "failed": {
            d: s["reason"] for d, s in sorted(seen.items()) if s["state"] == decisions.FAILED
        },
        "absent": {d: "no snapshot was taken" for d in absent},
    }


def _coverage(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, dict[str, int]]]:
    rows = con.sql(
        "SELECT snapshot_date::VARCHAR, source, count(*), count(*) FILTER (WHERE error IS NULL) "
        "FROM fetch_log_history GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    out: dict[str, dict[str, dict[str, int]]] = {}
    for day, source, calls, ok in rows:
        out.setdefault(day, {})[source] = {"calls": calls, "ok": ok}
    return out


def build_files(layout: Layout, out: Path, *, min_pct: float) -> dict[str, Any]:
    """Write every file of the release but the manifest into ``out``; return what the
    manifest says of the data (dates, coverage, tables)."""
    (out / "tables").mkdir(parents=True)
    with as_of_connection(layout, dt.date.max) as con:
        # one thread: DuckDB writes the same bytes for the same rows every time
        con.execute("SET threads = 1")
        con.execute("SET preserve_insertion_order = true")
        published = sorted(
            d for (d,) in con.sql("SELECT snapshot_date FROM published_dates").fetchall()
        )
        tables = list(ALL_TABLES)
        rows = {t: _write(con, f"{t}_history", _key_first(t), out / "tables" / f"{t}.parquet")
                for t in tables}  # fmt: skip
        for h in HISTORIES:
            for view in (h.view, h.removed):
                if view:
                    # by model: one model's history is a few row groups of the file
                    first = ["model_id", *h.key, "valid_from", "removed_on"]
                    rows[view] = _write(con, view, first, out / "tables" / f"{view}.parquet")
        changes = feed.rows(con, min_pct)
        coverage = _coverage(con)
    (out / "load.sql").write_text(release_sql(tables, published))
    dates = _dates(layout, published)
    items = feed.write(out, changes, min_pct)
    card.write(out, tables, history_views(), rows, dates)
    newest = str(published[-1]) if published else "1970-01-01"
    # each Parquet file hashed once, for croissant.json and the manifest
    hashes = {f"tables/{p.name}": _sha256(p) for p in sorted((out / "tables").glob("*.parquet"))}
    croissant.write(out, [*tables, *history_views()], card.DESCRIPTIONS, newest, hashes)
    # the pages state the version, so it is of the data files, written before the pages
    hashes = {rel: hashes.get(rel) or _sha256(out / rel) for rel in _files(out)}
    version = _version(hashes, published)
    stats = site.write(out, version=version, dates=dates, items=items)
    return {
        "dates": dates,
        "coverage": coverage,
        "rows": rows,
        "sha256": hashes,
        "version": version,
        "site": stats,
    }


def _files(out: Path) -> list[str]:
    """The release's files so far, by relative path, but the manifest."""
    found = (p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    return sorted(rel for rel in found if rel != MANIFEST)


def _version(hashes: dict[str, str], published: list[dt.date]) -> str:
    """The release's version: its newest date and a hash of its data files (every file but
    the site's pages, which state this version, and the manifest, which states it too)."""
    contents = hashlib.sha256("".join(f"{k} {v}\n" for k, v in hashes.items()).encode())
    return f"{published[-1] if published else 'empty'}-{contents.hexdigest()[:8]}"


def _schema(path: Path) -> list[dict[str, str]]:
    with duckdb.connect() as con:
        target = str(path).replace("'", "''")
        found = con.sql(f"DESCRIBE SELECT * FROM read_parquet('{target}')").fetchall()
    return [{"name": r[0], "type": r[1]} for r in found]


def manifest_of(out: Path, data: dict[str, Any], commit: str | None, built_at: str) -> dict:
    files = {}
    for rel in _files(out):
        path = out / rel
        sha = data["sha256"].get(rel) or _sha256(path)
        entry: dict[str, Any] = {"bytes": path.stat().st_size, "sha256": sha}
        if path.suffix == ".parquet":
            entry["rows"] = data["rows"][path.stem]
            entry["schema"] = _schema(path)
        files[rel] = entry
    return {
        "version": data["version"],
        "built_at": built_at,
        "commit": commit,
        "dates": data["dates"],
        "coverage": data["coverage"],
        "files": files,
    }


def build_release(
    layout: Layout,
    dest: str,
    *,
    keep: int = 10,
    min_pct: float = 10.0,
    commit: str | None = None,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    log: Callable[[str], None] = print,
) -> Release:
    """Build the release of everything ``layout`` published into ``dest`` (a folder or an
    ``s3://`` root): ``dest/<version>/``, and ``dest/latest.json`` naming it. Releases
    beyond the newest ``keep`` are removed."""
    with tempfile.TemporaryDirectory(prefix="release-") as tmp:
        out = Path(tmp) / "release"
        data = build_files(layout, out, min_pct=min_pct)
        built_at = now().isoformat(timespec="seconds")
        manifest = manifest_of(out, data, commit or commit_of(), built_at)
        (out / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
        version = manifest["version"]
        where = _publish(out, dest, version, built_at, keep)
    log(
        f"release {version}: {len(manifest['files'])} files, "
        f"{sum(f['bytes'] for f in manifest['files'].values()):,} bytes, "
        f"{len(data['dates']['published'])} published dates → {where}; site: "
        f"{data['site'].pages:,} pages, {data['site'].bytes / 1e6:.1f} MB "
        f"in {data['site'].seconds:.1f} s"
    )
    return Release(version, where, manifest["files"], manifest)


def front_page(version: str) -> str:
    """The releases' root page: the stable address of the newest release's site, by a
    relative link (so it works from a folder and from any host)."""
    target = f"{version}/{site.SITE}/index.html"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<link rel="icon" href="data:,">'
        f'<meta http-equiv="refresh" content="0; url={target}">'
        f"<title>OpenRouter catalog: the newest release</title></head>\n"
        f'<body><p>The newest release is <a href="{target}">{version}</a>.</p></body></html>\n'
    )


def _publish(out: Path, dest: str, version: str, built_at: str, keep: int) -> str:
    """Copy the release into ``dest/<version>/`` (the manifest last), then ``latest.json``,
    then drop the releases past the newest ``keep``."""
    latest = json.dumps({"version": version, "path": f"{version}/", "built_at": built_at})
    files = sorted(
        (p for p in out.rglob("*") if p.is_file()), key=lambda p: (p.name == MANIFEST, str(p))
    )
    if dest.startswith("s3://"):
        bucket = Layout(dest).bucket
        for path in files:
            bucket.put(f"{version}/{path.relative_to(out).as_posix()}", path.read_bytes())
        bucket.put(LATEST, latest.encode())
        bucket.put(FRONT, front_page(version).encode())
        versions = sorted({k.split("/")[0] for k in bucket.list("") if "/" in k})
        for old in versions[: max(0, len(versions) - keep)]:
            for key in bucket.list(old):
                bucket.delete(key)
        return bucket.url(version)
    root = Path(dest).expanduser().resolve()
    target = root / version
    if target.exists():
        shutil.rmtree(target)
    staging = root / f".{version}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(out, staging)
    staging.rename(target)
    (root / LATEST).write_text(latest + "\n")
    (root / FRONT).write_text(front_page(version))
    versions = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    for old in versions[: max(0, len(versions) - keep)]:
        shutil.rmtree(root / old)
    return str(target)
