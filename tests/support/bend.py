"""Transformations of a landed raw day (every answer as received, gzip JSON per request), for
the metamorphic tests: each takes the raw folder of the day to bend, the folder of the day
before it (for a stale copy) and a random generator, and rewrites the answers in place.

Meaning-preserving ones change how the day is written, never what it says: the order of
lists, how numbers are written, the JSON layout, identical records repeated, a provider's
display name. Meaning-breaking ones make the day say something false: ids re-keyed, one
source a stale copy of the day before, a list truncated, answers about another model, a unit
error on part of the catalog, values out of any range.
"""

from __future__ import annotations

import gzip
import json
import random
import shutil
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import orjson

from pipeline.sources.shapes import PRICE_COMPONENTS

Bend = Callable[[Path, Path, random.Random], None]
LOGS = ("fetch_log_v1.jsonl", "fetch_log_frontend.jsonl")
LISTS = ("v1_models", "v1_providers", "frontend_all_providers", "frontend_catalog")
ENDPOINT_SOURCES = ("v1_endpoints", "frontend_stats_endpoint")


def bodies(raw: Path, *sources: str) -> Iterator[tuple[str, Path]]:
    for folder in sorted(p for p in raw.iterdir() if p.is_dir()):
        if (not sources or folder.name in sources) and folder.name not in ("datasets",):
            for path in sorted(folder.glob("*.gz")):
                yield folder.name, path


def read(path: Path) -> object:
    with gzip.open(path) as fh:
        return orjson.loads(fh.read())


def write(path: Path, doc: object, option: int = 0) -> None:
    with gzip.open(path, "wb", compresslevel=1) as fh:
        fh.write(orjson.dumps(doc, option=option))


def rewrite(raw: Path, sources: tuple[str, ...], fn: Callable[[str, object], object]) -> None:
    for source, path in bodies(raw, *sources):
        write(path, fn(source, read(path)))


def records(source: str, doc: object) -> list | None:
    """The list of records of an answer: models, providers, catalog rows, endpoints."""
    if not isinstance(doc, dict):
        return None
    data = doc.get("data")
    if isinstance(data, dict):
        eps = data.get("endpoints")
        return eps if isinstance(eps, list) else None
    return data if isinstance(data, list) else None


def endpoints(source: str, doc: object) -> list[dict]:
    """The endpoint records of an answer: v1's and stats/endpoint's, and the catalog's
    default endpoint of each row."""
    found = records(source, doc) or []
    if source == "frontend_catalog":
        return [r["endpoint"] for r in found if isinstance(r, dict) and r.get("endpoint")]
    if source in ENDPOINT_SOURCES:
        return [r for r in found if isinstance(r, dict)]
    return []


# ---- meaning-preserving ----------------------------------------------------------------------


def shuffle_lists(raw: Path, before: Path, rng: random.Random) -> None:
    def fn(source: str, doc: object) -> object:
        found = records(source, doc)
        if found:
            rng.shuffle(found)
        for ep in endpoints(source, doc):
            for key in ("supported_parameters", "display_pricing"):
                if isinstance(ep.get(key), list):
                    rng.shuffle(ep[key])
        return doc

    rewrite(raw, (), fn)


def _reformat(value: object, rng: random.Random) -> object:
    if not isinstance(value, str) or value.strip() in ("", "-1", "0"):
        return value
    try:
        d = Decimal(value)
    except ArithmeticError:
        return value
    return rng.choice((f"{d:e}", f"{d:f}0000", f" {value} ", format(d.normalize(), "E")))


def number_formats(raw: Path, before: Path, rng: random.Random) -> None:
    """Every price string written another way the API could: 3e-06, 0.0000030000, padded."""

    def prices(pricing: object) -> None:
        if isinstance(pricing, dict):
            for c in PRICE_COMPONENTS:
                if c in pricing:
                    pricing[c] = _reformat(pricing[c], rng)

    def fn(source: str, doc: object) -> object:
        for ep in endpoints(source, doc):
            prices(ep.get("pricing"))
        if source == "v1_models":
            for m in records(source, doc) or []:
                prices(m.get("pricing"))
        return doc

    rewrite(raw, ("v1_models", "frontend_catalog", *ENDPOINT_SOURCES), fn)


def json_layout(raw: Path, before: Path, rng: random.Random) -> None:
    """Keys sorted and indented: the same JSON written another way."""
    for _, path in bodies(raw):
        doc = read(path)
        write(path, doc, orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)


def duplicate_records(raw: Path, before: Path, rng: random.Random) -> None:
    """A few records of every list answer sent twice, identical."""

    def fn(source: str, doc: object) -> object:
        found = records(source, doc)
        if found:
            for r in rng.sample(found, k=max(1, len(found) // 20)):
                found.insert(rng.randrange(len(found) + 1), json.loads(json.dumps(r)))
        return doc

    rewrite(raw, (*LISTS, *ENDPOINT_SOURCES), fn)


def largest_provider(raw: Path) -> str:
    counts: dict[str, int] = {}
    for source, path in bodies(raw, "frontend_stats_endpoint"):
        for ep in endpoints(source, read(path)):
            counts[ep["provider_name"]] = counts.get(ep["provider_name"], 0) + 1
    return max(counts, key=lambda n: (counts[n], n))


RENAMED_SUFFIX = " AI Cloud"


def rename_provider(raw: Path, before: Path, rng: random.Random) -> None:
    """The largest provider's display name changed everywhere; its slug unchanged."""
    old = largest_provider(raw)
    new = old + RENAMED_SUFFIX

    def fn(source: str, doc: object) -> object:
        if source in ("v1_providers", "frontend_all_providers"):
            for p in records(source, doc) or []:
                for key in ("name", "displayName"):
                    if p.get(key) == old:
                        p[key] = new
        for ep in endpoints(source, doc):
            for key in ("provider_name", "provider_display_name"):
                if ep.get(key) == old:
                    ep[key] = new
            info = ep.get("provider_info")
            if isinstance(info, dict):
                for key in ("name", "displayName"):
                    if info.get(key) == old:
                        info[key] = new
        return doc

    rewrite(raw, (*LISTS, *ENDPOINT_SOURCES), fn)


PRESERVING: dict[str, Bend] = {
    "shuffle_lists": shuffle_lists,
    "number_formats": number_formats,
    "json_layout": json_layout,
    "duplicate_records": duplicate_records,
    "rename_provider": rename_provider,
}


# ---- meaning-breaking ------------------------------------------------------------------------


def rekey(raw: Path, before: Path, rng: random.Random) -> None:
    """Every model id, slug and permaslug upper-cased, in both APIs."""
    keys = ("id", "canonical_slug", "slug", "permaslug", "model_variant_slug",
            "model_variant_permaslug", "model_id")  # fmt: skip

    def up(obj: object) -> None:
        if isinstance(obj, dict):
            for k in keys:
                if isinstance(obj.get(k), str) and "/" in obj[k]:
                    obj[k] = obj[k].upper()

    def fn(source: str, doc: object) -> object:
        data = doc.get("data") if isinstance(doc, dict) else None
        up(data)
        for r in records(source, doc) or []:
            up(r)
        for ep in endpoints(source, doc):
            up(ep)
        return doc

    rewrite(raw, ("v1_models", "frontend_catalog", *ENDPOINT_SOURCES), fn)


def stale(source: str) -> Bend:
    """One source's answers (and its fetch-log lines) replaced by the day before's."""

    def bend(raw: Path, before: Path, rng: random.Random) -> None:
        shutil.rmtree(raw / source)
        shutil.copytree(before / source, raw / source)
        for log in LOGS:
            now, old = raw / log, before / log
            if not now.is_file():
                continue
            keep = [ln for ln in now.read_text().splitlines() if _source(ln) != source]
            moved = [ln for ln in old.read_text().splitlines() if _source(ln) == source]
            now.write_text("\n".join(keep + moved) + "\n")

    return bend


def _source(line: str) -> str | None:
    try:
        return json.loads(line).get("source")
    except ValueError:
        return None


def truncate(source: str, share: float) -> Bend:
    """The last ``share`` of a list answer cut off (a body that ends early but parses)."""

    def bend(raw: Path, before: Path, rng: random.Random) -> None:
        def fn(s: str, doc: object) -> object:
            found = records(s, doc)
            if found:
                del found[len(found) - int(share * len(found)) :]
            return doc

        rewrite(raw, (source,), fn)

    return bend


def elsewhere(source: str, pairs: int) -> Bend:
    """Answers about another model: the bodies of ``pairs`` pairs of requests swapped."""

    def bend(raw: Path, before: Path, rng: random.Random) -> None:
        paths = sorted((raw / source).glob("*.gz"))
        chosen = rng.sample(paths, k=2 * pairs)
        for a, b in zip(chosen[::2], chosen[1::2], strict=True):
            tmp = a.with_suffix(".swap")
            a.rename(tmp)
            b.rename(a)
            tmp.rename(b)

    return bend


def unit_error(raw: Path, before: Path, rng: random.Random) -> None:
    """Every price of one provider's endpoints, in both APIs, in micro-dollars (× 10^6)."""
    victim = largest_provider(raw)

    def fn(source: str, doc: object) -> object:
        for ep in endpoints(source, doc):
            if ep.get("provider_name") == victim and isinstance(ep.get("pricing"), dict):
                for c in PRICE_COMPONENTS:
                    v = ep["pricing"].get(c)
                    if isinstance(v, str) and v not in ("0", "-1"):
                        ep["pricing"][c] = format(Decimal(v) * 1_000_000, "f")
        return doc

    rewrite(raw, ENDPOINT_SOURCES, fn)


def out_of_range(raw: Path, before: Path, rng: random.Random) -> None:
    """A tenth of the endpoints with a negative context length and an uptime above 100 %."""

    def fn(source: str, doc: object) -> object:
        for ep in endpoints(source, doc):
            if rng.random() < 0.1:
                ep["context_length"] = -abs(ep.get("context_length") or 1)
                if "uptime_last_30m" in ep:
                    ep["uptime_last_30m"] = 250.0
        return doc

    rewrite(raw, ENDPOINT_SOURCES, fn)


def v1_apart(raw: Path, before: Path, rng: random.Random) -> int:
    """Every tenth v1 endpoint (in answer order) with its prompt price half as much again,
    the frontend unchanged: a believable move (within every plausibility band) that only
    the other source contradicts. Returns how many were bent."""
    bent = 0
    seen = 0

    def fn(source: str, doc: object) -> object:
        nonlocal bent, seen
        for ep in endpoints(source, doc):
            price = (ep.get("pricing") or {}).get("prompt")
            if seen % 10 == 0 and isinstance(price, str) and Decimal(price) > 0:
                ep["pricing"]["prompt"] = format(Decimal(price) * Decimal("1.5"), "f")
                bent += 1
            seen += 1
        return doc

    rewrite(raw, ("v1_endpoints",), fn)
    return bent


BREAKING: dict[str, Bend] = {
    "v1_apart": v1_apart,
    "rekey": rekey,
    "stale_v1_endpoints": stale("v1_endpoints"),
    "stale_stats_endpoint": stale("frontend_stats_endpoint"),
    "stale_v1_models": stale("v1_models"),
    "truncate_catalog": truncate("frontend_catalog", 0.2),
    "truncate_v1_models": truncate("v1_models", 0.2),
    "elsewhere_v1_endpoints": elsewhere("v1_endpoints", 10),
    "elsewhere_stats_endpoint": elsewhere("frontend_stats_endpoint", 10),
    "unit_error": unit_error,
    "out_of_range": out_of_range,
}
