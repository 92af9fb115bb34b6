"""`bulletin` in a real terminal (a pty), answering its questions as an editor would."""

from __future__ import annotations

import os
import pty
import select
import sys
import time
from pathlib import Path

from conftest import REPO


def converse(cwd: Path, args: list[str], answers: list[str], timeout: float = 60) -> tuple[int, str]:
    """Run `bulletin ARGS` in a pty; each time it waits at a prompt (output ending in “：”), type
    the next answer. Returns the exit code and everything shown."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child
        os.chdir(cwd)
        os.execve(sys.executable, [sys.executable, "-m", "generator", *args], env)
    pending = list(answers)
    seen = b""
    since = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
            since += chunk
        if since.decode("utf-8", "ignore").rstrip().endswith("：") and not ready:
            answer = pending.pop(0) if pending else ""
            os.write(fd, answer.encode() + b"\r")
            since = b""
    os.close(fd)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), seen.decode("utf-8", "replace")
