"""isolate: functions run in forked children (in_child, streamed), their results or their exceptions back here."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from generator.content.errors import Loc, Problems
from generator.engine import isolate


def _records(n):
    problems = Problems()
    problems.warning(Loc("notices/2026/a.md", 3, 5), "提醒")
    return {"pid": os.getpid(), "rows": [("小区", i) for i in range(n)]}, problems


def test_result_comes_back_from_another_process():
    value, problems = isolate.in_child(_records, 3)
    assert value["rows"] == [("小区", 0), ("小区", 1), ("小区", 2)]
    assert value["pid"] != os.getpid()
    assert [(p.loc.path, p.loc.line, p.message) for p in problems.warnings] == [("notices/2026/a.md", 3, "提醒")]


def _fails():
    raise KeyError("没有这个小区")


def test_exception_keeps_its_type_and_the_child_traceback():
    with pytest.raises(KeyError) as caught:
        isolate.in_child(_fails)
    assert "_fails" in "\n".join(caught.value.__notes__)


class _Unpicklable(Exception):
    def __init__(self, handle):
        super().__init__("坏了")
        self.handle = handle


def _fails_unpicklably():
    raise _Unpicklable(lambda: None)


def test_unpicklable_exception_is_described():
    with pytest.raises(RuntimeError, match="_Unpicklable: 坏了"):
        isolate.in_child(_fails_unpicklably)


def _dies():
    os._exit(7)


def test_a_child_that_dies_is_an_error_not_a_hang():
    with pytest.raises(RuntimeError, match="退出码 7"):
        isolate.in_child(_dies)


def test_large_results_pass_through_the_pipe():
    value = isolate.in_child(lambda: b"x" * (8 * 1024 * 1024))  # far beyond a pipe's buffer
    assert len(value) == 8 * 1024 * 1024


def _unpicklable_result():
    return {"rows": [1, 2, 3], "handle": lambda: None}


def test_a_result_that_cannot_be_sent_is_an_error():
    with pytest.raises(RuntimeError, match="子进程意外退出"):
        isolate.in_child(_unpicklable_result)


def test_the_child_dies_with_its_parent(tmp_path):
    # A build killed while its child reads (a cancelled CI job) leaves no process reading on.
    script = f"""
import os, sys, time
sys.path.insert(0, {str(Path(__file__).resolve().parent.parent)!r})
from generator.engine import isolate
def work():
    open({str(tmp_path / "child.pid")!r}, 'w').write(str(os.getpid()))
    time.sleep(60)
isolate.in_child(work)
"""
    proc = subprocess.Popen([sys.executable, "-c", script])
    pid_file = tmp_path / "child.pid"
    deadline = time.monotonic() + 60
    while not pid_file.exists() or not pid_file.read_text():
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.05)
    child = int(pid_file.read_text())
    proc.kill()
    proc.wait()
    deadline = time.monotonic() + 30
    while _alive(child):
        assert time.monotonic() < deadline, "the child outlived its parent"
        time.sleep(0.05)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_what_a_build_makes_ahead_fails_where_it_is_needed_not_ahead():
    from generator.pipeline import _Ahead

    calls = []

    def broken():
        calls.append("broken")
        raise ValueError("模板有误")

    ready = _Ahead({"history": lambda: calls.append("history") or "h", "env": broken})
    ready.make_all()  # ahead, while a child reads: nothing raised
    assert ready.get("history") == "h" and calls == ["history", "broken"]  # made once
    with pytest.raises(ValueError, match="模板有误"):
        ready.get("env")  # made again where it is needed, and fails there


# --- isolate.streamed: work shared out between this process and children that yield -----------


def _counted(start, count):
    for i in range(start, start + count):
        yield {"pid": os.getpid(), "n": i, "text": "公示" * 20_000}  # each item far beyond a pipe's buffer


def test_streamed_items_come_back_in_order_while_this_process_works():
    mine = []
    items = isolate.streamed(_counted, 2, 5, 3, meanwhile=lambda: mine.extend(range(4)))
    assert mine == [0, 1, 2, 3]
    assert [item["n"] for item in items] == [5, 6, 7, 5, 6, 7]  # the first child's, then the second's
    pids = {item["pid"] for item in items}
    assert len(pids) == 2 and os.getpid() not in pids


def _yields_then_fails():
    yield 1
    raise KeyError("没有这个小区")


def test_a_streaming_child_that_fails_raises_here():
    with pytest.raises(KeyError) as caught:
        isolate.streamed(_yields_then_fails, 1)
    assert "_yields_then_fails" in "\n".join(caught.value.__notes__)


def _yields_then_dies():
    yield 1
    os._exit(3)


def test_a_streaming_child_that_dies_is_an_error_not_a_hang():
    with pytest.raises(RuntimeError, match="退出码 3"):
        isolate.streamed(_yields_then_dies, 2)


def _forever(pid_file):
    with open(pid_file, "a") as fh:
        fh.write(f"{os.getpid()}\n")
    while True:
        yield 1
        time.sleep(0.01)


def test_when_this_process_fails_the_streaming_children_are_stopped(tmp_path):
    pid_file = tmp_path / "children.pid"

    def fail():
        deadline = time.monotonic() + 30
        while not pid_file.exists() or len(pid_file.read_text().split()) < 2:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        raise ValueError("这里出错")

    with pytest.raises(ValueError, match="这里出错"):
        isolate.streamed(_forever, 2, str(pid_file), meanwhile=fail)
    assert [pid for pid in map(int, pid_file.read_text().split()) if _alive(pid)] == []
