"""Builds that cannot be confused (issue 21): one writer per output folder, and a folder trusted
only for what can be verified on disk.

Every test here runs the real command (`python -m generator`) in separate processes, as an
operator would: two builds started a moment apart into the same folder, a build racing a
`serve`, and builds over a site that was changed by hand since it was built. Each result is
compared, file for file and byte for byte, with a clean build of the same content.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO, SAMPLE

DAY = "2026-06-30"
ENV = dict(os.environ, PYTHONPATH=str(REPO), BULLETIN_PAGEFIND="off")


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "generator", *args]


def build(content: Path, out: Path, env=ENV) -> subprocess.CompletedProcess:
    return subprocess.run(
        command("build", "--content", str(content), "--out", str(out), "--today", DAY),
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def start_build(content: Path, out: Path, env=ENV) -> subprocess.Popen:
    return subprocess.Popen(
        command("build", "--content", str(content), "--out", str(out), "--today", DAY),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` by relative path, with its bytes."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() or path.is_symlink()
    }


def differences(got: dict[str, bytes], want: dict[str, bytes]) -> list[str]:
    missing = sorted(set(want) - set(got))
    extra = sorted(set(got) - set(want))
    changed = sorted(rel for rel in set(got) & set(want) if got[rel] != want[rel])
    return [f"missing {r}" for r in missing] + [f"extra {r}" for r in extra] + [f"differs {r}" for r in changed]


def edited(tmp: Path, name: str, notice: str, words: str) -> Path:
    """A copy of the sample bulletin with one notice's body changed."""
    folder = tmp / name
    shutil.copytree(SAMPLE, folder)
    path = folder / notice
    text = path.read_text(encoding="utf-8")
    path.write_text(text.rstrip("\n") + f"\n\n{words}\n", encoding="utf-8")
    return folder


def notices(content: Path) -> list[str]:
    return sorted(p.relative_to(content).as_posix() for p in (content / "notices").rglob("*.md"))


@pytest.fixture(scope="module")
def variants(tmp_path_factory):
    """The sample (O) and two edits of it (A, B), each with its clean build to compare with."""
    tmp = tmp_path_factory.mktemp("variants")
    first, second = notices(SAMPLE)[:2]
    contents = {
        "O": SAMPLE,
        "A": edited(tmp, "A", first, "（补充说明甲：本通知第一次修改。）"),
        "B": edited(tmp, "B", second, "（补充说明乙：本通知第二次修改。）"),
    }
    clean = {}
    for name, content in contents.items():
        done = build(content, tmp / f"clean-{name}")
        assert done.returncode == 0, done.stderr
        clean[name] = tree(tmp / f"clean-{name}")
    assert clean["A"] != clean["B"] != clean["O"]
    return contents, clean


PAIRS = 24


def test_overlapping_builds_publish_one_whole_site_and_the_next_build_trusts_it(variants, tmp_path):
    """O is built; then a build of A and, 0.02–1.6 s later, a build of B into the same folder.
    Both succeed; the folder holds exactly the site of the build that finished last (it waited
    for the other), never a mix, and a plain build of B afterwards gives exactly B's site."""
    contents, clean = variants
    rng = random.Random(21)
    staggers = sorted(rng.uniform(0.02, 1.6) for _ in range(PAIRS))
    waited = 0
    for number, stagger in enumerate(staggers):
        out = tmp_path / f"pair{number}" / "site"
        assert build(contents["O"], out).returncode == 0
        first = start_build(contents["A"], out)
        time.sleep(stagger)
        second = start_build(contents["B"], out)
        _, first_err = first.communicate(timeout=300)
        _, second_err = second.communicate(timeout=300)
        assert first.returncode == 0, first_err
        assert second.returncode == 0, second_err
        assert "Traceback" not in first_err + second_err
        # The build that waited finished last (on a loaded machine the second one started may
        # take the lock first); without a wait, B started after A had finished.
        late = "A" if "等它完成后再开始" in first_err else "B"
        assert not ("等它完成后再开始" in first_err and "等它完成后再开始" in second_err)
        waited += "等它完成后再开始" in first_err + second_err
        problems = differences(tree(out), clean[late])
        assert not problems, f"stagger {stagger:.2f} s, {late} last: {problems[:10]}"
        again = build(contents["B"], out)
        assert again.returncode == 0
        assert not differences(tree(out), clean["B"])
        shutil.rmtree(out.parent)
    assert waited, "no pair overlapped: the test did not test anything"


def test_a_second_build_is_told_why_it_waits(variants, tmp_path):
    contents, clean = variants
    out = tmp_path / "site"
    first = start_build(contents["A"], out)
    lock = tmp_path / ".bulletin-cache" / "site.lock"
    deadline = time.monotonic() + 60
    while not (lock.exists() and lock.read_text(encoding="utf-8")):  # the first build holds it
        assert time.monotonic() < deadline and first.poll() is None
        time.sleep(0.01)
    second = build(contents["B"], out)
    first.communicate(timeout=300)
    assert second.returncode == 0
    assert f"site/ 正由构建（进程 {first.pid}" in second.stderr
    assert not differences(tree(out), clean["B"])


def wait_for_line(process: subprocess.Popen, needle: str, seconds: float = 120) -> str:
    seen = []
    deadline = time.monotonic() + seconds
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        seen.append(line)
        if needle in line:
            return line
    raise AssertionError(f"{needle!r} never printed: {''.join(seen)[-2000:]}")


def start_serve(content: Path, out: Path) -> subprocess.Popen:
    return subprocess.Popen(
        command("serve", "--content", str(content), "--out", str(out), "--port", "0", "--today", DAY),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=ENV,
    )


def stop(process: subprocess.Popen) -> str:
    """Stop a serve as Ctrl+C does; what it printed after."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
    try:
        rest, _ = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        rest, _ = process.communicate()
    return rest or ""


def test_serve_owns_its_folder_builds_are_refused_and_it_never_rewrites_a_build(variants, tmp_path):
    contents, clean = variants
    content = tmp_path / "content"
    shutil.copytree(contents["O"], content)
    out = tmp_path / "site"
    server = start_serve(content, out)
    try:
        wait_for_line(server, "预览地址")
        preview = tree(out)
        refused = build(contents["O"], out)
        assert refused.returncode == 1
        assert "正由预览服务 bulletin serve（进程" in refused.stderr and "Ctrl+C" in refused.stderr
        assert "Traceback" not in refused.stderr
        assert tree(out) == preview  # the build wrote nothing
        other = start_serve(content, out)  # a second preview of the same folder
        other_out, _ = other.communicate(timeout=120)
        assert other.returncode == 1 and "正由预览服务 bulletin serve" in other_out
        assert tree(out) == preview
    finally:
        stop(server)
    # Once serve stops, the folder is a build's again; serve's drafts do not survive a build.
    done = build(contents["O"], out)
    assert done.returncode == 0, done.stderr
    assert not differences(tree(out), clean["O"])


def test_serve_waits_for_a_build_under_way(variants, tmp_path):
    contents, _ = variants
    out = tmp_path / "site"
    builder = start_build(contents["A"], out)
    lock = tmp_path / ".bulletin-cache" / "site.lock"
    deadline = time.monotonic() + 60
    while not (lock.exists() and lock.read_text(encoding="utf-8")):
        assert time.monotonic() < deadline and builder.poll() is None
        time.sleep(0.01)
    server = start_serve(contents["A"], out)
    try:
        assert "等它完成后再开始" in wait_for_line(server, "正由构建")
        wait_for_line(server, "预览地址")
        builder.communicate(timeout=120)
        assert builder.returncode == 0  # the build finished whole before serve began
    finally:
        stop(server)


@pytest.mark.parametrize(
    "damage",
    [
        "delete a page",
        "edit a page in place, mtime kept",
        "delete the search index",
        "add a stray file",
        "foreign site",
    ],
)
def test_a_damaged_or_foreign_site_is_rebuilt_not_kept(variants, tmp_path, damage):
    """The 'nothing changed' check and the incremental writer trust only a folder that matches
    what the last build recorded: whatever was done to it, the next build restores the site."""
    contents, clean = variants
    content = contents["A"]
    env = ENV
    if damage == "delete the search index":
        env = {k: v for k, v in ENV.items() if k != "BULLETIN_PAGEFIND"}
    out = tmp_path / "site"
    assert build(content, out, env).returncode == 0
    want = tree(out)
    if damage != "delete the search index":
        assert want == clean["A"]
    page = out / "notices" / "index.html"
    if damage == "delete a page":
        page.unlink()
    elif damage == "edit a page in place, mtime kept":
        before = page.stat()
        data = page.read_bytes()
        with open(page, "r+b") as fh:  # same inode, same size, same mtime: only the bytes differ
            fh.write(data[:-8] + b"<!--x-->"[: len(data[-8:])])
        os.utime(page, ns=(before.st_atime_ns, before.st_mtime_ns))
        assert page.stat().st_size == before.st_size
    elif damage == "delete the search index":
        assert (out / "pagefind").is_dir()
        shutil.rmtree(out / "pagefind")
    elif damage == "add a stray file":
        (out / "stray.html").write_text("<p>not ours</p>", encoding="utf-8")
    elif damage == "foreign site":
        # Another bulletin's build copied over this one (its marker and all), leaving our cache.
        shutil.rmtree(out)
        assert build(contents["B"], tmp_path / "other" / "site").returncode == 0
        shutil.copytree(tmp_path / "other" / "site", out)
    assert tree(out) != want
    again = build(content, out, env)
    assert again.returncode == 0, again.stderr
    assert not differences(tree(out), want), damage


def test_a_site_restored_from_a_copy_with_the_same_bytes_is_kept(variants, tmp_path):
    """A folder copied back (new inodes, same bytes: a CI cache restored) is the same site: the
    next build writes nothing."""
    contents, _ = variants
    out = tmp_path / "site"
    assert build(contents["A"], out).returncode == 0
    shutil.copytree(out, tmp_path / "copy", copy_function=shutil.copy)
    shutil.rmtree(out)
    shutil.copytree(tmp_path / "copy", out, copy_function=shutil.copy)
    page = out / "notices" / "index.html"
    inode = page.stat().st_ino
    again = build(contents["A"], out)
    assert again.returncode == 0
    assert page.stat().st_ino == inode  # not rewritten


def test_a_build_stopped_with_sigterm_cleans_up_and_keeps_the_site(variants, tmp_path):
    """A cancelled CI job sends SIGTERM: the build stops through its cleanup, like Ctrl+C."""
    contents, clean = variants
    out = tmp_path / "site"
    assert build(contents["O"], out).returncode == 0
    process = start_build(contents["A"], out)
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(".site.tmp-*")):  # staging has begun
        assert time.monotonic() < deadline and process.poll() is None, "the build never staged"
        time.sleep(0.005)
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode != 0
    assert "已取消" in err and "Traceback" not in err
    assert not list(tmp_path.glob(".site.tmp-*")) and not list(tmp_path.glob(".site.old-*"))
    assert not differences(tree(out), clean["O"])


@pytest.fixture
def small_disk(tmp_path):
    """A 1 MiB file system of its own (tmpfs), or a skip where this machine may not mount one."""
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True, text=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (needs root/CAP_SYS_ADMIN): {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_while_the_pages_are_written_fails_in_chinese_and_publishes_nothing(variants, small_disk):
    contents, _ = variants
    out = small_disk / "site"
    done = build(contents["O"], out)
    assert done.returncode == 1
    assert "构建失败：磁盘空间不足" in done.stderr and "网站未更新" in done.stderr
    assert "Traceback" not in done.stderr
    assert not out.exists()
    assert not [p for p in small_disk.iterdir() if p.name.startswith(".site.")]  # no staging left behind
