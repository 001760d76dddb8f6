"""The HTTP client: httpx requests over one ``httpx-aiohttp`` transport, bounded concurrency,
a timeout on every request, retries that honour Retry-After (stamina), a shared request rate
that adapts to the server's 429s (``pipeline.fetch.rate``), an optional fixed
requests-per-second cap and per-source limits (aiolimiter).

Why that transport: httpx's own async stack costs several times the aiohttp transport's CPU
per request (``bench/README.md``); this one keeps a day's fetch under a millisecond of CPU
per request. It hands the URL to aiohttp as text, which re-reads it by
RFC 3986: an id with a segment of dots only cannot be sent (``pipeline/sources/request.py``).

It never raises for an HTTP or transport failure: it returns a FetchResult that says what
happened, and whether trying again later could help, so the caller can record the failure
and decide whether the snapshot survives it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
import orjson
import stamina
from aiolimiter import AsyncLimiter
from httpx_aiohttp import AiohttpTransport

from pipeline import USER_AGENT
from pipeline.fetch.outcomes import RETRY_STATUSES
from pipeline.fetch.rate import AdaptiveRate

# Retries are counted in the fetch log and progress lines; stamina's own per-retry log lines
# would only repeat them, thousands of times under faults.
stamina.instrumentation.set_on_retry_hooks([])

# how long a Retry-After is honoured: past it the API is rate limiting for longer than a
# daily run can wait, and every call of the run fails at once (``RateLimited``)
MAX_RETRY_AFTER_S = 120.0
CHUNK = 65536


class RateLimited(Exception):
    """The API asked to wait longer than the cap: the call fails now, and so does every later
    call of this client, without being sent."""


class QuotaSpent(Exception):
    """The account's quota for the day is spent: nothing more is sent today."""


def error_message(body: bytes | None) -> str | None:
    """The ``error.message`` of an error body, when it has one."""
    try:
        doc = orjson.loads(body or b"")
    except orjson.JSONDecodeError:
        return None
    err = doc.get("error") if isinstance(doc, dict) else None
    msg = err.get("message") if isinstance(err, dict) else None
    return msg if isinstance(msg, str) else None


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
    transient: bool = False  # failed in a way a later try could fix (5xx, 429, network)

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
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


def request_target(path: str, params: dict[str, str] | None = None) -> str:
    """Path and query as sent (the path already encoded by ``pipeline.sources``)."""
    return f"{path}?{urlencode(params)}" if params else path


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class TransportError(Exception):
    """The request got no usable answer: connection refused or reset, a truncated body, a
    timeout. A transport's own exception that httpx-aiohttp does not map to httpx's (its
    table covers the common ones) is taken as one too, by this name."""


TRANSPORT_ERRORS = (httpx.TransportError, httpx.DecodingError, TimeoutError, TransportError)


def _transport_failure(exc: BaseException) -> bool:
    """An exception of the transport under httpx that reached us unmapped (an aiohttp one)."""
    return type(exc).__module__.split(".", 1)[0] == "aiohttp" or isinstance(exc, OSError)


RETRIED = (RetryableStatus, InvalidJson, *TRANSPORT_ERRORS)  # what _backoff_hook retries


@dataclass
class _Attempts:
    """What the attempts of one request received so far (the last one wins)."""

    attempts: int = 0
    status: int | None = None
    body: bytes | None = None
    ctype: str | None = None
    parsed: Any = None


def _backoff_hook(exc: Exception) -> bool | float:
    if isinstance(exc, RetryableStatus):
        return exc.retry_after if exc.retry_after is not None else True
    return isinstance(exc, (*TRANSPORT_ERRORS, InvalidJson))


class ApiClient:
    """Async client for one base URL. Use as ``async with ApiClient(...) as client``.
    ``order``: source names, the earlier served first when requests wait for a slot (the
    others after them, in arrival order)."""

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
        source_limits: dict[str, float] | None = None,
        max_retry_after_s: float = MAX_RETRY_AFTER_S,
        per_minute: float | None = None,
        quota_marker: str | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        parts = urlsplit(self.base_url)
        # The key goes only to the configured host, and never in clear text off this machine.
        send_key = bool(api_key) and (parts.scheme == "https" or _is_loopback(parts.hostname or ""))
        self._headers = {
            "User-Agent": USER_AGENT,
            "Accept": "application/json",
            "Accept-Encoding": "gzip, deflate",  # decoded by httpx, counted by the cap
        }
        if send_key:
            self._headers["Authorization"] = f"Bearer {api_key}"
        self._concurrency = concurrency
        self._timeout_s = timeout_s
        self._transport: AiohttpTransport | None = None
        self._slots = asyncio.Semaphore(concurrency)
        self.rate = AdaptiveRate()
        self._cap = AsyncLimiter(requests_per_second, 1) if requests_per_second else None
        # a limit per key of every request of this client (the Data API's 30 a minute)
        self._per_minute = AsyncLimiter(per_minute, 60) if per_minute else None
        # a 429 whose body names this is a spent quota, not a pace: not retried, and every
        # later request of the client is not sent (``quota_spent`` says why)
        self._quota_marker = quota_marker.encode() if quota_marker else None
        self.quota_spent: str | None = None
        # the API's own published limits, per source: requests per minute
        self._source_limits = {
            name: AsyncLimiter(per_minute, 60) for name, per_minute in (source_limits or {}).items()
        }
        self._max_attempts = max_attempts
        self._wait_initial = wait_initial_s
        self._wait_max = wait_max_s
        self._max_body = max_body_bytes
        self.key_sent = send_key
        self.limited = 0  # answers of 429 (or with Retry-After) seen by this client
        self._max_retry_after = max_retry_after_s
        # set when the API asked to wait past the cap: (since, the wait asked for, in s)
        self.rate_limited: tuple[str, float] | None = None

    @property
    def concurrency(self) -> int:
        """Requests in flight at most."""
        return self._concurrency

    async def __aenter__(self) -> ApiClient:
        # httpx's transport API, given httpx Requests: AsyncClient's machinery on top (a cookie
        # jar read on every response, URL and header merging, redirect and auth flows) does
        # nothing here, where there are no cookies, redirects are refused and the key is a
        # header, and cost CPU on every request (bench/README.md). Its trust_env is off:
        # no proxy from the environment sees the key; redirects are never followed.
        limits = httpx.Limits(max_connections=self._concurrency)
        self._transport = AiohttpTransport(limits=limits, trust_env=False)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._transport is not None:
            await self._transport.aclose()

    async def _read(self, url: httpx.URL) -> tuple[int, bytes, str | None, str | None]:
        """One GET, streamed so that the size cap holds before the body is in memory, within
        one timeout for the whole request (per-phase timeouts would be aiohttp timers re-armed
        on every read, a large share of the client's CPU)."""
        assert self._transport is not None, "use `async with ApiClient(...)`"
        try:
            async with asyncio.timeout(self._timeout_s):
                return await self._stream(url)
        except (BodyTooLarge, *TRANSPORT_ERRORS):
            raise
        except Exception as exc:
            if _transport_failure(exc):
                raise TransportError(f"{type(exc).__name__}: {exc}") from None
            raise

    async def _stream(self, url: httpx.URL) -> tuple[int, bytes, str | None, str | None]:
        assert self._transport is not None
        request = httpx.Request("GET", url, headers=self._headers)
        resp = await self._transport.handle_async_request(request)
        try:
            declared = resp.headers.get("Content-Length")
            if declared is not None and declared.isdigit() and int(declared) > self._max_body:
                raise BodyTooLarge(self._too_large(f"declares {int(declared):,} bytes"))
            chunks, size = [], 0
            async for chunk in resp.aiter_bytes(CHUNK):  # decoded: a bomb is counted whole
                size += len(chunk)
                if size > self._max_body:
                    raise BodyTooLarge(self._too_large(f"exceeds {size:,} bytes"))
                chunks.append(chunk)
            headers = resp.headers
            return (
                resp.status_code,
                b"".join(chunks),
                headers.get("Content-Type"),
                headers.get("Retry-After"),
            )
        finally:
            await resp.aclose()

    def rate_limit_line(self) -> str:
        assert self.rate_limited is not None
        since, wait = self.rate_limited
        return (
            f"the API is rate limiting since {since} (Retry-After {wait:,.0f} s, over the "
            f"{self._max_retry_after:,.0f} s this run waits: max_retry_after_s); not sent"
        )

    def _too_large(self, what: str) -> str:
        return f"body {what}, over the {self._max_body:,}-byte cap (max_body_mb); not retried"

    async def _turn(self, source: str) -> float:
        """Wait for the fixed cap, the source's own limit and the shared adaptive rate."""
        if self._cap is not None:
            await self._cap.acquire()
        if self._per_minute is not None:
            await self._per_minute.acquire()
        limit = self._source_limits.get(source)
        if limit is not None:
            await limit.acquire()
        return await self.rate.wait()

    async def _try(
        self, source: str, target: httpx.URL, state: _Attempts, expect_json: bool
    ) -> None:
        """One attempt; what it received stays in ``state`` even when it raises."""
        if self.rate_limited is not None:
            raise RateLimited(self.rate_limit_line())
        if self.quota_spent is not None:
            raise QuotaSpent(self.quota_spent)
        state.attempts += 1
        state.status = state.body = state.ctype = state.parsed = None
        await self._slots.acquire()
        try:  # a slot first: pacing counts what is sent
            started = await self._turn(source)
            state.status, state.body, state.ctype, retry_after = await self._read(target)
        finally:
            self._slots.release()
        status, fresh = state.status, state.attempts == 1
        wait = parse_retry_after(retry_after)
        if status == 429 and self._quota_marker and self._quota_marker in (state.body or b""):
            self.quota_spent = error_message(state.body) or "the daily quota is spent"
            raise QuotaSpent(self.quota_spent)
        if wait is not None and wait > self._max_retry_after:
            if self.rate_limited is None:
                since = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
                self.rate_limited = (since, wait)
            raise RateLimited(self.rate_limit_line())
        if status == 429 or retry_after is not None:
            self.limited += 1
            self.rate.limited(started, wait, fresh)
        else:
            self.rate.admitted(started, fresh)
        if status in RETRY_STATUSES:
            raise RetryableStatus(status, wait)
        if expect_json and 200 <= status < 300:
            try:
                state.parsed = orjson.loads(state.body)
            except orjson.JSONDecodeError as exc:
                raise InvalidJson(f"body is not JSON ({exc})") from None

    async def _retrying(
        self, first: Exception, source: str, target: httpx.URL, state: _Attempts, expect_json: bool
    ) -> None:
        """The attempts after a failed first one, paced by stamina. The first failure is
        replayed as stamina's first attempt, so it counts and is waited on exactly as if
        stamina had made it; a request that succeeds at once never builds the machinery
        (a tenth of the client's CPU per request)."""
        replay: Exception | None = first
        async for attempt in stamina.retry_context(
            on=_backoff_hook,
            attempts=self._max_attempts,
            timeout=None,
            wait_initial=self._wait_initial,
            wait_max=self._wait_max,
            wait_jitter=self._wait_initial,
        ):
            with attempt:
                if replay is not None:
                    exc, replay = replay, None
                    raise exc
                await self._try(source, target, state, expect_json)

    async def get(
        self,
        source: str,
        key: str,
        path: str,
        params: dict[str, str] | None = None,
        *,
        expect_json: bool = True,
    ) -> FetchResult:
        request = request_target(path, params)
        url = f"{self.base_url}{request}"
        target = httpx.URL(url)  # the path as built: already percent-encoded
        fetched_at = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
        state = _Attempts()
        error: str | None = None
        transient = False
        t0 = time.perf_counter()
        try:
            try:
                await self._try(source, target, state, expect_json)
            except RETRIED as first:
                if self._max_attempts <= 1:
                    raise
                await self._retrying(first, source, target, state, expect_json)
        except RetryableStatus as exc:
            error, transient = f"HTTP {exc.status} after {state.attempts} attempts", True
        except InvalidJson as exc:
            error, transient = f"{exc} after {state.attempts} attempts", True
        except BodyTooLarge as exc:
            error, state.body = str(exc), None
        except QuotaSpent as exc:
            # asked again the next day (the quota resets at 00:00 UTC): missing, not refused
            error, transient = f"HTTP 429 (quota spent: {exc})", True
        except RateLimited as exc:
            # a later run may well be let through: the call is missing, not refused for good
            error, transient, state.body = str(exc), True, None
        except TRANSPORT_ERRORS as exc:
            what = str(exc) or ("timed out" if isinstance(exc, TimeoutError) else "failed")
            error = f"{type(exc).__name__}: {what} after {state.attempts} attempts"
            transient = True
        status = state.status
        if error is None and status is not None and not 200 <= status < 300:
            error = f"HTTP {status}"
        return FetchResult(
            source=source,
            key=key,
            url=url,
            request=request,
            status=status,
            body=state.body,
            content_type=state.ctype,
            attempts=state.attempts,
            duration_ms=round((time.perf_counter() - t0) * 1000, 3),
            error=error,
            fetched_at=fetched_at,
            parsed=state.parsed if error is None else None,
            transient=transient,
        )
