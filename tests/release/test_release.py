"""A release of the demo's three real days: read with nothing but its folder, it answers the
README's queries as the warehouse does; two builds are the same bytes; verify names a changed
byte; the feed is Atom, its items the days' changes; and over a plain static server on
loopback it answers from DuckDB and polars. Its site (the last part of this module) is read
by html5lib and by headless Chromium."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import unquote, urlsplit

import duckdb
import feedparser
import html5lib
import polars as pl
import pytest

from pipeline.release.build import FRONT, build_release
from pipeline.release.site import SITE
from pipeline.release.verify import verify
from pipeline.storage.http_fs import attach_http
from pipeline.warehouse.build import sql_files
from tests.conftest import ROOT
from tests.support.browser import chromium, find_chromium
from tests.support.quiet import Quiet
from tests.support.static_server import static_server

README = (ROOT / "README.md").read_text()
THRESHOLD = 10.0


def readme_queries() -> list[str]:
    """Every query the README shows: con.sql("…"), openrouter-catalog query "…", and each
    statement of its ```sql blocks."""
    found = re.findall(r'con\.sql\("([^"]+)"\)', README)
    found += [q.replace("\n  ", " ") for q in re.findall(r'query "(SELECT[^"]+)"', README)]
    for block in re.findall(r"```sql\n(.*?)```", README, re.S):
        found += [s.strip() for s in block.split(";") if s.strip()]
    # views about the store itself (which code built which date) are not in a release
    store_only = {
        v
        for p in set(sql_files()) - set(sql_files(store=False))
        for v in re.findall(r"CREATE OR REPLACE VIEW (\w+)", p.read_text())
    }
    assert store_only  # stale_dates
    found = [q for q in found if not any(re.search(rf"\b{v}\b", q) for v in store_only)]
    # a LIMIT after an ORDER BY with ties picks any of the tied rows: compare the whole answer
    return [re.sub(r"\s+LIMIT\s+\d+\s*$", "", q) for q in found]


@pytest.fixture(scope="module")
def built(history_layout, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("release")
    stamps = iter(
        [dt.datetime(2026, 8, 1, 12, tzinfo=dt.UTC), dt.datetime(2026, 8, 2, 9, tzinfo=dt.UTC)]
    )
    first = build_release(
        history_layout, str(tmp / "a"), now=lambda: next(stamps), log=lambda _: None
    )
    second = build_release(
        history_layout, str(tmp / "b"), now=lambda: next(stamps), log=lambda _: None
    )
    return history_layout, first, second, tmp


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[str]:
    return sorted(repr(r) for r in con.sql(sql).fetchall())


def test_the_readme_queries_answer_from_the_release_alone_as_from_the_warehouse(built):
    layout, release, _, tmp = built
    queries = readme_queries()
    assert len(queries) >= 8
    with duckdb.connect(str(layout.warehouse_path), read_only=True) as con:
        expected = [_rows(con, q) for q in queries]
    # a fresh process, in a folder holding nothing but the release: no data dir, no warehouse
    alone = tmp / "elsewhere" / "release"
    shutil.copytree(release.where, alone)
    script = (
        "import duckdb, json, sys\n"
        "con = duckdb.connect()\n"
        "con.execute(open('load.sql').read())\n"
        "qs = json.loads(sys.stdin.read())\n"
        "print(json.dumps([sorted(repr(r) for r in con.sql(q).fetchall()) for q in qs]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=alone, input=json.dumps(queries),
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
    got = json.loads(out.stdout)
    for q, want, have in zip(queries, expected, got, strict=True):
        assert have == want, q
    assert any(want for want in expected)  # not every answer empty


def test_two_builds_are_the_same_bytes_and_verify_names_a_changed_byte(built):
    _, first, second, tmp = built
    assert first.version == second.version
    a, b = Path(first.where), Path(second.where)
    names = sorted(p.relative_to(a).as_posix() for p in a.rglob("*") if p.is_file())
    assert names == sorted(p.relative_to(b).as_posix() for p in b.rglob("*") if p.is_file())
    differ = [n for n in names if (a / n).read_bytes() != (b / n).read_bytes()]
    assert differ == ["manifest.json"]
    ma, mb = (
        json.loads((a / "manifest.json").read_text()),
        json.loads((b / "manifest.json").read_text()),
    )
    assert ma.pop("built_at") != mb.pop("built_at") and ma == mb
    # the manifest: every file with its rows, bytes, hash and schema; the dates it covers
    files = ma["files"]
    assert files["tables/endpoints.parquet"]["rows"] > 2000
    assert (
        files["tables/endpoints.parquet"]["sha256"]
        == hashlib.sha256((a / "tables/endpoints.parquet").read_bytes()).hexdigest()
    )
    assert {"name": "snapshot_date", "type": "DATE"} in files["tables/endpoints.parquet"]["schema"]
    assert ma["dates"]["published"] == ["2026-07-17", "2026-07-18", "2026-07-19"]
    assert ma["version"].startswith("2026-07-19-") and ma["commit"]
    assert set(ma["coverage"]["2026-07-19"]) >= {"v1_models", "v1_endpoints"}
    assert json.loads((a.parent / "latest.json").read_text())["version"] == first.version
    # the version is a hash of the data files: the site's pages (which state it) are listed
    # and verified, but not in it
    pages = [k for k in files if k.startswith("site/")]
    assert len(pages) > 800
    data_files = "".join(f"{k} {v['sha256']}\n" for k, v in files.items() if k not in pages)
    assert ma["version"].endswith(hashlib.sha256(data_files.encode()).hexdigest()[:8])
    # verify: whole, then one byte changed
    assert verify(str(a)) == []
    broken = tmp / "broken"
    shutil.copytree(a, broken)
    target = broken / "tables" / "models.parquet"
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0xFF
    target.write_bytes(bytes(data))
    assert verify(str(broken)) == ["tables/models.parquet: sha256 differs from the manifest's"]
    cli = subprocess.run(
        [sys.executable, "-m", "pipeline", "verify", str(broken)], capture_output=True, text=True
    )
    assert cli.returncode == 1
    assert cli.stderr.strip() == "verify: tables/models.parquet: sha256 differs from the manifest's"


def test_the_feed_is_atom_and_its_items_are_the_days_changes(built):
    layout, first, second, _ = built
    where = Path(first.where)
    feed = feedparser.parse((where / "changes.atom").read_text())
    assert feed.version == "atom10" and not feed.bozo
    # the changes above the feed's thresholds, computed here from the warehouse's own views
    with duckdb.connect(str(layout.warehouse_path), read_only=True) as con:
        prices = con.sql(
            "SELECT to_date, count(*) FROM price_changes WHERE change = 'price' "
            f"AND abs(pct_change) >= {THRESHOLD} GROUP BY 1"
        ).fetchall()
        catalog = con.sql(
            "SELECT to_date, change, model_id, count(*) FROM catalog_changes GROUP BY ALL"
        ).fetchall()
        windows = con.sql(
            "SELECT to_date, change, count(*) FROM price_changes "
            "WHERE change LIKE 'window %' GROUP BY ALL"
        ).fetchall()
    expected: dict[str, Counter] = {}
    for day, n in prices:
        expected.setdefault(str(day), Counter())["price"] += n
    for day, change, model, n in catalog:
        kind = "provider_dropped" if change == "endpoint_disappeared" else change
        if kind == "model_appeared" and model.endswith(":free"):
            kind = "new_free_variant"
        if kind != "endpoint_appeared":
            expected.setdefault(str(day), Counter())[kind] += n
    # data-policy changes, paired here from the intervals: one that starts where the same
    # policy's previous one ended, with another training / retention / retention days
    with duckdb.connect(str(layout.warehouse_path), read_only=True) as con:
        intervals = con.sql(
            "SELECT scope, provider_name, endpoint_id, model_id, valid_from, valid_to, training, "
            "retains_prompts, retention_days FROM policy_history"
        ).fetchall()
    ended = {(r[:4], r[5]): r[6:] for r in intervals if r[5] is not None}
    for r in intervals:
        before = ended.get((r[:4], r[4]))
        if before is not None and before != r[6:]:
            expected.setdefault(str(r[4]), Counter())["policy_changed"] += 1
    for day, change, n in windows:
        expected.setdefault(str(day), Counter())[change] += n
    doc = json.loads((where / "changes.json").read_text())
    got = {i["date"]: Counter(i["counts"]) for i in doc["items"]}
    assert got == expected and got
    assert [e.id for e in feed.entries] == [i["id"] for i in doc["items"]]
    assert feed.feed.updated == f"{max(got)}T00:00:00Z"
    for entry in feed.entries:
        [link] = [x.href for x in entry.links if x.rel == "alternate"]
        assert (where / link).is_file()  # the day's digest, in the release
    # a rebuild changes no item's id
    again = json.loads((Path(second.where) / "changes.json").read_text())
    assert [i["id"] for i in again["items"]] == [i["id"] for i in doc["items"]]


def test_over_http_duckdb_and_polars_read_the_release_from_a_static_server(built):
    layout, release, _, _ = built
    root = Path(release.where).parent
    with static_server(root) as (url, served):
        base = f"{url}/{release.version}"
        con = duckdb.connect()
        # DuckDB 2.0 has no httpfs package here: HTTP through a registered filesystem
        attach_http(con)
        con.execute(f"SET VARIABLE release = '{base}'")
        con.execute(served.get_text(f"/{release.version}/load.sql"))
        date = con.sql("SELECT max(snapshot_date) FROM endpoints_history").fetchall()[0][0]
        http = _rows(con, f"SELECT * FROM endpoints_history WHERE snapshot_date = DATE '{date}'")
        with duckdb.connect(str(layout.warehouse_path), read_only=True) as wh:
            local = _rows(
                wh, f"SELECT * FROM endpoints_history WHERE snapshot_date = DATE '{date}'"
            )
        assert http == local
        polars_rows = (
            pl.scan_parquet(f"{base}/tables/models.parquet")
            .filter(pl.col("snapshot_date") == date)
            .select(pl.len())
            .collect()
            .item()
        )
        with duckdb.connect(str(layout.warehouse_path), read_only=True) as wh:
            want = wh.sql(
                f"SELECT count(*) FROM models_history WHERE snapshot_date = DATE '{date}'"
            ).fetchall()[0][0]
        assert polars_rows == want > 0
        assert served.ranges > 0  # read by ranges, not whole files


def test_a_held_date_is_named_not_published_and_appears_once_accepted(tmp_path):
    """Two real days; the second is held by an audit that tolerates no change at all, so the
    release lacks it and names it (manifest, data card). Accepted after review, the next
    release has it."""
    from pipeline.publish.protocol import build_and_publish
    from pipeline.publish.thresholds import Thresholds
    from pipeline.storage.layout import Layout
    from tests.conftest import DAILY, DAYS
    from tests.support.recorded_day import build_day

    layout = Layout(str(tmp_path / "data"))
    good, bad = DAYS[0], DAYS[1]
    for day in (good, bad):
        build_day(DAILY / day, layout.raw_dir(dt.date.fromisoformat(day)))
    build_and_publish(layout, dt.date.fromisoformat(good), Thresholds(), Quiet())
    strict = Thresholds(max_drop=0.0, max_price_changes=0.0, max_status_changes=0.0)
    held = build_and_publish(layout, dt.date.fromisoformat(bad), strict, Quiet())
    assert held.held
    first = build_release(layout, str(tmp_path / "releases"), log=lambda _: None)
    where = Path(first.where)
    assert first.manifest["dates"]["published"] == [good]
    assert list(first.manifest["dates"]["held"]) == [bad]
    assert f"- {bad}: held (" in (where / "DATACARD.md").read_text()
    # the site lists it among the held dates, with its reason
    dates_page = (where / "site" / "changes" / "index.html").read_text()
    held_part = dates_page.split("Held by the audit")[1].split("<h3>")[0]
    assert f"<td>{bad}</td>" in held_part
    with duckdb.connect() as con:
        dates = con.sql(
            f"SELECT DISTINCT snapshot_date::VARCHAR FROM '{where}/tables/endpoints.parquet'"
        ).fetchall()
    assert dates == [(good,)]
    # accepted after review: the next release has it, and says it was accepted
    build_and_publish(
        layout, dt.date.fromisoformat(bad), strict, Quiet(), accept=("reviewer", "checked")
    )
    second = build_release(layout, str(tmp_path / "releases"), log=lambda _: None)
    assert second.version != first.version and second.version.startswith(bad)
    assert second.manifest["dates"]["published"] == [good, bad]
    assert list(second.manifest["dates"]["accepted"]) == [bad]
    dates_page = (Path(second.where) / "site" / "changes" / "index.html").read_text()
    assert f"<td>{bad}</td>" in dates_page.split("Accepted after review")[1].split("<h3>")[0]
    with duckdb.connect() as con:
        file = f"{second.where}/tables/endpoints.parquet"
        dates = con.sql(
            f"SELECT DISTINCT snapshot_date::VARCHAR FROM '{file}' ORDER BY 1"
        ).fetchall()
    assert dates == [(good,), (bad,)]
    # both releases are kept (retention 10), latest.json names the newer
    latest = json.loads((tmp_path / "releases" / "latest.json").read_text())
    assert latest["version"] == second.version
    assert sorted(p.name for p in (tmp_path / "releases").iterdir() if p.is_dir()) == sorted(
        [first.version, second.version]
    )
    third = build_release(layout, str(tmp_path / "releases"), keep=1, log=lambda _: None)
    assert third.version == second.version
    assert [p.name for p in (tmp_path / "releases").iterdir() if p.is_dir()] == [third.version]


def test_the_daily_jobs_release_asset_is_off_by_default_and_builds_when_on(
    history_layout, tmp_path
):
    import dagster as dg

    from assets.release import release
    from assets.resources import CatalogStorage

    def run(**kw: object):  # noqa: ANN202
        storage = CatalogStorage(root=history_layout.root, release_to=str(tmp_path), **kw)
        result = dg.materialize(
            [release], partition_key="2026-07-19", resources={"storage": storage}
        )
        [m] = result.get_asset_materialization_events()
        return m.materialization.metadata

    assert run()["built"].value is False and not any(tmp_path.iterdir())
    on = run(release_enabled=True)
    assert on["built"].value is True
    assert verify(str(tmp_path / on["version"].value)) == []


def test_the_data_card_tells_a_dataset_hub_each_table_and_claims_no_licence(built):
    """The card's YAML front matter, as a hub reads it: one config per Parquet file of the
    release, each pointing at that file, whose rows load as the file's; no licence key."""
    import yaml

    _, release, _, _ = built
    where = Path(release.where)
    text = (where / "DATACARD.md").read_text()
    assert text.startswith("---\n")
    header = yaml.safe_load(text.split("---\n")[1])
    assert "license" not in header
    configs = {c["config_name"]: c["data_files"] for c in header["configs"]}
    files = sorted(p.relative_to(where).as_posix() for p in (where / "tables").glob("*.parquet"))
    assert sorted(configs.values()) == files
    assert [c["config_name"] for c in header["configs"] if c.get("default")] == ["endpoints"]
    for name, path in configs.items():
        assert path == f"tables/{name}.parquet"
    # the body still opens with its title, under the header
    assert "\n# OpenRouter catalog: data card\n" in text


def _plain(value: object) -> object:
    """A value as Croissant's reader and Parquet's agree on it: bytes decoded, decimals at
    float precision, dates and times as their date and time."""
    import decimal

    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if hasattr(value, "to_pydatetime"):  # a pandas Timestamp
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None) if value.tzinfo is None else value.astimezone(dt.UTC)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    return value


def test_croissant_validates_and_loads_two_tables_as_their_parquet(built):
    """``mlcroissant validate`` passes on the release's croissant.json (warnings allowed: no
    licence is claimed), and records loaded through mlcroissant equal the Parquet rows."""
    import mlcroissant as mlc

    _, release, second, _ = built
    where = Path(release.where)
    path = where / "croissant.json"
    # byte-reproducible like every other file of the release
    assert path.read_bytes() == (Path(second.where) / "croissant.json").read_bytes()
    cli = Path(sys.executable).parent / "mlcroissant"
    checked = subprocess.run([str(cli), "validate", "--jsonld", str(path)], capture_output=True,
                             text=True, timeout=300)  # fmt: skip
    assert checked.returncode == 0, checked.stderr[-2000:]
    assert "license" in checked.stderr  # the one thing it misses, on purpose
    doc = json.loads(path.read_text())
    files = sorted(p.name for p in (where / "tables").glob("*.parquet"))
    assert sorted(d["contentUrl"].removeprefix("tables/") for d in doc["distribution"]) == files
    dataset = mlc.Dataset(jsonld=str(path))
    for table in ("providers", "endpoint_price_history"):
        parquet = pl.read_parquet(where / "tables" / f"{table}.parquet")
        loaded = [
            {k.removeprefix(f"{table}/"): _plain(v) for k, v in r.items()}
            for r in dataset.records(record_set=table)
        ]
        assert len(loaded) == parquet.height > 0
        expected = [{k: _plain(v) for k, v in r.items()} for r in parquet.iter_rows(named=True)]
        assert loaded == expected, table


# ---- the site: every page strict HTML5, every link inside the release, and in headless
# Chromium (from file:// and from loopback) the pages answer as the views do ----------------

SHOTS = ROOT / ".test-output" / "site"
XHTML = "{http://www.w3.org/1999/xhtml}"
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def release(built) -> Path:
    """The first release of the demo's days: every test of the site reads it."""
    return Path(built[1].where)


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
                if el.tag == f"{XHTML}a" and parts.scheme in ("http", "https"):
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
        for table in doc.iter(f"{XHTML}table"):
            assert list(table.iter(f"{XHTML}th")), f"{page.name}: a table without header cells"
        for figure in doc.iter(f"{XHTML}figure"):
            if list(figure.iter(f"{SVG}svg")):
                beside = list(figure.iter(f"{XHTML}table")) + list(
                    figure.iter(f"{XHTML}figcaption")
                )
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
