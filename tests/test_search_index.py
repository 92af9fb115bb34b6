"""The full-text index with the real Pagefind and real processes: the same bytes on any file
system, every failure a failed build (a full disk named as such), and no Pagefind outliving the
build that started it.

Fakes of Pagefind are shell scripts that answer `--version` like Pagefind 1.6.0 and do something
else for `--service`; the real one is the npm package (`npm ci`).
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from generator.content.errors import BuildFailed
from generator.output import search
from generator.output.search import Pagefind, index_site, locate_pagefind, reap_orphans

from conftest import REPO, SAMPLE, cli, minimal_files, write_tree

DAY = "2026-06-30"
NATIVE = REPO / "node_modules/@pagefind/linux-x64/bin/pagefind_extended"
WRAPPER = REPO / "node_modules/.bin/pagefind"


@pytest.fixture
def real_pagefind():
    found = locate_pagefind(SAMPLE)
    assert found.ready, f"run `npm ci` first: {found.problem}"
    return found


def fake_pagefind(folder: Path, service: str) -> Path:
    """A Pagefind that says it is 1.6.0 and runs the shell lines `service` for --service."""
    path = folder / "bin" / "pagefind"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f"#!/bin/bash\nif [ \"$1\" = --version ]; then echo 'pagefind 1.6.0'; exit 0; fi\n{service}\n",
        encoding="utf-8",
    )
    path.chmod(0o755)
    return path


def located(path: Path) -> Pagefind:
    found = locate_pagefind(path.parent, env={"BULLETIN_PAGEFIND": str(path)})
    assert found.ready, found.problem
    return found


def small_site(folder: Path, count: int = 12, names: list[str] | None = None) -> Path:
    """A folder of pages as bulletin writes them: the indexed text inside `<main data-pagefind-body>`."""
    for i, name in enumerate(names or [f"notices/n{i:03d}" for i in range(count)]):
        page = folder / name / "index.html"
        page.parent.mkdir(parents=True, exist_ok=True)
        body = f"第{i}号公告：福海花园维修资金使用公示，物业服务企业考评结果。" * (5 + i % 4)
        page.write_text(
            f'<!doctype html><html lang="zh-CN"><head><title>公告{i}</title></head><body><nav>导航</nav>'
            f"<main data-pagefind-body><h1>公告{i}</h1><p>{body}</p></main></body></html>",
            encoding="utf-8",
        )
    return folder


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def fs_type(path: Path) -> str:
    """The type of the file system `path` is on, from the longest mount point above it."""
    best, kind = "", "?"
    resolved = str(path.resolve())
    for line in Path("/proc/mounts").read_text(encoding="utf-8").splitlines():
        _, point, fstype, *_ = line.split()
        point = point.replace("\\040", " ")
        if (resolved == point or resolved.startswith(point.rstrip("/") + "/")) and len(point) >= len(best):
            best, kind = point, fstype
    return kind


def running(pid: int) -> bool:
    """Whether process `pid` exists and is not a zombie (a dead child no one has waited for yet)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def pagefind_children(parent: int | None = None) -> list[int]:
    """Running processes started by `parent` (this one by default) whose command line says pagefind."""
    parent = os.getpid() if parent is None else parent
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text(encoding="utf-8", errors="replace").rpartition(")")[2].split()
            if int(fields[1]) == parent and fields[0] != "Z" and b"pagefind" in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except (OSError, IndexError, ValueError):
            continue
    return found


def records(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".pagefind-" in p.name)


# --- the same bytes on any file system -----------------------------------------------------------


@pytest.fixture
def on_tmpfs(tmp_path):
    """A fresh folder in /dev/shm (tmpfs), when tmp_path is on another kind of file system."""
    if not Path("/dev/shm").is_dir():
        pytest.skip("no /dev/shm here: no tmpfs to compare the disk with")
    folder = Path(tempfile.mkdtemp(prefix="bulletin-test-", dir="/dev/shm"))
    try:
        if fs_type(folder) == fs_type(tmp_path):
            pytest.skip(f"/dev/shm and {tmp_path} are both {fs_type(folder)}: nothing to compare")
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def build_sample(out: Path) -> None:
    run = cli("build", "--content", str(SAMPLE), "--out", str(out), "--today", DAY)
    assert run.exit_code == 0, run.output


def test_the_sample_site_is_byte_identical_on_tmpfs_and_on_disk(tmp_path, on_tmpfs, real_pagefind):
    # Pagefind's own folder walk numbers pages in the order the file system lists them: tmpfs
    # and ext4 list the same folder in different orders, which gave ~20-30 different index files.
    build_sample(on_tmpfs / "site")
    build_sample(tmp_path / "site")
    fast, disk = tree(on_tmpfs / "site"), tree(tmp_path / "site")
    assert any(rel.startswith("pagefind/index/") for rel in disk)
    assert sorted(fast) == sorted(disk)
    assert [rel for rel in disk if fast[rel] != disk[rel]] == []


def test_a_sharded_index_is_byte_identical_on_tmpfs_and_on_disk(tmp_path, on_tmpfs, real_pagefind, monkeypatch):
    monkeypatch.setenv("BULLETIN_SEARCH_SHARD_MB", "100")  # under the sample's one-index estimate
    build_sample(on_tmpfs / "site")
    build_sample(tmp_path / "site")
    merge = json.loads((tmp_path / "site/pagefind/shards.json").read_text(encoding="utf-8"))["merge"]
    assert len(merge) >= 1 and all((tmp_path / "site/pagefind" / shard / "pagefind.js").is_file() for shard in merge)
    fast, disk = tree(on_tmpfs / "site"), tree(tmp_path / "site")
    assert sorted(fast) == sorted(disk)
    assert [rel for rel in disk if fast[rel] != disk[rel]] == []


def test_the_node_wrapper_gives_the_index_the_executable_gives(tmp_path):
    if not NATIVE.is_file():
        pytest.skip(f"no {NATIVE.name} for this platform in node_modules")
    one = small_site(tmp_path / "one")
    two = small_site(tmp_path / "two")
    assert index_site(one, located(NATIVE)) == []
    assert index_site(two, located(WRAPPER)) == []
    assert tree(one / "pagefind") == tree(two / "pagefind") and (one / "pagefind/pagefind.js").is_file()
    assert pagefind_children() == [] and records(tmp_path) == []


def test_pages_whose_paths_look_like_glob_syntax_are_indexed_as_themselves(tmp_path, real_pagefind):
    names = ["a[1]", "b*c", "{x,y}", "p(q)", "d$:<>", "e!f", "中文 名"]
    site = small_site(tmp_path / "site", names=names)
    index_site(site, real_pagefind)
    entry = json.loads((site / "pagefind/pagefind-entry.json").read_text(encoding="utf-8"))
    assert entry["languages"]["zh-cn"]["page_count"] == len(names)


# --- every failure fails the build ---------------------------------------------------------------


def test_pagefind_saying_the_disk_is_full_fails_with_a_disk_full_message(tmp_path):
    site = small_site(tmp_path / "site")
    fake = fake_pagefind(
        tmp_path,
        "echo 'Error: No space left on device (os error 28)' >&2\n"
        "echo 'note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace' >&2\nexit 101",
    )
    with pytest.raises(BuildFailed) as failed:
        index_site(site, located(fake))
    message = str(failed.value)
    assert message.startswith("磁盘空间不足：") and "所在的磁盘已满" in message and message.endswith("网站未更新")
    assert str(tmp_path) in message and "RUST_BACKTRACE" not in message
    assert not (site / "pagefind").exists() and records(tmp_path) == []


def test_a_pagefind_that_dies_says_why_without_rusts_hint(tmp_path):
    site = small_site(tmp_path / "site")
    fake = fake_pagefind(
        tmp_path,
        "echo \"thread 'main' panicked at pagefind/src/lib.rs:1:1:\" >&2\necho 'memory allocation failed' >&2\n"
        "echo 'note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace' >&2\nexit 101",
    )
    with pytest.raises(BuildFailed) as failed:
        index_site(site, located(fake))
    message = str(failed.value)
    assert (
        message.startswith("建立全文搜索索引失败：")
        and "退出码 101" in message
        and "memory allocation failed" in message
    )
    assert "RUST_BACKTRACE" not in message and message.endswith("网站未更新")
    assert not (site / "pagefind").exists()


def test_an_error_answer_fails_the_build_with_pagefinds_message(tmp_path):
    site = small_site(tmp_path / "site")
    answer = '{"message_id":0,"payload":{"type":"Error","original_message":null,"message":"Invalid config supplied"}}'
    fake = fake_pagefind(tmp_path, f"printf '%s,' \"$(printf '%s' '{answer}' | base64 -w0)\"\nexec cat >/dev/null")
    with pytest.raises(BuildFailed) as failed:
        index_site(site, located(fake))
    assert "建立全文搜索索引失败" in str(failed.value) and "Invalid config supplied" in str(failed.value)
    assert not (site / "pagefind").exists() and pagefind_children() == []


def test_a_pagefind_that_never_answers_is_stopped_after_the_timeout(tmp_path, monkeypatch):
    site = small_site(tmp_path / "site")
    pid_file = tmp_path / "pid"
    fake = fake_pagefind(tmp_path, f"echo $$ > {pid_file}\nexec sleep 300")
    monkeypatch.setattr(search, "TIMEOUT", 2)
    started = time.monotonic()
    with pytest.raises(BuildFailed) as failed:
        index_site(site, located(fake))
    assert time.monotonic() - started < 15
    assert "2 秒没有响应" in str(failed.value) and str(failed.value).endswith("网站未更新")
    assert not running(int(pid_file.read_text()))
    assert not (site / "pagefind").exists() and records(tmp_path) == []


def test_a_shard_that_fails_stops_the_others_and_leaves_no_index(tmp_path, real_pagefind):
    site = small_site(tmp_path / "site", count=30)
    calls = tmp_path / "calls"
    calls.mkdir()
    # the third run fails at once; the others are the real Pagefind
    fake = fake_pagefind(
        tmp_path,
        f'for n in 1 2 3 4 5 6 7 8 9; do mkdir "{calls}/$n" 2>/dev/null && break; done\n'
        f"if [ $n = 3 ]; then echo 'out of memory' >&2; exit 1; fi\nexec {real_pagefind.path} \"$@\"",
    )
    with pytest.raises(BuildFailed) as failed:
        index_site(site, located(fake), budget_mb=41.5, jobs=2)  # a page a shard
    assert "out of memory" in str(failed.value)
    assert len(list(calls.iterdir())) >= 3
    assert not (site / "pagefind").exists() and pagefind_children() == [] and records(tmp_path) == []


def test_a_pagefind_that_is_there_but_does_not_run_is_fatal_not_a_note(tmp_path):
    crashing = tmp_path / "crashing"
    crashing.write_text("#!/bin/sh\necho 'Illegal instruction' >&2\nexit 132\n", encoding="utf-8")
    garbage = tmp_path / "garbage"
    garbage.write_bytes(b"\x7fELF\x00\x00garbage")
    for path in (crashing, garbage):
        path.chmod(0o755)
        found = locate_pagefind(tmp_path, env={"BULLETIN_PAGEFIND": str(path)})
        assert not found.ready and found.fatal, found
        assert found.problem.startswith("无法运行 Pagefind") and found.problem.endswith("网站未更新")
    assert "Illegal instruction" in locate_pagefind(tmp_path, env={"BULLETIN_PAGEFIND": str(crashing)}).problem
    # missing, turned off or too old: the build goes on without full-text search, as before
    old = tmp_path / "old"
    old.write_text("#!/bin/sh\necho 'pagefind 1.5.2'\n", encoding="utf-8")
    old.chmod(0o755)
    for setting in (str(tmp_path / "missing"), "off", str(old)):
        found = locate_pagefind(tmp_path, env={"BULLETIN_PAGEFIND": setting})
        assert not found.ready and not found.fatal and found.problem


# --- a real full disk ------------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path):
    """A tmpfs mounted on a folder of tmp_path (root only), unmounted afterwards."""
    point = tmp_path / "disk"
    point.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small disk needs root")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(point)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode(errors='replace').strip()}")
    try:
        yield point
    finally:
        if subprocess.run(["umount", str(point)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(point)], capture_output=True)


def used_bytes(point: Path) -> int:
    disk = os.statvfs(point)
    return (disk.f_blocks - disk.f_bfree) * disk.f_frsize


def resize(point: Path, size: int) -> None:
    kib = -(-size // 4096) * 4
    subprocess.run(["mount", "-o", f"remount,size={kib}k", "tmpfs", str(point)], check=True, capture_output=True)


def test_a_real_full_disk_fails_the_build_names_it_and_leaves_nothing(tmp_path, small_disk, real_pagefind):
    probe = small_site(tmp_path / "probe", count=40)
    index_site(probe, real_pagefind)
    index_bytes = sum(-(-len(data) // 4096) * 4096 for data in tree(probe / "pagefind").values())
    shutil.rmtree(probe / "pagefind")
    site = small_disk / "site"
    shutil.copytree(probe, site)
    resize(small_disk, used_bytes(small_disk) + index_bytes // 2)  # the pages fit, their index does not
    with pytest.raises(BuildFailed) as failed:
        index_site(site, real_pagefind)
    message = str(failed.value)
    assert message.startswith("磁盘空间不足：") and f"{small_disk} 所在的磁盘已满" in message, message
    assert message.endswith("请清理磁盘后重新构建；网站未更新")
    assert not (site / "pagefind").exists() and records(small_disk) == []
    assert pagefind_children() == []


def test_a_pagefind_stuck_on_a_full_disk_is_stopped_without_waiting_for_the_timeout(tmp_path, small_disk):
    # Pagefind's writer retries a file it cannot create for ever: a wait notices the disk.
    site = small_site(small_disk / "site")
    pid_file = tmp_path / "pid"
    fake = fake_pagefind(tmp_path, f"echo $$ > {pid_file}\nexec sleep 300")
    (small_disk / "reserve").write_bytes(b"x" * 8192)  # room for the record Pagefind's run leaves beside the site
    with open(small_disk / "filler", "wb", buffering=0) as filler:
        try:
            while True:
                filler.write(b"\0" * (1 << 20))
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    (small_disk / "reserve").unlink()
    started = time.monotonic()
    with pytest.raises(BuildFailed) as failed:
        index_site(site, located(fake))
    assert time.monotonic() - started < 20  # FULL_SECONDS, not TIMEOUT
    assert str(failed.value).startswith("磁盘空间不足：") and "剩余 0.0 MB" in str(failed.value)
    assert not running(int(pid_file.read_text())) and records(small_disk) == []


# --- no Pagefind outlives its build ----------------------------------------------------------


def wait_for(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def test_pagefind_dies_with_a_build_that_is_killed_outright(tmp_path):
    content = write_tree(tmp_path / "content", minimal_files())
    pid_file = tmp_path / "pid"
    # ignores its input closing, as a Pagefind stuck in a retry would: only the kernel's death
    # signal for its parent ends it
    fake = fake_pagefind(tmp_path, f"echo $$ > {pid_file}\nexec -a pagefind_extended sleep 300")
    env = dict(os.environ, PYTHONPATH=str(REPO), BULLETIN_PAGEFIND=str(fake))
    out = tmp_path / "site"
    build = subprocess.Popen(
        [sys.executable, "-m", "generator", "build", "--content", str(content), "--out", str(out), "--today", DAY],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert wait_for(
            lambda: pid_file.is_file() and pid_file.read_text().strip() and pagefind_children(build.pid), 60
        ), "the build never started Pagefind"
        pid = int(pid_file.read_text())
        assert wait_for(lambda: records(tmp_path), 5), "a running Pagefind is recorded beside the site folder"
        build.send_signal(signal.SIGKILL)
        build.wait()
        assert wait_for(lambda: not running(pid), 3), "Pagefind outlived the build"
        # every run of the build's (a part of the index each) is recorded, and ends with it
        started = [int(name.rpartition("-")[2]) for name in records(tmp_path)]
        assert wait_for(lambda: not any(running(other) for other in started), 3), "a Pagefind outlived the build"
    finally:
        build.kill()
        build.wait()
    # the record a killed build could not remove goes with the next build's sweep
    assert reap_orphans(tmp_path, f"{out.name}.tmp-") == 0 and records(tmp_path) == []


def test_reap_orphans_kills_only_the_pagefind_of_a_dead_owner(tmp_path):
    gone = subprocess.Popen(["true"])
    gone.wait()
    dead_owner = gone.pid
    pretend = ["bash", "-c", "exec -a pagefind_extended sleep 300"]
    orphan = subprocess.Popen(pretend, start_new_session=True)
    unrelated = subprocess.Popen(["sleep", "300"], start_new_session=True)
    owned = subprocess.Popen(pretend, start_new_session=True)
    other_site = subprocess.Popen(pretend, start_new_session=True)
    everyone = (orphan, unrelated, owned, other_site)
    try:
        for process in (orphan, owned, other_site):  # until bash has become the pretend Pagefind
            deadline = time.monotonic() + 10
            while not Path(f"/proc/{process.pid}/cmdline").read_bytes().startswith(b"pagefind_extended"):
                assert time.monotonic() < deadline
                time.sleep(0.005)
        for name, owner, process in (
            (".site.tmp-9-1", dead_owner, orphan),
            (".site.tmp-9-2", dead_owner, unrelated),  # its number now names a process that is no Pagefind
            (".site.tmp-9-3", os.getpid(), owned),  # its build is alive: leave it alone
            (".other.tmp-9-1", dead_owner, other_site),  # another site's
        ):
            record = tmp_path / f".{name}.pagefind-{process.pid}"
            record.write_text(json.dumps({"owner": owner, "pgid": process.pid}), encoding="utf-8")
        assert reap_orphans(tmp_path, "site.tmp-") == 1
        assert orphan.wait(timeout=5) == -signal.SIGKILL
        assert unrelated.poll() is None and owned.poll() is None and other_site.poll() is None
        assert records(tmp_path) == [
            f"..other.tmp-9-1.pagefind-{other_site.pid}",
            f"..site.tmp-9-3.pagefind-{owned.pid}",
        ]
    finally:
        for process in everyone:
            process.kill()
            process.wait()
