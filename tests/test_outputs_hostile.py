"""Hostile text in every output that is not a page: Atom feeds, CSV and JSON open data, the search
names file, the sitemap.

- Feeds parse as Atom (RFC 4287: namespace, feed id/title/updated/self link/author, entry
  id/title/updated/link), carry hostile titles verbatim as text, and their HTML content holds no
  dangerous markup once a feed reader parses it.
- CSV cells that start like a formula (`=`, `+`, `-`, `@`, tab, carriage return) are defused with
  a leading `'`, unless the cell is a number; every file parses.
- JSON files parse and carry hostile strings verbatim.
"""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pytest

from conftest import minimal_files, write_tree
from hostile import VECTORS, hostile_files
from kinds import build_here
from sitecheck import unsafe_markup

A = "{http://www.w3.org/2005/Atom}"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _build(root: Path, files: dict) -> Path:
    write_tree(root / "content", files)
    build_here(root)
    return root / "site"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> tuple[Path, list[tuple[str, str]]]:
    files, placed = hostile_files()
    return _build(tmp_path_factory.mktemp("hostile-outputs"), files), placed


FORMULAS = ["=1+1", "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)", '=HYPERLINK("http://x.example","x")']


@pytest.fixture(scope="module")
def formulas(tmp_path_factory) -> Path:
    """Every text field that reaches a CSV starts with a formula character."""
    files = minimal_files()

    def put(rel: str, old: str, value: str) -> None:
        assert old in files[rel], (rel, old)
        files[rel] = files[rel].replace(old, old.split(":")[0] + ": " + json.dumps(value, ensure_ascii=False), 1)

    put("site.yaml", "publisher: 测试编辑组", FORMULAS[0])
    put("areas.yaml", "name: 高新区", FORMULAS[1])
    files["areas.yaml"] = files["areas.yaml"].replace("{id: xc, name: 新城街道}", '{id: xc, name: "=街道"}')
    put("communities/yf.yaml", "name: 鸢飞社区", FORMULAS[2])
    put("communities/yf.yaml", "address: 新城街道某路 1 号", FORMULAS[3])
    put("communities/yf.yaml", "secretary: 张三", "=书记")
    put("compounds/fuhai.yaml", "name: 福海花园", FORMULAS[4])
    put("companies/alpha.yaml", "name: 阿尔法物业服务有限公司", "@阿尔法")
    files["companies/alpha.yaml"] += 'address: "+地址"\n'
    put("companies/alpha.yaml", "phone: 0536-8000002", "-0536")
    put("projects/guanwang.md", "title: 福海花园管网改造", "=项目")
    put("projects/guanwang.md", "unit: 新城街道办事处", "+单位")
    put("notices/2026/gongshi.md", "title: 福海花园维修资金使用公示", "-公示")
    files["evaluations/gx/2025-H2.yaml"] = files["evaluations/gx/2025-H2.yaml"].replace("note: 整改中", 'note: "=整改"')
    return _build(tmp_path_factory.mktemp("formulas"), files)


def _is_number(cell: str) -> bool:
    try:
        Decimal(cell)
    except InvalidOperation:
        return False
    return True


def _csv_rows(path: Path) -> list[list[str]]:
    text = path.read_bytes().decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline="")))


@pytest.mark.parametrize("which", ["formulas", "hostile"])
def test_no_csv_cell_can_run_as_a_formula(request, which):
    site = request.getfixturevalue(which)
    site = site[0] if isinstance(site, tuple) else site
    files = sorted(site.rglob("*.csv"))
    assert files
    defused = 0
    for path in files:
        for row in _csv_rows(path):
            for cell in row:
                if cell.startswith(FORMULA_STARTS):
                    assert _is_number(cell), f"{path.name}: {cell[:60]!r}"
                if cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS):
                    defused += 1
    if which == "formulas":
        assert defused >= 12  # every planted formula was found in some CSV, defused


def test_formula_cells_keep_their_text_after_the_quote(formulas):
    cells = {cell for path in formulas.rglob("*.csv") for row in _csv_rows(path) for cell in row}
    for value in FORMULAS[1:]:  # [0] is the publisher, which no dataset carries
        assert "'" + value in cells, value


def test_feeds_parse_as_atom_and_carry_hostile_text_as_text(hostile):
    site, placed = hostile
    feeds = sorted(site.rglob("*.xml"))
    feeds = [f for f in feeds if f.name != "sitemap.xml"]
    assert len(feeds) > 10
    titles: list[str] = []
    for path in feeds:
        root = ET.parse(path).getroot()
        assert root.tag == f"{A}feed", path
        for name in ("id", "title", "updated"):
            assert root.find(f"{A}{name}") is not None and (root.find(f"{A}{name}").text or "").strip(), (path, name)
        assert any(link.get("rel") == "self" for link in root.findall(f"{A}link")), path
        feed_author = root.find(f"{A}author") is not None
        for entry in root.findall(f"{A}entry"):
            for name in ("id", "title", "updated"):
                assert (entry.find(f"{A}{name}").text or "").strip(), (path, name)
            assert entry.find(f"{A}link") is not None
            assert feed_author or entry.find(f"{A}author") is not None
            titles.append(entry.find(f"{A}title").text)
            for content in entry.findall(f"{A}content") + entry.findall(f"{A}summary"):
                kind = content.get("type", "text")
                if kind == "html":
                    assert unsafe_markup(content.text or "") == [], (path, (content.text or "")[:200])
                assert kind in ("text", "html"), kind  # never inline xhtml from content
    all_titles = "\n".join(titles)
    notice_vectors = [v for field, v in placed if field == "notice.title"]
    assert notice_vectors
    missing = [v for v in notice_vectors if v.strip() not in all_titles]
    assert missing == []


def test_json_files_parse_and_keep_hostile_strings(hostile):
    site, placed = hostile
    strings: list[str] = []

    def collect(value):
        if isinstance(value, str):
            strings.append(value)
        elif isinstance(value, list):
            for item in value:
                collect(item)
        elif isinstance(value, dict):
            for item in value.values():
                collect(item)

    files = [p for p in site.rglob("*.json") if "pagefind" not in p.parts]
    assert files
    for path in files:
        collect(json.loads(path.read_text(encoding="utf-8")))
    everything = "\n".join(strings)
    names = [v for field, v in placed if field in ("compound.name", "company.name", "community.name")]
    assert names and [v for v in names if v.strip() not in everything] == []


def test_the_sitemap_parses_and_lists_only_this_site(hostile):
    site, _ = hostile
    root = ET.parse(site / "sitemap.xml").getroot()
    locations = [e.text for e in root.iter() if e.tag.endswith("loc")]
    assert locations and all(loc.startswith("https://example.org/") for loc in locations)


def test_hostile_vectors_are_in_the_corpus():
    assert any(v.startswith("=") for v in VECTORS) and any(v.startswith("@") for v in VECTORS)
