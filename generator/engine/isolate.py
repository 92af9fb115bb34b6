"""Run one function in a forked child process and take its result back: what the function
allocates on the way (and all the garbage it leaves) goes back to the system when the child
exits, and only its result, re-made from a pickle, lives on here.

A one-shot build loads and validates in a child this way (`incremental.Session.read`): reading
builds parse trees, positions and sources many times the size of the records it keeps, and a
process that did that keeps most of the memory even after freeing it (Python's allocator returns
an arena only when every object in it is gone). Only the records come back, so the pages then
render in workers forked from a process that holds little besides them (what this costs and
saves: benchmarks/README.md, "Figures behind the design").

`in_child(fn, *args)` returns `fn(*args)` or raises what it raised (the same exception type when
it can be pickled, with the child's traceback as a note; else a RuntimeError naming it). Where
`fork` is unavailable the function simply runs here. `meanwhile`, if given, is called here while
the child works (before its result is read): work of the caller's own that does not need the
result gets done on the core the child leaves free.

`streamed(fn, count, *args, meanwhile=)` forks `count` children whose `fn` yields its results
one at a time; each item is pickled back as soon as it is made and taken in here by a thread
while `meanwhile` runs, so a child holds no more than the item it is making. The read child
shares the content files out this way with helpers on the other cores (`reads.Files`).
"""

from __future__ import annotations

import ctypes
import os
import pickle
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Iterable
from typing import Any


def available() -> bool:
    return hasattr(os, "fork")


def in_child(fn: Callable[..., Any], *args: Any, meanwhile: Callable[[], Any] | None = None) -> Any:
    if not available():
        if meanwhile is not None:
            meanwhile()
        return fn(*args)
    child = _fork(fn, args, streamed=False)
    try:
        if meanwhile is not None:
            meanwhile()
        return _result(child)
    except BaseException:
        _stop([child])
        raise


def streamed(
    fn: Callable[..., Iterable[Any]], count: int, *args: Any, meanwhile: Callable[[], Any] | None = None
) -> list[Any]:
    """For work shared out between this process (`meanwhile`) and `count` children each running
    `fn(*args)`, a generator (see `reads.Files`): every item the children yield, each sent
    here as soon as it is made and taken in by a thread while `meanwhile` runs, so a child holds
    no more than the item it is making. The first child's items, then the second's, and so on;
    the first failure (a child's exception, or one here) is raised once every child is stopped.
    Without `fork`, `meanwhile` runs first and then `fn` `count` times here."""
    if not available():
        if meanwhile is not None:
            meanwhile()
        return [item for _ in range(count) for item in fn(*args)]
    children: list[list] = []
    takers: list[_Taker] = []
    try:
        for _ in range(count):
            children.append(_fork(fn, args, streamed=True))
        for child in children:  # each child forked before any thread starts here
            takers.append(_Taker(child))
        if meanwhile is not None:
            meanwhile()
        for taker in takers:
            taker.join()
        return [item for child, taker in zip(children, takers) for item in taker.outcome(child)]
    except BaseException:
        _stop(children)
        for taker in takers:
            taker.join()
        raise


class _Taker(threading.Thread):
    """Takes in a streaming child's items as they come (see `streamed`)."""

    def __init__(self, child: list) -> None:
        super().__init__(daemon=True)
        self.pipe = os.fdopen(child[1], "rb")
        child[1] = None  # the file object closes it
        self.items: list[Any] = []
        self.ending: tuple | None = None
        self.start()

    def run(self) -> None:
        with self.pipe:
            try:
                while True:
                    outcome, value = pickle.load(self.pipe)
                    if outcome != "item":
                        self.ending = (outcome, value)
                        return
                    self.items.append(value)
            except (EOFError, pickle.UnpicklingError, OSError):
                return

    def outcome(self, child: list) -> list[Any]:
        _, status = os.waitpid(child[0], 0)
        child[0] = None  # reaped
        _outcome(self.ending, status)
        return self.items


def _stop(children: list[list]) -> None:
    """Kill and reap the children not reaped yet, and close what is still open of their pipes."""
    for child in children:
        pid, read_fd = child
        if pid is not None:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            child[0] = None
        if read_fd is not None:
            os.close(read_fd)
            child[1] = None


def _fork(fn: Callable[..., Any], args: tuple, streamed: bool) -> list:
    """A forked child running `fn(*args)`, writing the pickled outcome to a pipe (each item of
    it first, when `streamed`): [pid, read end]."""
    sys.stdout.flush()
    sys.stderr.flush()
    read_fd, write_fd = os.pipe()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        status = 0
        try:
            die_with_parent(parent)
            os.close(read_fd)
            with os.fdopen(write_fd, "wb") as pipe:
                try:
                    if streamed:
                        for item in fn(*args):
                            pickle.dump(("item", item), pipe, protocol=pickle.HIGHEST_PROTOCOL)
                        result = ("ok", None)
                    else:
                        result = ("ok", fn(*args))
                except BaseException as exc:  # noqa: BLE001 - every failure goes back to the parent
                    result = None
                    pipe.write(_failure(exc))
                if result is not None:
                    # Streamed: neither side ever holds the whole pickle (a province's records
                    # are a big one), and the parent re-makes objects while the child still writes.
                    pickle.dump(result, pipe, protocol=pickle.HIGHEST_PROTOCOL)
        except BaseException:  # noqa: BLE001 - the parent reports a child that said nothing
            traceback.print_exc()
            status = 1
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(status)
    os.close(write_fd)
    return [pid, read_fd]


def _result(child: list) -> Any:
    """The child's result (or its exception, raised here), once it has exited."""
    pipe = os.fdopen(child[1], "rb")
    child[1] = None  # the file object closes it
    with pipe:
        try:
            ending = pickle.load(pipe)
        except (EOFError, pickle.UnpicklingError):
            ending = None
    _, status = os.waitpid(child[0], 0)
    child[0] = None  # reaped
    return _outcome(ending, status)


def _outcome(ending: tuple | None, status: int) -> Any:
    """The child's result, when it ended well; else raise why not."""
    if ending is not None and ending[0] == "ok":
        return ending[1]
    if ending is not None and ending[0] == "raise":
        raise ending[1]
    raise RuntimeError(f"子进程意外退出（{_describe(status)}）")


def die_with_parent(parent: int) -> None:
    """In a forked child. Linux: this process is killed when the parent dies (a cancelled CI
    job, a killed build), instead of working on for nothing; and SIGTERM kills it outright (the
    parent may have made SIGTERM raise KeyboardInterrupt, for its own cleanup)."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
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
