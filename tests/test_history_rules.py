"""Issue 17 over scripted repositories: first publication, back-dating, change history (fields,
bodies, scores after a list was published), withdrawals, privacy over history, shallow clones and
the import commit. Every date is a commit date set with GIT_AUTHOR_DATE/GIT_COMMITTER_DATE."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from test_history import commit_all, git

from conftest import TODAY, cli

IMPORT = "2026-10-01T10:00:00+08:00"


def edit(project: Path, rel: str, old: str, new: str) -> None:
    path = project / "content" / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, (rel, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def write(project: Path, rel: str, text: str) -> None:
    path = project / "content" / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def notice(title: str, day: str, body: str, until: str | None = None) -> str:
    return (
        f"---\ntitle: {title}\ndate: {day}\ncategory: 公示\ncompounds: [fuhai]\n"
        + (f"until: {until}\n" if until else "")
        + f"---\n{body}\n"
    )


ID_NUMBER = "37070219800101123X"  # a valid check digit: the privacy gate refuses it


@pytest.fixture(scope="module")
def story(tmp_path_factory):
    """One repository telling the whole story, built once (at the build date of the suite)."""
    import os

    project = tmp_path_factory.mktemp("story")
    from conftest import minimal_files, write_tree

    write_tree(project / "content", minimal_files())
    os.environ["GIT_CEILING_DIRECTORIES"] = str(project.parent)
    git(project, "init", "-q", "-b", "main")
    commit_all(project, "导入原有内容", IMPORT)  # the import: tongzhi is dated 2025-06-01
    write(project, "notices/2026/honest.md", notice("如实发布的公示", "2026-11-03", "按时公示。", "2026-11-10"))
    commit_all(project, "公示", "2026-11-03T09:00:00+08:00")
    write(
        project,
        "notices/2026/backdated.md",
        notice("补登的公示", "2026-11-01", "物业费调整方案。", "2026-11-20"),
    )
    commit_all(project, "补登", "2026-11-10T20:00:00+08:00")
    edit(project, "compounds/fuhai.yaml", '2025: "100%"', "2025: 0.91")
    edit(project, "notices/2026/gongshi.md", "公示内容如下。", "公示内容如下。维修金额为十二万元。")
    commit_all(project, "更正", "2026-11-12T10:00:00+08:00")
    edit(project, "evaluations/gx/2025-H2.yaml", "{company: alpha, authority: 27,", "{company: alpha, authority: 29,")
    edit(project, "evaluations/gx/2025-H2.yaml", "street: 19, owners: 20,", "street: 19, owners: 15,")
    commit_all(project, "改分", "2026-11-15T10:00:00+08:00")
    edit(project, "notices/2025/tongzhi.md", "请各企业做好准备。", f"请各企业做好准备。联系人身份证 {ID_NUMBER}。")
    commit_all(project, "误加号码", "2026-11-18T10:00:00+08:00")
    edit(project, "notices/2025/tongzhi.md", f"联系人身份证 {ID_NUMBER}。", "联系人见附件。")
    commit_all(project, "删去号码", "2026-11-19T10:00:00+08:00")
    (project / "content/notices/2026/honest.md").unlink()
    (project / "content/projects/guanwang.md").unlink()
    commit_all(project, "撤下", "2026-11-21T10:00:00+08:00")
    os.chdir(project)
    run = cli("build", "--today", TODAY)
    assert run.exit_code == 0, run.output
    yield project, run
    del os.environ["GIT_CEILING_DIRECTORIES"]


def page(project: Path, rel: str) -> str:
    return (project / "site" / rel / "index.html").read_text(encoding="utf-8")


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


def first_published(html: str) -> str | None:
    found = re.search(r'<dt>首次发布</dt><dd><time datetime="([\d-]+)">', html)
    return found.group(1) if found else None


def test_first_publication_is_the_first_commit(story):
    project, _ = story
    assert first_published(page(project, "notices/gongshi")) == "2026-10-01"
    assert first_published(page(project, "notices/backdated")) == "2026-11-10"
    assert first_published(page(project, "lists/gx/2025-H2")) == "2026-10-01"


def test_backdated_notice_is_warned_and_counts_its_period_from_first_publication(story):
    project, run = story
    assert "backdated.md" in run.output and "2026-11-01" in run.output and "2026-11-10" in run.output
    html = page(project, "notices/backdated")
    text = text_of(html)
    assert "本站首次发布它是在 2026年11月10日" in text
    # 19 days from 10 November: open until 29 November, 2 days left on the 27th
    assert "公示期 2026年11月10日 至 2026年11月29日" in text
    assert "公示中（还剩 2 天）" in text
    assert "公告写明的公示期是 2026年11月1日 至 2026年11月20日" in text
    check = cli("check", "--today", TODAY)
    assert check.exit_code == 0
    warned = [line for line in check.output.splitlines() if "backdated.md" in line]
    assert warned and "2026-11-01" in warned[0] and "2026-11-10" in warned[0]
    assert "honest" not in check.output and "tongzhi" not in check.output  # honest, and the import


def test_import_commit_is_not_backdating(story):
    project, run = story
    html = page(project, "notices/tongzhi")
    assert "首次发布它是在" not in html
    assert "建站时随原有内容一并导入" in html
    assert "tongzhi.md" not in run.output


def test_field_and_body_changes_are_readable(story):
    project, _ = story
    text = text_of(page(project, "compounds/fuhai"))
    assert "修改记录" in text and "物业费收缴率 2025 年：100% → 91%" in text
    html = page(project, "notices/gongshi")
    assert re.search(r'<ins><span class="rev-vh">新增：</span>维修金额为十二万元。</ins>', html)
    assert "@@" not in html and "+++" not in html


def test_score_change_after_publication_shows_ranks_and_lists(story):
    project, _ = story
    html = page(project, "lists/gx/2025-H2")
    text = text_of(html)
    assert "本期考评结果公布后修改过 1 次" in text
    assert "阿尔法物业服务有限公司" in text and "主管部门评分：27.00 → 29.00" in text
    assert "90.00 → 92.00" in text and "2 → 1" in text  # alpha's total and rank
    assert "贝塔物业服务有限公司：列入黑榜" in text
    year = text_of(page(project, "lists/gx/2025"))
    assert "贝塔物业服务有限公司：列入黑榜" in year and "公布后修改过 1 次" in year


def test_withdrawn_records_keep_their_address(story):
    project, _ = story
    html = page(project, "notices/honest")
    text = text_of(html)
    assert "已撤回" in text and "本公告已于 2026年11月21日 撤回" in text
    assert "如实发布的公示" in text and "2026年11月3日" in text and "2026年11月10日" in text
    assert "按时公示" not in html  # never its body
    project_page = text_of(page(project, "projects/guanwang"))
    assert "本项目已于 2026年11月21日 撤回" in project_page and "更换雨污管网" not in project_page
    changes = page(project, "changes")
    day = changes[changes.index("h-day-2026-11-21") :]
    assert '<a href="/notices/honest/">如实发布的公示</a> <span class="sub">撤回</span>' in day
    assert '<a href="/projects/guanwang/">福海花园管网改造</a> <span class="sub">撤回</span>' in day
    feed = (project / "site/feeds/notices.xml").read_text(encoding="utf-8")
    assert "【已撤回】如实发布的公示" in feed and "按时公示" not in feed


def test_a_personal_number_never_comes_back_through_history(story):
    project, _ = story
    html = page(project, "notices/tongzhi")
    assert html.count("因涉及个人信息，修改内容不予显示") == 2  # added, then removed
    for path in (project / "site").rglob("*"):
        if path.is_file() and path.suffix in (".html", ".xml", ".json"):
            assert ID_NUMBER not in path.read_text(encoding="utf-8", errors="replace"), path


def test_the_poster_shows_dates_only(story):
    project, _ = story
    html = page(project, "notices/backdated")
    assert '<p class="period-state" data-pagefind-ignore="index">' in html  # the countdown: hidden in print (style.css)
    css = next((project / "site/static").glob("style.*.css")).read_text(encoding="utf-8")
    assert re.search(r"@media print \{[^}]*\.notice \.period-state \{ display: none; \}", css)


def test_a_build_dated_in_the_past_ignores_later_commits(story):
    project, _ = story
    out = project / "past-site"
    run = cli("build", "--today", "2026-11-16", "--out", str(out))
    assert run.exit_code == 0, run.output
    # deleted on the 21st: on the 16th it was not withdrawn yet (and its file is gone today)
    assert not (out / "notices/honest").exists()
    assert '<span class="sub">撤回</span>' not in (out / "changes/index.html").read_text(encoding="utf-8")
    tongzhi = (out / "notices/tongzhi/index.html").read_text(encoding="utf-8")
    assert "修改记录" not in tongzhi  # its changes came on the 18th and 19th


def test_a_file_that_comes_back_is_not_withdrawn(story, tmp_path):
    project, _ = story
    clone = tmp_path / "again"
    git(project, "clone", "-q", f"file://{project}", str(clone))
    (clone / "content/notices/2026").mkdir(parents=True, exist_ok=True)
    (clone / "content/notices/2026/honest.md").write_text(
        notice("如实发布的公示", "2026-11-03", "按时公示，重新发布。", "2026-11-10"), encoding="utf-8"
    )
    commit_all(clone, "恢复", "2026-11-25T10:00:00+08:00")
    run = cli("build", "--today", TODAY, "--content", str(clone / "content"), "--out", str(clone / "site"))
    assert run.exit_code == 0, run.output
    html = (clone / "site/notices/honest/index.html").read_text(encoding="utf-8")
    assert "已撤回" not in html and "重新发布。" in html and "撤回后重新发布" in html
    assert "按时公示。</" not in html  # the withdrawn text is not shown as a diff
    assert first_published(html) == "2026-11-03"
    changes = (clone / "site/changes/index.html").read_text(encoding="utf-8")
    assert '<a href="/notices/honest/">如实发布的公示</a> <span class="sub">撤回</span>' not in changes


def test_a_shallow_clone_says_history_is_incomplete(story, tmp_path):
    project, _ = story
    clone = tmp_path / "shallow"
    git(project, "clone", "-q", "--depth", "3", f"file://{project}", str(clone))
    assert (clone / ".git/shallow").exists()
    run = cli("build", "--today", TODAY, "--content", str(clone / "content"), "--out", str(clone / "site"))
    assert run.exit_code == 0, run.output
    assert "浅克隆" in run.output and "不完整" in run.output
    site = clone / "site"
    # first published beyond the boundary: no date rather than the boundary's
    for rel in ("notices/gongshi", "notices/backdated", "lists/gx/2025-H2"):
        assert first_published((site / rel / "index.html").read_text(encoding="utf-8")) is None, rel
    assert "只取得了部分修改历史" in (site / "changes/index.html").read_text(encoding="utf-8")
    # what the clone does hold is still shown: the number removed on the 19th stays withheld
    tongzhi = (site / "notices/tongzhi/index.html").read_text(encoding="utf-8")
    assert ID_NUMBER not in tongzhi and "因涉及个人信息，修改内容不予显示" in tongzhi
    check = cli("check", "--today", TODAY, "--content", str(clone / "content"))
    assert "backdated.md" not in check.output  # its first commit is beyond the boundary: unknown


def test_a_merged_branch_is_published_on_the_day_of_the_merge(story, tmp_path):
    project, _ = story
    clone = tmp_path / "merge"
    git(project, "clone", "-q", f"file://{project}", str(clone))
    git(clone, "checkout", "-q", "-b", "pr")
    (clone / "content/notices/2026/merged.md").write_text(
        notice("合并发布的公示", "2026-11-22", "经审核后发布。", "2026-11-30"), encoding="utf-8"
    )
    commit_all(clone, "起草", "2026-11-22T09:00:00+08:00")
    git(clone, "checkout", "-q", "main")
    git(clone, "merge", "-q", "--no-ff", "pr", "-m", "合并", when="2026-11-25T15:00:00+08:00")
    run = cli("build", "--today", TODAY, "--content", str(clone / "content"), "--out", str(clone / "site"))
    assert run.exit_code == 0, run.output
    html = (clone / "site/notices/merged/index.html").read_text(encoding="utf-8")
    assert first_published(html) == "2026-11-25"  # not the 22nd: no one saw the branch
    assert "merged.md" in run.output  # three days late: back-dated


def test_a_notice_committed_as_a_draft_is_published_when_the_draft_ends(story, tmp_path):
    project, _ = story
    clone = tmp_path / "draft"
    git(project, "clone", "-q", f"file://{project}", str(clone))
    path = clone / "content/notices/2026/later.md"
    path.write_text(
        notice("先存草稿的公示", "2026-11-20", "内容。", "2026-11-30").replace("---\n内容", "draft: true\n---\n内容"),
        encoding="utf-8",
    )
    commit_all(clone, "草稿", "2026-11-20T09:00:00+08:00")
    path.write_text(path.read_text(encoding="utf-8").replace("draft: true\n", ""), encoding="utf-8")
    commit_all(clone, "发布", "2026-11-24T09:00:00+08:00")
    run = cli("build", "--today", TODAY, "--content", str(clone / "content"), "--out", str(clone / "site"))
    assert run.exit_code == 0, run.output
    assert first_published((clone / "site/notices/later/index.html").read_text(encoding="utf-8")) == "2026-11-24"
    assert "later.md" in run.output  # dated the 20th, shown from the 24th: back-dated


def test_a_later_import_commit_named_in_site_yaml_is_not_backdating(tmp_path, monkeypatch):
    """A bulletin whose older records came in after the repository's first commit names that
    commit in site.yaml (`history_import`): what it added is imported, what came later is not."""
    from conftest import minimal_files, write_tree

    project = tmp_path / "late"
    files = minimal_files()
    write_tree(project / "content", {k: v for k, v in files.items() if not k.startswith("notices/")})
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    git(project, "init", "-q", "-b", "main")
    commit_all(project, "建站", "2026-09-01T10:00:00+08:00")  # the root commit: settings only
    write_tree(project / "content", {k: v for k, v in files.items() if k.startswith("notices/")})
    commit_all(project, "导入原有公告", "2026-10-01T10:00:00+08:00")  # tongzhi is dated 2025-06-01
    imported = git(project, "rev-parse", "HEAD").strip()
    write(project, "notices/2026/late.md", notice("补登的公示", "2026-10-20", "补登。", "2026-11-30"))
    commit_all(project, "补登", "2026-11-10T20:00:00+08:00")
    monkeypatch.chdir(project)

    before = cli("check", "--today", TODAY)
    assert before.exit_code == 0 and "tongzhi.md" in before.output and "late.md" in before.output

    edit(project, "site.yaml", "pii_allow:", f"history_import: {imported[:9]}\npii_allow:")
    commit_all(project, "写明导入提交", "2026-11-11T10:00:00+08:00")
    after = cli("check", "--today", TODAY)
    assert after.exit_code == 0, after.output
    assert "tongzhi.md" not in after.output and "late.md" in after.output  # only the import is exempt
    run = cli("build", "--today", TODAY)
    assert run.exit_code == 0, run.output
    assert "建站时随原有内容一并导入" in page(project, "notices/tongzhi")
    assert first_published(page(project, "notices/late")) == "2026-11-10"

    edit(project, "site.yaml", f"history_import: {imported[:9]}", "history_import: 导入那次")
    wrong = cli("check", "--today", TODAY)
    assert wrong.exit_code == 1 and "site.yaml" in wrong.output and "提交编号" in wrong.output


def test_a_backdated_notice_s_feed_entry_gives_the_period_residents_could_see(story):
    project, _ = story
    feed = (project / "site/feeds/notices.xml").read_text(encoding="utf-8")

    def entry(title: str) -> str:
        return feed[feed.index(f"<title>{title}</title>") :].split("</entry>", 1)[0]

    late = entry("补登的公示")
    assert "公示期：2026-11-10 至 2026-11-29" in late and "本站首次发布于 2026-11-10" in late
    assert "公示期：2026-11-01 至 2026-11-20&lt;" not in late  # never only the period as written
    assert "本站首次发布于" not in entry("福海花园维修资金使用公示")  # imported: as written


@pytest.mark.parametrize(
    ("typed", "ok"),
    [
        ("1234567", True),
        ("0123456", True),
        ("12e4567", True),
        ('"ABCDEF1"', True),
        ("3e6aa92zzz", False),
        ("abc", False),
    ],
)
def test_history_import_is_taken_as_typed(tmp_path, monkeypatch, typed, ok):
    """A commit id YAML would read as a number (all digits, a leading 0, digits around an e) is the
    id as typed; anything else than 7-40 hex digits is refused where it stands."""
    from conftest import minimal_files, write_tree

    write_tree(tmp_path / "content", minimal_files())
    edit(tmp_path, "site.yaml", "pii_allow:", f"history_import: {typed}\npii_allow:")
    monkeypatch.chdir(tmp_path)
    run = cli("check", "--today", TODAY)
    assert (run.exit_code == 0) == ok, run.output
    assert ("history_import" in run.output) != ok
