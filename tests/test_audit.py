"""`bulletin audit` through the real CLI: the sample passes on a day it is fresh, and a site that
fails each criterion of 《政府网站与政务新媒体检查指标》 it checks is told so, with the criterion cited,
in text, JSON and GitHub annotations; a single veto exits 1, deductions alone exit 0."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest

from generator import Builder, pipeline
from generator.tools import audit as auditing

from conftest import REPO, SAMPLE, TODAY, cli, dedent, minimal_files, write_tree
from sitecheck import tree_digest

FAR = "2027-06-01"  # the minimal bulletin's newest notice (2026-12-20) is 163 days old then
FILING = """
    filing:
      icp: 鲁ICP备2024012345号-1
      police: 鲁公网安备37070202000123号
      site_code: "3707000012"
    """


@pytest.fixture(autouse=True)
def _no_search_index(monkeypatch):
    monkeypatch.setenv("BULLETIN_PAGEFIND", "off")  # the full-text index is beside the point here


def build(root, today=TODAY, **changes):
    """Write the minimal bulletin with `changes` (path → text, None deletes) under `root` and build it."""
    files = minimal_files()
    for path, text in changes.items():
        if text is None:
            files.pop(path)
        else:
            files[path] = dedent(text) if isinstance(text, str) else text
    write_tree(root / "content", files)
    run = cli("build", "--content", str(root / "content"), "--out", str(root / "site"), "--today", today)
    assert run.exit_code == 0, run.output
    return root


def audit(root, *args, today=TODAY):
    return cli("audit", "--content", str(root / "content"), "--site", str(root / "site"), "--today", today, *args)


def findings(run) -> list[dict]:
    return json.loads(run.stdout)["findings"]


def test_the_sample_passes_on_a_day_it_is_fresh(tmp_path):
    run = cli("build", "--content", str(SAMPLE), "--out", str(tmp_path / "site"), "--today", TODAY)
    assert run.exit_code == 0, run.output
    text = cli("audit", "--content", str(SAMPLE), "--site", str(tmp_path / "site"), "--today", TODAY)
    assert text.exit_code == 0, text.output
    assert "审核通过：0 项单项否决" in text.stdout
    assert "单项否决：" not in text.stdout
    assert "链接不可用" not in text.stdout and "附件无法下载" not in text.stdout
    assert "网站标识不规范" not in text.stdout  # the sample's footer shows all three identifiers
    report = json.loads(
        cli(
            "audit", "--content", str(SAMPLE), "--site", str(tmp_path / "site"), "--today", TODAY, "--format", "json"
        ).stdout
    )
    assert report["vetoes"] == 0 and report["pages"] > 100 and report["links"] > 1000


def test_a_home_page_without_news_for_two_weeks_is_a_single_veto(tmp_path):
    build(tmp_path, today=FAR)
    run = audit(tmp_path, today=FAR)
    assert run.exit_code == 1
    line = next(x for x in run.stdout.splitlines() if "首页不更新" in x)
    assert line.startswith(f"{tmp_path}/content/notices/2026/weilai.md:3:1: error: 首页不更新: ")
    assert "单项否决：首页栏目信息超过 2 周未更新（最新一条是 2026-12-20《未来公告》，已 163 天）" in line
    assert "审核未通过：1 项单项否决" in run.stdout

    found = findings(audit(tmp_path, "--format", "json", today=FAR))
    veto = next(f for f in found if f["criterion"] == "首页不更新")
    assert veto["level"] == "单项否决" and veto["severity"] == "error" and veto["line"] == 3
    assert veto["message"].startswith("单项否决：首页栏目信息超过 2 周未更新")

    github = audit(tmp_path, "--format", "github", today=FAR)
    assert github.exit_code == 1
    annotation = next(x for x in github.stdout.splitlines() if "首页不更新" in x)
    assert re.match(r"::error file=.*weilai\.md,line=3,col=1,title=bulletin%3A 首页不更新::单项否决：", annotation)


def test_fourteen_days_is_still_fresh_and_fifteen_is_not(tmp_path):
    build(tmp_path)  # the newest published notice is 2026-11-20
    assert audit(tmp_path, today="2026-12-04").exit_code == 0
    late = audit(tmp_path, today="2026-12-05")
    assert late.exit_code == 1 and "已 15 天" in late.stdout
    # built on 2026-11-27 but audited later: the home page does not show what is published by then
    assert "首页没有显示最新的公示公告" not in late.stdout
    assert "首页没有显示最新的公示公告 2026-12-20《未来公告》" in audit(tmp_path, today="2026-12-20").stdout


def test_notices_not_updated_for_six_months_are_a_deduction(tmp_path):
    build(tmp_path)  # the only 通知 is dated 2025-06-01
    run = audit(tmp_path)
    assert run.exit_code == 0, run.output
    assert (
        "warning: 栏目不更新: 扣分：通知公告类栏目 6 个月内未更新（“通知”最新一条是 2025-06-01《全区物业服务考评通知》，早于 2026-05-27）"
        in run.stdout
    )
    assert "“公示”最新一条" not in run.stdout  # 2026-11-20
    github = audit(tmp_path, "--format", "github")
    assert re.search(
        r"^::warning file=.*tongzhi\.md,line=3,col=1,title=bulletin%3A 栏目不更新::扣分：", github.stdout, re.M
    )

    none = tmp_path / "none"
    build(none, **{"notices/2026/gongshi.md": None})
    assert "网站没有发布过“公示”类公告" in audit(none).stdout


def _nav(html: str) -> str:
    return re.search(r'<nav class="site-nav".*?</nav>', html, re.S).group(0)


def test_an_empty_section_leaves_the_navigation_and_its_page_says_what_will_be_there(tmp_path):
    build(tmp_path, **{"projects/guanwang.md": None})
    site = tmp_path / "site"
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 20
    assert [p for p in pages if 'href="/projects/"' in _nav(p.read_text(encoding="utf-8"))] == []
    assert all('href="/notices/"' in _nav(p.read_text(encoding="utf-8")) for p in pages)
    # still published (the home page's directory links it): it says what will appear, and whom to ask
    projects = (site / "projects" / "index.html").read_text(encoding="utf-8")
    assert "本站目前还没有公布项目" in projects and "测试编辑组：电话 0536-8000000" in projects
    run = audit(tmp_path)
    assert run.exit_code == 0, run.output
    assert "空白栏目" not in run.stdout and "链接不可用" not in run.stdout

    with_project = tmp_path / "with"
    build(with_project)
    home = (with_project / "site" / "index.html").read_text(encoding="utf-8")
    assert '<li><a href="/projects/">项目</a></li>' in _nav(home)


def test_the_first_project_brings_the_section_back_in_the_edit_loop(tmp_path):
    """Every page's navigation depends on which sections are empty: the edit loop renders every
    page again when that changes (the build's global key), byte for byte a fresh build."""
    files = minimal_files()
    project = files.pop("projects/guanwang.md")
    write_tree(tmp_path / "content", files)
    builder = Builder(tmp_path / "content", tmp_path / "site", date(2026, 11, 27), workers=1)
    builder.rebuild()
    assert 'href="/projects/"' not in _nav((tmp_path / "site" / "areas" / "index.html").read_text(encoding="utf-8"))
    write_tree(tmp_path / "content", {"projects/guanwang.md": dedent(project)})
    builder.rebuild()
    pipeline.build(tmp_path / "content", "content", tmp_path / "fresh", date(2026, 11, 27))
    assert tree_digest(tmp_path / "site") == tree_digest(tmp_path / "fresh")
    assert 'href="/projects/"' in _nav((tmp_path / "site" / "areas" / "index.html").read_text(encoding="utf-8"))


def test_a_blank_section_is_a_deduction_and_five_are_a_single_veto(tmp_path):
    """Sections emptied by hand (a theme that lists nothing, say): the generator itself leaves
    empty sections out of the navigation (above)."""
    build(tmp_path)
    site = tmp_path / "site"

    def empty(section: str) -> None:
        page = site / section / "index.html"
        html = page.read_text(encoding="utf-8")
        page.write_text(re.sub(r"(<main[^>]*>).*?(</main>)", r"\1<p>暂无。</p>\2", html, flags=re.S), encoding="utf-8")

    empty("projects")
    run = audit(tmp_path)
    assert run.exit_code == 0, run.output
    assert (
        "projects/index.html:1:1: warning: 栏目不更新: 扣分：空白栏目（有栏目无内容）：栏目 /projects/ 没有任何内容"
        in run.stdout
    )
    assert "/notices/ 没有任何内容" not in run.stdout

    for section in ("areas", "communities", "compounds", "companies"):  # the indicator's threshold
        empty(section)
    vetoed = audit(tmp_path, "--format", "json")
    assert vetoed.exit_code == 1
    blank = [f for f in findings(vetoed) if "空白栏目" in f["message"]]
    assert len(blank) == 5 and all(f["level"] == "单项否决" for f in blank)
    assert "（空白栏目共 5 个，达到 5 个）" in blank[0]["message"]


def test_home_page_news_without_dates_and_a_site_without_search_are_deductions(tmp_path):
    build(tmp_path)
    clean = audit(tmp_path)
    assert "未注明发布时间" not in clean.stdout and "功能设计" not in clean.stdout
    home = tmp_path / "site" / "index.html"
    html = home.read_text(encoding="utf-8")
    html = re.sub(r"<time[^>]*>(.*?)</time>", r"\1", html, flags=re.S)  # a theme that drops the dates
    html = re.sub(r"<form.*?</form>", "", html, flags=re.S).replace('href="/search/"', 'href="/notices/"')
    home.write_text(html, encoding="utf-8")
    run = audit(tmp_path, "--format", "json")
    assert run.exit_code == 0, run.output
    found = {f["criterion"]: f for f in findings(run) if f["path"].endswith("site/index.html")}
    assert found["首页不更新"]["message"] == "扣分：首页信息未注明发布时间（检查时未注明发布时间的信息视为未更新）"
    assert found["功能设计"]["message"] == "扣分：未提供站内搜索功能（首页没有搜索框，也没有链接到搜索页）"
    assert found["功能设计"]["level"] == "扣分"


def test_a_big_site_is_read_by_workers_with_the_same_findings(tmp_path, monkeypatch):
    """From PARALLEL_MIN_PAGES pages the audit parses in forked workers: same pages, same findings."""
    build(tmp_path)
    (tmp_path / "site" / "changes" / "index.html").unlink()
    serial = auditing._read_pages(tmp_path / "site", workers=1)
    monkeypatch.setattr(auditing, "PARALLEL_MIN_PAGES", 2)
    monkeypatch.setattr(auditing, "CHUNK", 3)
    forked = auditing._read_pages(tmp_path / "site", workers=2)
    assert list(forked) == list(serial) and forked == serial and len(serial) > 10
    monkeypatch.setenv("BULLETIN_WORKERS", "1")
    one = findings(audit(tmp_path, "--format", "json"))
    monkeypatch.setenv("BULLETIN_WORKERS", "2")
    two = findings(audit(tmp_path, "--format", "json"))
    assert one == two and any("链接不可用：/changes/" in f["message"] for f in two)


def test_a_broken_internal_link_is_found_on_every_page_and_counted_once(tmp_path):
    build(tmp_path)
    (tmp_path / "site" / "changes" / "index.html").unlink()
    run = audit(tmp_path)
    assert run.exit_code == 0, run.output
    lines = [x for x in run.stdout.splitlines() if "链接不可用" in x]
    assert len(lines) == 1, lines
    assert re.match(
        r".*/site/index\.html:\d+:\d+: warning: 可用性: 扣分：链接不可用：/changes/ 打不开（\d+ 个页面链接到它，含首页）",
        lines[0],
    )
    github = audit(tmp_path, "--format", "github")
    assert re.search(
        r"^::warning file=.*/site/index\.html,line=\d+,col=\d+,title=bulletin%3A 可用性::扣分：链接不可用",
        github.stdout,
        re.M,
    )


def test_an_attachment_that_cannot_be_downloaded(tmp_path):
    pdf = (SAMPLE / "attachments" / "2026" / "2025-gaoxin-honghei-bang.pdf").read_bytes()
    notice = """
        ---
        title: 福海花园维修资金使用公示
        date: 2026-11-20
        category: 公示
        compounds: [fuhai]
        attachments:
        - {title: 维修方案, file: 2026/维修 方案.pdf}
        ---
        公示内容如下。
        """
    build(tmp_path, **{"notices/2026/gongshi.md": notice, "attachments/2026/维修 方案.pdf": pdf})
    assert "附件无法下载" not in audit(tmp_path).stdout  # percent-encoded and found
    (tmp_path / "site" / "attachments" / "2026" / "维修 方案.pdf").unlink()
    run = audit(tmp_path, "--format", "json")
    assert run.exit_code == 0
    (missing,) = [f for f in findings(run) if f["criterion"] == "可用性"]
    assert missing["message"] == "扣分：附件无法下载：/attachments/2026/维修 方案.pdf 不存在（1 个页面链接到它）"
    assert missing["path"].endswith("site/notices/gongshi/index.html") and missing["level"] == "扣分"


def test_missing_filing_identifiers_and_publisher_are_deductions(tmp_path):
    build(tmp_path)
    run = audit(tmp_path)
    for label in ("ICP 备案编号", "公安机关备案号", "网站标识码"):
        assert (
            f"content/site.yaml:1:1: warning: 网站标识: 扣分：网站标识不规范：所有页面的页面底部没有 {label}"
            in run.stdout
        )
    assert "filing: 下填写 icp" in run.stdout

    filed = tmp_path / "filed"
    build(filed, **{"site.yaml": minimal_files()["site.yaml"] + dedent(FILING)})
    assert "网站标识不规范" not in audit(filed).stdout

    # a theme whose footer leaves out the publisher
    layout = (REPO / "templates" / "_layout.html").read_text(encoding="utf-8")
    assert "发布单位：" in layout
    themed = tmp_path / "themed"
    write_tree(themed / "templates", {"_layout.html": layout.replace("发布单位：", "编辑：")})
    build(themed)
    assert "所有页面的页面底部没有 主办单位（在 site.yaml 中填写 publisher（主办单位））" in audit(themed).stdout


def test_no_channel_for_residents_questions(tmp_path):
    phone_only = audit(build(tmp_path))  # contact: 电话 0536-8000000
    assert phone_only.exit_code == 0
    assert "warning: 互动回应差: 扣分：首页只有电话或通信地址，没有网上咨询建言渠道" in phone_only.stdout

    site_yaml = minimal_files()["site.yaml"]
    mail = tmp_path / "mail"
    build(mail, **{"site.yaml": site_yaml.replace("contact: 电话 0536-8000000", "contact: 电子邮箱 wuye@example.org")})
    assert "互动回应差" not in audit(mail).stdout

    silent = tmp_path / "silent"
    build(silent, **{"site.yaml": site_yaml.replace("contact: 电话 0536-8000000", "contact: 见社区公告栏")})
    run = audit(silent)
    assert run.exit_code == 1
    assert (
        "content/site.yaml:1:1: error: 互动回应差: 单项否决：未提供网上有效咨询建言渠道（首页没有电话、电子邮箱、地址或留言入口）"
        in run.stdout
    )
    github = audit(silent, "--format", "github")
    assert (
        "::error file=" in github.stdout
        and "title=bulletin%3A 互动回应差::单项否决：未提供网上有效咨询建言渠道" in github.stdout
    )


def test_a_site_without_a_home_page_cannot_be_reached(tmp_path):
    build(tmp_path)
    (tmp_path / "site" / "index.html").unlink()
    run = audit(tmp_path)
    assert run.exit_code == 1
    assert "error: 站点无法访问: 单项否决：站点无法访问（网站目录中没有首页 index.html）" in run.stdout


def test_usage_and_content_errors(tmp_path):
    build(tmp_path)
    missing = cli("audit", "--content", str(tmp_path / "content"), "--site", str(tmp_path / "nowhere"))
    assert missing.exit_code == 2 and "找不到网站目录" in missing.output
    (tmp_path / "content" / "notices" / "2026" / "gongshi.md").write_text("no front matter\n", encoding="utf-8")
    broken = audit(tmp_path)
    assert broken.exit_code == 1 and "无法审核：内容有错误" in broken.stderr


def test_the_default_day_is_the_builds(tmp_path, monkeypatch):
    build(tmp_path, today=FAR)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1796097600")  # 2026-12-01 noon in Asia/Shanghai
    run = cli("audit", "--content", str(tmp_path / "content"), "--site", str(tmp_path / "site"))
    assert "（2026-12-01，" in run.stdout


def test_the_daily_rebuild_runs_the_audit_as_annotations():
    workflow = (REPO / ".github" / "workflows" / "scheduled-rebuild.yml").read_text(encoding="utf-8")
    assert "bulletin audit --format github" in workflow


def test_the_docs_cover_every_criterion():
    doc = (REPO / "docs" / "audit.md").read_text(encoding="utf-8")
    source = (REPO / "generator" / "tools" / "audit.py").read_text(encoding="utf-8")
    for criterion in set(re.findall(r'field="([^"]+)"', source)):
        assert criterion in doc, criterion
    for single_veto in ("安全、泄密事故", "站点无法访问", "首页不更新", "栏目不更新", "互动回应差", "服务不实用"):
        assert single_veto in doc, single_veto


TRICKY = """<!DOCTYPE html>
<html lang="zh-CN"><head><title>a &amp; b</title><script src="/static/x.js"></script>
<script>if (a < b && c > d) { document.write("<a href='/no/'>x</a>"); }</script><style>p > a { }</style></head>
<body><!-- <a href="/commented/">no</a> -->
<nav class="site-nav" aria-label="主导航"><ul><li><A HREF="/areas/" TITLE='a > b'>辖区</A></li>
<li><a
   href = "/lists/"
   data-x=1>红黑榜</a></li></ul></nav>
<main id="main"><p>1 &lt; 2 &#x4e2d; &nbsp;&copy; AT&T <b>粗</b></p>
<a href=/bare/ class=x title="'引号'">bare</a><img src="/i.png" alt="x"/><br/><input type="search" name="q">
<time datetime="2026-11-20">11月20日</time><a href="/notices/a/?q=1&amp;r=2#x">通知</a></main>
<footer class="site-footer"><p>发布单位：测试</p><p>联系方式：<a href="mailto:a@example.org">a@example.org</a></p></footer>
</body></html>
"""


def test_the_fast_reader_reads_what_html_parser_reads(tmp_path):
    """`_Reader.read` (a tokenizer) makes exactly the calls html.parser makes: on every page of a
    built site, on the sanitiser's output of every hostile vector, and on hand-made corner cases."""
    from generator.content.markup import render_markdown

    from hostile import VECTORS, hostile_body

    build(tmp_path)
    pages = [p.read_text(encoding="utf-8") for p in sorted((tmp_path / "site").rglob("*.html"))]
    layout = pages[0]
    hostile = render_markdown(hostile_body() + "\n\n" + "\n\n".join(VECTORS))
    texts = [*pages, TRICKY, layout.replace("</main>", f"{hostile}</main>")]
    for text in texts:
        assert auditing._Reader().read(text) == auditing._Reader().read_with_html_parser(text)
    tricky = auditing._Reader().read(TRICKY)
    assert tricky.nav_links == ["/areas/", "/lists/"] and ("href", "/lists/", 6, 5) in tricky.links
    assert "/commented/" not in str(tricky.links) and "/no/" not in str(tricky.links)
    assert tricky.main_form and tricky.main_times == ["2026-11-20"]
