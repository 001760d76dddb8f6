"""The change feed of a release: one item a day, the day's changes worth an alert (new and
removed models, price moves beyond a threshold, time-of-day windows, endpoints gone free or
paid, the models a provider dropped), as Atom (``changes.atom``) and as JSON (``changes.json``),
the same items. An item's id names its day, so a rebuild never shows a reader an item twice;
the feed's ``updated`` is its newest item's day. Each item links to the day's digest in the
release (``digests/<day>.md``)."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import duckdb

FEED_SQL = Path(__file__).with_name("feed.sql")
FEED_ID = "tag:openrouter-catalog,2026:changes"
COLUMNS = ("kind", "model_id", "provider_name", "endpoint_id", "component", "pct_change", "detail")
TITLES = {
    "model_appeared": "new models",
    "model_disappeared": "removed models",
    "new_free_variant": "new free variants",
    "policy_changed": "data-policy changes",
    "price": "price moves",
    "endpoint_paid_to_free": "endpoints gone free",
    "endpoint_free_to_paid": "endpoints gone paid",
    "provider_dropped": "endpoints a provider dropped",
    "window appeared": "time-of-day windows appeared",
    "window changed": "time-of-day windows changed",
    "window ended": "time-of-day windows ended",
}


def rows(con: duckdb.DuckDBPyConnection, min_pct: float) -> list[tuple]:
    """The feed's changes: (day, kind, model, provider, endpoint, component, pct, detail)."""
    return con.execute(FEED_SQL.read_text().replace("$min_pct", repr(float(min_pct)))).fetchall()


def items(changes: list[tuple]) -> list[dict[str, Any]]:
    """One item per day with changes, newest first."""
    by_day: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for day, *rest in changes:
        by_day[str(day)].append(dict(zip(COLUMNS, rest, strict=True)))
    out = []
    for day in sorted(by_day, reverse=True):
        counts: dict[str, int] = defaultdict(int)
        for c in by_day[day]:
            counts[c["kind"]] += 1
        summary = ", ".join(f"{n} {TITLES.get(k, k)}" for k, n in sorted(counts.items()))
        out.append(
            {
                "id": f"tag:openrouter-catalog,2026:changes/{day}",
                "date": day,
                "title": f"OpenRouter catalog changes on {day}: {summary}",
                "link": f"digests/{day}.md",
                "counts": dict(sorted(counts.items())),
                "changes": by_day[day],
            }
        )
    return out


def _digest(item: dict[str, Any]) -> str:
    lines = [f"# {item['title']}", ""]
    for kind in sorted({c["kind"] for c in item["changes"]}):
        lines += [f"## {TITLES.get(kind, kind)}", "", "| " + " | ".join(COLUMNS[1:]) + " |"]
        lines.append("|" + "---|" * (len(COLUMNS) - 1))
        for c in item["changes"]:
            if c["kind"] == kind:
                cells = ["" if c[k] is None else str(c[k]).replace("|", "\\|") for k in COLUMNS[1:]]
                lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


def write(out: Path, changes: list[tuple], min_pct: float) -> list[dict[str, Any]]:
    """``changes.json``, ``changes.atom`` and one digest per item, in ``out``."""
    found = items(changes)
    updated = f"{found[0]['date']}T00:00:00Z" if found else "1970-01-01T00:00:00Z"
    doc = {
        "id": FEED_ID,
        "title": "OpenRouter catalog changes",
        "updated": updated,
        "price_threshold_pct": min_pct,
        "items": found,
    }
    (out / "changes.json").write_text(json.dumps(doc, indent=1, sort_keys=True, default=str) + "\n")
    digests = out / "digests"
    digests.mkdir(exist_ok=True)
    for item in found:
        (digests / f"{item['date']}.md").write_text(_digest(item) + "\n")
    entries = "".join(
        f"<entry><id>{escape(i['id'])}</id><title>{escape(i['title'])}</title>"
        f"<updated>{i['date']}T00:00:00Z</updated>"
        f'<link rel="alternate" type="text/markdown" href="{escape(i["link"])}"/>'
        f'<summary type="text">{escape(i["title"])}</summary></entry>\n'
        for i in found
    )
    atom = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom">\n'
        f"<id>{FEED_ID}</id><title>OpenRouter catalog changes</title>"
        f"<updated>{updated}</updated><author><name>openrouter-catalog</name></author>"
        '<link rel="self" href="changes.atom"/>\n'
        f"{entries}</feed>\n"
    )
    (out / "changes.atom").write_text(atom)
    return found
