"""A build killed at any point never damages the published site, the next build clears what it
left, and `--out` refuses folders it must not replace. Builds run as real `bulletin build`
processes and are killed with SIGKILL, which no cleanup code can intercept.

To kill a build at an exact step rather than at a lucky moment, the child process installs an
audit hook (sys.addaudithook) that counts the steps touching the output's parent folder — every
file opened for writing, every rename, the removal of the old tree, and the writer's own
`bulletin.write.swap` / `bulletin.write.swapped` events around the atomic exchange — and at step
k says so and sleeps until it is killed. The hook sees what Python reports whatever function the
writer uses, so it keeps holding however write.py is reworked (as long as it keeps raising the
two swap events).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO, TODAY, minimal_files, write_tree
from sitecheck import tree_digest

PAUSING_BULLETIN = r"""
import atexit, json, os, sys, time
STEP = int(os.environ["PAUSE_AT"])
UNDER = os.path.abspath(os.environ["PAUSE_UNDER"]) + os.sep
REPORT = os.environ["PAUSE_REPORT"]
if os.environ.get("PAUSE_NO_EXCHANGE"):
    import generator.engine.write
    generator.engine.write._exchange = lambda a, b: False  # as on a system without renameat2
steps = []
busy = False

def under(path):
    try:
        return os.path.abspath(os.fsdecode(path)).startswith(UNDER)
    except TypeError:
        return False

def hook(event, args):
    global busy
    if busy:
        return
    path = args[0] if args else None
    if event == "open":
        path, mode, flags = args
        writing = (flags or 0) & (os.O_WRONLY | os.O_RDWR) or (mode and any(c in mode for c in "wax+"))
        step = isinstance(path, (str, bytes)) and writing and under(path)
    elif event in ("os.rename", "os.replace", "shutil.rmtree"):
        step = under(path)
    else:
        step = event.startswith("bulletin.write.")
    if not step:
        return
    steps.append([event, os.fsdecode(path) if isinstance(path, (str, bytes, os.PathLike)) else ""])
    if len(steps) == STEP:
        busy = True
        with open(REPORT, "w") as fh:
            json.dump(steps, fh)
        time.sleep(3600)

def report():
    if STEP == 0:
        with open(REPORT, "w") as fh:
            json.dump(steps, fh)

atexit.register(report)
sys.addaudithook(hook)
from generator.cli import main
main(prog_name="bulletin")
"""


def bulletin_process(cwd: Path, *args: str, env: dict | None = None) -> subprocess.Popen:
    full_env = dict(os.environ, PYTHONPATH=str(REPO), **(env or {}))
    return subprocess.Popen(
        [sys.executable, "-m", "generator", *args],
        cwd=cwd,
        env=full_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run_bulletin(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.run(
        [sys.executable, "-m", "generator", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


def paused_build(cwd: Path, step: int, report: Path, extra_env: dict | None = None) -> subprocess.Popen:
    script = cwd / "pausing_bulletin.py"
    script.write_text(PAUSING_BULLETIN)
    env = dict(
        os.environ,
        PYTHONPATH=str(REPO),
        PAUSE_AT=str(step),
        PAUSE_UNDER=str(cwd / "out"),
        PAUSE_REPORT=str(report),
        **(extra_env or {}),
    )
    return subprocess.Popen(
        [sys.executable, str(script), "build", "--today", TODAY, "--out", "out/site"],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(path: Path, proc: subprocess.Popen, limit: float = 120) -> None:
    """Until `path` exists (the child reached its step). The limit only stops a broken test from
    hanging; nothing is asserted about how long it took."""
    deadline = time.monotonic() + limit
    while not path.exists():
        if proc.poll() is not None:
            out, err = proc.communicate()
            raise AssertionError(f"build ended (exit {proc.returncode}) before its step:\n{out}\n{err}")
        if time.monotonic() > deadline:
            proc.kill()
            raise AssertionError(f"build never reached its step ({path})")
        time.sleep(0.01)


def kill(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    assert proc.returncode == -signal.SIGKILL


def debris(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith(".site."))


def second_version(root: Path) -> None:
    """Edit the content so that the next build differs from the first on many pages."""
    notice = root / "content/notices/2025/tongzhi.md"
    notice.write_text(
        notice.read_text(encoding="utf-8").replace("全区物业服务考评通知", "全区物业服务考评通知（更正）"),
        encoding="utf-8",
    )
    write_tree(
        root / "content", {"notices/2026/xin.md": "---\ntitle: 新公告\ndate: 2026-11-01\ncategory: 通知\n---\n新。\n"}
    )


@pytest.fixture(scope="module")
def versions(tmp_path_factory):
    """A project whose out/site holds the first build and whose content is the second version,
    plus the byte-for-byte digests of both builds and the steps of a build over an existing site."""
    base = tmp_path_factory.mktemp("atomic")
    template = base / "template"
    write_tree(template / "content", minimal_files())
    assert run_bulletin(template, "build", "--today", TODAY, "--out", "out/site").returncode == 0
    old = tree_digest(template / "out/site")
    second_version(template)
    expected = base / "expected"
    shutil.copytree(template, expected)
    assert run_bulletin(expected, "build", "--today", TODAY, "--out", "out/site").returncode == 0
    new = tree_digest(expected / "out/site")
    assert old != new

    counting = base / "counting"
    shutil.copytree(template, counting)
    report = base / "steps.json"
    proc = paused_build(counting, 0, report)
    proc.communicate()
    assert proc.returncode == 0
    steps = json.loads(report.read_text())
    return template, old, new, steps


def events(steps: list) -> list[str]:
    return [event for event, _ in steps]


def test_the_steps_include_writes_and_one_atomic_swap(versions):
    _, _, _, steps = versions
    names = events(steps)
    staged = [i for i, (event, path) in enumerate(steps) if event == "open" and "/.site.tmp-" in path]
    assert len(staged) >= 5  # only changed files are written (unchanged ones are hard-linked)
    assert names.count("bulletin.write.swap") == 1 and names.count("bulletin.write.swapped") == 1
    assert names.index("bulletin.write.swap") > max(staged)  # every page is staged before the swap
    published = [path for event, path in steps if event == "open" and "/out/site/" in path]
    assert published == []  # nothing is ever written into the published folder itself


@pytest.mark.parametrize("where", ["first write", "second write", "middle", "last write", "swap", "after swap", "end"])
def test_a_build_killed_at_any_step_leaves_the_old_site_or_the_new_one(versions, tmp_path, where):
    template, old, new, steps = versions
    names = events(steps)
    # files staged for the new site (other opens for writing: the folder's lock, the caches)
    writes = [i + 1 for i, (e, path) in enumerate(steps) if e == "open" and "/.site.tmp-" in path]
    step = {
        "first write": writes[0],
        "second write": writes[1],
        "middle": writes[len(writes) // 2],
        "last write": writes[-1],
        "swap": names.index("bulletin.write.swap") + 1,
        "after swap": names.index("bulletin.write.swapped") + 1,
        "end": len(names),
    }[where]
    root = tmp_path / "p"
    shutil.copytree(template, root)
    report = tmp_path / "reached.json"
    proc = paused_build(root, step, report)
    wait_for(report, proc)
    kill(proc)

    now = tree_digest(root / "out/site")
    assert now in (old, new), f"killed at step {step} ({where}): site is neither the old build nor the new one"
    if step <= names.index("bulletin.write.swap") + 1:
        assert now == old
        assert debris(root / "out"), "the kill should have interrupted the write phase"

    rebuilt = run_bulletin(root, "build", "--today", TODAY, "--out", "out/site")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert tree_digest(root / "out/site") == new
    assert debris(root / "out") == []  # the next build cleared what the killed one left


@pytest.mark.parametrize("between", [1, 2])
def test_without_an_atomic_exchange_a_kill_between_the_renames_is_recovered(versions, tmp_path, between):
    template, old, new, _steps = versions
    root = tmp_path / "p"
    shutil.copytree(template, root)
    counting = tmp_path / "count.json"
    shutil.copytree(template, tmp_path / "c")  # count on a copy, so that `root` keeps the first build
    probe = paused_build(tmp_path / "c", 0, counting, {"PAUSE_NO_EXCHANGE": "1"})
    probe.communicate()
    fallback_steps = json.loads(counting.read_text())
    # the two renames of the swap (the build cache beside the site is renamed into place too)
    renames = [
        i + 1 for i, (e, path) in enumerate(fallback_steps) if e == "os.rename" and ".bulletin-cache" not in path
    ]
    assert len(renames) == 2, fallback_steps

    report = tmp_path / "reached.json"
    proc = paused_build(root, renames[between - 1], report, {"PAUSE_NO_EXCHANGE": "1"})
    wait_for(report, proc)
    kill(proc)

    # Content that fails validation: the build stops early, yet it restores the published site.
    broken = root / "content/companies/beta.yaml"
    saved = broken.read_text(encoding="utf-8")
    broken.write_text(saved.replace("state_owned: false", "state_owned: maybe"), encoding="utf-8")
    failed = run_bulletin(root, "build", "--today", TODAY, "--out", "out/site")
    assert failed.returncode == 1
    assert tree_digest(root / "out/site") == old

    broken.write_text(saved, encoding="utf-8")
    assert run_bulletin(root, "build", "--today", TODAY, "--out", "out/site").returncode == 0
    assert tree_digest(root / "out/site") == new
    assert debris(root / "out") == []


def test_a_build_killed_as_soon_as_its_temporary_folder_appears(tmp_path):
    """No hook: a larger site, killed the moment polling sees the temporary folder."""
    root = tmp_path / "p"
    files = minimal_files()
    for i in range(300):
        files[f"notices/2026/n{i}.md"] = (
            f"---\ntitle: 公告{i}\ndate: 2026-03-{1 + i % 28:02d}\ncategory: 通知\n---\n" + "正文。" * 500
        )
    write_tree(root / "content", files)
    assert run_bulletin(root, "build", "--today", TODAY, "--out", "out/site").returncode == 0
    old = tree_digest(root / "out/site")
    second_version(root)

    proc = bulletin_process(root, "build", "--today", TODAY, "--out", "out/site")
    while proc.poll() is None and not debris(root / "out"):
        time.sleep(0.001)
    if proc.poll() is None:
        kill(proc)
    else:
        proc.communicate()
    now = tree_digest(root / "out/site")
    assert now == old or (proc.returncode == 0 and now != old)

    assert run_bulletin(root, "build", "--today", TODAY, "--out", "out/site").returncode == 0
    assert debris(root / "out") == []
    assert tree_digest(root / "out/site") != old


# --- --out refusals, through the real command ----------------------------------------------------------------


def _refused(root: Path, out: str, home: Path | None = None) -> str:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    if home is not None:
        env["HOME"] = str(home)
    run = subprocess.run(
        [sys.executable, "-m", "generator", "build", "--today", TODAY, "--out", out],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 2, (out, run.stdout, run.stderr)
    assert "拒绝" in run.stderr and "Traceback" not in run.stderr
    return run.stderr


def _project(tmp_path: Path, valid: bool = True) -> Path:
    root = tmp_path / "p"
    files = minimal_files()
    if not valid:  # should the refusal ever regress, such a build still stops before writing
        del files["areas.yaml"]
    write_tree(root / "content", files)
    return root


def test_out_refuses_the_root_folder(tmp_path):
    root = _project(tmp_path, valid=False)
    before = sorted(os.listdir("/"))
    assert "根目录" in _refused(root, "/")
    assert sorted(os.listdir("/")) == before


def test_out_refuses_the_home_folder(tmp_path):
    root = _project(tmp_path, valid=False)
    home = tmp_path / "home"
    home.mkdir()
    (home / ".profile").write_text("keep me\n")
    assert "主目录" in _refused(root, str(home), home=home)
    assert (home / ".profile").read_text() == "keep me\n" and sorted(os.listdir(home)) == [".profile"]


@pytest.mark.parametrize("out", ["content", ".", "..", "content/site", "./content/../content"])
def test_out_refuses_the_content_folder_and_what_holds_it(tmp_path, out):
    root = _project(tmp_path)
    before = tree_digest(root)
    assert "内容目录" in _refused(root, out)
    assert tree_digest(root) == before


def test_out_refuses_a_non_empty_folder_that_is_no_build(tmp_path):
    root = _project(tmp_path)
    (root / "docs").mkdir()
    (root / "docs/notes.txt").write_text("mine\n")
    assert "不是空的" in _refused(root, "docs")
    assert os.listdir(root / "docs") == ["notes.txt"]


def test_out_refuses_a_file(tmp_path):
    root = _project(tmp_path)
    (root / "site").write_text("a file\n")
    assert "不是文件夹" in _refused(root, "site")
    assert (root / "site").read_text() == "a file\n"


def test_out_accepts_an_empty_folder_and_a_previous_build(tmp_path):
    root = _project(tmp_path)
    (root / "site").mkdir()
    assert run_bulletin(root, "build", "--today", TODAY).returncode == 0
    assert (root / "site/.bulletin-build").is_file()
    assert run_bulletin(root, "build", "--today", TODAY).returncode == 0
