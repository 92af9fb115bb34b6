"""The full-text index in parts (issue 19): one a district and one for the rest of the site, a
part whose pages did not change taken from the previous site instead of indexed again, the
output byte for byte what a cold build gives; the search page scoped to the district a resident
came from, with 搜索全部; the name finder's index split the same way.

The sample bulletin (three districts) is copied to `tmp_path` and built with the real CLI
in-process, so `search.LAST_RUN` (the debug hook) says which parts each build indexed.
"""

from __future__ import annotations

import json
import re
import shutil
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from generator.output import search
from generator.output.search import name_indexes, page_area

from browserkit import Watch, all_result_urls, describe, run_axe, serve
from conftest import SAMPLE, TODAY, cli

NOTICE = "notices/2026/fuhai-huayuan-wuye-jingli-pinyong.md"  # a notice of one compound in 潍坊高新区


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def build(content: Path, out: Path) -> dict:
    run = cli("build", "--content", str(content), "--out", str(out), "--today", TODAY)
    assert run.exit_code == 0 and "Pagefind" not in run.output, run.output
    return dict(search.LAST_RUN)


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    """The sample built, a notice edited and built again over it, and the edited content built
    cold elsewhere: (content, edited site, cold site, what each build's index did)."""
    root = tmp_path_factory.mktemp("parts")
    content = root / "content"
    shutil.copytree(SAMPLE, content)
    first = build(content, root / "site")
    notice = content / NOTICE
    notice.write_text(
        notice.read_text(encoding="utf-8") + "\n补充说明：面试地点改在福海花园物业服务中心二楼会议室。\n",
        encoding="utf-8",
    )
    again = build(content, root / "site")
    cold = build(content, root / "cold")
    return content, root / "site", root / "cold", {"first": first, "again": again, "cold": cold}


def test_an_edit_indexes_only_its_districts_part_and_gives_the_cold_builds_bytes(sites):
    _content, edited, cold, runs = sites
    everything = ["", "binhai", "gaoxin", "zhucheng"]  # the site-wide part first, then by district id
    assert runs["first"]["indexed"] == everything and runs["first"]["reused"] == []
    assert runs["again"]["indexed"] == ["gaoxin"] and runs["again"]["reused"] == ["", "binhai", "zhucheng"]
    parts = json.loads((edited / "pagefind/shards.json").read_text(encoding="utf-8"))
    gaoxin = json.loads((edited / "pagefind/d/gaoxin/part.json").read_text(encoding="utf-8"))
    indexed = [rel for rel in gaoxin["pages"] if search.indexed_text_bytes((edited / rel).read_bytes()) is not None]
    assert runs["again"]["added"] == len(indexed) < runs["first"]["added"]  # Pagefind read that part's pages only
    assert parts["areas"]["gaoxin"] == {"name": "潍坊高新区", "index": ["d/gaoxin/"]}
    assert "notices/fuhai-huayuan-wuye-jingli-pinyong/index.html" in gaoxin["pages"]
    assert runs["cold"]["indexed"] == everything
    edited_tree, cold_tree = tree(edited), tree(cold)
    assert sorted(edited_tree) == sorted(cold_tree)
    assert [rel for rel in edited_tree if edited_tree[rel] != cold_tree[rel]] == []
    assert "面试地点改在" in edited_tree["notices/fuhai-huayuan-wuye-jingli-pinyong/index.html"].decode()


def test_a_part_is_made_again_when_pagefind_or_its_pages_change(sites, tmp_path):
    content, edited, _cold, _runs = sites
    out = tmp_path / "site"
    shutil.copytree(edited, out)
    folder = out / "pagefind"
    pages = [p.relative_to(out).as_posix() for p in out.rglob("*.html") if not p.is_relative_to(folder)]
    found = search.locate_pagefind(content)
    stage = tmp_path / "stage"
    shutil.copytree(out, stage, ignore=shutil.ignore_patterns("pagefind"))
    search.index_site(stage, found, pages=pages, previous=out)
    assert search.LAST_RUN["indexed"] == [] and tree(stage / "pagefind") == tree(folder)
    shutil.rmtree(stage / "pagefind")
    newer = search.Pagefind(found.path, version=found.version + "-other")
    search.index_site(stage, newer, pages=pages, previous=out)
    assert search.LAST_RUN["reused"] == []  # another Pagefind: every part again
    expected = tree(folder)
    for lost, remade in (("d/binhai/pagefind.js", "binhai"), ("pagefind-entry.json", "")):
        shutil.rmtree(stage / "pagefind")
        (folder / lost).unlink()  # the previous site lacks a file of a part: that part is made again
        search.index_site(stage, found, pages=pages, previous=out)
        assert search.LAST_RUN["indexed"] == [remade]
        # (Pagefind writing the site-wide part into pagefind/ leaves the districts' linked parts be)
        assert tree(stage / "pagefind") == expected
        (folder / lost).write_bytes(expected[lost])


def test_each_page_is_in_the_part_of_the_district_its_search_box_names(sites):
    _content, edited, _cold, _runs = sites
    parts = {
        part: json.loads((edited / "pagefind" / folder / "part.json").read_text(encoding="utf-8"))["pages"]
        for part, folder in (("", ""), ("binhai", "d/binhai/"), ("gaoxin", "d/gaoxin/"), ("zhucheng", "d/zhucheng/"))
    }
    part_of = {rel: part for part, pages in parts.items() for rel in pages}
    html = sorted(p.relative_to(edited).as_posix() for p in edited.rglob("*.html") if "pagefind" not in p.parts)
    assert sorted(part_of) == html  # every page in exactly one part
    assert part_of["index.html"] == "" and part_of["companies/index.html"] == ""  # directories: site-wide
    assert part_of["companies/anjia-wuye/index.html"] == ""  # companies too (see base.html)
    assert part_of["areas/gaoxin/index.html"] == "gaoxin" and part_of["compounds/fuhai-huayuan/index.html"] == "gaoxin"
    for rel, part in part_of.items():
        area = page_area((edited / rel).read_bytes())
        assert (area[0] if area else "") == part, rel
    page = (edited / "compounds/fuhai-huayuan/index.html").read_text(encoding="utf-8")
    assert '<input type="hidden" name="area" value="gaoxin">' in page and "在“潍坊高新区”中搜索" in page
    # a quoted form inside the page's text does not count: only what comes before <main>
    assert page_area(b'<main><p>&lt;form class="area-search" data-search-area="x"&gt;</p></main>') is None


def test_the_name_finder_has_a_small_file_per_district_and_the_whole_list(sites):
    _content, edited, _cold, _runs = sites
    whole = json.loads((edited / "search/names.json").read_text(encoding="utf-8"))
    gaoxin = json.loads((edited / "search/names/gaoxin.json").read_text(encoding="utf-8"))
    assert {e["name"] for e in gaoxin} < {e["name"] for e in whole}
    assert [e for e in gaoxin if e["kind"] == "区（市）"] == [e for e in whole if e["name"] == "潍坊高新区"]
    fuhai = next(e for e in whole if e["url"] == "/compounds/fuhai-huayuan/")
    assert fuhai in gaoxin
    binhai = json.loads((edited / "search/names/binhai.json").read_text(encoding="utf-8"))
    assert fuhai not in binhai
    for district in ("binhai", "gaoxin", "zhucheng"):
        entries = json.loads((edited / f"search/names/{district}.json").read_text(encoding="utf-8"))
        assert all(e in whole for e in entries) and any(e["kind"] == "小区" for e in entries)


def test_name_indexes_put_a_company_in_each_district_it_manages_a_compound_in():
    from generator.content.errors import Problems
    from generator.content.load import load
    from generator.content.validate import validate

    problems = Problems()
    site = validate(load(SAMPLE, "content", problems), problems, date.fromisoformat(TODAY))
    files = {area: json.loads(data) for area, data in name_indexes(site).items()}
    for company in site.companies.values():
        districts = {
            area
            for area in site.districts
            for c in site.compounds.values()
            if c.company == company.id and site.streets[site.communities[c.community].street].district == area
        }
        holding = {area for area, entries in files.items() if area and any(e["name"] == company.name for e in entries)}
        assert holding == districts, company.id
    assert files[""] == json.loads(search.name_index(site))


# --- in the browser ------------------------------------------------------------------------------

# The search tests' queries (tests/test_browser.py), with the pages each must rank in its top 3.
QUERIES = {
    "红黑榜": ["/lists/"],
    "红榜": [],
    "物业": [],
    "福海花园": ["/compounds/fuhai-huayuan/"],
    "福海": ["/compounds/fuhai-huayuan/"],
    "安佳物业": ["/companies/anjia-wuye/"],
    "福海 物业": [],
    "量子计算机": [],
}


def results(page, base: str, query: str, area: str | None = None) -> tuple[str, list[str]]:
    """Open the search page for `query` (and `area`); (status line, every result URL)."""
    page.goto(base + "/search/?q=" + query.replace(" ", "+") + (f"&area={area}" if area else ""))
    page.wait_for_function(
        "() => { const s = document.querySelector('[data-fulltext-results] .finder-status').textContent;"
        " return (s.includes('共有') || s.includes('没有找到')) && !s.startsWith('正在'); }"
    )
    urls = all_result_urls(page)
    return page.locator("[data-fulltext-results] .finder-status").inner_text(), urls


@pytest.fixture
def browser_page(chromium):
    """A page at 375 px in a fresh context whose console errors and off-host requests fail the
    test; `page.fetched`: the path of every request it made (the worker's too)."""
    context = chromium.new_context(viewport={"width": 375, "height": 812})
    watch = Watch()
    watch.attach(context)
    fetched: list[str] = []
    context.on("request", lambda request: fetched.append(urlsplit(request.url).path))
    page = context.new_page()
    page.fetched = fetched
    yield page
    context.close()
    watch.assert_clean()


@pytest.mark.browser
def test_parts_find_what_one_index_finds(sites, tmp_path, monkeypatch, browser_page):
    # The same pages for every query, and what the search tests ask of the ranking holds for
    # both. The order below the top differs: Pagefind ranks each index by its own statistics
    # (BM25's IDF and average page length), and a small district's part weighs a word more.
    content, edited, _cold, _runs = sites
    monkeypatch.setattr(search, "PARTITIONED", False)
    one = tmp_path / "one"
    build(content, one)
    assert json.loads((one / "pagefind/shards.json").read_text(encoding="utf-8")) == {"areas": {}, "merge": []}
    servers = [serve(one), serve(edited)]
    try:
        for query, top in QUERIES.items():
            (single_status, single), (parted_status, parted) = (
                results(browser_page, server.base, query) for server in servers
            )
            assert sorted(parted) == sorted(single) and parted_status == single_status, query
            assert set(top) <= set(single[:3]) and set(top) <= set(parted[:3]), (query, single[:3], parted[:3])
        assert single == parted == []  # (量子计算机: once a part without 量子 found pages with 计算 and 机)
    finally:
        browser_page.close()
        for server in servers:
            server.stop()


@pytest.mark.browser
def test_a_district_pages_box_searches_that_district_and_offers_all(sites, browser_page):
    _content, edited, _cold, _runs = sites
    page = browser_page
    server = serve(edited)
    try:
        page.goto(server.url("/compounds/fuhai-huayuan/"))
        page.fill("#area-q", "物业")
        page.press("#area-q", "Enter")
        page.wait_for_url("**/search/?*area=gaoxin*")
        assert page.locator("[data-search-scope] .scope-text").inner_text() == "在“潍坊高新区”中搜索。"
        status, scoped = results(page, server.base, "物业", "gaoxin")
        assert status.startswith("在“潍坊高新区”中共有") and scoped
        gaoxin = json.loads((edited / "pagefind/d/gaoxin/part.json").read_text(encoding="utf-8"))["pages"]
        assert all(url.lstrip("/") + "index.html" in gaoxin for url in scoped), scoped
        folders = {m.group(1) for m in map(re.compile(r"^/pagefind/(.*/)?[^/]+$").match, page.fetched) if m}
        assert folders <= {"d/gaoxin/", "d/gaoxin/fragment/", "d/gaoxin/index/", None}, folders
        names = [u for u in page.fetched if u.startswith("/search/names")]
        assert names and set(names) == {"/search/names/gaoxin.json"}
        page.click("#elder-toggle")  # large text
        violations = run_axe(page)
        assert violations == [], describe(violations)

        page.click("button.search-all")
        page.wait_for_function(
            "() => document.querySelector('[data-fulltext-results] .finder-status').textContent.startsWith('共有')"
        )
        assert page.locator("[data-search-scope] .scope-text").inner_text() == "已改为搜索全部内容。"
        assert "area=" not in page.url and page.evaluate("document.activeElement.id") == "q"
        _status, everywhere = results(page, server.base, "物业")
        assert set(scoped) < set(everywhere)
        assert "/search/names.json" in page.fetched
    finally:
        page.close()  # before its server goes (a late request would fail as a reset)
        server.stop()
