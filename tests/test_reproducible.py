"""Same content, templates and build date → the same bytes, wherever and however it is built.

Two real `bulletin build` processes run from different folders (different absolute paths, output
folder names, working directories), with different hash seeds (set and dict order), time zones
and locales; every output file must be byte-identical. The build date comes from `--today`
or, failing that, from SOURCE_DATE_EPOCH.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from attachkit import BLANK_PDF
from conftest import REPO, SAMPLE, TODAY, minimal_files, write_tree
from sitecheck import tree_digest

SHANGHAI = timezone(timedelta(hours=8))


def build(root: Path, out: str, *args: str, **env: str) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    full_env.update(PYTHONPATH=str(REPO), **env)
    run = subprocess.run(
        [sys.executable, "-m", "generator", "build", "--content", str(root / "content"), "--out", out, *args],
        cwd=root,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr
    return run


def content_tree(root: Path) -> Path:
    if SAMPLE.is_dir():  # the real sample once it exists, else the inline fixture
        shutil.copytree(SAMPLE, root / "content")
    else:
        write_tree(root / "content", minimal_files())
    (root / "content/attachments/2025").mkdir(parents=True, exist_ok=True)
    (root / "content/attachments/2025/plan.pdf").write_bytes(BLANK_PDF)
    write_tree(
        root / "content",
        {
            "notices/2025/fujian-repro.md": (
                "---\ntitle: 附件公告\ndate: 2025-08-01\ncategory: 公示\nattachments:\n  - {title: 方案, file: 2025/plan.pdf}\n---\n"
                "| 甲 | 乙 |\n|---|---|\n| 1 | 2 |\n"
            )
        },
    )
    return root


def test_two_builds_in_different_places_are_byte_identical(tmp_path):
    first = content_tree(tmp_path / "one")
    second = content_tree(tmp_path / "somewhere" / "else" / "two")
    build(first, "site", "--today", TODAY, PYTHONHASHSEED="1", TZ="UTC", LANG="C.UTF-8")
    build(
        second,
        str(second / "public"),
        "--today",
        TODAY,
        PYTHONHASHSEED="4242",
        TZ="America/Los_Angeles",
        LANG="zh_CN.UTF-8",
        LC_ALL="",
    )
    a, b = tree_digest(first / "site"), tree_digest(second / "public")
    assert a.keys() == b.keys()
    different = [path for path in a if a[path] != b[path]]
    assert different == []
    assert len(a) > 20

    leaks = [str(first), str(second), str(tmp_path), str(REPO), "/tmp/", "/root", os.path.expanduser("~")]
    for path, data in a.items():
        text = data.decode("utf-8", errors="replace")
        for leak in leaks:
            assert leak not in text, f"{path} contains {leak}"


def test_a_rebuild_in_place_is_byte_identical(tmp_path):
    root = content_tree(tmp_path / "p")
    build(root, "site", "--today", TODAY, PYTHONHASHSEED="7")
    before = tree_digest(root / "site")
    build(root, "site", "--today", TODAY, PYTHONHASHSEED="8")
    assert tree_digest(root / "site") == before


def test_nothing_depends_on_the_real_clock(tmp_path):
    root = content_tree(tmp_path / "p")
    build(root, "site", "--today", TODAY)
    real_today = date.today()
    written = "\n".join(
        p.read_text(encoding="utf-8", errors="replace") for p in sorted((root / "content").rglob("*")) if p.is_file()
    )
    forms = [real_today.isoformat(), f"{real_today.year}年{real_today.month}月{real_today.day}日"]
    if real_today.isoformat() == TODAY or any(form in written for form in forms):
        forms = []  # a date an editor wrote (a 公示期 ending today) is printed in both forms: not telling
    for path, data in tree_digest(root / "site").items():
        text = data.decode("utf-8", errors="replace")
        for form in forms:
            assert form not in text, path


def _epoch(day: str, hour: int) -> str:
    moment = datetime.fromisoformat(day).replace(hour=hour, tzinfo=SHANGHAI)
    return str(int(moment.timestamp()))


@pytest.mark.parametrize("hour", [0, 23])  # the whole Shanghai day maps to that date (UTC would not)
def test_source_date_epoch_is_the_build_date_when_today_is_not_given(tmp_path, hour):
    root = content_tree(tmp_path / "p")
    build(root, "by-option", "--today", TODAY)
    build(root, "by-epoch", SOURCE_DATE_EPOCH=_epoch(TODAY, hour))
    assert tree_digest(root / "by-epoch") == tree_digest(root / "by-option")


def test_today_wins_over_source_date_epoch(tmp_path):
    root = content_tree(tmp_path / "p")
    build(root, "a", "--today", TODAY)
    build(root, "b", "--today", TODAY, SOURCE_DATE_EPOCH=_epoch("2020-01-01", 12))
    assert tree_digest(root / "a") == tree_digest(root / "b")


def test_a_bad_source_date_epoch_is_a_usage_error(tmp_path):
    root = content_tree(tmp_path / "p")
    env = dict(os.environ, PYTHONPATH=str(REPO), SOURCE_DATE_EPOCH="yesterday")
    run = subprocess.run(
        [sys.executable, "-m", "generator", "build"], cwd=root, env=env, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 2 and "SOURCE_DATE_EPOCH" in run.stderr and "Traceback" not in run.stderr
    assert not (root / "site").exists()
