"""A `bulletin build` goes on from the state the last one left beside the output (`engine.persist`).

Each case: a build (a new `Session`, as every `bulletin build` process makes), one edit, and a
build again; the second takes up the first's state from disk, renders only what the edit touches,
and publishes exactly what a cold build of the edited content into another folder publishes. The
state is never used for a site it does not describe: other code, another build of the folder,
other options, a damaged file. Across real processes: the CLI, twice, with the search index.
"""

from __future__ import annotations

import os
import pickle
import shutil
from datetime import date
from pathlib import Path

import pytest

from generator import ContentError, pipeline
from generator.engine import persist, reads, write
from generator.output import search
from test_incremental import EDITS

from conftest import REPO, bulletin_subprocess, log_readers, minimal_files, write_tree
from sitecheck import tree_digest

TODAY = date(2026, 11, 27)
BODY_EDIT = ("notices/2026/gongshi.md", "公示内容如下。", "公示内容如下，请监督。")


def _build(root: Path, out: str = "site", **options) -> pipeline.BuildResult:
    return pipeline.build(root / "content", "content", root / out, TODAY, fulltext=False, **options)


def _assert_same_as_cold(root: Path, out: str = "site") -> None:
    fresh = root / "fresh"
    shutil.rmtree(fresh, ignore_errors=True)
    _build(root, "fresh")
    expected, actual = tree_digest(fresh), tree_digest(root / out)
    assert sorted(actual) == sorted(expected), set(actual) ^ set(expected)
    assert [path for path in expected if actual[path] != expected[path]] == []


def _edit(root: Path, rel: str, old: str, new: str) -> None:
    path = root / "content" / rel
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def _state(root: Path, out: str = "site") -> Path:
    return write.cache_dir(root / out) / persist.STATE_FILE


@pytest.fixture
def tree(tmp_path):
    write_tree(tmp_path / "content", minimal_files())
    return tmp_path


# Edits of the edit loop's own tests (test_incremental), one or two of each kind, across two
# sessions (the state taken up from disk: records, memo, recorded reads).
ACROSS = [
    "site-title", "site-rules", "area-add-street", "community-rename", "compound-change-company",
    "compound-delete", "company-rename", "evaluation-change-score", "evaluation-add", "project-change-status",
    "notice-add", "notice-change-scope", "notice-move-year", "notice-delete", "notice-draft-published",
    "notice-attachment-add", "template-macro", "static-css",
]  # fmt: skip


@pytest.mark.parametrize("name", ACROSS)
def test_a_build_after_an_edit_equals_a_cold_build(tree, name):
    first = _build(tree)
    assert first.rendered == first.pages and _state(tree).is_file()
    EDITS[name](tree)
    _build(tree)
    _assert_same_as_cold(tree)


def test_an_edit_renders_only_what_it_touches_and_reads_only_the_changed_file(tree, monkeypatch):
    first = _build(tree)
    _edit(tree, *BODY_EDIT)
    log = log_readers(monkeypatch, tree / "readers.txt")
    again = _build(tree)
    assert log.read_text().split() == [str(os.getpid())]  # one file read, in this process
    assert 0 < again.rendered <= 3 < first.pages  # the notice's page, and what shows its body
    _assert_same_as_cold(tree)


def test_files_with_new_stats_but_the_same_bytes_are_not_read_again(tree, monkeypatch):
    # A fresh checkout, or a CI cache restored into one: every file has a new mtime (and inode)
    # while its bytes are the ones the state read.
    _build(tree)
    for path in (tree / "content").rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            path.unlink()
            path.write_bytes(data)
            os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    _edit(tree, *BODY_EDIT)
    log = log_readers(monkeypatch, tree / "readers.txt")
    again = _build(tree)
    assert len(log.read_text().split()) == 1
    assert again.rendered <= 3
    _assert_same_as_cold(tree)


def _rendered_after_edit(tree: Path) -> int:
    _edit(tree, "notices/2026/gongshi.md", "公示内容如下", "公示内容如下：")
    return _build(tree).rendered


def test_the_state_of_other_code_is_not_used(tree, monkeypatch):
    first = _build(tree)
    persist.code_digest.cache_clear()
    monkeypatch.setattr(persist, "FORMAT", persist.FORMAT + 1)
    try:
        assert _rendered_after_edit(tree) == first.pages
    finally:
        persist.code_digest.cache_clear()
    _assert_same_as_cold(tree)


def test_the_state_of_other_library_versions_is_not_used(tree, monkeypatch):
    first = _build(tree)
    persist.code_digest.cache_clear()
    monkeypatch.setattr(persist, "LIBRARIES", (*persist.LIBRARIES, "pytest"))  # as if one were upgraded
    try:
        assert _rendered_after_edit(tree) == first.pages
    finally:
        persist.code_digest.cache_clear()


def test_the_state_of_another_build_of_the_folder_is_not_used(tree):
    first = _build(tree)
    saved = _state(tree).read_bytes()
    _build(tree, drafts=True)  # another build of the same folder (other options: its own state)
    _state(tree).write_bytes(saved)  # the first build's state, beside a site it does not describe
    assert _rendered_after_edit(tree) == first.pages
    _assert_same_as_cold(tree)


@pytest.mark.parametrize("damage", ["truncated", "garbage", "not-a-dict", "empty"])
def test_a_damaged_state_means_a_full_build_not_a_failure(tree, damage):
    first = _build(tree)
    path = _state(tree)
    header, _, body = path.read_bytes().partition(b"\n")
    damaged = {
        "truncated": header + b"\n" + body[: len(body) // 2],
        "garbage": header + b"\n" + os.urandom(256),
        "not-a-dict": header + b"\n" + pickle.dumps(["state"]),
        "empty": b"",
    }[damage]
    path.write_bytes(damaged)
    assert _rendered_after_edit(tree) == first.pages
    _assert_same_as_cold(tree)
    assert _build(tree).rendered == 0  # and the state it left is good again
    assert path.read_bytes() != damaged


def test_a_failed_build_leaves_the_state_of_the_site_on_disk(tree):
    _build(tree)
    path = _state(tree)
    saved = path.read_bytes()
    _edit(tree, "notices/2026/gongshi.md", "date: 2026-11-20", "date: 2026-13-40")
    with pytest.raises(ContentError):
        _build(tree)
    assert path.read_bytes() == saved
    _edit(tree, "notices/2026/gongshi.md", "date: 2026-13-40", "date: 2026-11-21")
    assert _build(tree).rendered < 10
    _assert_same_as_cold(tree)


def test_a_big_bulletin_builds_one_shot_and_keeps_no_state(tree, monkeypatch):
    monkeypatch.setattr(persist, "MAX_FILES", 3)
    log = log_readers(monkeypatch, tree / "readers.txt")
    first = _build(tree)
    assert str(os.getpid()) not in log.read_text().split()  # read in a child process
    assert not _state(tree).exists()
    _edit(tree, *BODY_EDIT)
    assert _build(tree).rendered == first.pages
    monkeypatch.setattr(persist, "MAX_FILES", 30_000)
    _assert_same_as_cold(tree)


def test_the_cli_twice_with_the_search_index(tmp_path):
    """Two real `bulletin build` processes on the sample bulletin: the second, after a one-notice
    edit, indexes one part of the search index again and publishes what a cold build does."""
    shutil.copytree(REPO / "content", tmp_path / "content")
    first = bulletin_subprocess("build", "--today", "2026-12-01", cwd=tmp_path, timeout=300)
    assert first.returncode == 0, first.stderr
    index = tmp_path / "site" / search.OUTPUT_SUBDIR
    entry = "pagefind-entry.json"  # in every part's folder; a part reused is hard-linked (same inode)
    stamps = {p.relative_to(index): p.stat().st_ino for p in index.rglob(entry)}
    assert len(stamps) > 2
    notice = next((tmp_path / "content" / "notices").rglob("*.md"))
    text = notice.read_text(encoding="utf-8")
    notice.write_text(text.rstrip("\n") + "\n\n本公告已补充说明。\n", encoding="utf-8")
    again = bulletin_subprocess("build", "--today", "2026-12-01", cwd=tmp_path, timeout=300)
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "site" / search.OUTPUT_SUBDIR / search.SHARDS_FILE).is_file()
    cold = bulletin_subprocess("build", "--today", "2026-12-01", "--out", "cold", cwd=tmp_path, timeout=300)
    assert cold.returncode == 0, cold.stderr
    expected, actual = tree_digest(tmp_path / "cold"), tree_digest(tmp_path / "site")
    assert sorted(actual) == sorted(expected)
    assert [path for path in expected if actual[path] != expected[path]] == []
    # the index parts: the edited notice's was made again, the others are the same files
    now = {p.relative_to(index): p.stat().st_ino for p in index.rglob(entry)}
    assert sorted(now) == sorted(stamps)
    changed = [part for part in now if now[part] != stamps[part]]
    assert len(changed) == 1, changed  # the body edit changes the notice's page only: its part alone


def test_reads_are_remembered_by_the_bytes_of_the_file(tmp_path):
    memo = reads.FileMemo()
    path = tmp_path / "a.yaml"
    path.write_text("name: 甲\n", encoding="utf-8")
    st = path.stat()
    sig = (st.st_size, st.st_mtime_ns, st.st_ino)
    memo.keep(sig, "a.yaml", ("k",), "record", reads.Problems(), tmp_path)
    os.utime(path, ns=(5, 5))  # touched, same bytes
    new_sig, hit = memo.get(tmp_path, "a.yaml", ("k",))
    assert hit == ("record", None) and new_sig != sig
    path.write_text("name: 乙\n", encoding="utf-8")  # same size, other bytes
    os.utime(path, ns=(7, 7))
    assert memo.get(tmp_path, "a.yaml", ("k",))[1] is None


def test_commits_render_again_only_the_pages_of_the_records_they_touch(tree, monkeypatch):
    """Pages show each record's git history (首次发布, 修改记录); a new commit changes the history
    of the records it touches, and only their pages (and what lists them) are rendered again,
    each build equal to a cold one: edits, a score change after publication, a withdrawal."""
    from test_history import commit_all, git

    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tree.parent))
    git(tree, "init", "-q", "-b", "main")
    commit_all(tree, "导入", "2026-10-01T10:00:00+08:00")
    first = _build(tree)
    steps = [  # (edit, commit date, at most this many pages rendered again)
        (BODY_EDIT, "2026-11-12T10:00:00+08:00", 5),
        (
            ("evaluations/gx/2025-H2.yaml", "street: 19, owners: 20,", "street: 19, owners: 15,"),
            "2026-11-15T10:00:00+08:00",
            first.pages - 1,  # the company, its lists, rankings, the home page: most of this tiny site
        ),
        (("notices/2026/gongshi.md", "公示内容如下，请监督。", "公示内容如下。"), "2026-11-18T10:00:00+08:00", 5),
    ]
    for (rel, old, new), when, most in steps:
        _edit(tree, rel, old, new)
        commit_all(tree, "修改", when)
        again = _build(tree)
        assert 0 < again.rendered <= most, (rel, again.rendered)
        _assert_same_as_cold(tree)
    (tree / "content/projects/guanwang.md").unlink()
    commit_all(tree, "撤下", "2026-11-21T10:00:00+08:00")
    _build(tree)
    _assert_same_as_cold(tree)


def test_a_build_of_another_day_starts_from_nothing(tree):
    first = _build(tree)
    later = pipeline.build(tree / "content", "content", tree / "site", date(2026, 11, 28), fulltext=False)
    assert later.rendered == first.pages  # every page (the date is on every page), nothing taken up
    fresh = tree / "fresh"
    pipeline.build(tree / "content", "content", fresh, date(2026, 11, 28), fulltext=False)
    assert tree_digest(fresh) == tree_digest(tree / "site")


def test_a_cold_build_reads_beside_its_helpers_and_gives_the_same_site(tree, monkeypatch):
    # A big folder's first build: helper processes read from one end of the file list while this
    # process makes what needs no records (templates, git history, Pagefind's place), then reads
    # from the other end; the state it leaves is taken up by the next build as usual.
    from generator.engine import incremental

    monkeypatch.setattr(incremental, "PARALLEL_READ_MIN_FILES", 1)
    monkeypatch.setattr(reads, "READ_BATCH", 1)
    log = log_readers(monkeypatch, tree / "readers.txt")
    _build(tree)
    readers = log.read_text().split()
    assert readers and set(readers) - {str(os.getpid())}, readers  # helpers read some
    monkeypatch.setattr(incremental, "PARALLEL_READ_MIN_FILES", 10**9)
    _assert_same_as_cold(tree)
    _edit(tree, *BODY_EDIT)
    assert _build(tree).rendered <= 3
    _assert_same_as_cold(tree)


def test_what_a_killed_build_was_writing_is_removed_by_the_next(tree):
    _build(tree)
    leftover = _state(tree).with_name(persist.STATE_FILE + ".99999")
    leftover.write_bytes(b"half a state")
    _edit(tree, *BODY_EDIT)
    assert _build(tree).rendered <= 3
    assert not leftover.exists() and _state(tree).is_file()
