"""One writer per output folder: an OS lock held for a whole build (or a whole `serve`).

Two builds into the same folder used to interleave: each read the previous manifest, the first
swapped its site in, and the second hard-linked "unchanged" files from a folder that was no
longer what it had read, publishing a mix of both under a marker that vouched for it. Now every
writer of `out` holds an exclusive `flock` on `.bulletin-cache/<out name>.lock` beside `out`,
from before it reads anything of `out` until its manifest is saved:

- a build (and `serve` starting) waits for another build of the same folder (saying so once, with
  the other process's number and start time), then builds on what that build left;
- `bulletin serve --out DIR` holds the lock for as long as it runs, so no build writes into its
  preview and it never rewrites a folder a build owns; a build that finds a `serve` holding the
  folder fails at once with a message (waiting would mean waiting until someone stops serve),
  and a second `serve` on the same folder is refused the same way.

The kernel drops a `flock` when its holder dies, however it dies (SIGKILL included), so a killed
build never leaves the folder locked. The lock file itself is never deleted (deleting it would let
a second writer lock a new file while the first still holds the old one). Who holds the lock is
written into the file (pid, role, start time) for the message of the one that waits.

Within one process the lock is re-entrant per folder: `serve` takes it for its lifetime and its
rebuilds take it again; the process, not the call, is the unit that excludes the others.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from ..content.errors import BuildFailed
from .write import CACHE_DIR

WAIT_POLL = 0.1  # seconds between tries while another build holds the folder
ROLES = {"build": "构建", "serve": "预览服务 bulletin serve"}

_held: dict[Path, list] = {}  # resolved out -> [fd, depth, role] in this process
_registry = threading.Lock()


def lock_path(out: Path) -> Path:
    """`<out's parent>/.bulletin-cache/<out name>.lock`: beside what is remembered of `out`
    (`write.cache_dir`), not in it, so clearing that cache cannot drop a held lock."""
    out = Path(out).resolve()
    return out.parent / CACHE_DIR / f"{out.name}.lock"


def holder(out: Path) -> dict | None:
    """What the lock file says about its holder ({"pid", "role", "started"}), if readable."""
    try:
        info = json.loads(lock_path(out).read_text(encoding="utf-8") or "null")
    except (OSError, ValueError):
        return None
    return info if isinstance(info, dict) else None


def describe(info: dict | None) -> str:
    if not info:
        return "另一个 bulletin 进程"
    role = ROLES.get(str(info.get("role")), "bulletin 进程")
    started = info.get("started")
    when = ""
    if isinstance(started, (int, float)):
        when = "，开始于 " + time.strftime("%H:%M:%S", time.localtime(started))
    return f"{role}（进程 {info.get('pid')}{when}）"


@contextlib.contextmanager
def hold(out: Path, role: str = "build", on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the lock of `out` for the `with` block: wait while another build holds it (calling
    `on_wait` with a Chinese sentence once); `BuildFailed` when a `serve` holds it (see the
    module docstring)."""
    acquire(out, role, on_wait)
    try:
        yield
    finally:
        release(out)


def acquire(out: Path, role: str = "build", on_wait: Callable[[str], None] | None = None) -> None:
    key = Path(out).resolve()
    with _registry:
        mine = _held.get(key)
        if mine is not None:
            mine[1] += 1
            return
    path = lock_path(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
    try:
        _lock(fd, key, role, on_wait)
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps({"pid": os.getpid(), "role": role, "started": time.time()}).encode(), 0)
    except BaseException:
        os.close(fd)
        raise
    with _registry:
        _held[key] = [fd, 1, role]


def _lock(fd: int, out: Path, role: str, on_wait: Callable[[str], None] | None) -> None:
    told = False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise
        other = holder(out)  # read again each time: the holder may have changed meanwhile
        who = describe(other)
        if (other or {}).get("role") == "serve":
            raise BuildFailed(
                f"{out.name}/ 正由{who}使用；请先停止它（在它的窗口按 Ctrl+C），或用 --out 指定另一个目录"
            )
        if not told and on_wait is not None:
            on_wait(f"{out.name}/ 正由{who}写入，等它完成后再开始……")
        told = True
        time.sleep(WAIT_POLL)


def release(out: Path) -> None:
    key = Path(out).resolve()
    with _registry:
        mine = _held.get(key)
        if mine is None:
            return
        mine[1] -= 1
        if mine[1] > 0:
            return
        del _held[key]
    fd = mine[0]
    try:
        os.ftruncate(fd, 0)  # nobody holds it now; the next holder writes itself in
    except OSError:
        pass
    os.close(fd)  # closing the only descriptor releases the flock


def held(out: Path) -> bool:
    """Whether this process holds the lock of `out`."""
    with _registry:
        return Path(out).resolve() in _held
