"""load through the engine's reader (`engine.reads.Files`): on every core (helpers) and remembered
(FileMemo), the same records and problems as `load`'s own reader, however the files are shared out."""

from __future__ import annotations

import hashlib
import os
import pickle
import shutil
from datetime import date
from pathlib import Path

import pytest

from generator.content import markup
from generator.content.errors import MAX_PROBLEMS_PER_FILE, Problems
from generator.content.load import load
from generator.content.validate import validate
from generator.engine import reads as reads_module
from generator.engine.reads import FileMemo, Files

from conftest import REPO, TODAY, cli, log_readers, minimal_files, write_tree

SAMPLE = REPO / "content"


def _loaded(root: Path, helpers: int | None, memo: FileMemo | None = None):
    """`load` with its own reader (`helpers` None) or the engine's."""
    problems = Problems()
    reader = None if helpers is None else Files(root, "content", memo, helpers)
    loaded = load(root, "content", problems, reader)
    return loaded, problems


def _records(loaded) -> list[tuple]:
    """Every record as plain values (kind, id, folder, where its fields came from, its body as
    typed and as published, the fields, refs)."""
    return [
        (
            r.kind,
            r.id,
            r.folder,
            r.src.rel,
            r.src.body,
            r.src.body_html,
            r.src.body_numbers,
            pickle.dumps((r.fields, r.refs)),
        )
        for r in loaded.all()
    ]


def _reported(problems: Problems) -> list[str]:
    return [p.format() for p in problems.sorted()]


def _broken_tree(root: Path) -> Path:
    files = minimal_files()
    notice = next(rel for rel in files if rel.startswith("notices/"))
    files[notice] = files[notice].replace("title:", "titel:", 1)  # an unknown field and a missing one
    compound = next(rel for rel in files if rel.startswith("compounds/"))
    files[compound] = files[compound] + "".join(f"extra{i}: 1\n" for i in range(MAX_PROBLEMS_PER_FILE + 20))
    for i in range(90):  # enough files that the work is shared out in several batches
        files[f"notices/2025/n{i:03}.md"] = files[notice].replace("titel:", "title:", 1) + f"\n第 {i} 条，详见附表。\n"
    # a mobile number that only the published text shows (a character reference among the digits)
    files["notices/2025/n077.md"] += "\n联系人：1391&#50;345678\n"
    return write_tree(root / "content", files)


@pytest.mark.parametrize("split", ["shared", "helper-reads-all", "this-process-reads-all"])
def test_helpers_read_the_same_records_and_problems(tmp_path, monkeypatch, split):
    root = _broken_tree(tmp_path)
    alone, alone_problems = _loaded(root, None)
    assert len(alone_problems.errors) > MAX_PROBLEMS_PER_FILE  # a file over the cap, and others
    monkeypatch.setattr(reads_module, "READ_BATCH", 4)
    if split == "helper-reads-all":
        monkeypatch.setattr(reads_module._Claims, "from_front", lambda self, size: None)
    elif split == "this-process-reads-all":
        monkeypatch.setattr(reads_module._Claims, "from_back", lambda self, size: None)
    shared, shared_problems = _loaded(root, 1)
    assert _records(shared) == _records(alone)
    assert _reported(shared_problems) == _reported(alone_problems)
    # the helpers' Markdown came back rendered, with the numbers a reader would see in it
    # (which validate checks)
    notices = [r.src for r in shared.of("notice") if r.src.body]
    assert notices and all(src.body_html == markup.render_markdown(src.body) for src in notices)
    assert all(src.body_numbers == markup.numbers_shown(src.body_html) for src in notices)
    assert [f.text for src in notices for f in src.body_numbers] == ["13912345678"]
    # and validate reports it as when every body is read here
    validate(shared, shared_problems, date(2026, 11, 27))
    validate(alone, alone_problems, date(2026, 11, 27))
    assert _reported(shared_problems) == _reported(alone_problems)
    shown_error = [line for line in _reported(shared_problems) if "正文显示出来的文字" in line]
    assert len(shown_error) == 1 and "n077.md" in shown_error[0], shown_error


def test_the_sample_is_read_by_two_processes_when_helped(tmp_path, monkeypatch):
    readers = log_readers(monkeypatch, tmp_path / "readers.txt")
    monkeypatch.setattr(reads_module, "READ_BATCH", 1)
    # this process waits for its first file until a helper has taken one, so both read some
    helper_started = tmp_path / "helper-started"
    front = reads_module._Claims.from_front
    back = reads_module._Claims.from_back

    def from_back(self, size):
        helper_started.touch()
        return back(self, size)

    def from_front(self, size):
        while not helper_started.exists():
            pass
        return front(self, size)

    monkeypatch.setattr(reads_module._Claims, "from_back", from_back)
    monkeypatch.setattr(reads_module._Claims, "from_front", from_front)
    helped, problems = _loaded(SAMPLE, 1)
    monkeypatch.undo()
    alone, alone_problems = _loaded(SAMPLE, None)
    assert _records(helped) == _records(alone) and _reported(problems) == _reported(alone_problems)
    pids = readers.read_text().split()
    assert str(os.getpid()) in pids and len(set(pids)) == 2
    shared_out = [r for r in alone.all() if r.kind not in ("site", "areas", "evaluation")]  # the rest are read here
    assert len(pids) == len(shared_out)  # each file once


def test_records_read_by_helpers_are_kept_for_the_next_load(tmp_path):
    root = _broken_tree(tmp_path)
    memo = FileMemo()
    first, first_problems = _loaded(root, 1, memo)
    second, second_problems = _loaded(root, 1, memo)
    by_rel = {r.src.rel: r for r in first.all()}
    for record in second.all():
        if record.kind in ("site", "areas", "evaluation"):  # not records of a folder read in turn
            assert record.src is by_rel[record.src.rel].src, record.src.rel
            continue
        assert record is by_rel[record.src.rel], record.src.rel  # the file capped at its problems too
    assert _reported(second_problems) == _reported(first_problems)
    capped = [line for line in _reported(second_problems) if "未列出" in line]
    assert len(capped) == 1, capped  # "此文件另有 N 个错误未列出", told again


# Nothing under content/ is skipped without a message: linked folders, hidden files, files of the
# wrong kind, each reported by `bulletin check` where it is, and a build stops on the errors.


def _site_digest(project: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted((project / "site").rglob("*")):
        digest.update(str(path.relative_to(project)).encode())
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _problem_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("content/")]


def _build_fails_and_keeps_the_site(project: Path, expected: list[str]) -> None:
    """`bulletin build` reports `expected` (among its lines) and leaves site/ as it was."""
    before = _site_digest(project)
    run = cli("build", "--today", TODAY)
    assert run.exit_code == 1 and "网站未更新" in run.stderr, run.output
    assert set(expected) <= set(_problem_lines(run.stderr)), run.stderr
    assert _site_digest(project) == before


OUTSIDE = "是指向内容目录以外的文件夹链接，不会读取；请把文件复制进来"


def _inside(target: str) -> str:
    return f"是指向内容目录里“{target}”的文件夹链接，不会读取（同一批文件会读两遍）；请删掉链接，把文件直接放在这里"


@pytest.mark.parametrize(
    "link, target, expected",
    [
        # a year folder leading out of content/: its notices would come from elsewhere
        ("notices/2027", "elsewhere", [f"content/notices/2027:1:1: error: {OUTSIDE}"]),
        # a year folder leading to another one: the same notices twice
        (
            "notices/2024",
            "content/notices/2026",
            [f"content/notices/2024:1:1: error: {_inside('content/notices/2026')}"],
        ),
        # a link to the content folder itself
        ("compounds/all", "content", [f"content/compounds/all:1:1: error: {_inside('content')}"]),
        # a record folder itself a link, out of content/ and to a folder inside it
        ("projects", "elsewhere", [f"content/projects:1:1: error: {OUTSIDE}"]),
        (
            "projects",
            "content/archive",
            [
                "content/archive:1:1: warning: 内容目录中有无法识别的“archive”，已忽略",
                f"content/projects:1:1: error: {_inside('content/archive')}",
            ],
        ),
    ],
)
def test_a_linked_folder_is_an_error_and_never_followed(project, link, target, expected):
    assert cli("build", "--today", TODAY).exit_code == 0
    write_tree(project, {"elsewhere/secret.md": "---\ntitle: 机密\n---\n"})
    if target == "content/archive":
        write_tree(project, {"content/archive/secret.md": "x"})
    if link == "projects":
        shutil.rmtree(project / "content/projects")
    os.symlink(project / target, project / "content" / link)
    run = cli("check", "--today", TODAY)
    assert run.exit_code == 1 and _problem_lines(run.stdout) == expected, run.stdout
    assert "secret.md" not in run.output  # never followed
    _build_fails_and_keeps_the_site(project, [line for line in expected if ": error: " in line])


def test_hidden_files_and_folders_are_warned_about_except_the_harmless(project):
    notice = (project / "content/notices/2026/gongshi.md").read_text(encoding="utf-8")
    write_tree(
        project / "content",
        {
            "notices/2026/.draft.md": notice,
            "notices/..evil.md": notice,
            "compounds/.old/fuhai.yaml": "name: 旧\n",
            ".secret.yaml": "a: 1\n",
            ".cache/x": "",
            # left by git, Finder and Explorer: never reported
            ".gitignore": "",
            ".github/workflows/x.yml": "",
            "notices/2026/.gitkeep": "",
            "notices/.DS_Store": b"\x00\x01",
            "compounds/Thumbs.db": b"\x00",
            "companies/desktop.ini": "[.ShellClassInfo]\n",
            "desktop.ini": "",
        },
    )
    run = cli("check", "--today", TODAY)
    hidden = "”是隐藏文件，不会读取；要发布请去掉开头的“.”"
    hidden_folder = "”是隐藏文件夹，里面的文件都不会读取；要发布请去掉开头的“.”"
    assert run.exit_code == 0, run.stdout  # warnings only
    assert _problem_lines(run.stdout) == [
        f"content/.cache:1:1: warning: 以“.”开头的文件夹“.cache{hidden_folder}",
        f"content/.secret.yaml:1:1: warning: 以“.”开头的文件“.secret.yaml{hidden}",
        f"content/compounds/.old:1:1: warning: 以“.”开头的文件夹“.old{hidden_folder}",
        f"content/notices/..evil.md:1:1: warning: 以“.”开头的文件“..evil.md{hidden}",
        f"content/notices/2026/.draft.md:1:1: warning: 以“.”开头的文件“.draft.md{hidden}",
    ], run.stdout
    build = cli("build", "--today", TODAY)
    assert build.exit_code == 0 and "5 个警告" in build.stdout, build.output


def test_files_of_an_unknown_kind_are_errors(project):
    assert cli("build", "--today", TODAY).exit_code == 0
    write_tree(
        project / "content",
        {"compounds/notes.txt": "备忘\n", "notices/x.docx": b"PK\x03\x04", "notices/2026/y.docx": b"PK\x03\x04"},
    )
    expected = [
        "content/compounds/notes.txt:1:1: error: 文件扩展名应为 .yaml，此文件不会被读取",
        "content/notices/2026/y.docx:1:1: error: 文件扩展名应为 .md，此文件不会被读取",
        "content/notices/x.docx:1:1: error: 文件位置不对：应放在 notices/<年份>/ 下",
    ]
    run = cli("check", "--today", TODAY)
    assert run.exit_code == 1 and _problem_lines(run.stdout) == expected, run.stdout
    _build_fails_and_keeps_the_site(project, expected)
