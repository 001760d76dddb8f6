"""The HTTP client on httpx.MockTransport: retries, Retry-After, the key's destination."""

from __future__ import annotations

import asyncio
import time

import httpx

from pipeline.client import ApiClient, parse_retry_after
from pipeline.sources import endpoints_path


def run(coro):
    return asyncio.run(coro)


class ChunkStream(httpx.AsyncByteStream):
    def __init__(self, chunks) -> None:
        self.chunks = chunks

    async def __aiter__(self):
        for c in self.chunks:
            yield c


def client(handler, **kw) -> ApiClient:
    kw.setdefault("wait_initial_s", 0.01)
    return ApiClient("https://api.test", transport=httpx.MockTransport(handler), **kw)


def test_429_with_retry_after_is_retried_after_the_given_delay():
    calls: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(time.perf_counter())
        if len(calls) == 1:
            return httpx.Response(429, headers={"Retry-After": "0.3"})
        return httpx.Response(200, json={"data": []})

    async def go():
        async with client(handler) as c:
            return await c.get("v1_models", "all", "/api/v1/models")

    r = run(go())
    assert r.ok and r.attempts == 2
    assert calls[1] - calls[0] >= 0.3


def test_invalid_json_and_5xx_give_up_with_a_reason():
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("html"):
            return httpx.Response(200, text="<html>oops</html>")
        return httpx.Response(503, json={"error": {"code": 503}})

    async def go():
        async with client(handler, max_attempts=3) as c:
            return await c.get("s", "k", "/html"), await c.get("s", "k", "/down")

    html, down = run(go())
    assert not html.ok and "not JSON" in html.error and html.attempts == 3
    assert html.body == b"<html>oops</html>"  # kept as received
    assert down.error == "HTTP 503 after 3 attempts" and down.status == 503


def test_404_is_not_retried():
    n = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal n
        n += 1
        return httpx.Response(404, json={"error": {"code": 404}})

    async def go():
        async with client(handler) as c:
            return await c.get("s", "k", "/missing")

    r = run(go())
    assert r.status == 404 and r.attempts == 1 and n == 1 and r.error == "HTTP 404"


def test_api_key_sent_as_bearer_and_user_agent_names_the_project():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    async def go():
        async with client(handler, api_key="sk-canary-123") as c:
            return await c.get("s", "k", "/x")

    r = run(go())
    assert seen[0].headers["authorization"] == "Bearer sk-canary-123"
    assert "openrouter-catalog" in seen[0].headers["user-agent"]
    assert "sk-canary" not in r.url


def test_key_never_sent_in_clear_text_to_a_remote_host():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    for base, sent in (
        ("http://example.test", False),  # plain http off this machine: never
        ("http://127.0.0.1:9", True),  # loopback (the replay server)
        ("https://openrouter.ai", True),
    ):
        seen.clear()

        async def go(base=base):
            transport = httpx.MockTransport(handler)
            async with ApiClient(base, "sk-x", transport=transport) as c:
                return await c.get("s", "k", "/x")

        run(go())
        assert ("authorization" in seen[0].headers) is sent, base
        assert seen[0].url.host == httpx.URL(base).host


def test_a_redirect_elsewhere_is_not_followed_so_the_key_stays_home():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(302, headers={"Location": "https://collector.test/steal"})

    async def go():
        async with client(handler, api_key="sk-canary-123") as c:
            return await c.get("s", "k", "/x")

    r = run(go())
    assert [q.url.host for q in seen] == ["api.test"]
    assert r.error == "HTTP 302" and r.attempts == 1


def test_a_body_over_the_cap_is_refused_without_a_length_header_and_not_retried():
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        chunks = (b"x" * 65536 for _ in range(40))  # 2.5 MiB, streamed, no Content-Length
        return httpx.Response(200, stream=ChunkStream(chunks))

    async def go():
        async with client(handler, max_body_bytes=1024 * 1024) as c:
            return await c.get("s", "k", "/big")

    r = run(go())
    assert calls == 1 and r.attempts == 1 and r.body is None
    assert "exceeds" in r.error and "1,048,576-byte cap" in r.error


def test_endpoints_path_keeps_the_variant_and_encodes_segments():
    assert endpoints_path("openai/gpt-oss-20b:free") == (
        "/api/v1/models/openai/gpt-oss-20b:free/endpoints"
    )
    assert endpoints_path("a/b/../c d%") == "/api/v1/models/a/b%2F..%2Fc%20d%25/endpoints"


def test_retry_after_forms():
    assert parse_retry_after("2") == 2.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
