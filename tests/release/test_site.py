"""The release's site, on one release of the demo's three real days: every page parses as
strict HTML5, every link resolves inside the release, every table has header cells and every
chart its values beside it; and in headless Chromium, from ``file://`` and from a static
server on loopback, the index lists and filters the newest date's models, a model's page
names the cheapest endpoint the warehouse's view names, and each endpoint's chart has one
point per interval of ``endpoint_price_history``, with no console error, failed request or
request leaving the release on any page visited."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import duckdb
import html5lib
import pytest

from pipeline.release.build import FRONT, build_release
from pipeline.release.site import SITE
from tests.conftest import ROOT
from tests.support.browser import chromium, find_chromium
from tests.support.static_server import static_server

SHOTS = ROOT / ".test-output" / "site"
NS = "{http://www.w3.org/1999/xhtml}"
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def release(history_layout, tmp_path_factory) -> Path:
    """One release of the demo's days: every test of the site reads it."""
    dest = tmp_path_factory.mktemp("site-release")
    built = build_release(
        history_layout, str(dest), now=lambda: dt.datetime(2026, 8, 1, tzinfo=dt.UTC),
        log=lambda _: None,
    )  # fmt: skip
    return Path(built.where)


@pytest.fixture(scope="module")
def views(release):
    """The release's own views (its load.sql over its Parquet), as a reader would open them."""
    con = duckdb.connect()
    con.execute("SET VARIABLE release = $r", {"r": str(release)})
    con.execute((release / "load.sql").read_text())
    yield con
    con.close()


@pytest.fixture(scope="module")
def browser():
    binary = find_chromium()
    if binary is None:
        message = "no chromium on this machine (apt-get install chromium; .ci/run does)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    with chromium(binary) as b:
        yield b


def _pages(release: Path) -> list[Path]:
    return sorted((release / SITE).rglob("*.html")) + [release.parent / FRONT]


def test_every_page_parses_strictly_and_every_link_resolves(release):
    pages = _pages(release)
    assert len(pages) > 800  # the index, a page per model and provider, the changes
    parser = html5lib.HTMLParser(strict=True)
    checked = 0
    for page in pages:
        doc = parser.parse(page.read_bytes())  # raises on any parse error
        for el in doc.iter():
            for attr in ("href", "src"):
                link = el.get(attr)
                if link is None:
                    continue
                parts = urlsplit(link)
                if el.tag == f"{NS}a" and parts.scheme in ("http", "https"):
                    continue  # a provider's own policy document: a link out, never a request
                if link == "data:,":
                    continue  # the empty icon: the browser asks no favicon.ico of the host
                assert not parts.scheme and not parts.netloc and not link.startswith("/"), (
                    f"{page.name}: {link} is not relative"
                )
                target = (page.parent / unquote(parts.path)).resolve()
                assert target.is_file(), f"{page.relative_to(release.parent)}: {link} is missing"
                assert release.parent in target.parents
                checked += 1
        for table in doc.iter(f"{NS}table"):
            assert list(table.iter(f"{NS}th")), f"{page.name}: a table without header cells"
        for figure in doc.iter(f"{NS}figure"):
            if list(figure.iter(f"{SVG}svg")):
                beside = list(figure.iter(f"{NS}table")) + list(figure.iter(f"{NS}figcaption"))
                text = "".join("".join(b.itertext()) for b in beside)
                assert re.search(r"\d", text), f"{page.name}: a chart without its values"
    assert checked > 5000


def test_the_site_states_the_newest_date_the_version_and_how_to_cite(release):
    newest = sorted(p.name for p in (release.parent).iterdir() if p.is_dir())[-1][:10]
    version = release.name
    for page in _pages(release)[:-1]:
        text = page.read_text()
        assert newest in text and version in text and "How to cite" in text, page.name
    front = (release.parent / FRONT).read_text()
    assert f"{version}/site/index.html" in front


def _visit(page, url: str, origin: str, seen: list) -> None:
    page.goto(url)
    assert page.js("document.readyState") == "complete", url
    seen.append(url)


@pytest.mark.parametrize("how", ["file", "http"])
def test_in_chromium_the_pages_answer_as_the_views_do(release, views, browser, how):
    with static_server(release.parent) as (served, _):
        base = release.as_uri() if how == "file" else f"{served}/{release.name}"
        origin = release.parent.as_uri() if how == "file" else served
        page = browser.page()
        visited: list[str] = []

        # the index: every model of the newest date, and a filter that leaves a name's rows
        _visit(page, f"{base}/site/index.html", origin, visited)
        expected = sorted(r[0] for r in views.sql("SELECT model_id FROM models").fetchall())
        listed = page.js(
            "[...document.querySelectorAll('#models tbody tr')].map(r => r.dataset.model)"
        )
        assert sorted(listed) == expected and len(expected) > 700
        links = page.js(
            "Object.fromEntries([...document.querySelectorAll('#models tbody tr')]"
            ".map(r => [r.dataset.model, r.querySelector('a').getAttribute('href')]))"
        )
        if how == "file":
            page.screenshot(SHOTS / "index.png")
        name = "gpt-4o-mini"
        page.js(
            "(() => { const f = document.getElementById('filter'); f.value = 'GPT-4o-mini';"
            " f.dispatchEvent(new Event('input')); })()"
        )
        shown = page.js(
            "[...document.querySelectorAll('#models tbody tr')].filter(r => !r.hidden)"
            ".map(r => r.textContent.toLowerCase())"
        )
        assert shown and all(name in row for row in shown)
        every = page.js(
            "[...document.querySelectorAll('#models tbody tr')]"
            ".map(r => r.textContent.toLowerCase())"
        )
        assert len(shown) == sum(1 for row in every if name in row)
        # sorting by context puts the rows in the order of their numbers
        page.js("document.querySelectorAll('#models thead th button')[3].click()")
        contexts = page.js(
            "[...document.querySelectorAll('#models tbody tr')].map(r => r.cells[3].dataset.v)"
        )
        numbers = [float(c) for c in contexts if c]
        assert numbers == sorted(numbers) and len(numbers) > 700

        # a model's page: its endpoints, the cheapest one as cheapest_endpoint_per_model says
        cheapest = views.sql(
            "SELECT model_id, endpoint_id, blended_usd_per_mtok, endpoint_count "
            "FROM cheapest_endpoint_per_model ORDER BY endpoint_count DESC, model_id LIMIT 3"
        ).fetchall()
        for model_id, endpoint_id, blended, _ in cheapest:
            _visit(page, f"{base}/site/{links[model_id]}", origin, visited)
            rows = page.js(
                "[...document.querySelectorAll('#endpoint-table tbody tr')].map(r => "
                "[r.dataset.endpoint, r.className, r.querySelector('td.blended').dataset.v])"
            )
            endpoints = views.sql(
                "SELECT endpoint_id FROM endpoints WHERE model_id = ?", params=[model_id]
            ).fetchall()
            assert sorted(r[0] for r in rows) == sorted(e for (e,) in endpoints)
            marked = [r for r in rows if r[1] == "cheapest"]
            assert [m[0] for m in marked] == [endpoint_id], model_id
            assert float(marked[0][2]) == pytest.approx(float(blended), rel=1e-12)
            if how == "file" and model_id == cheapest[0][0]:
                page.screenshot(SHOTS / "model.png")

        # every model whose prices moved: one chart per endpoint, one point per interval
        intervals = views.sql(
            "SELECT model_id, endpoint_id, count(*) FROM endpoint_price_history GROUP BY ALL"
        ).fetchall()
        moved = sorted({m for m, _, n in intervals if n > 1})
        assert len(moved) >= 5  # the demo's days have real price moves
        for model_id in moved:
            if model_id not in links:
                continue  # the model is gone by the newest date: no page
            _visit(page, f"{base}/site/{links[model_id]}", origin, visited)
            charts = page.js(
                "Object.fromEntries([...document.querySelectorAll('figure[data-endpoint]')]"
                ".map(f => [f.dataset.endpoint, f.querySelectorAll('svg circle').length]))"
            )
            want = {e: n for m, e, n in intervals if m == model_id}
            assert charts == want, model_id

        # a provider's page and the changes
        _visit(page, f"{base}/site/changes/index.html", origin, visited)
        day = page.js("document.querySelector('main table a')?.getAttribute('href')")
        assert day is not None
        _visit(page, f"{base}/site/changes/{day}", origin, visited)
        provider = page.js(
            "document.querySelector('main a[href^=\"../providers/\"]').getAttribute('href')"
        )
        _visit(page, f"{base}/site/changes/{provider}", origin, visited)

        problems = page.problems(origin)
        assert problems.console == [] and problems.failed == [], problems
        assert problems.requests == [], problems.requests
        assert len(visited) >= 10
