"""Atom feeds, sitemap.xml, robots.txt and sharing metadata of a built site: every feed parses as
XML and has what RFC 4287 requires, titles and content stay text, times come from content dates,
and pages announce their feeds."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path

import pytest

from conftest import SAMPLE, TODAY, cli, dedent, write_tree
from sitecheck import page_links

A = "{http://www.w3.org/2005/Atom}"
HOSTILE = '</title><script>alert("x")</script> & <b>福海</b>'
BASE = "https://example.org/"


def build(*extra: str) -> None:
    run = cli("build", "--today", TODAY, *extra)
    assert run.exit_code == 0, run.output


@pytest.fixture
def site(project) -> Path:
    write_tree(
        project / "content",
        {
            "notices/2026/hostile.md": dedent(f"""
        ---
        title: '{HOSTILE}'
        date: 2026-11-10
        category: 通知
        communities: [zy]
        ---
        正文 <script>alert(1)</script> 见 [小区](/compounds/zhangying/)。
        """)
        },
    )
    build()
    return project / "site"


def feed_paths(site: Path) -> list[Path]:
    return sorted((site / "feeds").rglob("*.xml"))


def parse(path: Path) -> ET.Element:
    root = ET.parse(path).getroot()
    assert root.tag == f"{A}feed", path
    return root


def rfc3339(text: str) -> datetime:
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", text), text
    return datetime.fromisoformat(text)


def entries(root: ET.Element) -> list[ET.Element]:
    return root.findall(f"{A}entry")


def assert_valid_atom(site: Path, base: str) -> int:
    """Every feed of a built site parses and has what RFC 4287 requires; returns the entry count."""
    count = 0
    for path in feed_paths(site):
        assert path.read_bytes().startswith(b"<?xml version='1.0' encoding='utf-8'?>")
        root = parse(path)
        url = base + path.relative_to(site).as_posix()
        assert root.findtext(f"{A}id") == url  # a feed is identified by its own URL
        assert root.findtext(f"{A}title")
        rfc3339(root.findtext(f"{A}updated"))
        assert root.find(f"{A}author/{A}name").text
        links = {line.get("rel"): line for line in root.findall(f"{A}link")}
        assert links["self"].get("href") == url and links["self"].get("type") == "application/atom+xml"
        assert links["alternate"].get("href").startswith(base)
        ids = []
        for e in entries(root):
            ids.append(e.findtext(f"{A}id"))
            host = re.escape(base.split("/")[2])
            assert re.fullmatch(rf"tag:{host},\d{{4}}:[A-Za-z0-9/-]+", ids[-1]), ids[-1]
            assert e.findtext(f"{A}title")
            rfc3339(e.findtext(f"{A}updated"))
            alt = [line for line in e.findall(f"{A}link") if line.get("rel") == "alternate"]
            assert len(alt) == 1 and alt[0].get("href").startswith(base)
            target = site / alt[0].get("href")[len(base) :] / "index.html"
            assert target.is_file(), target  # every entry links to a page that exists
            assert e.find(f"{A}content").get("type") == "html"
        assert len(ids) == len(set(ids))
        updated = [e.findtext(f"{A}updated") for e in entries(root)]
        assert updated == sorted(updated, reverse=True)  # newest first
        if updated:
            assert root.findtext(f"{A}updated") == updated[0]
        count += len(ids)
    return count


def test_every_feed_is_valid_atom(site):
    assert [p.relative_to(site).as_posix() for p in feed_paths(site)] == [
        "feeds/communities/yf.xml",
        "feeds/communities/zy.xml",
        "feeds/lists/gx.xml",
        "feeds/notices.xml",
    ]
    assert assert_valid_atom(site, BASE) == 3 + 2 + 2 + 3
    assert parse(site / "feeds/notices.xml").find(f"{A}author/{A}name").text == "测试编辑组"


def test_sample_feeds_are_valid_atom(tmp_path):
    out = tmp_path / "site"
    run = cli("build", "--content", str(SAMPLE), "--out", str(out), "--today", TODAY)
    assert run.exit_code == 0, run.output
    communities = sorted(p.stem for p in (SAMPLE / "communities").glob("*.yaml"))
    assert sorted(p.stem for p in (out / "feeds/communities").glob("*.xml")) == communities
    assert assert_valid_atom(out, "https://bulletin.example.org/") > 39
    notices = entries(parse(out / "feeds/notices.xml"))
    pages = [p for p in (out / "notices").glob("*/index.html") if p.parent.name != "page"]
    from generator.output.feeds import FEED_ENTRIES

    assert len(notices) == min(len(pages), FEED_ENTRIES) < len(pages)  # the newest published notices, nothing else


def test_notice_feed_content_and_escaping(site):
    root = parse(site / "feeds/notices.xml")
    by_id = {e.findtext(f"{A}id"): e for e in entries(root)}
    assert set(by_id) == {
        "tag:example.org,2026:notices/gongshi",
        "tag:example.org,2025:notices/tongzhi",
        "tag:example.org,2026:notices/hostile",
    }  # no draft, no future notice
    hostile = by_id["tag:example.org,2026:notices/hostile"]
    assert hostile.findtext(f"{A}title") == HOSTILE  # the parser gives back exactly the text
    raw = (site / "feeds/notices.xml").read_text(encoding="utf-8")
    assert "<script>" not in raw and "</title><script>" not in raw
    content = hostile.findtext(f"{A}content")
    assert "<script" not in content  # the body was sanitised before it was escaped into the feed
    assert 'href="https://example.org/compounds/zhangying/"' in content  # links made absolute
    gongshi = by_id["tag:example.org,2026:notices/gongshi"]
    assert gongshi.findtext(f"{A}updated") == "2026-11-20T00:00:00+08:00"
    assert gongshi.findtext(f"{A}published") == "2026-11-20T00:00:00+08:00"
    assert gongshi.find(f"{A}category").get("term") == "公示"
    assert "公示期：2026-11-20 至 2026-12-01" in gongshi.findtext(f"{A}content")
    assert "公示内容如下" in gongshi.findtext(f"{A}content")
    assert root.findtext(f"{A}updated") == "2026-11-20T00:00:00+08:00"  # newest content date, not the clock


def test_community_feeds_hold_the_notices_that_reach_them(site):
    def ids(name):
        return {e.findtext(f"{A}id").rsplit("/", 1)[1] for e in entries(parse(site / f"feeds/communities/{name}.xml"))}

    assert ids("yf") == {"gongshi", "tongzhi"}  # compound notice and district notice
    assert ids("zy") == {"tongzhi", "hostile"}


def test_lists_feed_has_periods_and_annual_results(site):
    root = parse(site / "feeds/lists/gx.xml")
    got = {e.findtext(f"{A}id"): e for e in entries(root)}
    assert list(got) == [
        "tag:example.org,2025:lists/gx/2025-H2",
        "tag:example.org,2025:lists/gx/2025",
        "tag:example.org,2025:lists/gx/2025-H1",
    ]
    annual = got["tag:example.org,2025:lists/gx/2025"]
    assert annual.findtext(f"{A}updated") == "2026-01-20T00:00:00+08:00"  # when the second half was published
    text = annual.findtext(f"{A}content")
    assert (
        "红榜（2 家）" in text
        and "高新区城市服务集团有限公司" in text
        and "提请解聘（1 家）：贝塔物业服务有限公司" in text
    )
    assert [line.get("href") for line in annual.findall(f"{A}link")] == ["https://example.org/lists/gx/2025/"]


def test_feeds_do_not_depend_on_the_build_date(project):
    build()
    before = {p.name: p.read_bytes() for p in feed_paths(project / "site")}
    build_later = cli("build", "--today", "2026-11-30")
    assert build_later.exit_code == 0
    after = {p.name: p.read_bytes() for p in feed_paths(project / "site")}
    assert before == after


def test_an_empty_feed_takes_the_newest_content_date(project):
    write_tree(project / "content", {"communities/kong.yaml": "name: 空社区\nstreet: qc\n"})
    (project / "content/notices/2025/tongzhi.md").unlink()
    build()
    root = parse(project / "site/feeds/communities/kong.xml")
    assert entries(root) == []
    assert root.findtext(f"{A}updated") == "2026-11-20T00:00:00+08:00"  # the newest notice of the site


def test_drafts_stay_out_of_feeds_even_in_previews(project):
    build("--drafts")
    text = "".join(p.read_text(encoding="utf-8") for p in feed_paths(project / "site"))
    assert "草稿公告" not in text


def alternates(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<link rel="alternate" type="application/atom\+xml" title="([^"]+)" href="([^"]+)">', html)


def test_pages_announce_their_feeds(site):
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert ("测试公示栏：公示公告", "/feeds/notices.xml") in alternates(html), page
        assert '<a href="/feeds/notices.xml" type="application/atom+xml">订阅公示公告</a>' in html
    community = (site / "communities/yf/index.html").read_text(encoding="utf-8")
    assert ("鸢飞社区：公示公告", "/feeds/communities/yf.xml") in alternates(community)
    assert "订阅鸢飞社区的公示公告" in community
    for page in ("lists/gx/2025/index.html", "lists/gx/2025-H1/index.html"):
        html = (site / page).read_text(encoding="utf-8")
        assert ("高新区物业服务企业红黑榜", "/feeds/lists/gx.xml") in alternates(html)
        assert "/feeds/lists/gx.xml" in page_links(html)[0]
    assert "/feeds/notices.xml" in page_links((site / "notices/index.html").read_text(encoding="utf-8"))[0]


# --- sitemap, robots.txt, sharing ----------------------------------------------------------------


def test_sitemap_lists_every_page_once(site):
    root = ET.parse(site / "sitemap.xml").getroot()
    ns = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    assert root.tag == f"{ns}urlset"
    locs = [u.findtext(f"{ns}loc") for u in root.findall(f"{ns}url")]
    assert len(locs) == len(set(locs))
    pages = {
        BASE + p.relative_to(site).as_posix().removesuffix("index.html")
        for p in site.rglob("*.html")
        if p.name != "404.html"
    }
    assert set(locs) == pages
    assert BASE + "data/" in locs and BASE + "changes/" in locs


def test_robots_points_to_the_sitemap(site):
    assert (site / "robots.txt").read_text(encoding="utf-8") == (
        "User-agent: *\nAllow: /\n\nSitemap: https://example.org/sitemap.xml\n"
    )


def test_sitemap_and_feeds_follow_base_url_override(project):
    build("--base-url", "https://x.example.net/sub")
    assert "<loc>https://x.example.net/sub/compounds/fuhai/</loc>" in (project / "site/sitemap.xml").read_text(
        encoding="utf-8"
    )
    root = parse(project / "site/feeds/notices.xml")
    assert root.findtext(f"{A}id") == "https://x.example.net/sub/feeds/notices.xml"
    assert entries(root)[0].findtext(f"{A}id") == "tag:x.example.net,2026:sub/notices/gongshi"


def test_canonical_and_open_graph(site):
    for rel in ("compounds/fuhai/index.html", "index.html", "data/index.html", "notices/gongshi/index.html"):
        html = (site / rel).read_text(encoding="utf-8")
        url = BASE + rel.removesuffix("index.html")
        assert f'<link rel="canonical" href="{url}">' in html
        assert f'<meta property="og:url" content="{url}">' in html
        assert re.search(r'<meta property="og:title" content="[^"]+">', html)
        assert re.search(r'<meta property="og:description" content="[^"]+">', html)
        assert '<meta property="og:site_name" content="测试公示栏">' in html
        assert '<meta property="og:locale" content="zh_CN">' in html


def test_feeds_hold_their_newest_entries_only(project):
    from generator.output.feeds import FEED_ENTRIES

    notices = {}
    for i in range(FEED_ENTRIES + 7):
        day = 1 + i % 28
        notices[f"notices/2026/bulk{i:03d}.md"] = dedent(f"""
            ---
            title: 第{i}号通知
            date: 2026-{1 + i // 28:02d}-{day:02d}
            category: 通知
            communities: [yf]
            ---
            正文第 {i} 号。
            """)
    write_tree(project / "content", notices)
    build()
    site = project / "site"
    for feed in ("feeds/notices.xml", "feeds/communities/yf.xml"):
        ids = [e.findtext(f"{A}id").rsplit("/", 1)[1] for e in entries(parse(site / feed))]
        assert len(ids) == FEED_ENTRIES, feed
        assert f"bulk{FEED_ENTRIES + 6:03d}" in ids and "bulk000" not in ids  # the newest kept, the oldest dropped
        assert (site / "notices/bulk000/index.html").is_file()  # still on the site


def test_a_sitemap_past_the_protocol_limit_becomes_an_index_of_parts():
    from generator.output.sitemap import sitemap_files

    ns = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    urls = [f"/notices/n{i}/" for i in range(7)] + ["/", "/notices/n3/"]
    small = sitemap_files(BASE, urls, per_file=8)
    assert set(small) == {"sitemap.xml", "robots.txt"}
    files = sitemap_files(BASE, urls, per_file=3)
    assert set(files) == {"sitemap.xml", "robots.txt", "sitemaps/1.xml", "sitemaps/2.xml", "sitemaps/3.xml"}
    index = ET.fromstring(files["sitemap.xml"])
    assert index.tag == f"{ns}sitemapindex"
    parts = [loc.text for loc in index.iter(f"{ns}loc")]
    assert parts == [f"{BASE}sitemaps/{n}.xml" for n in (1, 2, 3)]
    listed = [loc.text for n in (1, 2, 3) for loc in ET.fromstring(files[f"sitemaps/{n}.xml"]).iter(f"{ns}loc")]
    assert listed == sorted({BASE + u.lstrip("/") for u in urls})  # every page once, in order
    assert all(len(list(ET.fromstring(files[f"sitemaps/{n}.xml"]))) <= 3 for n in (1, 2, 3))


def _feed_as_one_tree(feed, info, fallback) -> bytes:
    """The straightforward serialisation: the whole feed as one ElementTree, indented."""
    from generator.output.feeds import ATOM, XML_NS, _sub, absolute, stamp

    root = ET.Element("feed", {"xmlns": ATOM, f"{{{XML_NS}}}lang": info.language or "zh-CN"})
    _sub(root, "id", absolute(info.base_url, feed.url))
    _sub(root, "title", feed.title)
    _sub(root, "subtitle", feed.subtitle)
    _sub(root, "updated", stamp(max((e.updated for e in feed.entries), default=fallback)))
    _sub(root, "link", rel="self", type="application/atom+xml", href=absolute(info.base_url, feed.url))
    _sub(root, "link", rel="alternate", type="text/html", href=absolute(info.base_url, feed.page))
    author = _sub(root, "author")
    _sub(author, "name", info.publisher)
    _sub(author, "uri", info.base_url)
    _sub(root, "generator", "bulletin")
    for e in feed.entries:
        entry = _sub(root, "entry")
        _sub(entry, "id", e.id)
        _sub(entry, "title", e.title)
        _sub(entry, "link", rel="alternate", type="text/html", href=absolute(info.base_url, e.url))
        _sub(entry, "published", stamp(e.published))
        _sub(entry, "updated", stamp(e.updated))
        if e.category:
            _sub(entry, "category", term=e.category)
        _sub(entry, "content", e.html, type="html")
    tree = ET.ElementTree(root)
    ET.indent(tree)
    out = io.BytesIO()
    tree.write(out, encoding="utf-8", xml_declaration=True)
    return out.getvalue() + b"\n"


@pytest.mark.parametrize("entries", [0, 1, 3])
def test_feeds_assembled_from_entries_are_the_one_tree_bytes(entries):
    """Feeds are assembled from separately serialised entries (so the edit loop reuses them):
    byte for byte what serialising the whole tree at once gives, escaping included."""
    from datetime import date
    from types import SimpleNamespace

    from generator.engine.memo import Memo
    from generator.output.feeds import Entry, Feed, _render_feed

    info = SimpleNamespace(language="zh-CN", base_url="https://example.org/town/", publisher="测试 & <街道>")
    items = tuple(
        Entry(
            id=f"tag:example.org,2026:notices/n{i}",
            title=f"标题 {i} <b>&amp;\"'",
            url=f"/notices/n{i}/",
            published=date(2026, 1, i + 1),
            updated=date(2026, 1, i + 1),
            html=f'<p>正文 {i} &lt; <a href="https://example.org/x?a=1&b=2">链接</a></p>\n\t\x0b',
            category="公示" if i % 2 else None,
        )
        for i in range(entries)
    )
    feed = Feed("/feeds/notices.xml", "公示公告 & 通知", "全部", "/notices/", items)
    expected = _feed_as_one_tree(feed, info, date(2025, 5, 5))
    assert _render_feed(feed, info, date(2025, 5, 5)) == expected
    memo = Memo()  # the edit loop's path: entries remembered, then reused
    for _ in range(2):
        memo.begin()
        assert _render_feed(feed, info, date(2025, 5, 5), memo) == expected
        memo.finish()
