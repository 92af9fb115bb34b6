"""Run one function in a forked child process and take its result back: what the function
allocates on the way (and all the garbage it leaves) goes back to the system when the child
exits, and only its result, re-made from a pickle, lives on here.

A one-shot build loads and validates in a child this way (`incremental.Builder`): reading a
province's 115,000 files builds 1.3 GB of parse trees, positions and sources around the records
it keeps, and a process that did that keeps most of the memory even after freeing it (Python's
allocator returns an arena only when every object in it is gone). The records themselves pickle
to 15 MB at city size (0.1 s each way; some 190 MB at province size); the pages then render in
workers forked from a process that holds little besides them.

`in_child(fn, *args)` returns `fn(*args)` or raises what it raised (the same exception type when
it can be pickled, with the child's traceback as a note; else a RuntimeError naming it). Where
`fork` is unavailable the function simply runs here. `meanwhile`, if given, is called here while
the child works (before its result is read): work of the caller's own that does not need the
result gets done on the core the child leaves free.
"""

from __future__ import annotations

import ctypes
import os
import pickle
import signal
import sys
import traceback
from typing import Any, Callable


def available() -> bool:
    return hasattr(os, "fork")


def in_child(fn: Callable[..., Any], *args: Any, meanwhile: Callable[[], Any] | None = None) -> Any:
    if not available():
        if meanwhile is not None:
            meanwhile()
        return fn(*args)
    sys.stdout.flush()
    sys.stderr.flush()
    read_fd, write_fd = os.pipe()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        status = 0
        try:
            _die_with(parent)
            os.close(read_fd)
            with os.fdopen(write_fd, "wb") as pipe:
                try:
                    result = ("ok", fn(*args))
                except BaseException as exc:  # noqa: BLE001 - every failure goes back to the parent
                    result = None
                    pipe.write(_failure(exc))
                if result is not None:
                    # Streamed: neither side ever holds the whole pickle (~190 MB at province
                    # size), and the parent re-makes objects while the child still writes.
                    pickle.dump(result, pipe, protocol=pickle.HIGHEST_PROTOCOL)
        except BaseException:  # noqa: BLE001 - the parent reports a child that said nothing
            traceback.print_exc()
            status = 1
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(status)
    os.close(write_fd)
    try:
        if meanwhile is not None:
            meanwhile()
        with os.fdopen(read_fd, "rb") as pipe:
            try:
                outcome, value = pickle.load(pipe)
            except (EOFError, pickle.UnpicklingError):
                outcome = value = None
    except BaseException:  # interrupted here (or `meanwhile` failed): the child's work is not wanted any more
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        raise
    _, status = os.waitpid(pid, 0)
    if outcome == "ok":
        return value
    if outcome == "raise":
        raise value
    raise RuntimeError(f"子进程意外退出（{_describe(status)}）")


def _die_with(parent: int) -> None:
    """Linux: this process is killed when the parent dies (a cancelled CI job, a killed build),
    instead of reading on for nothing."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # it died before that took effect
        os._exit(1)


def _failure(exc: BaseException) -> bytes:
    text = "".join(traceback.format_exception(exc))
    try:
        exc.add_note("在子进程中：\n" + text)
        return pickle.dumps(("raise", exc), protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 - an exception that cannot be pickled is described instead
        return pickle.dumps(("raise", RuntimeError(f"{type(exc).__name__}: {exc}\n{text}")))


def _describe(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"信号 {os.WTERMSIG(status)}"
    return f"退出码 {os.waitstatus_to_exitcode(status)}"
