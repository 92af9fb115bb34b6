"""The preview server behind `bulletin serve`: build, serve, watch, rebuild, reload.

`run(options, stop)` builds the site (drafts included, marked 草稿) into `options.out`, serves
that folder over HTTP on `options.host:options.port` (127.0.0.1 by default), and watches the
content folder, the `templates/` override folder beside it and the package's default templates
and static assets. The operating system reports changes (inotify, FSEvents, ReadDirectoryChangesW,
through watchdog) and which files they were (`Reports`): only those files are looked at again
(a province's 116,000 files took 0.4 s to scan, on every save), and the folders are scanned
(`snapshot`) only when a folder came or went, and once in a while in case the system missed
something (a network drive): every SCAN_SECONDS, or 20 times as long as the last scan took,
whichever is longer, so an idle server costs next to nothing; where the system cannot watch,
the folders are scanned every POLL_SECONDS (again at most one scan's time in 20). On any change it
rebuilds through `rebuild()` — the one call into the pipeline: a `pipeline.Builder` kept for the
life of the server, told exactly which files and folders changed (the watcher's list is complete,
so the builder need not scan the content folder again), so only the pages a change affects are
rendered and only changed files are written — and every open page reloads itself.

Open pages learn about rebuilds through Server-Sent Events (`/__bulletin/events`, a generation
number); the small script that listens is injected into every HTML response, nothing is added to
the built files. When the last build failed, every page request gets an error page instead
(file:line:col and message for each problem, in Chinese, with the same script), never a stale
page; the next good save rebuilds and the pages reload into the site. Content errors, template
errors and even internal errors all end up on that page: the server itself never stops on them.
`/__bulletin/status` reports the state as JSON (for tests and tools).

Every request gets an HTTP status, never a traceback or a dropped connection. The URL's path is
checked before any file is looked at (`check_path`): an invalid percent-escape (`%ZZ`), bytes
that are not UTF-8 (`%C3%28`), a NUL or other control character, a backslash, or a `.`/`..`
segment is 400; a segment longer than MAX_SEGMENT_BYTES (255, what a file name can be on every
common file system) or a path longer than MAX_PATH_BYTES is 414 URI Too Long rather than 400,
because the request is well formed and only its length is refused (no file that long can exist
in the preview anyway); a request line over MAX_REQUEST_LINE bytes is 414 too. Anything else that
goes wrong while answering is a 500 and one line in Chinese on the console, without a traceback.
The listen backlog is REQUEST_QUEUE_SIZE, so a burst of requests (a page with many images, a
load test) waits in the queue instead of in the client's SYN retries.

Listening anywhere but the loopback (`--host 0.0.0.0`) shows drafts to the whole network: the
server says so before it starts.

The server stops when `stop` is set (the CLI sets it on Ctrl+C or SIGTERM).
"""

from __future__ import annotations

import html
import ipaddress
import json
import mimetypes
import os
import re
import socket
import stat
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote_to_bytes, urlsplit

import jinja2

from .. import pipeline
from ..content.errors import BuildFailed, ContentError, Loc, Problem
from ..engine import lock
from ..output.theme import default_templates_dir

POLL_SECONDS = 0.05  # how often the folders are scanned when the system cannot watch them
SCAN_SECONDS = 2.0  # how often they are scanned anyway while it watches (at least)
SCAN_COST_FACTOR = 20  # … and at most one scan's time in this many (a province's scan takes 0.4 s)
SETTLE_SECONDS = 0.02  # after the first report, for the rest of a save (temporary file, rename) to land
KEEPALIVE_SECONDS = 15
PREFIX = "/__bulletin/"
MAX_REQUEST_LINE = 8192  # bytes, "GET … HTTP/1.1" without the line end (http.server allows 65 536)
MAX_SEGMENT_BYTES = 255  # bytes of one decoded path segment: the longest file name most systems allow
MAX_PATH_BYTES = 2048  # bytes of the decoded path: the output folder's path plus it stays under PATH_MAX
REQUEST_QUEUE_SIZE = 128  # the listen backlog (socketserver's default of 5 made a burst wait seconds)
LOOPBACK_NAMES = ("localhost",)

RELOAD_JS = b"""(function () {
  var me = document.currentScript, seen = me.getAttribute("data-generation");
  var source = new EventSource("/__bulletin/events");
  source.onmessage = function (event) {
    if (event.data !== seen) { source.close(); location.reload(); }
  };
})();
"""


@dataclass(frozen=True)
class Options:
    content: Path
    content_arg: str  # the content folder as the user named it (used in diagnostics)
    out: Path
    host: str = "127.0.0.1"
    port: int = 8000
    today: date | None = None  # None: today in Asia/Shanghai at each rebuild


_builders: dict[tuple, pipeline.Builder] = {}  # (options, day) -> its builder


def rebuild(options: Options, changed: frozenset[str] = frozenset()) -> None:
    """Build the preview (drafts shown). Raises ContentError or whatever the pipeline raises.

    This is the only call into the pipeline. `changed` holds the absolute paths of the files and
    folders that changed since the last build (empty for the first), every one of them (see
    `snapshot`), so the builder trusts it instead of scanning the content folder again. The
    builder is kept per options and day (a new day re-renders everything, since 公示期 states
    depend on it) and may patch the preview folder in place: the preview is local, never the
    published site.
    """
    today = options.today or pipeline.today_in_shanghai()
    key = (options, today)
    builder = _builders.get(key)
    if builder is None:
        _builders.clear()
        builder = _builders[key] = pipeline.Builder(
            options.content, options.out, today, drafts=True, content_arg=options.content_arg, patch=True
        )
    builder.rebuild(changed_paths=sorted(changed) or None, complete=True)


def problems_from(exc: BaseException) -> list[Problem]:
    """What went wrong in a build, as problems an editor can act on."""
    if isinstance(exc, ContentError):
        return list(exc.problems)
    if isinstance(exc, BuildFailed):
        return [Problem(Loc("bulletin"), str(exc))]
    if isinstance(exc, OSError):
        return [Problem(Loc(_shown(exc.filename or "bulletin")), f"读写文件出错：{exc.strerror or exc}")]
    if isinstance(exc, jinja2.TemplateSyntaxError):
        where = Loc(_shown(exc.filename or exc.name or "模板"), exc.lineno or 1)
        return [Problem(where, f"模板语法错误：{exc.message}")]
    if isinstance(exc, jinja2.TemplateError):
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith(".html")]
        where = Loc(_shown(frames[-1].filename), frames[-1].lineno or 1) if frames else Loc("模板")
        return [Problem(where, f"模板错误：{exc}")]
    return [
        Problem(
            Loc("bulletin"),
            f"内部错误：{type(exc).__name__}: {exc}",
            hint="这不是内容的问题，请把这条信息报告给维护人员",
        )
    ]


def _shown(filename: str) -> str:
    try:
        return os.path.relpath(filename)
    except ValueError:
        return filename


def watched_roots(content: Path) -> list[Path]:
    """The content folder, the templates folder beside it and the package's templates, as
    absolute paths: the changed paths handed to the builder must be (a relative one is read as
    relative to the content folder, and `bulletin serve` is given `content`, relative to the
    working folder: every save made the builder scan the whole content folder)."""
    content = Path(os.path.abspath(content))
    roots = [content, content.resolve().parent / "templates", default_templates_dir().absolute()]
    unique: list[Path] = []
    for root in roots:
        if root.resolve() not in [r.resolve() for r in unique]:
            unique.append(root)
    return unique


FOLDER = ("folder",)  # a folder's entry in a snapshot: only its coming and going matters


def snapshot(roots: list[Path]) -> dict[str, tuple]:
    """path → (mtime_ns, size, inode) for every file under `roots`, and path → FOLDER for every
    folder below them, hidden ones skipped: the same files and signature the builder's own
    scan (cache.signature) sees, so the changes between two snapshots are a complete list
    (`Builder.rebuild(complete=True)`), and folders appear there, so a folder created, deleted
    or renamed makes the builder scan the content folder whole."""
    seen: dict[str, tuple] = {}
    for root in roots:
        for folder, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if not d.startswith(".") and d != "__pycache__"]
            for name in dirs:
                seen[os.path.join(folder, name)] = FOLDER
            for name in files:
                if name.startswith("."):
                    continue
                path = os.path.join(folder, name)
                entry = _entry(path)
                if entry is not None:  # (None: deleted between listing and stat: the next scan sees it gone)
                    seen[path] = entry
    return seen


def changes(before: dict[str, tuple], now: dict[str, tuple]) -> frozenset[str]:
    """The paths that changed between two snapshots, or nothing when only editors' backup files
    (`name~`) did: those alone do not start a rebuild, and are reported with the next change."""
    changed = frozenset(p for p in now.keys() | before.keys() if now.get(p) != before.get(p))
    return changed if any(not p.endswith("~") for p in changed) else frozenset()


def _skipped(root: str, path: str) -> bool:
    """Whether `snapshot` leaves `path` out: under a hidden folder or `__pycache__`, or a hidden
    file (an editor's swap file)."""
    parts = os.path.relpath(path, root).split(os.sep)
    return any(part.startswith(".") for part in parts) or "__pycache__" in parts[:-1]


def _entry(path: str) -> tuple | None:
    """`snapshot`'s entry for the file `path` now (None: gone, or a folder)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    if stat.S_ISDIR(st.st_mode):
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def reported_changes(roots: list[Path], seen: dict[str, tuple], reported: set[str]) -> frozenset[str] | None:
    """The changes among the files the system `reported` (see `Reports`), with `seen` (the last
    snapshot) brought up to date for them: what `changes(seen, snapshot(roots))` would say, for
    a few stats instead of a walk of every folder. None when that cannot be known without the
    walk: a reported path is a folder, or outside every root."""
    bases = [str(root) for root in roots]
    found: dict[str, tuple | None] = {}
    for path in reported:
        base = next((b for b in bases if path == b or path.startswith(b.rstrip(os.sep) + os.sep)), None)
        if base is None or path == base:
            return None
        if _skipped(base, path):
            continue
        if seen.get(path) == FOLDER or os.path.isdir(path):
            return None
        found[path] = _entry(path)
    changed = frozenset(path for path, entry in found.items() if seen.get(path) != entry)
    for path in changed:
        if found[path] is None:
            seen.pop(path, None)
        else:
            seen[path] = found[path]  # type: ignore[assignment]
    return changed


class Preview:
    """The server's state: the latest build's outcome and a generation number pages wait on."""

    def __init__(self, options: Options, log: Callable[[str], None]):
        self.options = options
        self.log = log
        self.generation = 0
        self.problems: list[Problem] = []
        self.changed = threading.Condition()
        self.site_lock = threading.Lock()  # a request never sees a half-swapped output folder
        self.stopping = False

    def build(self, changed: frozenset[str] = frozenset()) -> None:
        started = time.perf_counter()
        with self.site_lock:
            try:
                rebuild(self.options, changed)
                problems: list[Problem] = []
            except Exception as exc:  # noqa: BLE001 - whatever happens, the server stays up
                problems = problems_from(exc)
        seconds = time.perf_counter() - started
        with self.changed:
            self.generation += 1
            self.problems = problems
            self.changed.notify_all()
        errors = sum(1 for p in problems if p.severity == "error")
        if problems:
            for p in problems:
                self.log(p.format())
            self.log(f"内容有 {errors} 个错误：浏览器中显示错误页，改正并保存后自动刷新（{seconds:.2f} 秒）")
        else:
            self.log(f"已重新生成（{seconds:.2f} 秒）")

    def wait_for_change(self, seen: int, timeout: float) -> int:
        with self.changed:
            self.changed.wait_for(lambda: self.generation != seen or self.stopping, timeout)
            return self.generation

    def stop(self) -> None:
        with self.changed:
            self.stopping = True
            self.changed.notify_all()

    @property
    def failed(self) -> bool:
        return any(p.severity == "error" for p in self.problems)

    def status(self) -> dict:
        return {
            "generation": self.generation,
            "ok": not self.failed,
            "problems": [p.as_json() for p in self.problems],
        }


def error_page(problems: list[Problem], generation: int) -> bytes:
    """The page shown in place of every page while the content has errors."""
    errors = [p for p in problems if p.severity == "error"]
    items = []
    for p in errors + [p for p in problems if p.severity != "error"]:
        where = f"{p.loc.path}:{p.loc.line}:{p.loc.col}"
        kind = "错误" if p.severity == "error" else "警告"
        field = f"<code>{html.escape(p.field)}</code>：" if p.field else ""
        hint = f'<br><span class="hint">提示：{html.escape(p.hint)}</span>' if p.hint else ""
        items.append(
            f'<li class="{p.severity}"><code class="where">{html.escape(where)}</code> '
            f"<strong>{kind}</strong> {field}{html.escape(p.message)}{hint}</li>"
        )
    body = "\n".join(items)
    return f"""<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>内容有 {len(errors)} 个错误 - 预览</title>
<style>
body {{ font: 18px/1.6 system-ui, sans-serif; margin: 0; background: #fff8f6; color: #222; }}
main {{ max-width: 60rem; margin: 0 auto; padding: 1.5rem; }}
h1 {{ color: #a01010; font-size: 1.6rem; }}
li {{ margin: .8rem 0; padding: .6rem .8rem; background: #fff; border-left: 5px solid #c62828; list-style: none; }}
li.warning {{ border-left-color: #b26a00; }}
ol {{ padding: 0; }}
code {{ font-size: 1rem; background: #f3f3f3; padding: 0 .2rem; word-break: break-all; }}
.hint {{ color: #555; }}
</style>
</head>
<body>
<main>
<h1>内容有 {len(errors)} 个错误，网站暂时无法生成</h1>
<p>请按下面的文件名和行号改正内容并保存，页面会自动刷新。正式网站不受影响。</p>
<ol>
{body}
</ol>
</main>
{_script_tag(generation)}
</body>
</html>
""".encode()


def _script_tag(generation: int) -> str:
    return f'<script src="{PREFIX}reload.js" data-generation="{generation}"></script>'


def inject(page: bytes, generation: int) -> bytes:
    tag = _script_tag(generation).encode("utf-8")
    at = page.rfind(b"</body>")
    return page[:at] + tag + b"\n" + page[at:] if at != -1 else page + tag


_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class BadPath(ValueError):
    """A request path refused before any file is looked at: `status` is the HTTP status."""

    def __init__(self, status: int, why: str):
        super().__init__(why)
        self.status = status
        self.why = why


def check_path(raw: str) -> str:
    """The decoded path of a request target (query and fragment dropped), or BadPath: 400 for
    what no link the site makes can contain (bad escapes, non-UTF-8, control characters,
    backslashes, `.` and `..` segments), 414 for a segment or path too long to be a file here."""
    path = urlsplit(raw).path
    if _BAD_ESCAPE.search(path):
        raise BadPath(400, "地址中有无效的百分号编码")
    data = unquote_to_bytes(path)
    if len(data) > MAX_PATH_BYTES:
        raise BadPath(414, f"地址太长（超过 {MAX_PATH_BYTES} 字节）")
    if any(len(segment) > MAX_SEGMENT_BYTES for segment in data.split(b"/")):
        raise BadPath(414, f"地址中有一段太长（超过 {MAX_SEGMENT_BYTES} 字节）")
    try:
        decoded = data.decode("utf-8")
    except UnicodeDecodeError:
        raise BadPath(400, "地址不是有效的 UTF-8 编码") from None
    if _CONTROL.search(decoded) or "\\" in decoded:
        raise BadPath(400, "地址中有控制字符或反斜杠")
    if any(segment in (".", "..") for segment in decoded.split("/")):
        raise BadPath(400, "地址中有“.”或“..”")
    return decoded


def is_loopback(host: str) -> bool:
    """Whether only this machine can reach a server listening on `host`."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _one_line(text: str, limit: int = 200) -> str:
    """`text` made safe for one console line: control characters escaped, at most `limit` characters."""
    shown = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    return shown if len(shown) <= limit else shown[:limit] + "…"


class PreviewHTTPServer(ThreadingHTTPServer):
    """ThreadingHTTPServer with a realistic backlog, whose last-resort error report (an exception
    outside a handler's own guard) is one Chinese line instead of a traceback on stderr."""

    request_queue_size = REQUEST_QUEUE_SIZE
    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], log: Callable[[str], None]):
        self.log = log
        if ":" in address[0]:  # an IPv6 address such as ::1 or [::1] (socketserver assumes IPv4)
            self.address_family = socket.AF_INET6
            address = (address[0].strip("[]"), address[1])
        super().__init__(address, handler)

    def handle_error(self, request, client_address) -> None:  # the base class's name
        exc = sys.exc_info()[1]
        if isinstance(exc, ConnectionError | TimeoutError):
            return  # the client went away
        self.log(f"预览服务器处理请求时出错：{_one_line(f'{type(exc).__name__}: {exc}')}")


def make_handler(preview: Preview) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "bulletin-preview"
        protocol_version = "HTTP/1.1"
        answered = False  # whether the current request's status line has been sent

        def log_message(self, format, *args):  # the base class's name
            pass  # one line per rebuild is enough on the console

        def parse_request(self) -> bool:  # the base class's name
            if not super().parse_request():
                return False  # the base class has answered (400, 505, …)
            line: bytes = getattr(self, "raw_requestline", b"")  # set by handle_one_request
            if len(line.rstrip(b"\r\n")) > MAX_REQUEST_LINE:
                # after the base class: the headers are read, so the answer is not lost in a reset
                self.close_connection = True
                self.refuse(414, f"请求行太长（超过 {MAX_REQUEST_LINE} 字节）", self.command == "HEAD")
                return False
            return True

        def do_HEAD(self):
            self.guarded(head=True)

        def do_GET(self):
            self.guarded(head=False)

        def guarded(self, head: bool) -> None:
            """`respond`, with whatever it raises turned into a 500 and one line on the console."""
            self.answered = False
            try:
                self.respond(head)
            except ConnectionError:
                self.close_connection = True  # the client went away: nobody to answer
            except Exception as exc:  # noqa: BLE001 - the server answers every request and stays up
                self.close_connection = True
                preview.log(
                    f"预览服务器处理 {_one_line(self.path, 100)} 时出错（{'响应已中断' if self.answered else '已返回 500'}）："
                    f"{_one_line(f'{type(exc).__name__}: {exc}')}"
                )
                if not self.answered:
                    try:
                        self.refuse(500, "预览服务器内部错误，详情见终端", head)
                    except OSError:
                        pass

        def refuse(self, code: int, why: str, head: bool) -> None:
            page = f"<!doctype html><title>{code}</title><p>{html.escape(why)}</p>".encode()
            self.send(code, "text/html; charset=utf-8", page, head)

        def respond(self, head: bool) -> None:
            try:
                path = check_path(self.path)
            except BadPath as bad:
                return self.refuse(bad.status, bad.why, head)
            if path == PREFIX + "events":
                return self.events()
            if path == PREFIX + "reload.js":
                return self.send(200, "text/javascript; charset=utf-8", RELOAD_JS, head)
            if path == PREFIX + "status":
                data = json.dumps(preview.status(), ensure_ascii=False).encode("utf-8")
                return self.send(200, "application/json; charset=utf-8", data, head)
            with preview.site_lock:
                generation, failed, problems = preview.generation, preview.failed, list(preview.problems)
                target = self.target(path)
                found = target.read_bytes() if target is not None else None
            is_page = target is None or target.suffix == ".html"
            if failed and is_page:
                return self.send(500, "text/html; charset=utf-8", error_page(problems, generation), head)
            if target is None:
                missing = preview.options.out / "404.html"
                page = (
                    missing.read_bytes()
                    if missing.is_file()
                    else "<!doctype html><title>404</title><p>页面未找到</p>".encode()
                )
                return self.send(404, "text/html; charset=utf-8", inject(page, generation), head)
            body = found if found is not None else b""  # read with the target, under the lock
            kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            if kind == "text/html":
                body = inject(body, generation)
            if kind.startswith("text/") or kind in ("application/json", "application/javascript"):
                kind += "; charset=utf-8"
            return self.send(200, kind, body, head)

        def target(self, path: str) -> Path | None:
            root = preview.options.out.resolve()
            candidate = (root / path.lstrip("/")).resolve()
            if not candidate.is_relative_to(root):
                return None
            if candidate.is_dir():
                if not path.endswith("/"):
                    return None
                candidate = candidate / "index.html"
            return candidate if candidate.is_file() else None

        def send(self, code: int, kind: str, data: bytes, head: bool) -> None:
            self.answered = True
            self.send_response(code)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            if not head:
                self.wfile.write(data)

        def events(self) -> None:
            self.answered = True
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            seen = None
            try:
                while not preview.stopping:
                    current = preview.generation if seen is None else preview.wait_for_change(seen, KEEPALIVE_SECONDS)
                    if preview.stopping:
                        break
                    message = f"data: {current}\n\n" if current != seen else ": keepalive\n\n"
                    self.wfile.write(message.encode("ascii"))
                    self.wfile.flush()
                    seen = current
            except OSError:
                pass  # the page went away

    return Handler


def run(
    options: Options,
    stop: threading.Event,
    log: Callable[[str], None] | None = None,
    ready: Callable[[str], None] | None = None,
) -> None:
    """Build, serve and watch until `stop` is set. `ready(url)` is called once the server listens."""
    log = log or (lambda line: print(line, flush=True))
    if not is_loopback(options.host):
        log(f"注意：预览会显示草稿，监听 {options.host} 时同一网络中的任何人都能看到；只在本机预览请去掉 --host")
    preview = Preview(options, log)
    roots = watched_roots(options.content)
    # The preview folder is this server's for as long as it runs: no build writes into it, and
    # it never rewrites a folder a build is writing (BuildFailed when another serve holds it).
    lock.acquire(options.out, "serve", on_wait=log)
    woken = Reports()
    unwatch = watch(roots, woken)  # before the first scan: a save during the first build wakes the loop
    try:
        _serve(
            options,
            stop,
            preview,
            roots,
            woken,
            SCAN_SECONDS if unwatch is not None else POLL_SECONDS,
            ready or (lambda url: None),
        )
    finally:
        if unwatch is not None:
            unwatch()
        lock.release(options.out)


def _serve(
    options: Options,
    stop: threading.Event,
    preview: Preview,
    roots: list[Path],
    woken: Reports,
    interval: float,
    ready: Callable[[str], None],
) -> None:
    started = time.monotonic()
    before = snapshot(roots)
    scan_cost = time.monotonic() - started
    preview.build()
    httpd = PreviewHTTPServer((options.host, options.port), make_handler(preview), preview.log)
    server = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
    server.start()
    host, port = str(httpd.server_address[0]), httpd.server_address[1]
    url = f"http://{host}:{port}/" if ":" not in host else f"http://[{host}]:{port}/"
    ready(url)
    scanned = time.monotonic()
    pending: frozenset[str] = frozenset()  # backup files (name~) reported changed: sent with the next change
    try:
        while not stop.is_set():
            if woken.wait(POLL_SECONDS):
                time.sleep(SETTLE_SECONDS)
            elif time.monotonic() - scanned < max(interval, SCAN_COST_FACTOR * scan_cost):
                continue
            reported = woken.take()  # (a scan by the clock covers what was reported meanwhile too)
            changed = reported_changes(roots, before, reported) if reported and woken.watched else None
            if changed is None:  # a scan: of every folder
                started = time.monotonic()
                now = snapshot(roots)
                scanned = time.monotonic()
                scan_cost = scanned - started
                changed = changes(before, now) if now != before else frozenset()
                if changed:
                    before = now
            elif changed and all(path.endswith("~") for path in changed | pending):
                pending, changed = changed | pending, frozenset()  # backup files alone: with the next change
            if changed:
                changed, pending = changed | pending, frozenset()
                preview.build(changed)
    finally:
        preview.stop()
        httpd.shutdown()
        httpd.server_close()
        server.join(timeout=5)


class Reports(threading.Event):
    """Set when the system reports a change under the watched folders, with the paths it named
    (`take`): files written, created, deleted or moved (both ends), folders created, deleted or
    moved. `watched`: whether a watcher reports here at all (else every wake is a scan)."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._paths: set[str] = set()
        self.watched = False

    def report(self, paths: Iterable[str]) -> None:
        with self._lock:
            self._paths.update(paths)
        self.set()

    def take(self) -> set[str]:
        """The paths reported since the last `take`."""
        with self._lock:
            paths, self._paths = self._paths, set()
            self.clear()
        return paths


def watch(roots: list[Path], woken: Reports) -> Callable[[], None] | None:
    """Have the operating system report to `woken` whatever under `roots` is created, changed,
    moved or deleted (what is only read, by the builder for one, does not count; nor does a
    folder whose list of files changed: the files themselves are reported). Returns the call
    that stops watching, or None when the folders cannot be watched (watchdog missing, the
    system's limit of watches reached, any other failure to start): the caller then scans them
    regularly."""
    try:
        from watchdog.events import (
            EVENT_TYPE_CLOSED_NO_WRITE,
            EVENT_TYPE_MODIFIED,
            EVENT_TYPE_OPENED,
            FileSystemEventHandler,
        )
        from watchdog.observers import Observer
    except ImportError:
        return None

    class Report(FileSystemEventHandler):
        def on_any_event(self, event) -> None:
            kind = event.event_type
            if kind in (EVENT_TYPE_OPENED, EVENT_TYPE_CLOSED_NO_WRITE):
                return
            if event.is_directory and kind == EVENT_TYPE_MODIFIED:
                return  # its files are reported themselves
            paths = [os.fsdecode(event.src_path)]
            if getattr(event, "dest_path", ""):
                paths.append(os.fsdecode(event.dest_path))
            woken.report(paths)

    observer = Observer()
    try:
        for root in roots:
            if root.is_dir():
                observer.schedule(Report(), str(root), recursive=True)
        observer.start()
    except Exception:  # noqa: BLE001 - OSError for a full inotify table, others elsewhere: scan instead
        observer.stop()
        return None
    woken.watched = True

    def unwatch() -> None:
        woken.watched = False
        observer.stop()
        observer.join(timeout=5)

    return unwatch


def main_thread_signals(stop: threading.Event) -> None:
    """Ctrl+C and SIGTERM both end the server cleanly (only callable from the main thread)."""
    import signal

    def handler(signum, frame):
        stop.set()

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)
