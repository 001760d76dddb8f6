"""Headless Chromium (Debian's ``chromium``) driven through the DevTools protocol over one
websocket: open a page, wait for its load, evaluate script in it, take a screenshot; and
every console error, uncaught exception, failed request and request that left the page's
own origin, as the browser reported them.

The DevTools protocol is what Playwright and Puppeteer speak; spoken directly over
``websockets`` (already locked), the tests use the distribution's browser as installed,
with no browser download and no version to match.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.sync.client import ClientConnection, connect

# the flags of a quiet headless browser on a machine with no network: no background
# requests, no first-run pages, no GPU
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--hide-scrollbars",
    "--window-size=1280,900",
    "--remote-debugging-port=0",
)


def find_chromium() -> str | None:
    """The browser: ``$CHROMIUM``, else Debian's ``chromium`` (or ``chromium-browser``)."""
    for name in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser"):
        if name and (found := shutil.which(name)):
            return found
    return None


@dataclass
class Problems:
    """What went wrong on the pages a test visited, one line each."""

    console: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


class Browser:
    def __init__(self, binary: str, timeout: float = 60) -> None:
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="chromium-")
        self.proc = subprocess.Popen(
            [binary, *FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        active = Path(self.profile) / "DevToolsActivePort"
        deadline = time.monotonic() + timeout
        while not (active.is_file() and len(active.read_text().splitlines()) >= 2):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.close()
                raise RuntimeError(f"{binary} did not open its DevTools port")
            time.sleep(0.05)
        port, path = active.read_text().splitlines()[:2]
        self.stack = contextlib.ExitStack()
        self.ws: ClientConnection = self.stack.enter_context(
            connect(f"ws://127.0.0.1:{port}{path}", max_size=None)
        )
        self.ids = itertools.count(1)
        self.events: list[dict[str, Any]] = []

    def call(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        """One command; events that arrive meanwhile are kept for ``wait_for``."""
        n = next(self.ids)
        msg: dict[str, Any] = {"id": n, "method": method, "params": params}
        if session:
            msg["sessionId"] = session
        self.ws.send(json.dumps(msg))
        while True:
            got = json.loads(self.ws.recv(timeout=self.timeout))
            if got.get("id") == n:
                if "error" in got:
                    raise RuntimeError(f"{method}: {got['error']}")
                return got.get("result", {})
            if "method" in got:
                self.events.append(got)

    def wait_for(self, method: str, session: str) -> dict[str, Any]:
        """The first kept or coming event ``method`` of ``session`` (removed from the kept)."""
        deadline = time.monotonic() + self.timeout
        while True:
            for i, ev in enumerate(self.events):
                if ev["method"] == method and ev.get("sessionId") == session:
                    return self.events.pop(i)
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no {method} within {self.timeout:.0f} s")
            self.events.append(json.loads(self.ws.recv(timeout=left)))

    def page(self) -> Page:
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable", session)
        return Page(self, session)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.stack.close()
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.profile, ignore_errors=True)


class Page:
    def __init__(self, browser: Browser, session: str) -> None:
        self.browser, self.session = browser, session

    def goto(self, url: str) -> None:
        """Open ``url`` and wait for its load event (scripts run, images and styles in)."""
        self.browser.call("Page.navigate", self.session, url=url)
        self.browser.wait_for("Page.loadEventFired", self.session)

    def js(self, expression: str) -> Any:
        """The value of a script expression in the page (JSON-able)."""
        got = self.browser.call(
            "Runtime.evaluate",
            self.session,
            expression=expression,
            returnByValue=True,
            awaitPromise=True,
        )
        if "exceptionDetails" in got:
            raise RuntimeError(f"{expression[:80]}: {got['exceptionDetails']}")
        return got["result"].get("value")

    def screenshot(self, path: Path) -> Path:
        data = self.browser.call("Page.captureScreenshot", self.session, format="png")["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        return path

    def problems(self, origin: str) -> Problems:
        """Every console error, uncaught exception, failed or refused request seen on this
        page so far, and every request to somewhere not under ``origin``."""
        out = Problems()
        for ev in (e for e in self.browser.events if e.get("sessionId") == self.session):
            method, p = ev["method"], ev["params"]
            if method == "Runtime.exceptionThrown":
                out.console.append(p["exceptionDetails"].get("text", "exception"))
            elif method == "Runtime.consoleAPICalled" and p["type"] in ("error", "assert"):
                out.console.append(" ".join(str(a.get("value")) for a in p["args"]))
            elif method == "Log.entryAdded" and p["entry"]["level"] == "error":
                out.console.append(f"{p['entry'].get('url', '')}: {p['entry']['text']}")
            elif method == "Network.loadingFailed":
                out.failed.append(f"{p.get('type')}: {p['errorText']}")
            elif method == "Network.responseReceived" and p["response"].get("status", 200) >= 400:
                out.failed.append(f"{p['response']['url']}: HTTP {p['response']['status']}")
            elif method == "Network.requestWillBeSent":
                url = p["request"]["url"]
                if not url.startswith((origin, "data:", "about:")):
                    out.requests.append(url)
        return out


@contextlib.contextmanager
def chromium(binary: str) -> Iterator[Browser]:
    browser = Browser(binary)
    try:
        yield browser
    finally:
        browser.close()
