"""Incremental rebuilds are byte-identical to clean full builds.

Each case: a long-lived `Builder` builds the minimal bulletin, one edit is applied (add, change,
rename or delete, for every record kind, for templates and static assets), the builder rebuilds,
and the result is compared with a fresh full build of the edited content into another folder:
every byte of every file, and the same set of files (so nothing stale is left behind). One more
test runs all the edits in a row on the same builder, comparing after each.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from datetime import date
from pathlib import Path

import pytest

from generator import Builder, ContentError, pipeline
from generator.engine import cache, incremental, memo, write
from generator.output import routes
from generator.tools import serve

from attachkit import BLANK_PDF
from conftest import log_readers, minimal_files, write_tree
from sitecheck import tree_digest

TODAY = date(2026, 11, 27)
PDF = BLANK_PDF  # a valid PDF: an unreadable one is refused (attachments are read before publishing)


def _set(rel: str, text: str):
    def edit(root: Path):
        path = root / "content" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    return edit


def _replace(rel: str, old: str, new: str):
    def edit(root: Path):
        path = root / "content" / rel
        text = path.read_text(encoding="utf-8")
        assert old in text, (rel, old)
        path.write_text(text.replace(old, new), encoding="utf-8")

    return edit


def _all(*edits):
    def edit(root: Path):
        for one in edits:
            one(root)

    return edit


def _delete(rel: str):
    def edit(root: Path):
        (root / "content" / rel).unlink()

    return edit


def _rename(old: str, new: str):
    def edit(root: Path):
        target = root / "content" / new
        target.parent.mkdir(parents=True, exist_ok=True)
        os.rename(root / "content" / old, target)

    return edit


def _template(name: str, old: str | None = None, new: str | None = None, delete: bool = False):
    """Override a default template (beside content/) or change/delete the override."""

    def edit(root: Path):
        override = root / "templates" / name
        if delete:
            override.unlink()
            return
        override.parent.mkdir(parents=True, exist_ok=True)
        source = override if override.exists() else Path(__file__).resolve().parent.parent / "templates" / name
        text = source.read_text(encoding="utf-8")
        assert old in text, (name, old)
        override.write_text(text.replace(old, new), encoding="utf-8")

    return edit


def _steps(*edits):
    def edit(root: Path):
        for e in edits:
            e(root)

    return edit


NEW_NOTICE = """---
title: 兰亭苑停车位改造公示
date: 2026-11-25
category: 公示
compounds: [lanting]
until: 2026-12-05
---
## 改造方案

1. 新增车位 20 个。
"""

NEW_PROJECT = """---
title: 张营社区安防升级
category: security
status: planned
communities: [zy]
---
更换监控。
"""

EDITS = {
    # site settings and areas
    "site-title": _replace("site.yaml", "title: 测试公示栏", "title: 测试公示栏（新）"),
    "site-base-url": _replace("site.yaml", "base_url: https://example.org/", "base_url: https://example.net/town/"),
    "site-rules": _replace("site.yaml", "red_list_size: 2", "red_list_size: 1"),
    "site-publisher": _replace("site.yaml", "publisher: 测试编辑组", "publisher: 测试编辑部"),  # every page's footer
    # an evaluation part renamed: the scores' values stay, the open data's field names change
    "site-part-key": _all(
        _replace("site.yaml", "owners: {label", "residents: {label"),
        *(_replace(f"evaluations/gx/2025-{half}.yaml", "owners:", "residents:") for half in ("H1", "H2")),
    ),
    "area-street-name": _replace("areas.yaml", "新城街道", "新城街道办事处"),
    "area-add-street": _replace(
        "areas.yaml", "- {id: qc, name: 清池街道}", "- {id: qc, name: 清池街道}\n      - {id: dm, name: 东明街道}"
    ),
    # communities
    "community-add": _set("communities/dm.yaml", "name: 东明社区\nstreet: qc\n"),
    "community-change": _replace("communities/yf.yaml", "name: 鸢飞社区", "name: 鸢飞新社区"),
    "community-grid-members": _replace("communities/yf.yaml", "members: 5", "members: 6"),
    "community-rename": _steps(
        _rename("communities/zy.yaml", "communities/zhangying-sq.yaml"),
        _replace("compounds/zhangying.yaml", "community: zy", "community: zhangying-sq"),
        _replace("compounds/laoyuan.yaml", "community: zy", "community: zhangying-sq"),
    ),
    "community-delete": _steps(
        _delete("communities/zy.yaml"),
        _delete("compounds/zhangying.yaml"),
        _delete("compounds/laoyuan.yaml"),
    ),
    # compounds
    "compound-add": _set("compounds/xinyuan.yaml", "name: 新苑小区\ncommunity: zy\ntype: self\nhouseholds: 120\n"),
    "compound-change": _replace("compounds/lanting.yaml", "households: 500", "households: 510"),
    "compound-change-company": _replace("compounds/lanting.yaml", "company: alpha", "company: beta"),
    "compound-change-fee": _replace("compounds/fuhai.yaml", '2025: "100%"', "2025: 0.99"),
    "compound-rename": _rename("compounds/lanting.yaml", "compounds/lanting-yuan.yaml"),
    "compound-delete": _delete("compounds/lanting.yaml"),
    # companies
    "company-add": _set(
        "companies/delta.yaml",
        "name: 德尔塔物业服务有限公司\ncredit_code: 91370700MA3C00004R\nstate_owned: false\nparty_organization: false\n",
    ),
    "company-change": _replace("companies/alpha.yaml", "阿尔法物业服务有限公司", "阿尔法物业管理有限公司"),
    "company-change-phone": _replace("companies/alpha.yaml", "phone: 0536-8000002", "phone: 0536-8000009"),
    "company-rename": _steps(
        _rename("companies/beta.yaml", "companies/beta-wuye.yaml"),
        _replace("compounds/zhangying.yaml", "company: beta", "company: beta-wuye"),
        _replace("evaluations/gx/2025-H1.yaml", "company: beta,", "company: beta-wuye,"),
        _replace("evaluations/gx/2025-H2.yaml", "company: beta,", "company: beta-wuye,"),
    ),
    "company-delete": _steps(
        _delete("companies/beta.yaml"),
        _replace("compounds/zhangying.yaml", "type: enterprise\ncompany: beta\n", "type: self\n"),
        _replace("evaluations/gx/2025-H1.yaml", "  - {company: beta, authority: 20, street: 20, owners: 25}\n", ""),
        _replace(
            "evaluations/gx/2025-H2.yaml",
            "  - {company: beta, authority: 18, street: 19, owners: 20, note: 整改中}\n",
            "",
        ),
    ),
    # evaluations
    "evaluation-change-score": _replace("evaluations/gx/2025-H2.yaml", "owners: 36}", "owners: 39.5}"),
    "evaluation-add": _set(
        "evaluations/gx/2026-H1.yaml",
        (
            "period: 2026-H1\npublished: 2026-07-15\nscores:\n"
            "  - {company: alpha, authority: 25, street: 25, owners: 30}\n"
            "  - {company: guoqi, authority: 29, street: 28, owners: 38}\n"
        ),
    ),
    "evaluation-rename": _steps(
        _rename("evaluations/gx/2025-H1.yaml", "evaluations/gx/2024-H1.yaml"),
        _replace(
            "evaluations/gx/2024-H1.yaml",
            "period: 2025-H1\npublished: 2025-07-15",
            "period: 2024-H1\npublished: 2024-07-15",
        ),
    ),
    "evaluation-delete": _delete("evaluations/gx/2025-H2.yaml"),
    # projects
    "project-add": _set("projects/anfang.md", NEW_PROJECT),
    "project-change-body": _replace("projects/guanwang.md", "更换雨污管网。", "更换雨污管网和燃气管道。"),
    "project-change-status": _replace("projects/guanwang.md", "status: in_progress", "status: completed"),
    "project-rename": _rename("projects/guanwang.md", "projects/fuhai-guanwang.md"),
    "project-delete": _delete("projects/guanwang.md"),
    # notices
    "notice-add": _set("notices/2026/lanting-tingche.md", NEW_NOTICE),
    "notice-change-body": _replace("notices/2026/gongshi.md", "公示内容如下。", "公示内容如下，请监督。"),
    "notice-change-title": _replace(
        "notices/2026/gongshi.md", "title: 福海花园维修资金使用公示", "title: 福海花园维修资金使用情况公示"
    ),
    "notice-change-scope": _replace("notices/2026/gongshi.md", "compounds: [fuhai]", "communities: [zy]"),
    "notice-change-date": _replace("notices/2026/gongshi.md", "date: 2026-11-20", "date: 2026-01-20"),
    "notice-until-ends": _replace("notices/2026/gongshi.md", "until: 2026-12-01", "until: 2026-11-21"),
    "notice-rename": _rename("notices/2026/gongshi.md", "notices/2026/fuhai-gongshi.md"),
    "notice-move-year": _steps(
        _rename("notices/2025/tongzhi.md", "notices/2024/tongzhi.md"),
        _replace("notices/2024/tongzhi.md", "date: 2025-06-01", "date: 2024-06-01"),
    ),
    "notice-delete": _delete("notices/2026/gongshi.md"),
    "notice-becomes-draft": _replace(
        "notices/2026/gongshi.md", "until: 2026-12-01\n", "until: 2026-12-01\ndraft: true\n"
    ),
    "notice-draft-published": _replace("notices/2026/caogao.md", "draft: true\n", ""),
    "notice-attachment-add": _steps(
        lambda root: (root / "content/attachments").mkdir(exist_ok=True),
        lambda root: (root / "content/attachments/mingxi.pdf").write_bytes(PDF),
        _replace(
            "notices/2025/tongzhi.md",
            "district: gx\n",
            "district: gx\nattachments:\n  - {title: 明细, file: mingxi.pdf}\n",
        ),
    ),
    "notice-many": _steps(
        *[
            _set(f"notices/2026/pl-{i}.md", NEW_NOTICE.replace("兰亭苑停车位改造公示", f"批量公告{i}"))
            for i in range(25)
        ]
    ),
    # templates and static assets
    "template-page": _template("notice.html", "返回公示公告列表", "返回列表"),
    "template-base": _template("base.html", "<body", '<body data-x="1"'),
    "template-macro": _template("_macros.html", "暂无公示公告。", "暂时没有公示公告。"),
    "static-css": lambda root: _override_css(root),
}


def _override_css(root: Path) -> None:
    (root / "templates/static").mkdir(parents=True, exist_ok=True)
    text = (Path(__file__).resolve().parent.parent / "templates/static/style.css").read_text(encoding="utf-8")
    (root / "templates/static/style.css").write_text(text + "\n.x { color: red; }\n", encoding="utf-8")


def _fresh_build(root: Path, out: Path) -> dict[str, bytes]:
    if out.exists():
        shutil.rmtree(out)
    pipeline.build(root / "content", "content", out, TODAY)
    return tree_digest(out)


def _debris(out: Path) -> list[str]:
    return [p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.")]


def _assert_same(root: Path, out: Path) -> None:
    expected = _fresh_build(root, root / "fresh")
    actual = tree_digest(out)
    assert sorted(actual) == sorted(expected), set(actual) ^ set(expected)
    different = [path for path in expected if actual[path] != expected[path]]
    assert different == []
    assert _debris(out) == []


@pytest.fixture
def tree(tmp_path):
    write_tree(tmp_path / "content", minimal_files())
    return tmp_path


@pytest.mark.parametrize("name", list(EDITS))
def test_incremental_equals_full_build(tree, name):
    out = tree / "site"
    builder = Builder(tree / "content", out, TODAY, workers=1)
    builder.rebuild()
    _assert_same(tree, out)
    EDITS[name](tree)
    builder.rebuild()
    _assert_same(tree, out)


IN_A_ROW = [
    "site-title",
    "site-publisher",
    "site-rules",
    "area-street-name",
    "area-add-street",
    "community-add",
    "community-change",
    "community-grid-members",
    "compound-add",
    "compound-change",
    "compound-change-fee",
    "company-add",
    "company-change",
    "company-change-phone",
    "evaluation-change-score",
    "evaluation-add",
    "project-add",
    "project-change-body",
    "project-change-status",
    "notice-add",
    "notice-change-body",
    "notice-change-title",
    "notice-change-date",
    "notice-draft-published",
    "notice-many",
    "template-base",
    "template-macro",
    "static-css",
    "notice-rename",
    "project-rename",
    "company-rename",
    "evaluation-delete",
    "notice-attachment-add",
]


@pytest.mark.parametrize(
    "patch, watched", [(False, False), (True, False), (True, True)], ids=["swap", "patch", "watched"]
)
def test_every_edit_in_a_row_on_one_builder(tree, patch, watched):
    """Edits that compose (each assumes only what the earlier ones leave), on one builder; also
    as `bulletin serve` runs it (small changes patched in place, the plan's memos warm, and the
    builder told exactly what the watcher saw change instead of scanning)."""
    out = tree / "site"
    builder = Builder(tree / "content", out, TODAY, workers=1, patch=patch)
    watcher = _Watcher(tree)
    builder.rebuild(complete=watched)
    for name in IN_A_ROW:
        EDITS[name](tree)
        if watched:
            builder.rebuild(changed_paths=watcher.changes(), complete=True)
        else:
            builder.rebuild()
        _assert_same(tree, out)


# --- as `bulletin serve` rebuilds: the watcher's complete list of changes is trusted -----------------


class _Watcher:
    """What `bulletin serve` does between rebuilds: snapshot the watched folders and hand the
    builder every path that changed (files and folders, see serve.snapshot)."""

    def __init__(self, root: Path):
        self.roots = serve.watched_roots(root / "content")
        self.before = serve.snapshot(self.roots)

    def changes(self) -> list[str]:
        now = serve.snapshot(self.roots)
        changed = serve.changes(self.before, now)
        if changed:
            self.before = now
        return sorted(changed)


def _watched_builder(root: Path, **options) -> tuple[Builder, _Watcher]:
    builder = Builder(root / "content", root / "site", TODAY, workers=1, patch=True, content_arg="content", **options)
    watcher = _Watcher(root)
    builder.rebuild(complete=True)
    return builder, watcher


@pytest.mark.parametrize("name", list(EDITS))
def test_a_watched_edit_equals_full_build(tree, name):
    builder, watcher = _watched_builder(tree)
    EDITS[name](tree)
    builder.rebuild(changed_paths=watcher.changes(), complete=True)
    _assert_same(tree, tree / "site")


def _content_scans(monkeypatch, content: Path) -> list:
    """Records every whole scan of `content` (cache.signature over it)."""
    scans = []
    original = cache.signature

    def counting(dirs, suffix=None):
        dirs = list(dirs)
        if Path(content).resolve() in [Path(d).resolve() for d in dirs]:
            scans.append(dirs)
        return original(dirs, suffix)

    monkeypatch.setattr(cache, "signature", counting)
    return scans


def test_the_watchers_list_replaces_the_scan_but_a_folder_change_scans_whole(tree, monkeypatch):
    builder, watcher = _watched_builder(tree)
    scans = _content_scans(monkeypatch, tree / "content")

    def scanned(changed_paths, complete=True) -> int:
        before = len(scans)
        builder.rebuild(changed_paths=changed_paths, complete=complete)
        return len(scans) - before

    EDITS["notice-change-body"](tree)
    EDITS["notice-add"](tree)
    assert scanned(watcher.changes()) == 0  # two stats, not a walk of the content folder
    _assert_same(tree, tree / "site")
    EDITS["notice-move-year"](tree)  # creates notices/2024/
    changed = watcher.changes()
    assert str(tree / "content/notices/2024") in changed
    assert scanned(changed) == 1
    _assert_same(tree, tree / "site")
    # a list the builder was not promised is complete is only a hint: it scans
    EDITS["notice-change-title"](tree)
    assert scanned(watcher.changes(), complete=False) == 1
    _assert_same(tree, tree / "site")


def test_an_empty_folder_where_none_may_be_is_reported_then_its_removal_builds(tree):
    """The watcher names folders, so a stray (even empty) folder is found as a full build finds it."""
    builder, watcher = _watched_builder(tree)
    before = tree_digest(tree / "site")
    (tree / "content/notices/2026/extra").mkdir()
    with pytest.raises(ContentError) as caught:
        builder.rebuild(changed_paths=watcher.changes(), complete=True)
    assert [p.format() for p in caught.value.problems] == [
        p.format() for p in pipeline.check(tree / "content", "content", TODAY, drafts=False)[1]
    ]
    assert any("notices/2026/extra" in p.format() for p in caught.value.problems)
    assert tree_digest(tree / "site") == before
    (tree / "content/notices/2026/extra").rmdir()
    builder.rebuild(changed_paths=watcher.changes(), complete=True)
    _assert_same(tree, tree / "site")


def test_files_created_deleted_and_renamed_under_the_watcher(tree):
    builder, watcher = _watched_builder(tree)
    for edit in (
        EDITS["notice-add"],
        _delete("notices/2026/lanting-tingche.md"),
        EDITS["compound-rename"],
        _rename("compounds/lanting-yuan.yaml", "compounds/lanting.yaml"),
        EDITS["notice-many"],
        _steps(*[_delete(f"notices/2026/pl-{i}.md") for i in range(25)]),
        EDITS["project-delete"],
    ):
        edit(tree)
        builder.rebuild(changed_paths=watcher.changes(), complete=True)
        _assert_same(tree, tree / "site")


def test_a_watched_edit_that_breaks_content_reports_every_problem_then_recovers(tree):
    builder, watcher = _watched_builder(tree)
    before = tree_digest(tree / "site")
    _replace("compounds/lanting.yaml", "households: 500", "households: -5")(tree)
    _replace("notices/2026/gongshi.md", "date: 2026-11-20", "date: 2026-13-20")(tree)
    (tree / "content/notices/2026/gongshi.md~").write_text("an editor's backup", encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        builder.rebuild(changed_paths=watcher.changes(), complete=True)
    shown = [p.format() for p in caught.value.problems]
    assert shown == [p.format() for p in pipeline.check(tree / "content", "content", TODAY, drafts=False)[1]]
    for where in ("content/compounds/lanting.yaml:", "content/notices/2026/gongshi.md:", "gongshi.md~"):
        assert any(line.startswith(where) or where in line for line in shown), where
    assert all(re.match(r"^\S+:\d+:\d+: (error|warning): ", line) for line in shown)
    assert tree_digest(tree / "site") == before and _debris(tree / "site") == []
    _replace("compounds/lanting.yaml", "households: -5", "households: 500")(tree)
    _replace("notices/2026/gongshi.md", "date: 2026-13-20", "date: 2026-11-20")(tree)
    (tree / "content/notices/2026/gongshi.md~").unlink()
    builder.rebuild(changed_paths=watcher.changes(), complete=True)
    _assert_same(tree, tree / "site")


def test_after_watched_edits_a_new_process_finds_nothing_to_do(tree):
    """The inputs key kept up to date file by file is the one a full scan gives: a new builder
    (a restarted `bulletin serve`) over the same output sees that nothing changed."""
    builder, watcher = _watched_builder(tree)
    for name in ("notice-add", "notice-change-body", "compound-change", "project-rename", "notice-delete"):
        EDITS[name](tree)
        builder.rebuild(changed_paths=watcher.changes(), complete=True)
    assert builder.session._scan_sum == cache.files_digest(cache.signature([(tree / "content").resolve()]))
    builder.rebuild(changed_paths=[], complete=True)  # remembered without the last list of paths
    # the manifest digest, updated commit by commit, is the one the manifest on disk has
    assert write.read_manifest(tree / "site") == builder.session._state.sigs != {}
    again = Builder(tree / "content", tree / "site", TODAY, workers=1, patch=True, content_arg="content")
    result = again.rebuild()
    assert (result.rendered, result.written) == (0, 0)
    _assert_same(tree, tree / "site")


def test_an_edit_the_watcher_did_not_report_shows_at_the_periodic_full_scan(tree, monkeypatch):
    monkeypatch.setattr(incremental, "FULL_SCAN_EVERY", 3)
    builder, watcher = _watched_builder(tree)
    EDITS["notice-change-body"](tree)
    watcher.changes()  # the watcher "misses" it
    page = tree / "site/notices/gongshi/index.html"
    builder.rebuild(changed_paths=[], complete=True)  # trusted: nothing changed
    assert "请监督" not in page.read_text(encoding="utf-8")
    EDITS["compound-change"](tree)
    builder.rebuild(changed_paths=watcher.changes(), complete=True)
    assert "请监督" not in page.read_text(encoding="utf-8")
    builder.rebuild(changed_paths=watcher.changes(), complete=True)  # the third: a full scan
    assert "请监督" in page.read_text(encoding="utf-8")
    _assert_same(tree, tree / "site")


def test_warnings_under_the_watcher_are_those_of_a_full_check(tree):
    """The latest-fee-year warning looks across compounds: remembered by compound, it must still
    follow a new latest year, a compound added without it, and the year being filled in."""
    builder, watcher = _watched_builder(tree)

    def warnings_match(result) -> list[str]:
        shown = [p.format() for p in result.warnings]
        checked = pipeline.check(tree / "content", "content", TODAY, drafts=False)[1]
        assert shown == [p.format() for p in checked if p.severity == "warning"]
        return shown

    for edit, expected in (
        (EDITS["compound-add"], 1),  # 新苑小区 has no fee_collection at all
        (
            _replace("compounds/lanting.yaml", "fee_collection: {2025: 0.9}", "fee_collection: {2025: 0.9, 2026: 0.8}"),
            4,
        ),  # 2026 is now the latest year: every other compound lacks it
        (_replace("compounds/fuhai.yaml", '2025: "100%"', '2025: "100%", 2026: 0.5'), 3),
        (_replace("compounds/lanting.yaml", ", 2026: 0.8}", "}"), 4),  # 2026 only in fuhai now
    ):
        edit(tree)
        shown = warnings_match(builder.rebuild(changed_paths=watcher.changes(), complete=True))
        assert sum("物业费收缴率" in line for line in shown) == expected, shown
    _assert_same(tree, tree / "site")


def test_a_file_with_more_problems_than_are_listed_reports_them_as_a_full_check_does(tree):
    """The loader's memo keeps the "另有 N 个错误未列出" line (the edit loop used to drop it)."""
    builder, watcher = _watched_builder(tree)
    path = tree / "content/compounds/lanting.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "".join(f"bogus{i}: 1\n" for i in range(150)), encoding="utf-8")
    for _ in range(2):  # read afresh, then again from the memo
        with pytest.raises(ContentError) as caught:
            builder.rebuild(changed_paths=watcher.changes(), complete=True)
        shown = [p.format() for p in caught.value.problems]
        assert shown == [p.format() for p in pipeline.check(tree / "content", "content", TODAY, drafts=False)[1]]
        assert any("另有 50 个错误未列出" in line for line in shown)


@pytest.mark.parametrize("chunk", [1, 2])
def test_the_plans_chunks_of_record_pages_give_the_same_site(tree, monkeypatch, chunk):
    """The plan makes record pages a chunk at a time, each chunk a step (`routes.PAGE_CHUNK`
    records, 256): with chunks of one and two records, the edits in a row (records added,
    renamed and deleted shift the chunks after them) give a full build's bytes each time."""
    monkeypatch.setattr(routes, "PAGE_CHUNK", chunk)
    builder, watcher = _watched_builder(tree)
    for name in IN_A_ROW:
        EDITS[name](tree)
        builder.rebuild(changed_paths=watcher.changes(), complete=True)
        _assert_same(tree, tree / "site")


def test_a_notice_edit_plans_the_pages_of_its_chunk_alone(tree, monkeypatch):
    """An edit costs the plan a step per chunk of records, and a step per page only in the
    chunk that holds the edited record (at province size, 116,000 page steps an edit before)."""
    monkeypatch.setattr(routes, "PAGE_CHUNK", 1)
    steps: list[str] = []
    real = memo.Memo.__call__

    def counting(self, step, *args):
        steps.append(step.name)
        return real(self, step, *args)

    monkeypatch.setattr(memo.Memo, "__call__", counting)
    builder, watcher = _watched_builder(tree)
    pages, chunks = steps.count("page"), steps.count("record-pages")
    areas = pages - chunks  # district and street pages: a step each (a few dozen at province size)
    assert chunks > 10 and 0 < areas < 5
    steps.clear()
    EDITS["notice-change-body"](tree)
    builder.rebuild(changed_paths=watcher.changes(), complete=True)
    assert steps.count("record-pages") == chunks and steps.count("page") == areas + 1
    _assert_same(tree, tree / "site")


def test_a_notice_body_edit_renders_only_what_shows_the_body(tree):
    out = tree / "site"
    builder = Builder(tree / "content", out, TODAY, workers=1)
    first = builder.rebuild()
    compound_page = out / "compounds/fuhai/index.html"
    before = compound_page.stat()
    EDITS["notice-change-body"](tree)
    result = builder.rebuild()
    # its own page, plus the two pages whose planned context holds the notice (home, notice list);
    # not the compound and community pages, which show only its title
    assert result.rendered <= 3 < first.rendered
    assert result.written <= 3  # the page, and the Atom feeds that carry the notice's text
    after = compound_page.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)  # not rewritten
    assert "请监督" in (out / "notices/gongshi/index.html").read_text(encoding="utf-8")
    _assert_same(tree, out)


def test_a_notice_title_edit_rerenders_the_pages_that_list_it(tree):
    out = tree / "site"
    builder = Builder(tree / "content", out, TODAY, workers=1)
    builder.rebuild()
    EDITS["notice-change-title"](tree)
    result = builder.rebuild()
    for page in (
        "notices/gongshi/index.html",
        "notices/index.html",
        "compounds/fuhai/index.html",
        "communities/yf/index.html",
        "index.html",
    ):
        assert "福海花园维修资金使用情况公示" in (out / page).read_text(encoding="utf-8"), page
    assert "福海花园维修资金使用情况公示" not in (out / "compounds/lanting/index.html").read_text(encoding="utf-8")
    assert 5 <= result.rendered < 15
    _assert_same(tree, out)


def test_a_number_allowed_later_is_scanned_again(tree):
    """The privacy scan's memo (by text and allow list) neither hides a new number nor keeps
    refusing one that site.yaml now allows."""
    out = tree / "site"
    builder = Builder(tree / "content", out, TODAY, workers=1, patch=True)
    builder.rebuild()
    before = tree_digest(out)
    _replace("notices/2026/gongshi.md", "公示内容如下。", "联系 13912345678。")(tree)
    with pytest.raises(ContentError) as caught:
        builder.rebuild()
    assert any("手机号码" in p.message for p in caught.value.problems)
    assert tree_digest(out) == before
    _replace("site.yaml", 'pii_allow: ["400-800-1234"]', 'pii_allow: ["400-800-1234", "13912345678"]')(tree)
    builder.rebuild()
    assert "13912345678" in (out / "notices/gongshi/index.html").read_text(encoding="utf-8")
    _assert_same(tree, out)
    _replace("site.yaml", 'pii_allow: ["400-800-1234", "13912345678"]', 'pii_allow: ["400-800-1234"]')(tree)
    with pytest.raises(ContentError):
        builder.rebuild()


def test_nothing_changed_means_nothing_rendered_or_written(tree):
    out = tree / "site"
    builder = Builder(tree / "content", out, TODAY, workers=1)
    builder.rebuild()
    stamps = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    result = builder.rebuild()
    assert (result.rendered, result.written) == (0, 0)
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == stamps
    # a new process (the CLI again) also sees that nothing changed
    again = pipeline.build(tree / "content", "content", out, TODAY)
    assert (again.rendered, again.written) == (0, 0)
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == stamps


def test_a_full_build_rewrites_only_changed_files(tree):
    out = tree / "site"
    pipeline.build(tree / "content", "content", out, TODAY)
    untouched = out / "companies/beta/index.html"
    before = untouched.stat()
    EDITS["company-change"](tree)
    result = pipeline.build(tree / "content", "content", out, TODAY)
    assert 0 < result.written < result.files
    after = untouched.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    _assert_same(tree, out)


def test_bad_content_keeps_the_site_and_the_builder_recovers(tree):
    out = tree / "site"
    builder = Builder(tree / "content", out, TODAY, workers=1)
    builder.rebuild()
    before = tree_digest(out)
    (tree / "content/compounds/lanting.yaml").write_text("name: [broken\n", encoding="utf-8")
    with pytest.raises(ContentError):
        builder.rebuild()
    assert tree_digest(out) == before and _debris(out) == []
    EDITS["compound-delete"](tree)
    builder.rebuild()
    _assert_same(tree, out)


def test_out_deleted_between_rebuilds(tree):
    out = tree / "site"
    builder = Builder(tree / "content", out, TODAY, workers=1)
    builder.rebuild()
    shutil.rmtree(out)
    builder.rebuild()
    _assert_same(tree, out)
    (out / write.MARKER).write_bytes(write.MARKER_TEXT)  # as if another tool had rebuilt it
    EDITS["notice-change-body"](tree)
    builder.rebuild()
    _assert_same(tree, out)


def test_parallel_rendering_gives_the_same_bytes(tree, monkeypatch):
    from generator.engine import pages

    monkeypatch.setattr(pages, "PARALLEL_MIN_PAGES", 1)
    out = tree / "site"
    builder = Builder(tree / "content", out, TODAY, workers=2)
    builder.rebuild()
    _assert_same(tree, out)
    EDITS["notice-many"](tree)
    builder.rebuild()
    _assert_same(tree, out)


@pytest.mark.parametrize("limit", [None, 0])
def test_data_files_made_in_worker_processes_give_the_same_bytes(tree, monkeypatch, limit):
    """A one-shot build makes its data files in the render workers, beside the pages; on a site
    with more pages than DATA_FILES_IN_WORKERS_MAX_PAGES, in workers of their own after the
    pages. The same bytes as a build in one process either way."""
    from generator.engine import incremental, pages

    expected = _fresh_build(tree, tree / "alone")  # one process: below PARALLEL_MIN_PAGES
    log = tree / "staged-by"
    stage_file = write.stage_file

    def logged(stage, rel, data, made):  # what stages which file (forked workers see this too)
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(f"{os.getpid()} {rel}\n")
        return stage_file(stage, rel, data, made)

    monkeypatch.setattr(pages, "PARALLEL_MIN_PAGES", 1)
    monkeypatch.setattr(pages, "PARALLEL_MIN_FILES", 1)
    monkeypatch.setattr(pages, "stage_file", logged)
    if limit is not None:
        monkeypatch.setattr(incremental, "DATA_FILES_IN_WORKERS_MAX_PAGES", limit)
    out = tree / "site"
    Builder(tree / "content", out, TODAY, workers=2, tracking=False).rebuild()
    assert tree_digest(out) == expected
    staged = dict(reversed(line.split(" ", 1)) for line in log.read_text(encoding="utf-8").splitlines())
    # The open data and the feeds (what the plan makes when it is written; its small files, such
    # as sitemap.xml and each year's list JSON, are made with the plan, in this process).
    made_late = {
        rel
        for rel in expected
        if rel.startswith(("data/", "feeds/")) and not rel.endswith(".html") and not rel.startswith("data/lists/")
    }
    page_makers = {pid for rel, pid in staged.items() if rel.endswith(".html")}
    file_makers = {staged[rel] for rel in made_late}
    assert len(made_late) > 10 and str(os.getpid()) not in page_makers | file_makers
    if limit is None:
        assert file_makers <= page_makers  # the same workers
    else:
        assert not file_makers & page_makers  # workers of their own, forked after the pages


def test_an_interrupted_build_leaves_the_site_and_no_debris(tree, monkeypatch):
    from generator.output import render

    out = tree / "site"
    pipeline.build(tree / "content", "content", out, TODAY)
    before = tree_digest(out)
    EDITS["site-title"](tree)
    calls = {"n": 0}
    original = render.Renderer.render

    def dying(self, page, deps=None):
        calls["n"] += 1
        if calls["n"] > 5:
            raise KeyboardInterrupt
        return original(self, page, deps)

    monkeypatch.setattr(render.Renderer, "render", dying)
    with pytest.raises(KeyboardInterrupt):
        pipeline.build(tree / "content", "content", out, TODAY)
    assert tree_digest(out) == before
    assert _debris(out) == []


def test_a_patch_killed_half_way_is_finished_by_the_next_build(tree):
    out = tree / "site"
    pipeline.build(tree / "content", "content", out, TODAY)
    # Stage a patch as commit() does, journal included, but apply none of it (the process "died").
    writer = write.SiteWriter(out)
    writer.previous = write.read_manifest(out)
    target = "notices/gongshi/index.html"
    write.stage_file(writer.stage, target, b"new bytes", set())
    (writer.stage / write.JOURNAL).write_text(f'{{"write": ["{target}"], "delete": ["404.html"]}}', encoding="utf-8")
    write.recover(out)
    assert (out / target).read_bytes() == b"new bytes"
    assert not (out / "404.html").exists()
    assert _debris(out) == []
    # files staged flat (as a patch-mode writer stages them) are found through the journal
    writer = write.SiteWriter(out)
    write.stage_file(writer.stage, f"{write.FLAT}/0", b"flat bytes", set())
    (writer.stage / write.JOURNAL).write_text(
        f'{{"write": ["{target}"], "delete": [], "staged": {{"{target}": "{write.FLAT}/0"}}}}', encoding="utf-8"
    )
    write.recover(out)
    assert (out / target).read_bytes() == b"flat bytes"
    assert _debris(out) == []
    # a staging folder without a journal is thrown away
    writer = write.SiteWriter(out)
    write.stage_file(writer.stage, "index.html", b"half", set())
    write.recover(out)
    assert (out / "index.html").read_bytes() != b"half" and _debris(out) == []


def test_files_read_on_every_core_give_the_same_bytes(tree, monkeypatch):
    # A cold one-shot build with many files reads in a child process (isolate), which shares the
    # files out with a helper it forks (engine.reads; test_load checks the split): the same site.
    import generator.engine.incremental as incremental
    from generator.engine import reads

    monkeypatch.setattr(incremental, "PARALLEL_READ_MIN_FILES", 1)
    monkeypatch.setattr(reads, "READ_BATCH", 1)
    readers = log_readers(monkeypatch, tree / "readers.txt")
    out = tree / "site"
    Builder(tree / "content", out, TODAY, workers=2, tracking=False).rebuild()
    pids = set(readers.read_text().split())
    assert pids and str(os.getpid()) not in pids  # read in child processes
    _assert_same(tree, out)


def test_a_build_with_warnings_is_remembered_and_says_them_again(tmp_path):
    """Warnings do not stop the next process from finding nothing to do (most real bulletins have
    some): they are kept beside the output and shown again, the same ones, in the same order."""
    shutil.copytree(Path(__file__).resolve().parent.parent / "content", tmp_path / "content")
    out = tmp_path / "site"
    first = pipeline.build(tmp_path / "content", "content", out, TODAY, fulltext=False)
    assert first.warnings and first.rendered == first.pages
    stamps = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    again = pipeline.build(tmp_path / "content", "content", out, TODAY, fulltext=False)
    assert (again.rendered, again.written) == (0, 0)
    assert [p.format() for p in again.warnings] == [p.format() for p in first.warnings]
    assert [p.severity for p in again.warnings] == ["warning"] * len(first.warnings)
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == stamps
    # what was kept is damaged: the build does its work instead of failing or hiding a warning
    kept = write.cache_dir(out) / "inputs.json"
    saved = kept.read_text(encoding="utf-8")
    kept.write_text(saved.replace('"warnings":[[', '"warnings":[[1,', 1), encoding="utf-8")
    damaged = pipeline.build(tmp_path / "content", "content", out, TODAY, fulltext=False)
    assert (damaged.pages, damaged.written) == (first.pages, 0)  # (the state beside it says what to render)
    assert [p.format() for p in damaged.warnings] == [p.format() for p in first.warnings]


def test_the_disk_record_of_a_patch_is_a_full_records_and_is_kept_in_memory(tree, monkeypatch):
    """Under `serve` each edit's commit patches the folder and records what is on disk for the
    files it touched; the record is the one a walk of the whole folder gives, and this process
    reads it back from memory while the file is the one it wrote (a province's took 0.1 s to
    parse, every edit), and from the file once another process has written it."""
    builder, watcher = _watched_builder(tree)
    out = (tree / "site").resolve()
    path = write.cache_dir(out) / write.DISK
    for name in ("notice-change-body", "notice-add", "notice-delete", "compound-change"):
        EDITS[name](tree)
        builder.rebuild(changed_paths=watcher.changes(), complete=True)
        marker, patched = write._load_disk(out)
        on_file = json.loads(path.read_text(encoding="utf-8"))
        assert (on_file["marker"], on_file["files"]) == (marker, patched)
        write.record_disk(out, marker, write.read_manifest(out, verify=False))  # a walk of every file
        assert write._load_disk(out) == (marker, patched)
        assert write.disk_matches(out, marker)
    parsed: list[str] = []
    real_loads = json.loads
    monkeypatch.setattr(json, "loads", lambda text, *a, **k: parsed.append("x") or real_loads(text, *a, **k))
    assert write._load_disk(out)[0] == marker and parsed == []
    # another process writes the record (here: the same record without this process's token)
    path.write_text(json.dumps({"marker": "other", "files": {}}), encoding="utf-8")
    assert write._load_disk(out) == ("other", {}) and parsed == ["x"]


def test_a_patch_may_change_up_to_a_quarter_of_the_site(tree, monkeypatch):
    """Under `serve`, a change to a few files is patched into the folder in place, and so is
    one to many files while they are at most a quarter of the site: a swap links every other
    file into a new tree and removes the old one (6 s at province size, where a notice that
    concerns every community changes 4,890 feeds). A bigger change still swaps."""
    monkeypatch.setattr(write, "PATCH_LIMIT", 1)
    monkeypatch.setenv("BULLETIN_PAGEFIND", "off")  # as serve builds (the index would need a swap)
    builder, watcher = _watched_builder(tree)
    out = tree / "site"
    folder = out.stat().st_ino
    EDITS["notice-change-body"](tree)
    result = builder.rebuild(changed_paths=watcher.changes(), complete=True)
    assert result.written > 1 and out.stat().st_ino == folder  # patched: the same folder
    _assert_same(tree, out)
    EDITS["site-title"](tree)  # every page
    builder.rebuild(changed_paths=watcher.changes(), complete=True)
    assert out.stat().st_ino != folder  # swapped
    _assert_same(tree, out)


def test_an_edit_checks_only_the_evaluation_files_it_touched(tree, monkeypatch):
    """Each evaluation file is checked by a step of its own (`validate.EVALUATION`): a notice
    edit checks no score again (a province has 15,000 score rows, checked on every edit before),
    a score edit its own file's rows."""
    from generator.content import validate

    builder, watcher = _watched_builder(tree)
    checked: list[str] = []
    real = validate._scores
    monkeypatch.setattr(validate, "_scores", lambda src, *rest: checked.append(src.rel) or real(src, *rest))
    EDITS["notice-change-body"](tree)
    builder.rebuild(changed_paths=watcher.changes(), complete=True)
    assert checked == []
    EDITS["evaluation-change-score"](tree)
    builder.rebuild(changed_paths=watcher.changes(), complete=True)
    assert checked and len(set(checked)) == 1 and checked[0].startswith("evaluations/")
    _assert_same(tree, tree / "site")
