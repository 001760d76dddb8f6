"""The daily digest: what changed in the catalog on one snapshot date, as Markdown that reads
in a terminal, a pull request or a chat message: new and removed models, the largest price
moves, time-of-day prices (when any changed), data-policy changes and new free variants. One
query file per section, run on the warehouse as it stood on the date (the history views answer
"against the snapshot before").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from pipeline.publish import decisions
from pipeline.sources import Source, datasets_rankings_daily
from pipeline.storage.layout import Layout
from pipeline.warehouse.build import side_by_side, views_as_of

# past digests built at once by a rebuild
DIGEST_WORKERS = 2
# a rebuild builds again the digests of the newest this many dates of its range: each past
# digest binds every view as of its date, which reads the schema of every stored partition
# (seconds a date on a year of history); an older one is rebuilt on demand (``digest
# --date D``)
PAST_DIGESTS = 7

SQL_DIR = Path(__file__).parent
TITLES = {
    "new_models": "New models",
    "removed_models": "Removed models",
    "price_moves": "Largest price moves",
    "price_windows": "Time-of-day prices",
    "policy_changes": "Data-policy changes",
    "new_free": "New free variants",
    "official_movers": "Official token share, biggest 7-day moves",
}
MAX_ROWS = 25
# sections shown only on a date that has rows (a new kind of news, absent from most days)
ONLY_WHEN_ANY = frozenset({"price_windows", "official_movers"})
# sections from a call that states its citation: the line follows the table, as_of filled in
CITED = {"official_movers": datasets_rankings_daily.SOURCE}


@dataclass(frozen=True)
class Digest:
    date: dt.date
    previous: dt.date | None
    text: str
    counts: dict[str, int]
    path: Path
    shared: str  # the bucket URL of the digest with a bucket root, else its path


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        value = value.normalize()
        return f"{value:f}"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value).replace("|", "\\|")


def _citation(source: Source, columns: list[str], rows: list[tuple]) -> str:
    """The call's citation, with the newest as_of of the rows, and its license."""
    as_of = max(str(r[columns.index("as_of")]) for r in rows)
    line = (source.citation or "").replace("{as_of}", as_of)
    return line + (f" License: {source.license}." if source.license else "")


def _table(columns: list[str], rows: list[tuple]) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows[:MAX_ROWS]]
    if len(rows) > MAX_ROWS:
        lines.append(f"\n… and {len(rows) - MAX_ROWS} more (the query: pipeline/digest/).")
    return "\n".join(lines)


def snapshot_dates(layout: Layout) -> list[dt.date]:
    return layout.dates("models")


def held_text(decision: decisions.Decision) -> str:
    """What the digest of a held date says instead of its changes."""
    failed = [c for c in decision.checks if c["name"] in decision.failed]
    lines = "\n".join(f"- `{c['name']}`: {c['figures']}" for c in failed)
    stays = (
        f"Every view, history and report stays on {decision.against}."
        if decision.against
        else "Nothing is published yet."
    )
    return (
        f"# OpenRouter catalog digest, {decision.snapshot_date}\n\n"
        f"**Held, not published** ({decision.at[:19].replace('T', ' ')} UTC): the audit "
        f"against {decision.against or 'no earlier snapshot'} did not hold.\n\n{lines}\n\n"
        f"{stays} The staged tables are in `{decision.staged}`; after review, "
        f"`openrouter-catalog accept --snapshot-date {decision.snapshot_date} --reason TEXT` "
        "publishes them, and a run of the date against a healthy API replaces them.\n"
    )


def write_held_digest(layout: Layout, decision: decisions.Decision) -> Digest:
    """The digest of a held date (``reports/digest_<date>.md``): that it is held, and why."""
    text = held_text(decision)
    path = layout.digest_path(decision.date)
    shared = layout.write_report(path, text.encode())
    previous = dt.date.fromisoformat(decision.against) if decision.against else None
    return Digest(decision.date, previous, text, {}, path, shared)


def build_digest(layout: Layout, date: dt.date | None = None) -> Digest:
    """The digest of ``date`` (default: the newest published snapshot), written to
    ``reports/digest_<date>.md``; a held date's says it is held. ValueError when the date is
    not a snapshot."""
    dates = snapshot_dates(layout)
    if date is not None and decisions.is_held(layout, date):
        return write_held_digest(layout, decisions.latest(layout, date))  # type: ignore[arg-type]
    if not dates:
        raise ValueError(f"no snapshot in {layout.tables_location}: run or import one first")
    date = date or dates[-1]
    if date not in dates:
        raise ValueError(f"{date} is not a snapshot (newest: {dates[-1]})")
    earlier = [d for d in dates if d < date]
    previous = earlier[-1] if earlier else None
    sections, counts = [], {}
    paths = sorted(SQL_DIR.glob("*.sql"))
    with views_as_of(layout, date) as con:
        answers = side_by_side(con, [(p.read_text(), {"d": date}) for p in paths])
        for path, (columns, rows) in zip(paths, answers, strict=True):
            name = path.stem[3:]
            if name in ONLY_WHEN_ANY and not rows:
                continue
            counts[name] = len(rows)
            body = _table(columns, rows) if rows else "None."
            if name in CITED and rows:
                body += "\n\n" + _citation(CITED[name], columns, rows)
            sections.append(f"## {TITLES[name]} ({len(rows)})\n\n{body}\n")
    against = f"against {previous}" if previous else "the first snapshot: nothing to compare"
    summary = ", ".join(f"{TITLES[k].lower()} {v}" for k, v in counts.items())
    text = f"# OpenRouter catalog digest, {date}\n\n{against}; {summary}.\n\n" + "\n".join(sections)
    path = layout.digest_path(date)
    shared = layout.write_report(path, text.encode())
    return Digest(date, previous, text, counts, path, shared)


def build_digests(
    layout: Layout, dates: list[dt.date], log: Callable[[str], None] | None = None
) -> list[Digest]:
    """The digests of the newest ``PAST_DIGESTS`` of ``dates`` that are snapshots (or held),
    oldest first: a rebuild's past digests, two at a time (each binds the views as of its
    date, which waits on Parquet metadata as much as on the processor)."""
    published = set(snapshot_dates(layout))
    wanted = [d for d in sorted(dates) if d in published or decisions.is_held(layout, d)]
    older, wanted = wanted[:-PAST_DIGESTS], wanted[-PAST_DIGESTS:]
    with ThreadPoolExecutor(DIGEST_WORKERS) as pool:
        digests = list(pool.map(lambda d: build_digest(layout, d), wanted))
    if log is not None and digests:
        log(f"catalog_digest: {len(digests)} digests, {wanted[0]} → {wanted[-1]}")
    if log is not None and older:
        log(
            f"catalog_digest: the {len(older)} digests before {wanted[0]} ({older[0]} → "
            f"{older[-1]}) keep their old text; `openrouter-catalog digest --date D` builds "
            "any of them again"
        )
    return digests
