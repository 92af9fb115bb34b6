"""load through the engine's reader (`engine.reads.Files`): on every core (helpers) and remembered
(FileMemo), the same records and problems as `load`'s own reader, however the files are shared out."""

from __future__ import annotations

import os
import pickle
from datetime import date
from pathlib import Path

import pytest

from generator.content import markup
from generator.content.errors import MAX_PROBLEMS_PER_FILE, Problems
from generator.content.load import load
from generator.content.validate import validate
from generator.engine import reads as reads_module
from generator.engine.reads import FileMemo, Files

from conftest import REPO, log_readers, minimal_files, write_tree

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
