"""What we publish is valid: the Nu HTML checker finds no error on any page of a site with every
page kind, nor on the hostile site (attacks must come out as valid HTML too); and every internal
link and asset resolves when a crawler walks the site over HTTP on 127.0.0.1 (the site with every
page kind; the hostile site's bodies link to nonsense on purpose).

The checker is the npm package vnu-jar (package.json; `npm ci` installs it, `.ci/run` does so) run
once over all pages with the system's Java.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import urllib.error
import urllib.request
from collections import deque
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest

from conftest import REPO, SAMPLE, write_tree
from hostile import hostile_files
from kinds import KIND_URLS_MINIMAL, build_every_kind, build_here
from sitecheck import serve

VNU = REPO / "node_modules/vnu-jar/build/dist/vnu.jar"


@pytest.fixture(scope="module")
def every_kind(tmp_path_factory) -> Path:
    return build_every_kind(tmp_path_factory.mktemp("kinds"))


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Path:

    root = tmp_path_factory.mktemp("hostile-vnu")
    files, _ = hostile_files()
    write_tree(root / "content", files)
    build_here(root)
    return root / "site"


def test_the_crawler_would_report_a_broken_link(tmp_path):
    site = tmp_path / "site"
    (site / "a").mkdir(parents=True)
    (site / "index.html").write_text('<a href="/a/">a</a> <a href="/missing/">m</a> <a href="/a/#nowhere">f</a>')
    (site / "a/index.html").write_text('<p id="here">a</p>')
    with serve(site) as base:
        _, broken, _ = crawl(base)
    assert broken == ["/missing/: HTTP 404", "/ -> /a/#nowhere: no such id"]


def test_the_nu_html_checker_finds_no_error(every_kind, hostile):
    assert VNU.is_file(), "vnu.jar missing: run `npm ci` (package.json lists vnu-jar)"
    java = shutil.which("java")
    assert java, "Java is needed for the Nu HTML checker (Debian: default-jre-headless)"
    pages = sorted(every_kind.rglob("*.html")) + sorted(hostile.rglob("*.html"))
    assert len(pages) > 300
    run = subprocess.run(
        [java, "-jar", str(VNU), "--errors-only", "--format", "json", *map(str, pages)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    report = json.loads(run.stderr or run.stdout)
    errors = [
        f"{Path(m.get('url', '')).name}:{m.get('lastLine')}: {m['message']}"
        for m in report["messages"]
        if m.get("type") == "error" or m.get("subType") == "fatal"
    ]
    assert errors == []
    checked = {urlsplit(m.get("url", "")).path for m in report["messages"]}
    assert run.returncode == 0 or not errors, (run.returncode, checked)


def test_the_checker_would_report_an_error(tmp_path):
    """The instrument works: a broken page is reported."""
    page = tmp_path / "bad.html"
    page.write_text('<!doctype html><html lang="zh-CN"><title>x</title><p><div></p><img>', encoding="utf-8")
    run = subprocess.run(
        [shutil.which("java") or "java", "-jar", str(VNU), "--errors-only", "--format", "json", str(page)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert json.loads(run.stderr)["messages"]


class _Refs(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.refs: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "a" and a.get("name"):
            self.ids.add(a["name"])
        for name in ("href", "src"):
            value = a.get(name)
            if value and tag in ("a", "link", "img", "script", "source", "area"):
                if tag == "link" and a.get("rel") == "canonical":
                    continue  # points at the public host, by design
                self.refs.append(value)


def crawl(base: str) -> tuple[dict[str, int], list[str], set[str]]:
    """Walk every internal link from the home page: (status by URL path, broken references, pages)."""
    status: dict[str, int] = {}
    ids: dict[str, set[str]] = {}
    broken: list[str] = []
    fragments: list[tuple[str, str, str]] = []
    queue = deque(["/"])
    html_pages: set[str] = set()
    while queue:
        path = queue.popleft()
        if path in status:
            continue
        try:
            with urllib.request.urlopen(base + path, timeout=30) as response:
                status[path] = response.status
                kind = response.headers.get_content_type()
                body = response.read()
        except urllib.error.HTTPError as exc:
            status[path] = exc.code
            continue
        if kind != "text/html":
            continue
        html_pages.add(path)
        parser = _Refs()
        parser.feed(body.decode("utf-8"))
        ids[path] = parser.ids
        for ref in parser.refs:
            absolute = urljoin(base + path, ref)
            parts = urlsplit(absolute)
            if parts.scheme in ("mailto", "tel") or parts.netloc != urlsplit(base).netloc:
                continue
            target, fragment = urldefrag(absolute)
            target_path = urlsplit(target).path + (f"?{urlsplit(target).query}" if urlsplit(target).query else "")
            if fragment:
                fragments.append((path, target_path, fragment))
            queue.append(target_path)
    for path, code in status.items():
        if code != 200:
            broken.append(f"{path}: HTTP {code}")
    for source, target, fragment in fragments:
        if target in ids and fragment not in ids[target]:
            broken.append(f"{source} -> {target}#{fragment}: no such id")
    return status, broken, html_pages


def test_every_internal_link_and_asset_resolves_over_http(every_kind):
    site = every_kind
    with serve(site) as base:
        status, broken, pages = crawl(base)
    assert broken == []
    assert any(path.endswith(".css") for path in status), "the stylesheet was never requested"
    on_disk = {"/" + p.relative_to(site).as_posix().removesuffix("index.html") for p in site.rglob("*.html")}
    unreachable = sorted(on_disk - pages - {"/404.html"})
    assert unreachable == [], "pages no link leads to"
    if not SAMPLE.is_dir():
        assert set(KIND_URLS_MINIMAL) - {"/404.html"} <= pages


def test_every_feed_parses_as_atom(every_kind):
    import xml.etree.ElementTree as ET

    atom = "{http://www.w3.org/2005/Atom}"
    feeds = sorted((every_kind / "feeds").rglob("*.xml"))
    assert feeds, "the site publishes no feed"
    for path in feeds:
        root = ET.parse(path).getroot()
        assert root.tag == f"{atom}feed", path
        for name in ("id", "title", "updated"):
            assert (root.findtext(f"{atom}{name}") or "").strip(), (path, name)
        assert any(link.get("rel") == "self" for link in root.findall(f"{atom}link")), path
        for entry in root.findall(f"{atom}entry"):
            for name in ("id", "title", "updated"):
                assert (entry.findtext(f"{atom}{name}") or "").strip(), (path, name)
