"""Last-changed dates and /changes/ from git history: dates come from commits (so builds are
reproducible), uncommitted edits and shallow boundaries give no date rather than a wrong one,
and outside git (or without git) pages simply show nothing. (The rules of issue 17 — first
publication, change history, withdrawals — are in test_history_rules.py.)"""

from __future__ import annotations

import os
import re
import subprocess
from datetime import date
from pathlib import Path

import pytest

from generator.content.history import History, parse_log, read_history
from generator.output.changes import RecordRef, recent_changes

from conftest import TODAY, cli
from sitecheck import tree_digest

OCT = "2026-10-01T10:00:00+08:00"
NOV = "2026-11-02T23:30:00+00:00"  # 2026-11-03 in Shanghai


def git(cwd: Path, *args: str, when: str | None = None) -> str:
    env = dict(
        os.environ,
        GIT_AUTHOR_NAME="王小明",
        GIT_AUTHOR_EMAIL="editor@example.org",
        GIT_COMMITTER_NAME="王小明",
        GIT_COMMITTER_EMAIL="editor@example.org",
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=os.devnull,
    )
    if when:
        env.update(GIT_AUTHOR_DATE=when, GIT_COMMITTER_DATE=when)
    done = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True)
    return done.stdout


def commit_all(repo: Path, message: str, when: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message, when=when)


@pytest.fixture
def repo(project, monkeypatch):
    """The minimal bulletin committed on 1 October, then 福海花园 edited on 3 November."""
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(project.parent))
    git(project, "init", "-q", "-b", "main")
    commit_all(project, "内容", OCT)
    fuhai = project / "content/compounds/fuhai.yaml"
    fuhai.write_text(fuhai.read_text(encoding="utf-8").replace("households: 860", "households: 861"), encoding="utf-8")
    commit_all(project, "福海花园户数", NOV)
    return project


def build(*extra: str) -> None:
    run = cli("build", "--today", TODAY, *extra)
    assert run.exit_code == 0, run.output


def changed_on(site: Path, rel: str) -> str | None:
    html = (site / rel / "index.html").read_text(encoding="utf-8")
    found = re.search(r'class="last-changed">[^<]*最后修改于 <time datetime="([\d-]+)">', html)
    return found.group(1) if found else None


def test_record_pages_show_their_last_commit_date(repo):
    build()
    site = repo / "site"
    assert changed_on(site, "compounds/fuhai") == "2026-11-03"
    assert changed_on(site, "compounds/lanting") == "2026-10-01"
    for rel in (
        "communities/yf",
        "companies/alpha",
        "projects/guanwang",
        "notices/gongshi",
        "lists/gx/2025-H1",
        "lists/gx/2025",
    ):
        assert changed_on(site, rel) == "2026-10-01", rel


def test_changes_page_lists_recent_changes(repo):
    build()
    html = (repo / "site/changes/index.html").read_text(encoding="utf-8")
    days = re.findall(r'<h2 id="h-day-([\d-]+)">', html)
    assert days == ["2026-11-03", "2026-10-01"]
    newest = html[html.index("h-day-2026-11-03") : html.index("h-day-2026-10-01")]
    assert re.findall(r'<a href="([^"]+)">([^<]+)</a> <span class="sub">([^<]+)</span>', newest) == [
        ("/compounds/fuhai/", "福海花园", "修改")
    ]
    older = html[html.index("h-day-2026-10-01") :]
    assert '<a href="/notices/gongshi/">福海花园维修资金使用公示</a> <span class="sub">新增</span>' in older
    assert "草稿公告" not in html and "未来公告" not in html  # unpublished records are not announced
    assert "王小明" not in html and "editor@" not in html and "福海花园户数" not in html  # no names, no messages


def test_builds_in_git_are_reproducible(repo):
    build()
    first = tree_digest(repo / "site")
    build()
    assert tree_digest(repo / "site") == first


def test_uncommitted_edit_shows_no_date(repo):
    lanting = repo / "content/compounds/lanting.yaml"
    lanting.write_text(lanting.read_text(encoding="utf-8").replace("500", "501"), encoding="utf-8")
    build()
    assert changed_on(repo / "site", "compounds/lanting") is None
    assert changed_on(repo / "site", "compounds/fuhai") == "2026-11-03"


def test_deleted_records_are_listed_as_withdrawn(repo):
    (repo / "content/notices/2025/tongzhi.md").unlink()
    commit_all(repo, "撤下通知", "2026-11-10T09:00:00+08:00")
    build()
    html = (repo / "site/changes/index.html").read_text(encoding="utf-8")
    day = html[html.index("h-day-2026-11-10") : html.index("h-day-2026-11-03")]
    assert re.findall(r'<a href="([^"]+)">([^<]+)</a> <span class="sub">([^<]+)</span>', day) == [
        ("/notices/tongzhi/", "全区物业服务考评通知", "撤回")
    ]
    page = (repo / "site/notices/tongzhi/index.html").read_text(encoding="utf-8")
    assert "已撤回" in page and "请各企业做好准备" not in page


def test_shallow_clone_gives_no_date_for_its_boundary(repo, tmp_path_factory, monkeypatch):
    zy = repo / "content/communities/zy.yaml"
    zy.write_text(zy.read_text(encoding="utf-8") + "address: 清池街道某路 2 号\n", encoding="utf-8")
    commit_all(repo, "张营社区地址", "2026-11-20T09:00:00+08:00")
    clone = tmp_path_factory.mktemp("shallow") / "work"
    git(repo, "clone", "-q", "--depth", "2", f"file://{repo}", str(clone))
    monkeypatch.chdir(clone)
    build()
    site = clone / "site"
    assert changed_on(site, "communities/zy") == "2026-11-20"
    assert changed_on(site, "compounds/fuhai") is None  # changed in the boundary commit: unknown
    assert changed_on(site, "compounds/lanting") is None  # older than the clone: unknown


def test_outside_git_pages_show_no_date(project, monkeypatch):
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(project.parent))
    build()
    site = project / "site"
    assert all('class="last-changed"' not in p.read_text(encoding="utf-8") for p in site.rglob("*.html"))
    assert "暂无修改记录" in (site / "changes/index.html").read_text(encoding="utf-8")


def test_without_git_installed_pages_show_no_date(repo, monkeypatch, tmp_path_factory):
    monkeypatch.setenv("PATH", str(tmp_path_factory.mktemp("no-git")))
    assert read_history(repo / "content", date(2026, 11, 27)) == History()
    build()
    assert changed_on(repo / "site", "compounds/fuhai") is None


# --- units -----------------------------------------------------------------------------------------

LOG = (
    "\x1eaaa\x1fbbb\x1f2026-11-02T23:30:00+00:00\n\nM\tcompounds/fuhai.yaml\nD\tnotices/2025/old.md\n"
    "\x1ebbb\x1fccc\x1f2026-11-01T08:00:00+08:00\n\nA\tcompounds/fuhai.yaml\nA\tcompounds/lanting.yaml\n"
    "\x1eccc\x1f\x1f2026-10-01T10:00:00+08:00\n\nA\tsite.yaml\n"
)


def test_parse_log_takes_the_newest_commit_per_file():
    h = parse_log(LOG, shallow=False, dirty=set(), today=date(2026, 11, 27))
    assert h.last_changed == {
        "compounds/fuhai.yaml": date(2026, 11, 3),
        "compounds/lanting.yaml": date(2026, 11, 1),
        "site.yaml": date(2026, 10, 1),
    }
    assert "notices/2025/old.md" not in {c.path for c in h.changes}


def test_parse_log_drops_shallow_boundary_and_dirty_files():
    h = parse_log(LOG, shallow=True, dirty={"compounds/lanting.yaml"}, today=date(2026, 11, 27))
    assert h.last_changed == {"compounds/fuhai.yaml": date(2026, 11, 3)}


def test_commits_after_the_build_date_are_not_shown():
    h = parse_log(LOG, shallow=False, dirty=set(), today=date(2026, 11, 2))
    assert h.last_changed == {"compounds/lanting.yaml": date(2026, 11, 1), "site.yaml": date(2026, 10, 1)}
    assert date(2026, 11, 3) not in {c.date for c in h.changes}  # fuhai changed "later": no date at all


def test_a_build_dated_before_a_change_does_not_show_it(repo):
    run = cli("build", "--today", "2026-11-02")
    assert run.exit_code == 0, run.output
    assert changed_on(repo / "site", "compounds/fuhai") is None
    assert changed_on(repo / "site", "compounds/lanting") == "2026-10-01"
    assert "h-day-2026-11-03" not in (repo / "site/changes/index.html").read_text(encoding="utf-8")


def test_recent_changes_one_row_per_record_and_day():
    h = parse_log(
        LOG.replace("2026-11-02T23:30:00+00:00", "2026-11-01T09:00:00+08:00"),
        shallow=False,
        dirty=set(),
        today=date(2026, 11, 27),
    )
    refs = {"compounds/fuhai.yaml": RecordRef("小区", "福海花园", "/compounds/fuhai/")}
    rows = recent_changes(h, refs)
    assert [(r.date, r.added, r.record.title) for r in rows] == [(date(2026, 11, 1), True, "福海花园")]
    assert recent_changes(h, refs, limit=0) == ()


def test_the_edit_loop_sees_each_commit_and_each_uncommitted_edit(repo):
    """A long-lived builder (as `bulletin serve` keeps) remembers git's log between rebuilds
    only until the checkout moves: a commit, a save or a reset shows at the next rebuild."""
    from generator import Builder

    out = repo / "loop-site"
    builder = Builder(repo / "content", out, date.fromisoformat(TODAY), workers=1, patch=True, search=False)
    builder.rebuild()
    assert changed_on(out, "compounds/lanting") == "2026-10-01"
    lanting = repo / "content/compounds/lanting.yaml"
    lanting.write_text(
        lanting.read_text(encoding="utf-8").replace("households: 500", "households: 501"), encoding="utf-8"
    )
    builder.rebuild()
    assert changed_on(out, "compounds/lanting") is None  # uncommitted: no date rather than a wrong one
    commit_all(repo, "兰亭苑户数", "2026-11-20T02:00:00+00:00")
    builder.rebuild()
    assert changed_on(out, "compounds/lanting") == "2026-11-20"
    git(repo, "reset", "-q", "--hard", "HEAD~1")
    builder.rebuild()
    assert changed_on(out, "compounds/lanting") == "2026-10-01"
    assert changed_on(out, "compounds/fuhai") == "2026-11-03"
