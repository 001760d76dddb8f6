"""``DATACARD.md``: what a release is, how it was collected, its caveats, each table with its
columns and rows, the known gaps and how to cite each source. Generated from the schemas, the
sources and the release's own dates, with no clock: the same data gives the same card."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pipeline import sources
from pipeline.transforms.schemas import (
    ALL_TABLES,
    BY_DATA_DATE,
    DATASET_DESCRIPTIONS,
    SAMPLED_DESCRIPTIONS,
    TABLE_DESCRIPTIONS,
)

DESCRIPTIONS = {**TABLE_DESCRIPTIONS, **SAMPLED_DESCRIPTIONS, **DATASET_DESCRIPTIONS}
DOCUMENTED = {"v1": "documented", "zdr": "documented", "datasets": "documented, key-gated"}


def _calls() -> list[str]:
    out = []
    for s in sources.ALL_SOURCES:
        kind = DOCUMENTED.get(s.group, "undocumented (best effort)")
        out.append(f"- `{s.name}`: `GET {s.paths[0]}` ({kind})")
    return out


def _citations() -> list[str]:
    out = [
        "- The catalog (`/api/v1/models`, `/api/v1/…/endpoints`, `/api/v1/providers`) and the "
        "frontend calls: OpenRouter's terms of service apply; cite as \"Source: OpenRouter "
        '(openrouter.ai), via openrouter-catalog, snapshot of {date}."'
    ]
    for name in sources.GROUPS["datasets"]:
        s = sources.SOURCES_BY_NAME[name]
        lic = f"; license {s.license}" if s.license else "; no license stated by the call"
        out.append(f'- `{name}`: "{s.citation}"{lic} (`as_of` is in every row).')
    return out


def front_matter(tables: Sequence[str]) -> list[str]:
    """The YAML header dataset hubs read: one config per table, pointing at its Parquet file,
    so a release folder pushed to a hub shows its tables as they are. No ``license`` key: the
    source states terms of service, not a licence, and the card claims none it does not give
    (the terms are under "How to cite")."""
    lines = ["---", "pretty_name: OpenRouter catalog", "configs:"]
    for t in tables:
        lines += [f"- config_name: {t}", f"  data_files: tables/{t}.parquet"]
        if t == "endpoints":
            lines.append("  default: true")
    return [*lines, "---", ""]


def write(
    out: Path,
    tables: Sequence[str],
    histories: Sequence[str],
    rows: dict[str, int],
    dates: dict[str, Any],
) -> None:
    published = dates["published"]
    span = f"{published[0]} to {published[-1]}" if published else "no published date"
    lines = [
        *front_matter([*tables, *histories]),
        "# OpenRouter catalog: data card",
        "",
        "## What it is",
        "Daily snapshots of OpenRouter's model catalog: every model, every provider endpoint, "
        "their prices (exact decimals), limits, data policies, usage and performance, and "
        f"OpenRouter's own datasets where a key was set. Published snapshot dates: {span} "
        f"({len(published)} dates).",
        "",
        "Browse it in `site/index.html` (open the file, or serve the folder): every model of "
        "the newest date, a page per model, provider and day of changes. Query it with "
        "`load.sql` (DuckDB), or read `tables/*.parquet` directly.",
        "",
        "## How it is collected",
        "A daily Dagster job asks the calls below, keeps every answer as received, flattens "
        "them into typed tables, and publishes a date only when its audit holds (a partial "
        "outage, an out-of-range price or a unit error holds the date for review). Calls:",
        "",
        *_calls(),
        "",
        "## Caveats",
        "- Prices are list prices as the API states them per token (and per unit in "
        "`endpoint_price_items`), after the endpoint's discount; `list_*` columns undo it. "
        "What requests actually paid is in `model_effective_pricing` (measured by OpenRouter).",
        "- Token counts come from each provider's own tokenizer: a token of one provider is "
        "not a token of another.",
        "- Columns are as received unless their description says derived (blended prices, "
        "shares, intervals, `is_priced_per_token`, ids matched across calls).",
        "- Unknown is null, never false or zero.",
        "",
        "## Tables",
        "",
    ]
    for t in [*tables, *histories]:
        lines += [f"### `{t}` ({rows.get(t, 0):,} rows)", ""]
        if t in DESCRIPTIONS:
            lines += [DESCRIPTIONS[t], "", "| column | type | meaning |", "|---|---|---|"]
            lines += [f"| `{c.name}` | {c.dtype} | {c.description} |" for c in ALL_TABLES[t]]
            if t not in BY_DATA_DATE:
                lines.append("| `snapshot_date` | Date | the snapshot the row belongs to |")
        else:
            lines.append(
                "A history: one row per key and stretch of snapshots with the same state "
                "(valid_from, valid_to, last_seen), as the warehouse's view of that name."
            )
        lines.append("")
    lines += ["## Known gaps", ""]
    gaps = [f"- {d}: held ({why})" for d, why in dates["held"].items()]
    gaps += [f"- {d}: failed ({why})" for d, why in dates["failed"].items()]
    gaps += [f"- {d}: {why}" for d, why in dates["absent"].items()]
    gaps += [f"- {d}: accepted after review ({why})" for d, why in dates["accepted"].items()]
    lines += gaps or ["- none: every day from the first to the last published date is here"]
    lines += ["", "## How to cite", "", *_citations(), ""]
    (out / "DATACARD.md").write_text("\n".join(lines))
