"""The HTTP client (httpx) against small aiohttp servers on loopback: retries, Retry-After, what is
transient and what is not, the body cap, the key's destination, the shared pace."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from pipeline.fetch.client import ApiClient, parse_retry_after
from pipeline.sources import endpoints_path
from pipeline.sources.request import UnaddressableId

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def serve(handler: Handler, check: Callable[[str], Awaitable[object]]) -> object:
    """Run ``check(base_url)`` against a server answering every GET with ``handler``."""

    async def go() -> object:
        app = web.Application()
        app.router.add_route("GET", "/{tail:.*}", handler)
        async with TestServer(app, host="127.0.0.1") as server:
            return await check(str(server.make_url("")).rstrip("/"))

    return asyncio.run(go())


def get(path: str = "/x", **kw) -> Callable[[str], Awaitable[object]]:
    kw.setdefault("wait_initial_s", 0.01)
    api_key = kw.pop("api_key", None)

    async def check(base: str) -> object:
        async with ApiClient(base, api_key, **kw) as c:
            return await c.get("s", "k", path)

    return check


def test_429_with_retry_after_is_retried_after_the_given_delay():
    calls: list[float] = []

    async def handler(request):
        calls.append(time.perf_counter())
        if len(calls) == 1:
            return web.json_response({}, status=429, headers={"Retry-After": "0.3"})
        return web.json_response({"data": []})

    r = serve(handler, get())
    assert r.ok and r.attempts == 2
    assert calls[1] - calls[0] >= 0.3


def test_invalid_json_and_5xx_give_up_with_a_reason_and_count_as_transient():
    async def handler(request):
        if request.path.endswith("html"):
            return web.Response(text="<html>oops</html>", content_type="text/html")
        return web.json_response({"error": {"code": 503}}, status=503)

    html = serve(handler, get("/html", max_attempts=3))
    assert not html.ok and "not JSON" in html.error and html.attempts == 3 and html.transient
    assert html.body == b"<html>oops</html>"  # kept as received
    down = serve(handler, get("/down", max_attempts=3))
    assert down.error == "HTTP 503 after 3 attempts" and down.status == 503 and down.transient


def test_404_is_not_retried_and_is_permanent():
    n = 0

    async def handler(request):
        nonlocal n
        n += 1
        return web.json_response({"error": {"code": 404}}, status=404)

    r = serve(handler, get("/missing"))
    assert r.status == 404 and r.attempts == 1 and n == 1 and r.error == "HTTP 404"
    assert not r.transient


def test_a_connection_that_drops_is_transient():
    async def handler(request):
        request.transport.close()  # no answer at all
        return web.Response()

    r = serve(handler, get(max_attempts=2))
    assert not r.ok and r.transient and r.attempts == 2 and r.status is None


def test_api_key_sent_as_bearer_and_user_agent_names_the_project():
    seen: list[dict] = []

    async def handler(request):
        seen.append(dict(request.headers))
        return web.json_response({})

    r = serve(handler, get(api_key="sk-canary-123"))
    assert seen[0]["Authorization"] == "Bearer sk-canary-123"
    assert "openrouter-catalog" in seen[0]["User-Agent"]
    assert "sk-canary" not in r.url


def test_key_never_sent_in_clear_text_to_a_remote_host():
    for base, sent in (
        ("http://example.test", False),  # plain http off this machine: never
        ("http://127.0.0.1:9", True),  # loopback (the replay server)
        ("https://openrouter.ai", True),
    ):
        client = ApiClient(base, "sk-x")
        assert client.key_sent is sent, base
        assert ("Authorization" in client._headers) is sent, base


def test_a_redirect_elsewhere_is_not_followed_so_the_key_stays_home():
    seen: list[str] = []

    async def handler(request):
        seen.append(request.path)
        raise web.HTTPFound("http://collector.test/steal")

    r = serve(handler, get(api_key="sk-canary-123"))
    assert seen == ["/x"]
    assert r.error == "HTTP 302" and r.attempts == 1 and not r.transient


def test_a_body_over_the_cap_is_refused_without_a_length_header_and_not_retried():
    calls = 0

    async def handler(request):
        nonlocal calls
        calls += 1
        resp = web.StreamResponse()  # chunked: no Content-Length
        await resp.prepare(request)
        for _ in range(40):  # 2.5 MiB
            await resp.write(b"x" * 65536)
        await resp.write_eof()
        return resp

    r = serve(handler, get("/big", max_body_bytes=1024 * 1024))
    assert calls == 1 and r.attempts == 1 and r.body is None and not r.transient
    assert "exceeds" in r.error and "1,048,576-byte cap" in r.error


def test_a_crowded_server_paces_every_request_of_the_client():
    """Over real HTTP: a server that lets 10 requests through, then refuses everything for
    half a second. The client waits out the Retry-After and paces every request, retried or
    not, at what got through."""
    arrivals: list[float] = []
    state = {"ok": 0, "closed_until": 0.0}

    async def handler(request):
        now = time.monotonic()
        arrivals.append(now)
        if state["ok"] == 10 and not state["closed_until"]:
            state["closed_until"] = now + 0.5
        if now < state["closed_until"]:
            return web.json_response({}, status=429, headers={"Retry-After": "1"})
        state["ok"] += 1
        return web.json_response({"data": []})

    async def check(base: str) -> object:
        async with ApiClient(base, max_attempts=3) as c:
            answers = await asyncio.gather(*(c.get("s", str(i), "/x") for i in range(40)))
            return c.rate, c.limited, answers

    rate, limited, answers = serve(handler, check)
    assert all(a.ok for a in answers) and limited >= 5
    assert rate.cuts == 1 and rate.limit == 10 and 9.5 <= rate.rate <= 10  # quiet seconds add
    # after the pause every request, first tries and retries alike, is sent one pace apart:
    # no k + 1 of them reach the server within less than k - 1 paces (one pace of slack: a
    # request late in transit, on a new connection say, makes the next one seem early)
    paced = [t for t in arrivals if t > state["closed_until"]]
    assert len(paced) >= 25
    for i, first in enumerate(paced):
        for k, last in enumerate(paced[i + 1 :], start=1):
            assert last - first >= (k - 1) / 9.5 - 0.01, (i, k, last - first)
    assert paced[-1] - paced[0] >= (len(paced) - 2) / 9.5


def test_endpoints_path_keeps_the_variant_and_encodes_segments():
    assert endpoints_path("openai/gpt-oss-20b:free") == (
        "/api/v1/models/openai/gpt-oss-20b:free/endpoints"
    )
    assert endpoints_path("a/b/../c d%") == "/api/v1/models/a/b%2F..%2Fc%20d%25/endpoints"
    for dots in ("a/..", "../b", "a/."):
        with pytest.raises(UnaddressableId, match="dots only"):
            endpoints_path(dots)


def test_the_path_reaches_the_server_as_built():
    """Percent-encoded '/', '%', '?', '#', spaces and non-ASCII arrive as they were sent."""
    seen: list[str] = []

    async def handler(request):
        seen.append(request.raw_path)
        return web.json_response({"data": {}})

    path = endpoints_path("évil/a?b#c&d=e 100%-real%2F/../x")
    assert serve(handler, get(path)).ok
    assert seen == [path]


def test_retry_after_forms():
    assert parse_retry_after("2") == 2.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
