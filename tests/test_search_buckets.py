"""A big district's part of the search index is cut in parts by a digest of each page's path
(`search.BUCKET_PAGES`): an edit indexes one of them again, the site equals a cold build byte for
byte, and a search of the district (Chromium, the real search page) merges every one of its parts.

The sample's districts are small, so the bound is lowered to a handful of pages here; the CLI
runs in-process (`search.LAST_RUN` says what each build indexed).
"""

from __future__ import annotations

import json
import shutil

import pytest

from generator.output import search
from test_search_parts import NOTICE, browser_page, build, results, tree  # noqa: F401 - the fixture is used

from browserkit import serve
from conftest import SAMPLE

BUCKET_PAGES = 15  # 潍坊高新区 has some 60 pages in the sample: four parts


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(search, "BUCKET_PAGES", BUCKET_PAGES)
        root = tmp_path_factory.mktemp("buckets")
        content = root / "content"
        shutil.copytree(SAMPLE, content)
        first = build(content, root / "site")
        notice = content / NOTICE
        notice.write_text(notice.read_text(encoding="utf-8") + "\n补充说明：面试改在周三上午。\n", encoding="utf-8")
        again = build(content, root / "site")
        cold = build(content, root / "cold")
    return root / "site", root / "cold", first, again, cold


def test_a_big_districts_parts_are_indexed_apart_and_an_edit_makes_one_again(sites):
    edited, cold, first, again, cold_run = sites
    shards = json.loads((edited / "pagefind" / search.SHARDS_FILE).read_text(encoding="utf-8"))
    gaoxin = shards["areas"]["gaoxin"]["index"]
    assert gaoxin[0] == "d/gaoxin/" and len(gaoxin) >= 3 and all(f.startswith("d/gaoxin") for f in gaoxin)
    made = [part for part in first["indexed"] if part.startswith("gaoxin")]
    assert len(made) == len(gaoxin)
    # each page of the district is in exactly one of its parts, and every part has pages
    pages = [
        set(json.loads((edited / "pagefind" / folder / search.PART_FILE).read_text(encoding="utf-8"))["pages"])
        for folder in gaoxin
    ]
    assert all(pages) and sum(map(len, pages)) == len(set().union(*pages))
    assert "notices/fuhai-huayuan-wuye-jingli-pinyong/index.html" in set().union(*pages)
    # the edit: the notice's part of the district, and nothing else, indexed again
    assert len(again["indexed"]) == 1 and again["indexed"][0].startswith("gaoxin")
    assert sorted(again["reused"]) == sorted(p for p in first["indexed"] if p != again["indexed"][0])
    assert sorted(cold_run["indexed"]) == sorted(first["indexed"])
    edited_tree, cold_tree = tree(edited), tree(cold)
    assert sorted(edited_tree) == sorted(cold_tree)
    assert [rel for rel in cold_tree if edited_tree[rel] != cold_tree[rel]] == []


@pytest.mark.browser
def test_a_district_search_merges_every_part_of_the_district(sites, browser_page):  # noqa: F811
    edited = sites[0]
    shards = json.loads((edited / "pagefind" / search.SHARDS_FILE).read_text(encoding="utf-8"))
    folders = shards["areas"]["gaoxin"]["index"]
    owner = {}
    for folder in folders:
        record = json.loads((edited / "pagefind" / folder / search.PART_FILE).read_text(encoding="utf-8"))
        owner.update(dict.fromkeys(record["pages"], folder))
    server = serve(edited)
    try:
        status, found = results(browser_page, server.base, "物业", "gaoxin")
    finally:
        browser_page.close()
        server.stop()
    assert status.startswith("在“潍坊高新区”中共有"), status
    where = {owner.get(url.lstrip("/") + "index.html") for url in found}
    assert None not in where and len(where) >= 2, (where, found)  # results from more than one part
