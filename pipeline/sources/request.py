"""What a request to the API is (``Source``), and how its paths are built from ids."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote

# Characters allowed unencoded in a URL path segment (RFC 3986 pchar minus '/').
_PCHAR_SAFE = ":@!$&'()*+,;=~"


@dataclass(frozen=True)
class Source:
    """One kind of request. ``paths`` lists the known locations, newest first."""

    name: str
    # "v1" (documented API), "frontend" (undocumented, best effort), "zdr" (the endpoints
    # with zero data retention: documented, its own daily call) or "datasets" (the key-gated
    # Data API, on a daily quota)
    group: str
    paths: tuple[str, ...]
    params: dict[str, str] = field(default_factory=dict)
    fan_out: bool = False  # one request per model / per (permaslug, variant)
    data: type = list  # what the body's "data" holds (or the bare archived body)
    # the API's own published limit for this source, if it has one (requests per minute)
    max_requests_per_minute: float | None = None
    # how the API asks to be cited and under which license, when it states them (the Data
    # API does, per call); the dictionary, the report and the digest repeat them verbatim
    citation: str | None = None
    license: str | None = None
    # a fan-out source whose answers name what they describe: why an answer (its "data")
    # describes something other than the key asked for, or None. Such an answer is a failed
    # call, counted against coverage, never data
    about: Callable[[str, object], str | None] | None = None
    # real answers move every day (percentiles, uptime, activity): one that repeats the day
    # before byte for byte is a stale copy (pipeline/publish/freshness.py)
    moves_daily: bool = False


class UnaddressableId(ValueError):
    """An id no URL can carry faithfully: its request is not made, and says why."""


def encode_segment(segment: str) -> str:
    """Percent-encode one path segment: '/', '?', '#', '%', spaces and non-ASCII, nothing else.
    A segment of dots only has no encoding: RFC 3986 makes ``%2E`` the same as ``.``, so
    clients, proxies and servers may all remove it as ``..`` (httpx-aiohttp's does), and the
    request would name another path."""
    if segment and set(segment) == {"."}:
        raise UnaddressableId(
            f"segment {segment!r} is dots only: any URL carrying it names another path "
            "(RFC 3986 reads %2E as '.'); not requested"
        )
    return quote(segment, safe=_PCHAR_SAFE)


def endpoints_path(model_id: str) -> str:
    """The v1 endpoints path built from the model's own id, variant included.

    ``links.details`` and ``canonical_slug`` drop the variant, so following them would give
    ``:free`` its paid sibling's endpoints; the id is the only right key.
    """
    author, _, slug = model_id.partition("/")
    if not author or not slug:
        raise UnaddressableId(f"model id {model_id!r} is not of the form author/slug")
    return f"/api/v1/models/{encode_segment(author)}/{encode_segment(slug)}/endpoints"


def stats_key(permaslug: str, variant: str) -> str:
    """Raw-landing key of one stats/endpoint response, readable like a model id."""
    return f"{permaslug}:{variant}"


def split_stats_key(key: str) -> tuple[str, str]:
    """(permaslug, variant) of a key made by ``stats_key`` (variants hold no colon)."""
    permaslug, _, variant = key.rpartition(":")
    return (permaslug, variant) if permaslug else (key, "standard")


@dataclass(frozen=True)
class ModelVariant:
    """One (model, variant) with endpoints: the model id the v1 endpoints call is keyed by,
    and the permaslug and variant the frontend's per-model calls are keyed by."""

    model_id: str
    permaslug: str
    variant: str


# The parameter a public scraper adds to stats/endpoint: a CDN serves copies up to 5 minutes
# old otherwise, and an hourly sample must see the figures of now.
CACHE_BUSTER = "_cb"
