"""The HTTP client: one connection pool, bounded concurrency, timeouts, retries that honour
Retry-After (stamina), an optional requests-per-second cap (aiolimiter).

It never raises for an HTTP or transport failure: it returns a FetchResult that says what
happened, so the caller can record the failure and decide whether the snapshot survives it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import time
import warnings
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import httpx
import orjson
import stamina
import yarl
from aiolimiter import AsyncLimiter
from httpx_aiohttp import AiohttpTransport

from pipeline import USER_AGENT

# Retries are counted in the fetch log and progress lines; stamina's own per-retry log lines
# would only repeat them, thousands of times under faults.
stamina.instrumentation.set_on_retry_hooks([])

RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
MAX_RETRY_AFTER_S = 120.0


class RetryableStatus(Exception):
    def __init__(self, status: int, retry_after: float | None) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.retry_after = retry_after


class InvalidJson(Exception):
    """A 2xx body that is not JSON: truncated, or an HTML page from a proxy."""


class BodyTooLarge(Exception):
    """A body over the cap: refused (not retried) so one runaway response cannot exhaust
    memory; the cap applies to the decoded bytes, so a compression bomb is caught too."""


DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024


@dataclass
class FetchResult:
    source: str
    key: str
    url: str
    request: str
    status: int | None
    body: bytes | None
    content_type: str | None
    attempts: int
    duration_ms: float
    error: str | None
    fetched_at: str
    parsed: Any = None  # the JSON document, kept from validation so nobody parses it twice

    @property
    def ok(self) -> bool:
        return self.error is None and self.status is not None and 200 <= self.status < 300

    def json(self) -> Any:
        if self.parsed is None:
            self.parsed = orjson.loads(self.body or b"")
        return self.parsed


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    try:
        return max(0.0, min(float(value), MAX_RETRY_AFTER_S))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    delta = (when - dt.datetime.now(dt.UTC)).total_seconds()
    return max(0.0, min(delta, MAX_RETRY_AFTER_S))


with warnings.catch_warnings():  # aiohttp discourages subclassing; this one overrides one call
    warnings.simplefilter("ignore", DeprecationWarning)

    class _VerbatimUrlSession(aiohttp.ClientSession):
        """aiohttp re-parses a string URL, decoding ``%2E%2E`` and then dropping the ``..``
        segment: the endpoints of a model id like ``a/..`` would be asked of the wrong path.
        httpx has already encoded the URL; send it exactly so."""

        def request(self, method: str, url: Any, **kwargs: Any) -> Any:  # noqa: ANN401
            if isinstance(url, str):
                url = yarl.URL(url, encoded=True)
            return super().request(method, url, **kwargs)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _backoff_hook(exc: Exception) -> bool | float:
    if isinstance(exc, RetryableStatus):
        return exc.retry_after if exc.retry_after is not None else True
    return isinstance(exc, httpx.TransportError | InvalidJson)


class ApiClient:
    """Async client for one base URL. Use as ``async with ApiClient(...) as client``."""

    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        *,
        concurrency: int = 8,
        requests_per_second: float | None = None,
        timeout_s: float = 30.0,
        max_attempts: int = 4,
        wait_initial_s: float = 0.5,
        wait_max_s: float = 10.0,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        parts = urlsplit(self.base_url)
        # The key goes only to the configured host, and never in clear text off this machine.
        send_key = bool(api_key) and (parts.scheme == "https" or _is_loopback(parts.hostname or ""))
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        if send_key:
            headers["Authorization"] = f"Bearer {api_key}"
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            headers=headers,
            timeout=httpx.Timeout(timeout_s),
            limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
            follow_redirects=False,
            # httpcore's pool re-checks every idle connection through anyio on each request
            # (~2 ms CPU per call here); aiohttp's costs ~0.7 ms, and the pipeline is CPU-bound
            # on this at a few hundred requests per second.
            transport=transport
            or AiohttpTransport(
                limits=httpx.Limits(max_connections=concurrency),
                client=lambda: _VerbatimUrlSession(
                    connector=aiohttp.TCPConnector(limit=concurrency, force_close=False),
                    trust_env=False,
                ),
            ),
        )
        self._sem = asyncio.Semaphore(concurrency)
        self._limiter = AsyncLimiter(requests_per_second, 1) if requests_per_second else None
        self._max_attempts = max_attempts
        self._wait_initial = wait_initial_s
        self._wait_max = wait_max_s
        self._max_body = max_body_bytes
        self.key_sent = send_key

    async def __aenter__(self) -> ApiClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._http.aclose()

    async def _read(self, request: str) -> tuple[int, bytes, str | None, str | None]:
        """One GET, streamed so that the size cap holds before the body is in memory."""
        async with self._http.stream("GET", request) as resp:
            declared = resp.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > self._max_body:
                raise BodyTooLarge(self._too_large(f"declares {int(declared):,} bytes"))
            chunks, size = [], 0
            async for chunk in resp.aiter_bytes():
                size += len(chunk)
                if size > self._max_body:
                    raise BodyTooLarge(self._too_large(f"exceeds {size:,} bytes"))
                chunks.append(chunk)
            headers = resp.headers
            return (
                resp.status_code,
                b"".join(chunks),
                headers.get("content-type"),
                headers.get("retry-after"),
            )

    def _too_large(self, what: str) -> str:
        return f"body {what}, over the {self._max_body:,}-byte cap (max_body_mb); not retried"

    async def get(
        self,
        source: str,
        key: str,
        path: str,
        params: dict[str, str] | None = None,
        *,
        expect_json: bool = True,
    ) -> FetchResult:
        request = str(httpx.URL(path, params=params or None))
        url = f"{self.base_url}{request}"
        fetched_at = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
        attempts = 0
        status: int | None = None
        body: bytes | None = None
        ctype: str | None = None
        error: str | None = None
        parsed: Any = None
        t0 = time.perf_counter()
        try:
            async for attempt in stamina.retry_context(
                on=_backoff_hook,
                attempts=self._max_attempts,
                timeout=None,
                wait_initial=self._wait_initial,
                wait_max=self._wait_max,
                wait_jitter=self._wait_initial,
            ):
                with attempt:
                    attempts += 1
                    status, body, ctype = None, None, None
                    if self._limiter is not None:
                        await self._limiter.acquire()
                    async with self._sem:
                        status, body, ctype, retry_after = await self._read(request)
                    if status in RETRY_STATUSES:
                        raise RetryableStatus(status, parse_retry_after(retry_after))
                    if expect_json and 200 <= status < 300:
                        try:
                            parsed = orjson.loads(body)
                        except orjson.JSONDecodeError as exc:
                            raise InvalidJson(f"body is not JSON ({exc})") from None
        except RetryableStatus as exc:
            error = f"HTTP {exc.status} after {attempts} attempts"
        except InvalidJson as exc:
            error = f"{exc} after {attempts} attempts"
        except BodyTooLarge as exc:
            error, body = str(exc), None
        except httpx.TransportError as exc:
            cause = exc.__cause__ or exc  # the transport's own exception names the problem best
            error = (
                f"{type(cause).__name__}: {cause or 'connection failed'} after {attempts} attempts"
            )
        if error is None and status is not None and not 200 <= status < 300:
            error = f"HTTP {status}"
        return FetchResult(
            source=source,
            key=key,
            url=url,
            request=request,
            status=status,
            body=body,
            content_type=ctype,
            attempts=attempts,
            duration_ms=round((time.perf_counter() - t0) * 1000, 3),
            error=error,
            fetched_at=fetched_at,
            parsed=parsed if error is None else None,
        )
