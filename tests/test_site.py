"""Whole sites built through the CLI: every record gets its page, links resolve, drafts and future
notices stay out, and a failed build leaves the previous site byte-for-byte intact."""

from __future__ import annotations

import json
import threading
import urllib.request
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import SAMPLE, TODAY, cli, write_tree
from sitecheck import broken_links, inline_code, page_links, tree_digest


def build(*extra: str):
    run = cli("build", "--today", TODAY, *extra)
    assert run.exit_code == 0, run.output
    return run


def test_build_writes_a_page_for_every_record(project):
    run = build()
    assert "构建完成" in run.stdout and "个页面" in run.stdout
    site = project / "site"
    for url in [
        "index.html",
        "404.html",
        "areas/index.html",
        "areas/gx/index.html",
        "areas/gx/xc/index.html",
        "areas/gx/qc/index.html",
        "communities/index.html",
        "communities/yf/index.html",
        "communities/zy/index.html",
        "compounds/index.html",
        "compounds/fuhai/index.html",
        "compounds/lanting/index.html",
        "compounds/zhangying/index.html",
        "compounds/laoyuan/index.html",
        "companies/index.html",
        "companies/alpha/index.html",
        "companies/beta/index.html",
        "companies/guoqi/index.html",
        "lists/index.html",
        "lists/gx/2025/index.html",
        "lists/gx/2025-H1/index.html",
        "lists/gx/2025-H2/index.html",
        "projects/index.html",
        "projects/guanwang/index.html",
        "notices/index.html",
        "notices/gongshi/index.html",
        "notices/tongzhi/index.html",
        "data/lists/gx/2025.json",
    ]:
        assert (site / url).is_file(), url
    assert broken_links(site) == []


def test_every_page_is_chinese_and_says_sample(project):
    build()
    for page in (project / "site").rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert '<html lang="zh-CN"' in html, page
        assert "示例数据" in html, page
        assert inline_code(html) == [], page  # a strict CSP (default-src 'self') must allow every page


def test_drafts_and_future_notices_are_not_published(project):
    build()
    site = project / "site"
    assert not (site / "notices/caogao").exists()
    assert not (site / "notices/weilai").exists()
    everything = "".join(p.read_text(encoding="utf-8") for p in site.rglob("*.html"))
    assert "草稿公告" not in everything and "未来公告" not in everything


def test_a_notice_dated_on_the_build_date_is_published(project):
    run = cli("build", "--today", "2026-12-20")
    assert run.exit_code == 0
    assert (project / "site/notices/weilai/index.html").is_file()


def test_drafts_flag_publishes_drafts_marked(project):
    build("--drafts")
    html = (project / "site/notices/caogao/index.html").read_text(encoding="utf-8")
    assert "草稿" in html


def test_notice_status_relative_to_build_date(project):
    build()
    html = (project / "site/notices/gongshi/index.html").read_text(encoding="utf-8")
    assert "公示中" in html
    cli("build", "--today", "2026-12-02")
    html = (project / "site/notices/gongshi/index.html").read_text(encoding="utf-8")
    assert "已结束" in html and "公示中" not in html


def test_community_page_shows_what_reaches_it(project):
    build()
    html = (project / "site/communities/yf/index.html").read_text(encoding="utf-8")
    for text in (
        "福海花园",
        "兰亭苑",
        "阿尔法物业服务有限公司",
        "福海花园管网改造",
        "福海花园维修资金使用公示",
        "全区物业服务考评通知",
        "第一网格",
        "鸢飞社区党群服务中心",
        "87%",
    ):
        assert text in html, text
    links, _ = page_links(html)
    assert "/notices/tongzhi/" in links  # district-scoped notice reaches the community
    other = (project / "site/communities/zy/index.html").read_text(encoding="utf-8")
    assert "福海花园维修资金使用公示" not in other  # compound-scoped notice stays in its community


def test_lists_json_shape(project):
    build()
    data = json.loads((project / "site/data/lists/gx/2025.json").read_text(encoding="utf-8"))
    assert data["district"] == "gx" and data["year"] == 2025
    rows = {r["company"]: r for r in data["companies"]}
    assert rows["guoqi"] == {
        "company": "guoqi",
        "h1_total": 91.25,
        "h2_total": 91.25,
        "annual": 91.25,
        "annual_rank": 1,
        "h1_rank": 1,
        "h2_rank": 1,
        "red": True,
        "black": False,
        "dismissal": False,
    }
    # beta: 65 and 57, annual 61 (not black), last in both halves (bottom 1): referred, not red
    assert rows["beta"]["annual"] == 61.0 and not rows["beta"]["black"]
    assert rows["beta"]["dismissal"] and not rows["beta"]["red"]
    assert rows["alpha"]["annual"] == 89.25 and rows["alpha"]["annual_rank"] == 2 and rows["alpha"]["red"]


def test_failed_build_leaves_previous_site_untouched(project):
    build()
    before = tree_digest(project / "site")
    (project / "content/compounds/lanting.yaml").write_text("name: [broken\n", encoding="utf-8")
    run = cli("build", "--today", TODAY)
    assert run.exit_code == 1
    assert "content/compounds/lanting.yaml:1:7: error: 括号“[”没有结束" in run.stderr
    assert "网站未更新" in run.stderr
    assert tree_digest(project / "site") == before
    assert [p.name for p in project.iterdir() if p.name.startswith(".site")] == []


def test_refuses_dangerous_output_folders(project):
    (project / "precious").mkdir()
    (project / "precious/thesis.txt").write_text("keep me", encoding="utf-8")
    run = cli("build", "--today", TODAY, "--out", "precious")
    assert run.exit_code == 2 and "拒绝" in run.output
    assert (project / "precious/thesis.txt").read_text(encoding="utf-8") == "keep me"
    assert cli("build", "--today", TODAY, "--out", "content").exit_code == 2
    assert cli("build", "--today", TODAY, "--out", ".").exit_code == 2


def test_base_url_override_goes_into_canonical_links(project):
    build("--base-url", "https://bulletin.example.net/sub")
    html = (project / "site/compounds/fuhai/index.html").read_text(encoding="utf-8")
    assert 'href="https://bulletin.example.net/sub/compounds/fuhai/"' in html


def test_template_override_beside_content(project):
    write_tree(
        project / "templates",
        {"404.html": '<!doctype html><html lang="zh-CN"><title>自定义</title><p>自定义 404 示例数据</p></html>\n'},
    )
    build()
    assert "自定义 404" in (project / "site/404.html").read_text(encoding="utf-8")
    assert "福海花园" in (project / "site/compounds/fuhai/index.html").read_text(encoding="utf-8")


# --- the sample bulletin -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_site(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample") / "site"
    run = cli("build", "--content", str(SAMPLE), "--out", str(out), "--today", TODAY)
    assert run.exit_code == 0, run.output
    return out


def test_sample_content_checks_clean():
    run = cli("check", "--content", str(SAMPLE), "--today", TODAY)
    assert run.exit_code == 0, run.output
    assert "，0 个错误" in run.stdout


def test_sample_every_record_has_its_page(sample_site):
    for kind, folder in (
        ("communities", "communities"),
        ("compounds", "compounds"),
        ("companies", "companies"),
        ("projects", "projects"),
    ):
        for f in sorted((SAMPLE / folder).iterdir()):
            assert (sample_site / kind / f.stem / "index.html").is_file(), f
    published = 0
    for f in sorted((SAMPLE / "notices").rglob("*.md")):
        text = f.read_text(encoding="utf-8")
        page = sample_site / "notices" / f.stem / "index.html"
        hidden = "draft: true" in text or "date: 2026-12" in text
        assert page.is_file() != hidden, f
        published += not hidden
    assert published >= 25
    for f in sorted((SAMPLE / "evaluations").rglob("*.yaml")):
        assert (sample_site / "lists" / f.parent.name / f.stem / "index.html").is_file(), f
        assert (sample_site / "data/lists" / f.parent.name / f"{f.stem[:4]}.json").is_file(), f


def test_sample_navigation_marks_the_section_of_every_page(sample_site):
    """The main navigation (rendered once per section and build) marks the page's own section:
    aria-current="page" on that section's own page, "true" on the pages under it, none elsewhere."""
    import re

    sections = {
        "/areas/": "辖区",
        "/communities/": "社区",
        "/compounds/": "小区",
        "/companies/": "物业企业",
        "/lists/": "红黑榜",
        "/projects/": "项目",
        "/notices/": "公示公告",
        "/search/": "搜索",
    }
    seen = set()
    for page in sorted(sample_site.rglob("*.html")):
        rel = page.relative_to(sample_site).as_posix()
        if rel.startswith("admin/"):
            continue
        url = "/" + rel.removesuffix("index.html")
        html = page.read_text(encoding="utf-8")
        nav = re.search(r'<nav class="site-nav" aria-label="主导航">(.*?)</nav>', html, re.S).group(1)
        marked = re.findall(r'<a href="([^"]*)" aria-current="([^"]*)">([^<]*)</a>', nav)
        section = "/" + url.split("/")[1] + "/" if url != "/" else "/"
        if url == "/":
            expected = [("/", "page", "首页")]
        elif section in sections:
            expected = [(section, "page" if url == section else "true", sections[section])]
        else:
            expected = []
        assert marked == expected, (url, marked)
        assert len(re.findall(r"<li>", nav)) == 9, url
        seen.add(marked[0][1] if marked else None)
    assert seen == {"page", "true", None}


def test_sample_has_no_broken_links(sample_site):
    assert broken_links(sample_site) == []


def test_sample_scale(sample_site):
    assert len(list((SAMPLE / "compounds").glob("*.yaml"))) >= 60
    assert len(list((SAMPLE / "companies").glob("*.yaml"))) >= 35
    assert len(list((SAMPLE / "projects").glob("*.md"))) >= 10
    types = {
        line.split(":", 1)[1].strip()
        for f in (SAMPLE / "compounds").glob("*.yaml")
        for line in f.read_text(encoding="utf-8").splitlines()
        if line.startswith("type:")
    }
    assert types == {"enterprise", "self", "state"}


def test_sample_served_over_http(sample_site):
    """Every internal link answers 200 from a real HTTP server on 127.0.0.1."""
    handler = partial(QuietHandler, directory=str(sample_site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        seen, queue, failures = set(), ["/"], []
        while queue:
            url = queue.pop()
            if url in seen:
                continue
            seen.add(url)
            try:
                with urllib.request.urlopen(base + url, timeout=10) as response:
                    body = response.read()
                    kind = response.headers.get("Content-Type", "")
            except OSError as exc:
                failures.append(f"{url}: {exc}")
                continue
            if "html" in kind:
                links, _ = page_links(body.decode("utf-8"))
                queue.extend(line.split("#")[0] for line in links if line.startswith("/") and line.split("#")[0])
        assert failures == []
        assert len(seen) > 150
    finally:
        server.shutdown()
        server.server_close()


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass
