"""`bulletin serve` for real: a subprocess on a free port of 127.0.0.1, pages fetched over HTTP,
edits picked up, errors shown in place of every page (file:line) until the next good save, and
a clean stop. Waits are bounded polls, never timing assertions."""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from generator.content.errors import Loc, Problem
from generator.tools.serve import error_page, inject, problems_from, snapshot

from conftest import REPO, TODAY

WAIT = 60  # seconds: a generous bound for a loaded CI machine; the usual wait is well under one


class Server:
    def __init__(self, cwd: Path, *args: str):
        env = dict(os.environ, PYTHONPATH=str(REPO), PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "generator", "serve", "--port", "0", "--today", TODAY, *args],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.log: list[str] = []
        self.pump = threading.Thread(target=self._pump, daemon=True)
        self.pump.start()
        self.url = self._wait_for_url()

    def _pump(self):
        for line in self.proc.stdout:
            self.lines.put(line)
        self.lines.put("")

    def _wait_for_url(self) -> str:
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=1)
            except queue.Empty:
                continue
            self.log.append(line)
            if "预览地址：" in line:
                return line.split("预览地址：", 1)[1].split("（", 1)[0].strip()
            if line == "":
                break
        raise AssertionError("server did not start: " + "".join(self.log))

    def get(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(self.url.rstrip("/") + path, timeout=WAIT) as response:
                return response.status, response.read().decode("utf-8")
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode("utf-8")

    def poll(self, path: str, accept) -> tuple[int, str]:
        deadline = time.monotonic() + WAIT
        while True:
            status, body = self.get(path)
            if accept(status, body):
                return status, body
            if time.monotonic() > deadline:
                raise AssertionError(f"{path} never reached the expected state; last: {status} {body[:500]}")
            time.sleep(0.05)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=WAIT)
        self.pump.join(timeout=WAIT)
        self.proc.stdout.close()

    def stop(self) -> str:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        self.proc.wait(timeout=WAIT)
        rest = []
        while True:
            try:
                line = self.lines.get(timeout=5)
            except queue.Empty:
                break
            if line == "":
                break
            rest.append(line)
        return "".join(self.log + rest)


@pytest.fixture
def server(project):
    srv = Server(project, "--out", str(project / "preview"))
    yield srv
    srv.close()


def test_serves_the_site_with_drafts_and_the_reload_script(server, project):
    status, home = server.get("/")
    assert status == 200 and "测试公示栏" in home
    assert '<script src="/__bulletin/reload.js"' in home
    status, draft = server.get("/notices/caogao/")
    assert status == 200 and "草稿公告" in draft and "草稿" in draft
    status, css_list = server.get("/notices/")
    assert "草稿公告" in css_list
    status, missing = server.get("/no/such/page/")
    assert status == 404 and "/__bulletin/reload.js" in missing
    status, script = server.get("/__bulletin/reload.js")
    assert status == 200 and "EventSource" in script
    # nothing of the preview machinery is written into the built files
    assert "__bulletin" not in (project / "preview" / "index.html").read_text(encoding="utf-8")
    # and the preview skips the slow full-text index
    assert not (project / "preview" / "pagefind").exists()


def test_edit_error_fix_cycle(server, project):
    notice = project / "content/notices/2026/gongshi.md"
    original = notice.read_text(encoding="utf-8")

    notice.write_text(
        original.replace("福海花园维修资金使用公示", "福海花园维修资金使用公示（更正）"), encoding="utf-8"
    )
    server.poll("/notices/gongshi/", lambda s, body: s == 200 and "（更正）" in body)

    broken = original.replace("category: 公示", "category: 公告")  # not one of the categories
    line = next(i for i, text in enumerate(broken.splitlines(), 1) if text.startswith("category:"))
    notice.write_text(broken, encoding="utf-8")
    status, page = server.poll("/notices/gongshi/", lambda s, body: s == 500)
    assert f"content/notices/2026/gongshi.md:{line}:11" in page
    assert "“公告”不是可选值" in page
    assert '<script src="/__bulletin/reload.js"' in page  # the next good save reloads it
    for other in ("/", "/compounds/fuhai/", "/notices/"):  # every page, not a stale one
        status, body = server.get(other)
        assert status == 500 and f"gongshi.md:{line}" in body, other
    assert server.get("/__bulletin/status")[1].count('"ok": false') == 1

    notice.write_text(
        original.replace("福海花园维修资金使用公示", "福海花园维修资金使用公示（再次更正）"), encoding="utf-8"
    )
    status, page = server.poll("/notices/gongshi/", lambda s, body: s == 200)
    assert "（再次更正）" in page
    assert server.proc.poll() is None

    output = server.stop()
    assert server.proc.returncode == 0
    assert "预览已停止" in output
    assert "Traceback" not in output
    assert "gongshi.md" in output  # the errors were also printed on the console


def test_template_errors_show_in_the_browser_and_the_server_survives(server, project):
    override = project / "templates" / "notice.html"
    override.parent.mkdir()
    override.write_text('{% extends "base.html" %}\n{% block content %}\n{% if %}\n{% endblock %}\n', encoding="utf-8")
    _status, page = server.poll("/notices/gongshi/", lambda s, body: s == 500)
    assert "templates/notice.html:3" in page and "模板语法错误" in page

    override.write_text(
        '{% extends "base.html" %}\n{% block content %}\n<p>{{ no_such_value }}</p>\n{% endblock %}\n', encoding="utf-8"
    )
    _status, page = server.poll("/notices/gongshi/", lambda s, body: s == 500 and "模板错误" in body)
    assert "templates/notice.html:3" in page and "no_such_value" in page

    override.unlink()
    server.poll("/notices/gongshi/", lambda s, body: s == 200 and "福海花园维修资金使用公示" in body)


def test_open_pages_are_told_to_reload(server, project):
    request = urllib.request.urlopen(server.url + "__bulletin/events", timeout=WAIT)
    first = request.readline().decode()
    assert first.startswith("data: ")
    generation = int(first.split()[1])
    request.readline()  # the blank line that ends the event
    notice = project / "content/notices/2025/tongzhi.md"
    notice.write_text(notice.read_text(encoding="utf-8") + "\n补充说明。\n", encoding="utf-8")
    while True:
        line = request.readline().decode()
        if line.startswith("data: "):
            break
    assert int(line.split()[1]) > generation
    request.close()


def test_a_busy_port_is_a_usage_error(project):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        env = dict(os.environ, PYTHONPATH=str(REPO))
        run = subprocess.run(
            [sys.executable, "-m", "generator", "serve", "--port", str(port), "--today", TODAY],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=WAIT,
        )
    assert run.returncode == 2
    assert "无法在 127.0.0.1" in run.stderr and "Traceback" not in run.stderr


def test_serve_refuses_an_unsafe_output_folder(project):
    (project / "keep").mkdir()
    (project / "keep" / "precious.txt").write_text("x", encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    run = subprocess.run(
        [sys.executable, "-m", "generator", "serve", "--out", "keep", "--port", "0"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=WAIT,
    )
    assert run.returncode == 2 and (project / "keep" / "precious.txt").exists()


# --- units --------------------------------------------------------------------------------------


def test_error_page_escapes_and_lists_errors_first():
    problems = [
        Problem(Loc("content/a.yaml", 2, 1), "注意", severity="warning"),
        Problem(Loc("content/b.md", 7, 3), "<script>alert(1)</script>", field="title", hint="改一下"),
    ]
    page = error_page(problems, 4).decode("utf-8")
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert page.index("content/b.md:7:3") < page.index("content/a.yaml:2:1")
    assert "内容有 1 个错误" in page and 'data-generation="4"' in page


def test_inject_puts_the_script_before_the_end_of_body():
    assert inject(b"<html><body><p>x</p></body></html>", 3).endswith(b"</script>\n</body></html>")
    assert inject(b"no body", 3).startswith(b"no body<script")


def test_internal_errors_become_a_problem_not_a_crash():
    (problem,) = problems_from(RuntimeError("boom"))
    assert "内部错误" in problem.message and "boom" in problem.message


def test_snapshot_sees_changes_and_ignores_editor_droppings(tmp_path):
    from generator.tools.serve import changes

    (tmp_path / "a.yaml").write_text("a: 1\n", encoding="utf-8")
    before = snapshot([tmp_path])
    (tmp_path / ".a.yaml.swp").write_text("junk", encoding="utf-8")
    (tmp_path / ".hidden").mkdir()
    assert snapshot([tmp_path]) == before
    # a backup file alone starts no rebuild, but is reported with the next change (the builder
    # trusts the list to be complete, and a full build sees backup files too)
    (tmp_path / "a.yaml~").write_text("junk", encoding="utf-8")
    assert changes(before, snapshot([tmp_path])) == frozenset()
    (tmp_path / "a.yaml").write_text("a: 22\n", encoding="utf-8")
    assert changes(before, snapshot([tmp_path])) == {str(tmp_path / "a.yaml"), str(tmp_path / "a.yaml~")}
    # folders come and go in the list too (the builder then scans whole)
    before = snapshot([tmp_path])
    (tmp_path / "sub").mkdir()
    assert changes(before, snapshot([tmp_path])) == {str(tmp_path / "sub")}
    # a file replaced by another of the same size and time is a change (its inode differs)
    (tmp_path / "b.yaml").write_text("b: 1\n", encoding="utf-8")
    before = snapshot([tmp_path])
    stamp = (tmp_path / "b.yaml").stat().st_mtime_ns
    (tmp_path / "b.new").write_text("b: 2\n", encoding="utf-8")
    os.utime(tmp_path / "b.new", ns=(stamp, stamp))
    os.replace(tmp_path / "b.new", tmp_path / "b.yaml")
    assert changes(before, snapshot([tmp_path])) == {str(tmp_path / "b.yaml")}
    assert snapshot([tmp_path / "missing"]) == {}


@contextlib.contextmanager
def serving(
    tmp_path,
    monkeypatch,
    host="127.0.0.1",
    said: list[str] | None = None,
    urls: list[str] | None = None,
    relative: bool = False,
):
    """`serve.run` in a thread over a content folder holding one notice, `rebuild` replaced by a
    recorder: yields (the notice's path, the change lists `rebuild` was called with); the server
    is stopped (and must have stopped) on the way out. What it logs goes to `said`, its address
    to `urls`; `relative`: the server is given `content`, as `bulletin serve` is (the caller has
    made `tmp_path` the working folder)."""
    from generator.tools import serve

    said = said if said is not None else []
    urls = urls if urls is not None else []

    content = tmp_path / "content"
    content.mkdir()
    notice = content / "a.md"
    notice.write_text("one\n", encoding="utf-8")
    calls: list[frozenset[str]] = []
    monkeypatch.setattr(serve, "rebuild", lambda options, changed=frozenset(): calls.append(changed))
    stop, ready = threading.Event(), threading.Event()
    if relative:
        content, notice = Path("content"), Path("content") / "a.md"
    options = serve.Options(content, "content", tmp_path / "out", host=host, port=0)
    thread = threading.Thread(
        target=serve.run,
        args=(options, stop),
        kwargs={"log": said.append, "ready": lambda url: urls.append(url) or ready.set()},
    )
    thread.start()
    try:
        assert ready.wait(WAIT)
        yield notice, calls
    finally:
        stop.set()
        thread.join(WAIT)
    assert not thread.is_alive()


def wait_for(calls: list, count: int) -> None:
    deadline = time.monotonic() + WAIT
    while len(calls) < count and time.monotonic() < deadline:
        time.sleep(0.01)


@pytest.mark.parametrize("system_watches", [True, False], ids=["system-watches", "scans-only"])
def test_rebuild_is_told_which_files_changed(tmp_path, monkeypatch, system_watches):
    """In-process: the watcher hands `rebuild()` exactly the files that changed (what an
    incremental builder needs), and setting `stop` ends the server; the same where the system
    cannot watch the folders and they are scanned every POLL_SECONDS instead."""
    from generator.tools import serve

    if not system_watches:
        monkeypatch.setattr(serve, "watch", lambda roots, woken: None)
    with serving(tmp_path, monkeypatch) as (notice, calls):
        notice.write_text("two, longer\n", encoding="utf-8")
        wait_for(calls, 2)
        assert calls[0] == frozenset()
        assert calls[1] == frozenset({str(notice)})


def test_an_idle_server_does_not_scan_until_the_system_reports_a_change(tmp_path, monkeypatch):
    """With the system watching, the folders are scanned once at the start, then only when a
    folder comes or goes (or once every SCAN_SECONDS): scanning every 50 ms took most of a core
    at city size. A save is picked up at once, from the files the system names: no scan at all
    (a province's scan takes 0.4 s)."""
    from generator.tools import serve

    scans: list[float] = []
    real_snapshot = serve.snapshot
    monkeypatch.setattr(serve, "snapshot", lambda roots: scans.append(time.monotonic()) or real_snapshot(roots))
    monkeypatch.setattr(serve, "SCAN_SECONDS", 60.0)  # no scan by the clock in this test
    monkeypatch.setattr(serve, "watched_roots", lambda content_dir: [content_dir])
    with serving(tmp_path, monkeypatch) as (notice, calls):
        time.sleep(0.6)  # idle: twelve scans, had it polled
        assert len(scans) == 1
        notice.write_text("two, longer\n", encoding="utf-8")
        wait_for(calls, 2)
        assert calls[1] == frozenset({str(notice)})
        (notice.parent / "b.md").write_text("new\n", encoding="utf-8")  # a new file: named too
        (notice.parent / ".b.md.swp").write_text("junk", encoding="utf-8")  # an editor's: never
        wait_for(calls, 3)
        assert calls[2] == frozenset({str(notice.parent / "b.md")})
        assert len(scans) == 1
        # a backup file alone starts no rebuild; it is named with the next change
        (notice.parent / "a.md~").write_text("one\n", encoding="utf-8")
        time.sleep(0.3)
        assert len(calls) == 3
        (notice.parent / "b.md").unlink()
        wait_for(calls, 4)
        assert calls[3] == frozenset({str(notice.parent / "b.md"), str(notice.parent / "a.md~")})
        assert len(scans) == 1
        # a folder that comes (with a file in it) is found by a scan: the builder scans whole
        (notice.parent / "sub").mkdir()
        (notice.parent / "sub" / "c.md").write_text("c\n", encoding="utf-8")
        wait_for(calls, 5)
        time.sleep(0.2)
        assert {str(notice.parent / "sub"), str(notice.parent / "sub" / "c.md")} == set().union(*calls[4:])
        assert len(scans) >= 2


def test_the_changed_files_are_named_by_absolute_paths(tmp_path, monkeypatch):
    """`bulletin serve` is given `content`, relative to the working folder; the builder reads a
    relative path as relative to the content folder, so a relative list named no file it knew
    and every save made it scan the whole content folder again."""
    monkeypatch.chdir(tmp_path)
    with serving(tmp_path, monkeypatch, relative=True) as (notice, calls):
        assert not notice.is_absolute()
        notice.write_text("two, longer\n", encoding="utf-8")
        wait_for(calls, 2)
        assert calls[1] == frozenset({str(tmp_path / "content" / "a.md")})


def test_reported_changes_are_what_a_scan_would_find(tmp_path):
    """`reported_changes` (the paths the system named, looked at again) says what comparing two
    snapshots says, and keeps the last snapshot up to date; a folder, or a path outside the
    watched folders, needs the scan itself (None)."""
    from generator.tools.serve import changes, reported_changes

    root = tmp_path / "content"
    root.mkdir()
    (root / "a.md").write_text("a\n", encoding="utf-8")
    (root / "b.md").write_text("b\n", encoding="utf-8")
    (root / "sub").mkdir()
    seen = snapshot([root])
    (root / "a.md").write_text("a, longer\n", encoding="utf-8")
    (root / "b.md").unlink()
    (root / "c.md").write_text("c\n", encoding="utf-8")
    (root / ".c.md.swp").write_text("junk", encoding="utf-8")
    expected = changes(seen, snapshot([root]))
    named = {str(root / name) for name in ("a.md", "b.md", "c.md", ".c.md.swp")}
    named.add(str(root / "sub" / "untouched.md"))  # named, but neither there nor seen: no change
    assert reported_changes([root], seen, named) == expected == {str(root / n) for n in ("a.md", "b.md", "c.md")}
    assert seen == snapshot([root])
    assert reported_changes([root], seen, {str(root / "a.md")}) == frozenset()  # nothing new since
    assert reported_changes([root], seen, {str(root / "sub")}) is None
    assert reported_changes([root], seen, {str(tmp_path / "elsewhere.md")}) is None


def test_folders_that_cannot_be_watched_are_scanned_instead(tmp_path, monkeypatch):
    """A system that refuses to watch (its limit of watches reached) leaves `watch` saying so,
    and `run` falls back to scanning (see test_rebuild_is_told_which_files_changed)."""
    import watchdog.observers

    from generator.tools import serve

    class Refusing:
        def schedule(self, *args, **kwargs):
            raise OSError(28, "inotify watch limit reached")

        def stop(self):
            pass

    monkeypatch.setattr(watchdog.observers, "Observer", Refusing)
    refused = serve.Reports()
    assert serve.watch([tmp_path], refused) is None and not refused.watched
    monkeypatch.undo()  # the real observer: a write is reported, with its path
    woken = serve.Reports()
    unwatch = serve.watch([tmp_path], woken)
    try:
        assert unwatch is not None and woken.watched and not woken.is_set()
        (tmp_path / "a.yaml").write_text("a: 1\n", encoding="utf-8")
        assert woken.wait(WAIT)
        time.sleep(0.1)
        assert str(tmp_path / "a.yaml") in woken.take() and not woken.is_set()
    finally:
        unwatch()
    assert not woken.watched


# --- hostile and busy requests ------------------------------------------------------------------


def raw_request(port: int, target: bytes) -> tuple[bytes, float]:
    """One request over a plain socket to 127.0.0.1:`port`: (the status line, seconds taken)."""
    import socket

    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as sock:
        sock.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer.split(b"\r\n", 1)[0], time.monotonic() - started


@contextlib.contextmanager
def serving_a_page(tmp_path, monkeypatch, capfd):
    """An in-process server (see `serving`) whose output folder holds an index page: yields
    (its port, what it logged); on the way out, nothing it wrote may be a traceback."""
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "index.html").write_text("<html><body>首页</body></html>", encoding="utf-8")
    said: list[str] = []
    urls: list[str] = []
    with serving(tmp_path, monkeypatch, said=said, urls=urls):
        yield int(urls[0].rstrip("/").rsplit(":", 1)[1]), said
    out, err = capfd.readouterr()
    assert "Traceback" not in out + err + "\n".join(said)


HOSTILE = [
    (b"/%00", b"400"),  # NUL after decoding
    (b"/a%01b", b"400"),  # another control character
    (b"/" + b"a" * 300, b"414"),  # a segment longer than any file name
    (b"/" + b"%E4%B8%AD" * 90, b"414"),  # 270 bytes once decoded, from 90 characters
    (b"/?q=" + b"x" * 10240, b"414"),  # a 10 KB request line (only its query is long)
    (b"/a/" * 800, b"414"),  # a path of short segments, too long as a whole
    (b"/%ZZ", b"400"),  # not a percent-escape
    (b"/%C3%28", b"400"),  # not UTF-8
    (b"/%", b"400"),
    (b"/a%5Cb", b"400"),  # backslash
    (b"/a\\b", b"400"),
    (b"/..%2F..%2Fetc%2Fpasswd", b"400"),  # a way out of the output folder
    (b"/a/../index.html", b"400"),
    (b"/" + b"a" * 255, b"404"),  # the longest segment allowed: looked up, not there
    (b"/%E4%B8%AD%E6%96%87/", b"404"),  # Chinese: a fine path that is not there
    (b"/", b"200"),
]


def test_every_odd_request_gets_a_status_not_a_traceback(tmp_path, monkeypatch, capfd):
    with serving_a_page(tmp_path, monkeypatch, capfd) as (port, said):
        for target, expected in HOSTILE:
            status, _seconds = raw_request(port, target)
            assert status.startswith(b"HTTP/1.1 " + expected + b" "), (target[:60], status)
    assert not [line for line in said if "出错" in line]  # refused requests are not errors


def test_an_unexpected_error_is_a_500_and_one_line(tmp_path, monkeypatch, capfd):
    from generator.tools import serve

    def broken(name):
        raise RuntimeError("boom")

    with serving_a_page(tmp_path, monkeypatch, capfd) as (port, said):
        monkeypatch.setattr(serve.mimetypes, "guess_type", broken)
        status, _seconds = raw_request(port, b"/")
        assert status.startswith(b"HTTP/1.1 500 ")
        monkeypatch.undo()  # the server goes on answering
        assert raw_request(port, b"/")[0].startswith(b"HTTP/1.1 200 ")
    (line,) = [line for line in said if "出错" in line]
    assert "出错" in line and "RuntimeError: boom" in line and "\n" not in line


def test_a_burst_of_requests_is_answered_promptly(tmp_path, monkeypatch, capfd):
    """200 connections at once are all answered (the backlog of 5 had the last waiting 51 s in
    SYN retries). 10 s is a bound on behaviour on a loaded machine, not a benchmark."""
    count = 200
    with serving_a_page(tmp_path, monkeypatch, capfd) as (port, _said):
        start = threading.Barrier(count)
        results: list[tuple[bytes, float]] = []

        def one() -> None:
            start.wait(WAIT)
            try:
                results.append(raw_request(port, b"/"))
            except OSError as exc:
                results.append((repr(exc).encode(), float("inf")))

        threads = [threading.Thread(target=one) for _ in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(WAIT)
    assert len(results) == count
    assert [status for status, _ in results if not status.startswith(b"HTTP/1.1 200 ")] == []
    slowest = max(seconds for _, seconds in results)
    assert slowest < 10, f"the slowest request took {slowest:.1f} s"


def test_listening_beyond_this_machine_warns_that_drafts_show(tmp_path, monkeypatch):
    said: list[str] = []
    with serving(tmp_path, monkeypatch, host="0.0.0.0", said=said):
        pass
    assert any("注意：预览会显示草稿" in line and "0.0.0.0" in line and "--host" in line for line in said)

    said.clear()
    (tmp_path / "again").mkdir()
    with serving(tmp_path / "again", monkeypatch, said=said):
        pass
    assert not any("注意" in line for line in said)


def test_loopback_hosts():
    from generator.tools.serve import is_loopback

    assert all(is_loopback(h) for h in ("127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost", "LOCALHOST"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "::", "192.168.1.5", "example.org", ""))


@pytest.mark.parametrize("host", ["::1", "[::1]"])
def test_the_preview_listens_on_ipv6_loopback(tmp_path, monkeypatch, host):
    """`--host ::1` binds (the server class assumed IPv4) and answers there, without a warning."""
    import http.client

    said: list[str] = []
    urls: list[str] = []
    with serving(tmp_path, monkeypatch, host=host, said=said, urls=urls):
        assert urls[0].startswith("http://[::1]:")
        port = int(urls[0].rstrip("/").rsplit(":", 1)[1])
        connection = http.client.HTTPConnection("::1", port, timeout=WAIT)
        connection.request("GET", "/%00")
        assert connection.getresponse().status == 400
        connection.close()
    assert not any("注意" in line for line in said)


def test_a_temporary_preview_leaves_nothing_behind(project, tmp_path):
    """Without --out the preview lives in a temporary folder: when serve stops, that folder, what
    was remembered about it and its lock are all gone."""
    import signal

    temp = tmp_path / "temp"
    temp.mkdir()
    env = dict(os.environ, PYTHONPATH=str(REPO), PYTHONUNBUFFERED="1", TMPDIR=str(temp))
    proc = subprocess.Popen(
        [sys.executable, "-m", "generator", "serve", "--port", "0", "--today", TODAY],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    deadline = time.monotonic() + WAIT
    for line in proc.stdout:
        if "预览地址：" in line or time.monotonic() > deadline:
            break
    assert any(p.name.startswith("bulletin-preview-") for p in temp.iterdir())
    assert list((temp / ".bulletin-cache").iterdir())  # the lock and what the builds remembered
    proc.send_signal(signal.SIGINT)
    rest, _ = proc.communicate(timeout=WAIT)
    assert "预览已停止" in rest
    leftovers = [p.name for p in temp.iterdir() if p.name != ".bulletin-cache"]
    assert leftovers == [] and list((temp / ".bulletin-cache").iterdir()) == []
