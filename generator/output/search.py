"""Search: the full-text index (Pagefind) and the instant name finder's index.

Full text: `locate_pagefind(content_dir)` finds the Pagefind command before anything is rendered
(the search page says whether full-text search exists), and `index_site(site_dir, pagefind)` runs
it over the finished output folder — the temporary one, before it replaces the published site —
writing `pagefind/` inside it, in parts: one a district (`pagefind/d/<id>/`, the pages whose
search box names that district) and one for the rest (`pagefind/`), each cut into shards when it
would need more memory than a fixed budget, merged by the search page. A part whose pages read
the same to Pagefind as those of the previous site's same part (`index_mark`; made by the same
Pagefind) is linked from there, not indexed again: an edit indexes only the parts it touches, a
build of the next day only those whose indexed text changed, and either gives the bytes a cold
build gives.
The search page opened from a district's page searches that district's part only (a small
fraction of a province-size index), and 搜索全部 every part. Pagefind must be the npm
release 1.6 or later: the PyPI 1.5.2 build splits a Chinese query into single characters in the
browser (红黑榜 finds one page of five). Where Pagefind is missing, too old or turned off, the
build still succeeds: `Pagefind.problem` says why in Chinese and the search page offers the
directories instead. Where it is there but fails — it does not start (`Pagefind.fatal`), answers
with an error, dies, stops answering, or the disk fills up — the build fails with `BuildFailed`
(one Chinese sentence; a full disk is named as such) and the published site stays as it was: the
pages would promise a full-text search they do not have.

Pagefind runs as a service (`pagefind --service`), one process per shard (of a part), handed the shard's
pages one by one in path order, so the index depends on the pages alone: a run over a folder
numbers the pages in the order the file system lists them, which gave a different index for the
same site on tmpfs than on ext4. Each process leads its own process group, gets SIGKILL when the
thread that started it dies (PR_SET_PDEATHSIG), and is killed on every way out of `index_site`;
while it runs, a record beside the site folder names it, so that `reap_orphans` can end what a
build killed outright left behind. Which parts of a page are indexed is decided by the templates
(`data-pagefind-body` on `<main>`, `data-pagefind-ignore` on noise).

Names: `name_indexes(site)` makes the files of the instant name finder (every search box): every
district, street, community, compound and company with its kind, URL, the area it belongs to, and
its pinyin (initials and full, computed here with pypinyin), so that 福海, fhhy and fuhai all find
福海花园. The whole site's names are cut by key (`whole_site_names`): `search/names.json`, a small
table, and one small file a key, so that a first query anywhere fetches the table and one file
(not the whole list, 11.5 MB at province size) and finds exactly what matching the whole list
finds; a district's names are one file (`search/names/<id>.json`), which the search page opened
for a district loads instead.
"""

from __future__ import annotations

import base64
import bisect
import ctypes
import errno
import functools
import hashlib
import heapq
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from typing import Any

from ..content.errors import BuildFailed
from ..domain.models import Site
from . import urls

MINIMUM_VERSION = (1, 6, 0)
OUTPUT_SUBDIR = "pagefind"
SHARDS_FILE = "shards.json"  # in OUTPUT_SUBDIR: the parts and shards the search page merges
# Written by Pagefind beside every index, used by nothing here (templates/static/search.js calls
# pagefind.js itself): some 390 KB in each part's folders, left out of the published site.
UNUSED_FILES = (
    "pagefind-ui.js",
    "pagefind-ui.css",
    "pagefind-modular-ui.js",
    "pagefind-modular-ui.css",
    "pagefind-component-ui.js",
    "pagefind-component-ui.css",
    "pagefind-highlight.js",
)
PART_FILE = "part.json"  # in each part's first folder: what its index was made from (see index_site)
AREAS_DIR = "d"  # a district's part of the index: pagefind/d/<district id>/ (the site-wide part: pagefind/)
# A district with more pages than this is cut into 2, 4, 8… parts by a digest of each page's path
# (pagefind/d/<id>/, d/<id>.1/, …), so that an edit indexes a few hundred pages again, not the
# whole of a big district (a district office's own bulletin is all one district). Each part of a
# district is merged by its search; a page stays in its part while the count of parts holds.
BUCKET_PAGES = 1200
FORMAT = 2  # of the parts' records and the way pages are indexed: a change makes every part again
# The estimated Pagefind peak (see _estimate_mb) one run may reach: a part of the index that
# would need more is cut into shards within it, and JOBS runs at a time keep Pagefind within
# JOBS x SHARD_BUDGET_MB (1 GiB), beside the generator's own memory (benchmarks/search-index.md).
# A fixed number, not what this process happens to leave free: the cut, and so the index, is the
# same for the same pages in every build (cold, after an edit, under `serve`).
SHARD_BUDGET_MB = 512
JOBS = min(2, os.cpu_count() or 1)  # Pagefind runs at a time: it mostly uses one core
# Index parts by district (False: one index of the whole site, cut by the budget alone; the
# ranking comparison in tests/test_search_parts.py builds both).
PARTITIONED = True
TIMEOUT = 600  # seconds Pagefind may go without answering before it is stopped and the build fails
POLL_SECONDS = 1.0  # how often a wait for Pagefind looks at the clock and the disk
# Free space and files under which the site's disk counts as full (any index needs more), and how
# long it may stay so while Pagefind owes an answer: Pagefind retries a file it cannot create for ever.
FULL_BYTES = 256 * 1024
FULL_FILES = 16
FULL_SECONDS = 3.0
RECORD_MARK = ".pagefind-"  # `.<site folder>.pagefind-<pid>` beside the site folder names a running Pagefind
# What the last `index_site` in this process did (a debug hook, read by the tests and benchmarks):
# {"indexed": [part ids made], "reused": [part ids taken from the previous site], "added": pages
# handed to Pagefind}; the site-wide part's id is "".
LAST_RUN: dict[str, Any] = {}
REPO = Path(__file__).resolve().parent.parent.parent
INSTALL_HINT = (
    "请在项目目录运行 npm ci --omit=dev 安装 Pagefind 1.6 或更新版本，或用环境变量 BULLETIN_PAGEFIND 指定它的位置"
)
RETRY_HINT = (
    "请重新构建；如仍失败，请在项目目录运行 npm ci --omit=dev 重新安装 Pagefind，"
    "或设置环境变量 BULLETIN_PAGEFIND=off 暂不建立全文搜索"
)


@dataclass(frozen=True)
class Pagefind:
    """The Pagefind command to run (`path`), or why full-text search is unavailable (`problem`):
    a note when Pagefind is missing, too old or turned off; a failure of the build when `fatal`
    (it is there but does not run, so the search would silently go missing)."""

    path: Path | None
    problem: str | None = None
    fatal: bool = False
    version: str = ""  # as `pagefind --version` says it: an index part made by another is made again

    @property
    def ready(self) -> bool:
        return self.path is not None


def locate_pagefind(content_dir: Path, env: Mapping[str, str] | None = None, cwd: Path | None = None) -> Pagefind:
    """Look in order: $BULLETIN_PAGEFIND (a path, or `off` to build without the index);
    node_modules/.bin/pagefind beside the content folder, in the working folder, in this
    repository; then `pagefind` on PATH."""
    env = os.environ if env is None else env
    explicit = env.get("BULLETIN_PAGEFIND")
    if explicit == "off":
        return Pagefind(None, "已按 BULLETIN_PAGEFIND=off 跳过全文搜索索引，本次构建没有全文搜索")
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            return Pagefind(None, f"环境变量 BULLETIN_PAGEFIND 指向的 {explicit} 不存在，本次构建没有全文搜索")
        return _checked(path)
    bases = (content_dir.resolve().parent, (cwd or Path.cwd()).resolve(), REPO)
    for base in dict.fromkeys(bases):
        candidate = base / "node_modules" / ".bin" / "pagefind"
        if candidate.is_file():
            return _native(base / "node_modules") or _checked(candidate)
    on_path = shutil.which("pagefind", path=env.get("PATH"))
    if on_path:
        return _checked(Path(on_path))
    return Pagefind(None, f"未找到 Pagefind，本次构建没有全文搜索（搜索页只提供目录链接）；{INSTALL_HINT}")


def _native(node_modules: Path) -> Pagefind | None:
    """The platform's Pagefind executable that npm installed beside its Node wrapper
    (`@pagefind/<platform>/bin/pagefind_extended`), when one runs here: the wrapper only starts
    it, and costs a Node start per run, once per search shard."""
    for path in sorted(node_modules.glob("@pagefind/*/bin/pagefind_extended*")):
        if path.suffix in ("", ".exe") and path.is_file():
            found = _checked(path)
            if found.ready:
                return found
    return None


def _checked(path: Path) -> Pagefind:
    stat = path.stat()
    return _checked_once(path.resolve(), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=8)
def _checked_once(path: Path, mtime_ns: int, size: int) -> Pagefind:
    """Run `pagefind --version` once per file and version of it in this process (repeated
    builds in one process, as in tests and the dev server, skip a process start)."""
    try:
        done = subprocess.run([str(path), "--version"], capture_output=True, text=True, timeout=60)
    except OSError as exc:
        return _unusable(path, exc.strerror or str(exc))
    except subprocess.TimeoutExpired:
        return _unusable(path, "运行 pagefind --version 60 秒没有结果")
    found = re.search(r"(\d+)\.(\d+)\.(\d+)", done.stdout)
    if done.returncode != 0 or not found:
        said = _last_words((done.stderr or done.stdout).splitlines())
        return _unusable(path, f"pagefind --version 退出码 {done.returncode}" + (f"，{said}" if said else ""))
    version = tuple(int(part) for part in found.groups())
    if version < MINIMUM_VERSION:
        return Pagefind(
            None,
            f"Pagefind {found.group(0)}（{path}）版本过旧，中文搜索词会被拆成单字，"
            f"本次构建没有全文搜索；{INSTALL_HINT}",
        )
    return Pagefind(path, version=found.group(0))


def _unusable(path: Path, cause: str) -> Pagefind:
    """Pagefind is there but does not run: the build fails rather than quietly losing its search."""
    return Pagefind(
        None,
        f"无法运行 Pagefind（{path}）：{cause}；请在项目目录运行 npm ci --omit=dev 重新安装，"
        "或设置环境变量 BULLETIN_PAGEFIND=off 暂不建立全文搜索；网站未更新",
        fatal=True,
    )


def index_site(
    site_dir: Path,
    pagefind: Pagefind,
    budget_mb: float | None = None,
    jobs: int | None = None,
    pages: Iterable[str] | None = None,
    weights: Mapping[str, int | None] | None = None,
    previous: Path | None = None,
    digests: Mapping[str, str] | None = None,
    locate: Callable[[str], Path] | None = None,
) -> list[str]:
    """Write the full-text index into `site_dir/pagefind/`, or raise BuildFailed (leaving no
    partial index behind) when anything goes wrong. Returns [] (it once returned warnings).

    **Parts.** The index is made in parts, one a district and one for the rest of the site: a
    page belongs to the district its search box names (`data-search-area`, written by base.html
    for a page whose records lie in one district: a district, street, community, compound,
    notice, project or list page), and every other page (the home page, directories, companies,
    records spanning districts) to the site-wide part. The site-wide part is `pagefind/` itself,
    a district's `pagefind/d/<id>/`. `pagefind/shards.json` lists them: `merge`, every folder to
    merge into `pagefind/` for a search of the whole site, and `areas`, each district's name and
    folders (`{"gaoxin": {"name": "潍坊高新区", "index": ["d/gaoxin/"]}}`), for a search of one.

    **Reuse.** Each part's first folder holds `part.json`: its key (Pagefind's version, the
    budget, and every page's path and `index_mark`: what of the page Pagefind reads), its pages
    with their digests (`digests`, the writer's, else read) and marks, and the files its index
    consists of. A part whose key is the one in `previous` (the published site this one
    replaces) is not indexed again: its files are hard-linked from there. Pages Pagefind reads
    the same give the same index, so the result is the one indexing everything would give,
    byte for byte, also on the next day, when every page's footer says another build date.
    `LAST_RUN` says which parts were made and which reused.

    **Shards.** Pagefind holds a whole index in memory until it writes it, so a part whose pages
    would need more than `budget_mb` (default $BULLETIN_SEARCH_SHARD_MB or SHARD_BUDGET_MB) is
    cut into shards within it (`plan_shards`): the part's first folder, then `s1/`, `s2/`, …
    inside it; `jobs` runs at a time (default JOBS). `pages`: the site's HTML files (relative
    paths), when the caller knows them (else the folder is searched); `weights`: what
    `indexed_text_bytes` gives for those already weighed (the render workers weigh the pages
    they make), which are then not read again.

    `locate(rel)`: where to read the page `rel` from (default `site_dir / rel`): a page the
    build did not change can be read from the published site while its link into `site_dir` is
    still being made (`SiteWriter.commit` makes those links meanwhile). A reused part's files
    are linked meanwhile too, while Pagefind makes the others."""
    LAST_RUN.clear()
    if pagefind.path is None:
        return []
    site = site_dir.absolute()
    output = site / OUTPUT_SUBDIR
    where = locate or (lambda rel: site / rel)
    budget = shard_budget_mb() if budget_mb is None else budget_mb
    jobs = jobs or JOBS
    try:
        if pages is None:
            pages = (path.relative_to(site).as_posix() for path in site.rglob("*.html"))
        files = sorted(pages, key=lambda rel: rel.split("/"))  # path order, as sorting Paths gives
        old = _previous_parts(previous / OUTPUT_SUBDIR) if previous is not None else {}
        parts = _parts(where, files, digests or {}, old, weights.facts if isinstance(weights, Weights) else {})
        weights = dict(weights or {})
        runs: list[tuple[_Part, int, list[str]]] = []
        reused: list[_Part] = []
        for part in parts:
            part.key = _part_key(pagefind, budget, part)
            if (
                previous is not None
                and part.name_id in old
                and old[part.name_id]["key"] == part.key
                and _part_present(previous, old[part.name_id])
            ):
                part.files = old[part.name_id]["files"]
                reused.append(part)
                continue
            weighed = [rel for rel in part.pages if _weight(where, rel, weights) is not None]
            if weighed:
                shards = plan_shards(site, budget, 1, pages=weighed, weights=weights)
                runs.extend((part, number, shard) for number, shard in enumerate(shards))
        made = [part for part in parts if part not in reused and any(run[0] is part for run in runs)]
        output.mkdir(parents=True, exist_ok=True)
        with ThreadPoolExecutor(max_workers=1) as meanwhile:  # reused parts linked while Pagefind makes the rest
            linking = [meanwhile.submit(_link_part, previous, site, part.files or []) for part in reused]
            _index_shards(
                pagefind.path,
                site,
                [(shard, output / part.folder / _shard_folder(n)) for part, n, shard in runs],
                jobs,
                where,
            )
        for linked in linking:
            linked.result()
        for part, number, _shard in runs:  # Pagefind's own search interfaces: the search page does not use them
            for name in UNUSED_FILES:
                (output / part.folder / _shard_folder(number) / name).unlink(missing_ok=True)
        for part in made:
            part.files = _part_files(output, part.folder)
        listed = [part for part in parts if part.files]
        for part in listed:
            record = {
                "format": FORMAT,
                "key": part.key,
                "name": part.name,
                "pages": part.digests,
                "marks": part.marks,
                "files": part.files,
            }
            (output / part.folder / PART_FILE).write_text(_json(record), encoding="utf-8")
        (output / SHARDS_FILE).write_text(_json(_shards_json(listed)), encoding="utf-8")
        LAST_RUN.update(
            indexed=[part.name_id for part in made],
            reused=[part.name_id for part in reused],
            added=sum(len(shard) for _, _, shard in runs),
        )
    except OSError as exc:
        failure = _failed(site, f"{_describe(exc)}；{RETRY_HINT}", error=exc)
        shutil.rmtree(output, ignore_errors=True)
        raise failure from exc
    except BaseException:
        shutil.rmtree(output, ignore_errors=True)
        raise
    return []


@dataclass(eq=False)
class _Part:
    """One part of the index: a district's pages (`id` the district's), or the rest ("")."""

    id: str
    name: str
    pages: list[str]  # in path order
    digests: dict[str, str]  # page → its digest
    marks: dict[str, str] = field(default_factory=dict)  # page → `index_mark`, once known
    key: str = ""
    files: list[str] | None = None  # its index files, relative to pagefind/
    bucket: int = 0  # which of a big district's parts (see BUCKET_PAGES)
    buckets: int = 1  # of how many

    @property
    def name_id(self) -> str:
        """The part's own id: the district's, or "<district>.<n>" for the nth part of a big one."""
        return f"{self.id}.{self.bucket}" if self.bucket else self.id

    @property
    def folder(self) -> str:
        return f"{AREAS_DIR}/{self.name_id}/" if self.id else ""


# The district a page's search box names, before <main> (text in a page never holds a literal `<`).
_AREA = re.compile(
    '<form class="area-search[^>]*?\\saria-label="在([^"]*)中搜索"[^>]*?\\sdata-search-area="([a-z0-9_-]+)"'.encode()
)


def page_area(html: bytes) -> tuple[str, str] | None:
    """(district id, its name) of the page's district search box, or None for a page of no district."""
    head = html[: html.find(b"<main")] if PARTITIONED else b""
    found = _AREA.search(head)
    if found is None:
        return None
    return found.group(2).decode("ascii"), unescape(found.group(1).decode("utf-8", "replace"))


def _parts(
    where: Callable[[str], Path],
    files: list[str],
    digests: Mapping[str, str],
    old: dict[str, dict],
    facts: Mapping[str, tuple[str, tuple[str, str] | None]],
) -> list[_Part]:
    """The pages by part, the site-wide part first and the districts by id. A page rendered in
    this build is placed by what its worker learnt (`facts`: mark, district), one whose digest
    is the one the previous site's part recorded is in that part again with the mark recorded
    there, neither read; any other page is read for its district and `index_mark`."""
    known = {
        rel: (name_id.split(".")[0], record.get("name", ""), sig, record["marks"].get(rel))
        for name_id, record in old.items()
        for rel, sig in record["pages"].items()
    }
    parts: dict[str, _Part] = {}
    for rel in files:
        sig = digests.get(rel)
        data = None
        if sig is None:
            data = where(rel).read_bytes()
            sig = hashlib.blake2b(data, digest_size=16).hexdigest()
        was = known.get(rel)
        mark: str | None = None
        if rel in facts:
            mark, area = facts[rel]
        elif was is not None and was[2] == sig and isinstance(was[3], str):
            mark, area = was[3], ((was[0], was[1]) if was[0] else None)
        else:
            data = data if data is not None else where(rel).read_bytes()
            area = page_area(data)
        part_id, name = area or ("", "")
        part = parts.get(part_id)
        if part is None:
            part = parts[part_id] = _Part(part_id, name, [], {})
        part.pages.append(rel)
        part.digests[rel] = sig
        part.marks[rel] = mark if mark is not None else index_mark(data or b"")
    return [piece for part_id in sorted(parts) for piece in _buckets(parts[part_id])]


class Weights(dict[str, int | None]):
    """What the render workers learn of each page they render, for the search index: the bytes
    of its indexed text (the mapping itself, as `indexed_text_bytes` gives them: shards are cut
    by them) and, in `facts`, its `index_mark` and district (`page_area`), so that `index_site`
    reads no page that was rendered in this build."""

    def __init__(self) -> None:
        super().__init__()
        self.facts: dict[str, tuple[str, tuple[str, str] | None]] = {}

    def add(self, path: str, weighed: tuple[int | None, str, tuple[str, str] | None]) -> None:
        self[path] = weighed[0]
        self.facts[path] = weighed[1:]


def weigh(html: bytes) -> tuple[int | None, str, tuple[str, str] | None]:
    """`Weights.add`'s: the page's indexed text bytes, index mark and district."""
    return indexed_text_bytes(html), index_mark(html), page_area(html)


def index_mark(html: bytes) -> str:
    """What of a page its part of the index is made from, as a digest. Pagefind reads a page up
    to the end of its indexed `<main>` (data-pagefind-body): the head (title, language), the
    elements before it (their ids number the anchors inside it) and the main itself, but not
    the text of an element marked data-pagefind-ignore; anywhere, an `<h1>` (a result's
    title), an `<img>` (its image), an element's id (an anchor's number) and data-pagefind-*
    attributes. So the mark is a digest of the page up to the main's end, without the ignored
    elements that hold none of those (the lists of notices, with their 还剩 N 天), when what
    follows the main holds no `<h1>`, `<img>` or data-pagefind-* either: the footer (本站生成于
    and the build date, on every page of every day) and those lists do not count, and a build
    of another day reuses the parts whose indexed text is the same. A page with one of those
    after its main is marked by every byte; a page with no indexed main by "-" alone: it is
    never handed to Pagefind (`indexed_text_bytes` is None)."""
    found = _INDEXED_MAIN.search(html)
    if found is None:
        return "-"
    end = html.rfind(b"</main>")
    if end < found.end() or _read_by_pagefind(html[end:].lower()):
        return "p" + hashlib.blake2b(html, digest_size=16).hexdigest()
    h = hashlib.blake2b(html[: found.end()], digest_size=16)
    at = found.end()
    for start, opened, stop in _ignored_spans(html, at, end):
        inside = html[opened:stop].lower()
        if (
            not _read_by_pagefind(inside)
            and _ID.search(inside) is None
            and html.count(b"data-pagefind-", start, opened) == 1
        ):
            h.update(html[at:start])
            h.update(b"<>")  # where it was: two lists side by side are not one
            at = stop
    h.update(html[at:end])
    return "m" + h.hexdigest()


def _read_by_pagefind(lowered: bytes) -> bool:
    """Whether Pagefind reads something in this (lower-cased) stretch of a page wherever it is:
    an h1, an img or a data-pagefind-* attribute (`<h1`/`<img` prefixes: erring towards yes)."""
    return b"<h1" in lowered or b"<img" in lowered or b"data-pagefind-" in lowered


_ID = re.compile(rb"id\s*=")  # an id attribute (or anything ending in id=: erring towards yes)
_TAG_NAME = re.compile(rb"<([a-z][a-z0-9]*)[\s/>]")


def _ignored_spans(html: bytes, begin: int, end: int) -> Iterable[tuple[int, int, int]]:
    """(start, end of its opening tag, end) of each element marked data-pagefind-ignore between
    `begin` and `end`, up to the first closing tag of its name (where the same tag nests inside,
    the span ends early and the rest counts as indexed). By `find`, not a regular expression:
    one with a back-reference took 1.4 s over a city's pages."""
    at = begin
    while True:
        attr = html.find(b"data-pagefind-ignore", at, end)
        if attr < 0:
            return
        at = attr + 1
        start = html.rfind(b"<", begin, attr)
        if start < 0 or html.find(b">", start, attr) >= 0 or html[attr - 1 : attr] not in b" \t\n\r\f":
            continue  # not an attribute of a tag
        if html.count(b'"', start, attr) % 2 or html.count(b"'", start, attr) % 2:
            continue  # (perhaps) inside an attribute's value: Pagefind indexes that element
        if html[attr + 20 : attr + 21] not in b" \t\n\r\f=>":
            continue  # data-pagefind-ignored…
        name = _TAG_NAME.match(html, start)
        opened = html.find(b">", attr, end)
        if name is None or opened < 0:
            continue
        close = html.find(b"</" + name.group(1) + b">", opened, end)
        if close < 0:
            continue
        stop = close + len(name.group(1)) + 3
        yield start, opened + 1, stop
        at = stop


def _buckets(part: _Part) -> list[_Part]:
    """A district's part as it is, or cut into a power of two of parts of at most about
    BUCKET_PAGES pages each, a page's part by a digest of its path (so it stays there)."""
    count = 1
    while part.id and len(part.pages) > count * BUCKET_PAGES:
        count *= 2
    if count == 1:
        return [part]
    pieces = [_Part(part.id, part.name, [], {}, bucket=n, buckets=count) for n in range(count)]
    for rel in part.pages:
        piece = pieces[int.from_bytes(hashlib.blake2b(rel.encode("utf-8"), digest_size=8).digest(), "big") % count]
        piece.pages.append(rel)
        piece.digests[rel] = part.digests[rel]
        if rel in part.marks:
            piece.marks[rel] = part.marks[rel]
    return [piece for piece in pieces if piece.pages]


def _weight(where: Callable[[str], Path], rel: str, weights: dict[str, int | None]) -> int | None:
    if rel not in weights:
        weights[rel] = indexed_text_bytes(where(rel).read_bytes())
    return weights[rel]


def _part_key(pagefind: Pagefind, budget: float, part: _Part) -> str:
    """What a part's index is made from: the same key, the same index files."""
    made_of = [FORMAT, pagefind.version, budget, part.id, part.name, sorted(part.marks.items())]
    if part.buckets > 1:
        made_of += [part.bucket, part.buckets]
    return hashlib.blake2b(json.dumps(made_of, ensure_ascii=False).encode("utf-8"), digest_size=16).hexdigest()


def _previous_parts(folder: Path) -> dict[str, dict]:
    """Part id → its record, for every part of the index in `folder` (a published site's
    pagefind/) whose record can be read; nothing for an index made before parts."""
    try:
        listed = json.loads((folder / SHARDS_FILE).read_text(encoding="utf-8"))
        ids = [""]  # the site-wide part, then every part of each district, named by its first folder
        for area in listed.get("areas", {}).values():
            ids += [
                i for i in dict.fromkeys(f.split("/")[1] for f in area["index"] if f.count("/") >= 2) if i not in ids
            ]
    except (OSError, ValueError, AttributeError, KeyError, TypeError, IndexError):
        return {}
    found = {}
    for part_id in ids:
        if not re.fullmatch(r"[a-z0-9_-]*(\.[0-9]+)?", part_id):
            continue
        try:
            record = json.loads(
                (folder / (f"{AREAS_DIR}/{part_id}/" if part_id else "") / PART_FILE).read_text(encoding="utf-8")
            )
        except (OSError, ValueError):
            continue
        if (
            isinstance(record, dict)
            and record.get("format") == FORMAT
            and isinstance(record.get("pages"), dict)
            and isinstance(record.get("marks"), dict)
            and isinstance(record.get("files"), list)
        ):
            found[part_id] = record
    return found


def _part_present(previous: Path, record: dict) -> bool:
    """Whether every index file of a part of the previous site is there to be linked."""
    source = str(previous / OUTPUT_SUBDIR)
    return all(
        isinstance(rel, str) and ".." not in rel.split("/") and os.path.isfile(f"{source}/{rel}")
        for rel in record["files"]
    )


def _link_part(previous: Path | None, site: Path, files: list[str]) -> None:
    """Hard-link (or copy, across file systems) a part's index files from the previous site,
    where `_part_present` found them. On strings: a city's reused parts are ten thousand files."""
    if previous is None:
        return  # (nothing is reused without a previous site)
    source, target = str(previous / OUTPUT_SUBDIR), str(site / OUTPUT_SUBDIR)
    made: set[str] = set()
    for rel in files:
        to = f"{target}/{rel}"
        folder = to.rpartition("/")[0]
        if folder not in made:
            os.makedirs(folder, exist_ok=True)
            made.add(folder)
        try:
            os.link(f"{source}/{rel}", to)
        except OSError as exc:
            if exc.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK):
                raise
            shutil.copy2(f"{source}/{rel}", to)


def _part_files(output: Path, folder: str) -> list[str]:
    """The files of the part whose first folder is `output/folder` (its shards inside it; the
    site-wide part's pagefind/ holds the districts' parts too, which are not its own)."""
    found = []
    for path in sorted((output / folder).rglob("*")):
        rel = path.relative_to(output).as_posix()
        if (folder or not rel.startswith(AREAS_DIR + "/")) and path.is_file():
            found.append(rel)
    return found


def _shards_json(parts: list[_Part]) -> dict[str, Any]:
    """`merge`: every folder but pagefind/ itself (a search of the whole site); `areas`: each
    district's name and folders, its first one first (a search of one district)."""

    def folders(part: _Part) -> list[str]:
        found = [rel.removesuffix("pagefind.js") for rel in part.files or () if rel.rpartition("/")[2] == "pagefind.js"]
        shard = lambda folder: int(folder[len(part.folder) + 1 : -1] or 0)  # noqa: E731 - "d/x/s12/" → 12
        return sorted(found, key=shard)

    merge = [folder for part in parts for folder in folders(part) if folder]
    areas: dict[str, dict[str, Any]] = {}
    for part in parts:  # a big district's parts in order (`_buckets`)
        if part.id:
            areas.setdefault(part.id, {"name": part.name, "index": []})["index"] += folders(part)
    return {"merge": merge, "areas": areas}


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True) + "\n"


def shard_budget_mb(env: Mapping[str, str] | None = None) -> float:
    """$BULLETIN_SEARCH_SHARD_MB if it is a positive number, else SHARD_BUDGET_MB: the estimated
    Pagefind peak one run may reach."""
    value = (os.environ if env is None else env).get("BULLETIN_SEARCH_SHARD_MB", "")
    try:
        number = float(value)
    except ValueError:
        number = 0
    return number if number > 0 else SHARD_BUDGET_MB


def plan_shards(
    site_dir: Path,
    budget_mb: float,
    jobs: int = 1,
    min_pages_parallel: int | None = None,
    pages: Iterable[str] | None = None,
    weights: Mapping[str, int | None] | None = None,
) -> list[list[str]]:
    """The pages to index, as relative paths in path order, in shards. One shard (every HTML
    file, as one Pagefind run over the folder sees them) when the estimated Pagefind peak for
    the whole site is within `budget_mb` (and, with `min_pages_parallel`, the site has fewer
    indexed pages than that); it is found without reading a page when even counting every byte
    of every HTML file as indexed text stays within it. Otherwise the indexed pages (those
    whose `<main>` carries data-pagefind-body) cut into shards that each stay within
    `budget_mb / jobs`, so that `jobs` runs at a time stay within the budget (a shard holds at
    least one page), and into at least `jobs` shards when there are `min_pages_parallel`
    indexed pages or more.

    `pages`: the site's HTML files (relative paths), when the caller knows them (else the
    folder is searched); `weights`: what `indexed_text_bytes` gives for those already weighed
    (the render workers weigh the pages they make), which are then not read again."""
    if pages is None:
        pages = (path.relative_to(site_dir).as_posix() for path in site_dir.rglob("*.html"))
    files = sorted(pages, key=lambda rel: rel.split("/"))  # path order, as sorting Paths gives
    weights = weights or {}
    everything = [files]
    least = min_pages_parallel if jobs > 1 else None  # indexed pages from which shards run side by side

    def weight(rel: str) -> int | None:
        return weights[rel] if rel in weights else indexed_text_bytes((site_dir / rel).read_bytes())

    def most(rel: str) -> int:  # an upper bound of its indexed text, without reading it
        return (weights[rel] or 0) if rel in weights else (site_dir / rel).stat().st_size

    if (least is None or len(files) < least) and _estimate_mb(len(files), sum(most(rel) for rel in files)) <= budget_mb:
        return everything
    weighed = [(rel, text) for rel, text in ((rel, weight(rel)) for rel in files) if text is not None]
    side_by_side = least is not None and len(weighed) >= least
    if not weighed or (not side_by_side and _estimate_mb(len(weighed), sum(text for _, text in weighed)) <= budget_mb):
        return everything
    costs = [(rel, _estimate_mb(1, text) - _estimate_mb(0, 0)) for rel, text in weighed]
    limit = budget_mb / jobs - _estimate_mb(0, 0)
    count = max(len(_cut(costs, limit)), jobs if side_by_side else 1)
    # As many shards as filling each to the limit takes, but evened out (each closed shard holds
    # more than total/count, so there are no more of them), for runs side by side to end together.
    even = min(limit, sum(cost for _, cost in costs) / count + max(cost for _, cost in costs))
    return _cut(costs, even)


def _cut(costs: list[tuple[str, float]], limit: float) -> list[list[str]]:
    """Pages in order into shards, each filled until the next page would take it over `limit`."""
    shards: list[list[str]] = [[]]
    load = 0.0
    for rel, cost in costs:
        if shards[-1] and load + cost > limit:
            shards.append([])
            load = 0.0
        shards[-1].append(rel)
        load += cost
    return shards


def _estimate_mb(pages: int, text_bytes: int) -> float:
    """Pagefind 1.6's peak memory (MB) for a Chinese index of `pages` pages holding `text_bytes`
    of indexed text: linear in both, as fitted on Hugo's and bulletin's pages, with constants set
    above the fit so that a shard's peak stays under its estimate (benchmarks/search-index.md)."""
    return 40 + 0.06 * pages + 125 * text_bytes / 1e6


_INDEXED_MAIN = re.compile(rb"<main\b[^>]*\sdata-pagefind-body[\s=>]")
# An element marked data-pagefind-ignore up to its first closing tag: where the same tag nests
# inside, the rest still counts, so the estimate errs high, never low.
_TAG = re.compile(rb"<[^>]*>")


def indexed_text_bytes(html: bytes) -> int | None:
    """Bytes of text (tags and ignored parts dropped) in the indexed `<main>`, or None for a page
    not indexed. Text never holds a literal `<main`, so a page quoting the attribute is not
    mistaken."""
    found = _INDEXED_MAIN.search(html)
    if found is None:
        return None
    end = html.rfind(b"</main>")
    stop = end if end > found.start() else len(html)
    kept, at = [], found.end()
    for start, _opened, after in _ignored_spans(html, at, stop):
        kept.append(html[at:start])
        at = after
    kept.append(html[at:stop])
    return len(_TAG.sub(b"", b"".join(kept)))


def _shard_folder(number: int) -> str:
    return f"s{number}/" if number else ""


# --- running Pagefind ------------------------------------------------------------------------


def _index_shards(
    command: Path,
    site_dir: Path,
    shards: list[tuple[list[str], Path]],
    jobs: int,
    where: Callable[[str], Path],
) -> None:
    """Index each shard (its pages, the folder to write it to) with a Pagefind process of its
    own, `jobs` at a time, the biggest first (Pagefind answers one request after another, so two
    processes are what uses two cores). The first failure stops the other runs and is raised."""
    stop = threading.Event()
    if len(shards) == 1:
        _index_shard(command, site_dir, shards[0][0], shards[0][1], stop, where)
        return
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        runs = [
            pool.submit(_index_shard, command, site_dir, pages, folder, stop, where)
            for pages, folder in sorted(shards, key=lambda shard: -len(shard[0]))
        ]
        try:
            for run in as_completed(runs):
                run.result()
        finally:
            stop.set()  # after a failure or an interrupt, the runs still going end at their next look
            for run in runs:
                run.cancel()


def _index_shard(
    command: Path,
    site_dir: Path,
    pages: list[str],
    output: Path,
    stop: threading.Event,
    where: Callable[[str], Path],
) -> None:
    """Index `pages` (paths relative to `site_dir`, in this order) into `output`: one request a
    page carrying its path and its bytes, so Pagefind numbers the pages in this order whatever
    order the file system lists them in, and reads no page of another shard. (Handing it each
    page's path as a literal glob instead gives the same index but costs a glob compiled and a
    folder walked a page: about a third more CPU.)"""
    with _Service.start(command, site_dir, stop) as service:
        (created,) = service.ask([{"type": "NewIndex", "config": None}])
        index = created.get("index_id")
        if not isinstance(index, int):
            raise _failed(site_dir, f"Pagefind 的回答不合预期（{created}）；{RETRY_HINT}")
        added = service.ask([functools.partial(_add_file, index, where, rel) for rel in pages])
        missed = [rel for rel, answer in zip(pages, added) if answer.get("type") != "IndexedFile"]
        if missed:
            raise _failed(site_dir, f"Pagefind 没有读到 {len(missed)} 个页面（如 {missed[0]}）；{RETRY_HINT}")
        service.ask([{"type": "WriteFiles", "index_id": index, "output_path": str(output)}])
    if not (output / "pagefind.js").is_file():
        raise _failed(site_dir, f"Pagefind 没有写出 {output / 'pagefind.js'}；{RETRY_HINT}")


def _add_file(index: int, where: Callable[[str], Path], rel: str) -> dict[str, Any]:
    """The request that adds the page `rel` (read now, in the thread that writes requests: a
    shard's pages are never all in memory at once). Its URL comes from its path, as when
    Pagefind walks the folder itself."""
    html = where(rel).read_bytes().decode("utf-8", "replace")
    return {"type": "AddFile", "index_id": index, "file_path": rel, "url": None, "file_contents": html}


class _Stopped(Exception):
    """Another shard failed: this one was stopped, and the other's failure is the one to report."""


class _Service:
    """One Pagefind process in service mode: requests on its standard input and answers on its
    standard output, each a base64 JSON object followed by a comma, an answer carrying the
    number of its request; Pagefind answers them one after another, in order, and exits when
    its input closes. Use it as a context manager: leaving kills what is left of the process
    group and waits for it, whichever way the block is left.

    Written here rather than taken from PyPI's `pagefind` package, which wraps the same service:
    that awaits each answer before the next request, looking every 0.1 s, so a site of thousands
    of pages (a request a page) takes minutes; it starts and ends the process on its own terms,
    where the build must own its lifetime (killed with the build); and the binary it bundles is
    1.5.2, too old (MINIMUM_VERSION). Here one thread writes requests and another reads answers,
    so that all of a shard's requests are in flight at once and a wait can watch the clock and
    the disk meanwhile."""

    def __init__(self, process: subprocess.Popen[bytes], site_dir: Path, stop: threading.Event) -> None:
        self.process, self.site_dir, self.stop = process, site_dir, stop
        self.record: Path | None = None
        self.answers: dict[int, dict[str, Any]] = {}
        self.errors: list[str] = []  # what Pagefind answered with an error, in order
        self.heard = 0  # answers so far, of any kind
        self.ended = False  # its output is closed: the process is gone
        self.unsent: OSError | None = None  # why a request could not be written
        self.changed = threading.Condition()
        self.said: deque[str] = deque(maxlen=40)  # the end of its error output
        self.outbox: queue.SimpleQueue[Iterable[bytes] | None] = queue.SimpleQueue()
        self.next_id = 0
        self.closed = False
        self.threads = [
            threading.Thread(target=work, daemon=True) for work in (self._read, self._read_errors, self._write)
        ]

    @classmethod
    def start(cls, command: Path, site_dir: Path, stop: threading.Event) -> _Service:
        """Start Pagefind in its own process group, bound to die with this thread, and record it."""
        try:
            process = subprocess.Popen(
                [str(command), "--service"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,
                preexec_fn=_dies_with(os.getpid()),
                env={**os.environ, "RUST_BACKTRACE": "0"},  # a backtrace would push its message out of `said`
            )
        except OSError as exc:
            raise _failed(
                site_dir, f"无法启动 Pagefind（{command}）：{_describe(exc)}；{RETRY_HINT}", error=exc
            ) from exc
        service = cls(process, site_dir, stop)
        try:
            for thread in service.threads:
                thread.start()
            service.record = _write_record(site_dir, process.pid)
        except BaseException:
            service.close()
            raise
        return service

    def __enter__(self) -> _Service:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def ask(self, payloads: list[dict[str, Any] | Callable[[], dict[str, Any]]]) -> list[dict[str, Any]]:
        """Send `payloads` (each a request, or a function making it when it is sent) and return
        their answers, in order. Raises BuildFailed when Pagefind answers with an error, dies,
        says nothing for TIMEOUT seconds or fills the disk; _Stopped when another shard failed."""
        numbers = range(self.next_id, self.next_id + len(payloads))
        self.next_id += len(payloads)
        if not payloads:
            return []
        self.outbox.put(
            _message(number, payload() if callable(payload) else payload) for number, payload in zip(numbers, payloads)
        )
        self._await(numbers[-1])  # answers come in order: the last one answered means all are
        return [self.answers.pop(number) for number in numbers]

    def _await(self, number: int) -> None:
        heard, last_heard = self.heard, time.monotonic()
        full_since: float | None = None
        with self.changed:
            while True:
                if self.errors:
                    raise _failed(self.site_dir, f"Pagefind 报错：{self.errors[0]}；{RETRY_HINT}", self.errors[0])
                if number in self.answers:
                    return
                if self.ended or self.unsent is not None:
                    break  # the death is looked into without the lock, which the readers need to finish
                if self.stop.is_set():
                    raise _Stopped
                self.changed.wait(POLL_SECONDS)
                now = time.monotonic()
                if self.heard != heard:
                    heard, last_heard = self.heard, now
                elif now - last_heard >= TIMEOUT:
                    raise _failed(self.site_dir, f"Pagefind {TIMEOUT} 秒没有响应，已停止它；{RETRY_HINT}")
                left = _space_left(self.site_dir)
                if not _is_full(left):
                    full_since = None
                elif full_since is None:
                    full_since = now
                elif now - full_since >= FULL_SECONDS:
                    raise _disk_full(self.site_dir, left)
        raise self._death()

    def _death(self) -> BuildFailed:
        """Why the process is gone, from its exit status and the last of what it said."""
        self.close()
        code = self.process.returncode
        said = _last_words(self.said)
        how = f"被信号 {-code} 终止" if code is not None and code < 0 else f"退出码 {code}"
        if self.unsent is not None and (code == 0 or self.unsent.errno != errno.EPIPE):  # e.g. a page unreadable
            how = f"无法发送请求：{_describe(self.unsent)}"
        return _failed(self.site_dir, f"Pagefind 意外退出（{how}{'：' + said if said else ''}）；{RETRY_HINT}", said)

    def close(self) -> None:
        """Kill the process group if anything of it is left, wait for it, and remove the record."""
        if self.closed:
            return
        self.closed = True
        try:
            os.killpg(self.process.pid, signal.SIGKILL)  # the leader is not reaped yet: its number is still ours
        except (ProcessLookupError, PermissionError):
            pass
        self.process.wait()
        self.outbox.put(None)
        for thread in self.threads:
            if thread.ident is not None:
                thread.join(timeout=5)
        for pipe in (self.process.stdin, self.process.stdout, self.process.stderr):
            if pipe is not None:
                try:
                    pipe.close()
                except OSError:
                    pass  # what was left unwritten goes nowhere now
        if self.record is not None:
            try:
                self.record.unlink(missing_ok=True)
            except OSError:
                pass  # left for reap_orphans, which finds its owner gone

    def _write(self) -> None:
        stdin = self.process.stdin
        assert stdin is not None
        while (requests := self.outbox.get()) is not None:
            try:
                for request in requests:
                    stdin.write(request)
                stdin.flush()
            except (OSError, ValueError) as exc:  # it died (a broken pipe), the pipe was closed, a page unreadable
                with self.changed:
                    self.unsent = exc if isinstance(exc, OSError) else OSError(errno.EPIPE, str(exc))
                    self.changed.notify_all()
                return

    def _read(self) -> None:
        stdout = self.process.stdout
        assert stdout is not None
        pending = b""
        try:
            while chunk := os.read(stdout.fileno(), 1 << 16):
                *complete, pending = (pending + chunk).split(b",")
                if complete:
                    self._receive(complete)
        except (OSError, ValueError):
            pass  # closed under it: the process is gone either way
        with self.changed:
            self.ended = True
            self.changed.notify_all()

    def _receive(self, messages: list[bytes]) -> None:
        with self.changed:
            for message in messages:
                number, payload = _decoded(message)
                if number is None or payload.get("type") == "Error":
                    self.errors.append(str(payload.get("message", payload)))
                else:
                    self.answers[number] = payload
                self.heard += 1
            self.changed.notify_all()

    def _read_errors(self) -> None:
        stderr = self.process.stderr
        assert stderr is not None
        try:
            for line in stderr:
                self.said.append(line.decode("utf-8", "replace").rstrip())
        except (OSError, ValueError):
            pass


def _message(number: int, payload: dict[str, Any]) -> bytes:
    text = json.dumps({"message_id": number, "payload": payload}, ensure_ascii=False, separators=(",", ":"))
    return base64.b64encode(text.encode("utf-8")) + b","


def _decoded(message: bytes) -> tuple[int | None, dict[str, Any]]:
    """(request number, payload) of an answer; one that cannot be read is an error answer."""
    try:
        decoded = json.loads(base64.b64decode(message, validate=True))
        number, payload = decoded.get("message_id"), decoded["payload"]
        if isinstance(payload, dict) and (number is None or isinstance(number, int)):
            return number, payload
    except (ValueError, KeyError, AttributeError):
        pass
    return None, {"type": "Error", "message": f"无法读懂的回答 {message[:80]!r}"}


_NOISE = re.compile(r"note: |stack backtrace:|\s*\d+: |\s+at ")


def _last_words(lines: Iterable[str], count: int = 2) -> str:
    """The last lines of Pagefind's error output that say something: not Rust's hint to set
    RUST_BACKTRACE, nor a backtrace."""
    meaningful = [line.strip() for line in lines if line.strip() and not _NOISE.match(line)]
    return " ".join(meaningful[-count:])


def _describe(exc: OSError) -> str:
    return f"{exc.strerror or exc}（{exc.filename}）" if exc.filename else str(exc.strerror or exc)


_DISK_FULL_SIGNS = ("No space left on device", "os error 28", "StorageFull")


def _failed(site_dir: Path, cause: str, said: str = "", error: OSError | None = None) -> BuildFailed:
    """The build's failure for `cause`, unless anything shows that the disk is full: the error
    (ENOSPC), what Pagefind said, or the space left where the index is written."""
    left = _space_left(site_dir)
    if (
        (error is not None and error.errno == errno.ENOSPC)
        or any(sign in said for sign in _DISK_FULL_SIGNS)
        or _is_full(left)
    ):
        return _disk_full(site_dir, left)
    return BuildFailed(f"建立全文搜索索引失败：{cause}；网站未更新")


def _disk_full(site_dir: Path, left: tuple[int, int | None] | None) -> BuildFailed:
    detail = ""
    if left is not None:
        free, files = left
        detail = f"（剩余 {free / 2**20:.1f} MB"
        if free >= FULL_BYTES and files is not None and files < 1000:
            detail += f"，但只能再建 {files} 个文件"
        detail += "）"
    return BuildFailed(
        f"磁盘空间不足：建立全文搜索索引时 {site_dir.parent} 所在的磁盘已满{detail}，请清理磁盘后重新构建；网站未更新"
    )


def _space_left(folder: Path) -> tuple[int, int | None] | None:
    """(bytes, files) that can still be written on `folder`'s disk, as `df` and `df -i` show
    them (files None where the disk sets no number), or None where it cannot be told."""
    try:
        disk = os.statvfs(folder)
    except OSError:
        return None
    return disk.f_bavail * disk.f_frsize, (disk.f_favail if disk.f_files else None)


def _is_full(left: tuple[int, int | None] | None) -> bool:
    if left is None:
        return False
    free, files = left
    return free < FULL_BYTES or (files is not None and files < FULL_FILES)


# --- Pagefind's lifetime: bound to the build ---------------------------------------------------

_PR_SET_PDEATHSIG = 1


def _libc_prctl() -> Callable[..., int] | None:
    """libc's prctl, looked up here once: a child between fork and exec must not load anything."""
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # not Linux: the record and the kill on the way out remain
        return None


_PRCTL = _libc_prctl()
_SIGKILL = int(signal.SIGKILL)


def _dies_with(parent: int) -> Callable[[], None]:
    """What a Pagefind child runs before it starts: ask for SIGKILL when the thread that started
    it dies (the whole build, killed or not, takes its thread along), and exit at once if that
    already happened (then it would wait for nobody)."""

    def bind() -> None:
        if _PRCTL is not None:
            _PRCTL(_PR_SET_PDEATHSIG, _SIGKILL, 0, 0, 0)
        if os.getppid() != parent:
            os._exit(1)

    return bind


def _write_record(site_dir: Path, pid: int) -> Path:
    """`.<site folder>.pagefind-<pid>` beside the site folder: this process runs Pagefind as
    process group `pid` (written in one go; see `reap_orphans`)."""
    record = site_dir.parent / f".{site_dir.name}{RECORD_MARK}{pid}"
    record.write_text(json.dumps({"owner": os.getpid(), "pgid": pid}), encoding="utf-8")
    return record


def reap_orphans(parent: Path, name_prefix: str) -> int:
    """End the Pagefind runs that builds killed outright left behind (a SIGKILL gives no chance
    to clean up; PR_SET_PDEATHSIG and the end of Pagefind's input cover most, this the rest),
    from the records in `parent` of folders whose name starts with `name_prefix` (leading dots
    aside: `site.tmp-` matches the staging folder `.site.tmp-12-1`) whose owner is no longer
    alive. A group is killed only while its leader is still a Pagefind (`/proc/<pgid>/cmdline`),
    never a process that was given its number since. Returns how many were killed; the records
    are removed."""
    killed = 0
    prefix = name_prefix.lstrip(".")
    for record in parent.glob(f".*{RECORD_MARK}*"):
        folder, _, pid = record.name[1:].rpartition(RECORD_MARK)
        if not pid.isdigit() or not folder.lstrip(".").startswith(prefix):
            continue
        owner, pgid = _record(record, int(pid))
        if owner is not None and _alive(owner):
            continue
        leader = _is_pagefind(pgid)
        if leader is None:
            continue  # between fork and exec, or unreadable: looked at again by the next build
        if leader:
            try:
                os.killpg(pgid, signal.SIGKILL)
                killed += 1
            except (ProcessLookupError, PermissionError):
                pass
        record.unlink(missing_ok=True)
    return killed


def _record(record: Path, pid: int) -> tuple[int | None, int]:
    """(owner, process group) of a record; owner None when it cannot be read. One being written
    this very moment reads as owned by this process, which leaves it alone."""
    try:
        data = json.loads(record.read_text(encoding="utf-8"))
        return int(data["owner"]), int(data["pgid"])
    except (ValueError, KeyError, TypeError):
        try:
            fresh = time.time() - record.stat().st_mtime < 10
        except OSError:
            fresh = True
        return (os.getpid() if fresh else None), pid
    except OSError:
        return os.getpid(), pid  # gone meanwhile, or unreadable: not ours to judge


def _alive(pid: int) -> bool:
    """Whether process `pid` exists and has not died (a zombie waiting for its parent has)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return True
    return stat.rpartition(")")[2].split()[:1] != ["Z"]


def _is_pagefind(pid: int) -> bool | None:
    """Whether process `pid` runs Pagefind: False when it is gone or runs something else, None
    when that cannot be told now (an empty command line: a process in the middle of exec)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        return False
    except OSError:
        return None
    if not cmdline:  # a zombie (dead, not reaped yet) has none either: only a living one is in doubt
        try:
            state = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8", errors="replace").rpartition(")")[2].split()
        except OSError:
            return False
        return None if state[:1] not in (["Z"], ["X"]) else False
    return b"pagefind" in cmdline


# --- the instant name finder ------------------------------------------------------------------

_NO_PINYIN = "\0"


@functools.lru_cache(maxsize=65536)  # names repeat across rebuilds in one process (the edit loop)
def pinyin(name: str) -> tuple[str, str]:
    """(initials, full pinyin) of a name, lowercase, without separators: 福海花园 → (fhhy, fuhaihuayuan)."""
    # Imported here: loading pypinyin's phrase dictionary takes a while, which a one-shot build
    # spends while its content is read in a child process (see pipeline), not before.
    from pypinyin import Style, lazy_pinyin

    # One conversion (the slow part: phrases decide how a character reads): the initials are the
    # syllables' first letters, and what has no pinyin (marked by `errors`) stays whole, as
    # Style.FIRST_LETTER gives them.
    items = lazy_pinyin(name, style=Style.NORMAL, errors=lambda chars: _NO_PINYIN + chars)
    full = [item.removeprefix(_NO_PINYIN) for item in items]
    initials = [item[1:] if item.startswith(_NO_PINYIN) else item[:1] for item in items]
    squash = lambda parts: re.sub(r"[^0-9a-z]", "", "".join(parts).lower())  # noqa: E731
    return squash(initials), squash(full)


NAMES_TABLE = "search/names.json"  # the name finder's table of keys: what every search box loads first
NAMES_DIR = "search/names"  # a district's names: <id>.json; the whole site's, by key: z/<hex>.json, l/<hex>.json
NAMES_SHOWN = 8  # names a box lists (MAX_NAMES in templates/static/search.js): a common key's file holds these
# The most a key's file of names may weigh; a key whose names weigh more gets a file of its answer
# (the count and the first NAMES_SHOWN) instead, and longer keys that contain it are made.
NAMES_FILE_BYTES = 96 * 1024
_NAME_FIELDS = ("name", "kind", "url", "where", "initials", "pinyin")  # a name's fields in the files, in order
# What search.js's normalise() removes (JavaScript's \s and the separators it lists), after lowering.
_UNMATCHED = re.compile("[\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff'’·・\\-_]")
_LATIN = re.compile("[a-z0-9]+")


def normalise(text: str) -> str:
    """What search.js's normalise() makes of a name or a query."""
    return _UNMATCHED.sub("", text.lower())


def name_entries(site: Site) -> list[tuple[tuple[str, ...], dict[str, str]]]:
    """Every district, street, community, compound and company the finder knows, in the order
    that breaks its ties: ((the districts it lies in), {name, kind, url, where, initials, pinyin})."""
    entries: list[tuple[tuple[str, ...], dict[str, str]]] = []
    district_of_street = {street.id: district.id for district in site.districts.values() for street in district.streets}
    served: dict[str, set[str]] = {}  # company → the districts of the compounds it manages

    def add(areas: tuple[str, ...], name: str, kind: str, url: str, where: str) -> None:
        initials, full = pinyin(name)
        entry = {"name": name, "kind": kind, "url": url, "where": where, "initials": initials, "pinyin": full}
        entries.append((areas, entry))

    for c in site.compounds.values():
        community = site.communities[c.community]
        area = district_of_street[community.street]
        if c.company is not None:
            served.setdefault(c.company, set()).add(area)
        add((area,), c.name, "小区", urls.url_compound(c.id), f"{site.streets[community.street].name}{community.name}")
    for community in site.communities.values():
        street = site.streets[community.street]
        add(
            (street.district,),
            community.name,
            "社区",
            urls.url_community(community.id),
            f"{site.districts[street.district].name}{street.name}",
        )
    for company in site.companies.values():
        add(tuple(sorted(served.get(company.id, ()))), company.name, "物业企业", urls.url_company(company.id), "")
    for district in site.districts.values():
        add((district.id,), district.name, "区（市）", urls.url_district(district.id), "")
        for street in district.streets:
            add((district.id,), street.name, "街道", urls.url_street(district.id, street.id), district.name)
    return entries


def name_index(site: Site) -> bytes:
    """The whole list the finder matches, as JSON (not published: `name_indexes` cuts it by key)."""
    return _names_json([entry for _, entry in name_entries(site)])


def name_indexes(site: Site) -> dict[str, bytes]:
    """Every file of the instant name finder, by path in the site.

    **A district** (`search/names/<id>.json`): the district itself, its streets, communities and
    compounds, and the companies that manage a compound in it, in the order of the whole list,
    each as the list of its fields (`_NAME_FIELDS`); the search page opened for a district loads
    it and matches in the browser.

    **The whole site**, by key (`whole_site_names`): `search/names.json`, the table every search box
    loads first, and a small file per key, so that a first query fetches the table and one file
    whatever the size of the site, and finds exactly what matching the whole list would."""
    entries = name_entries(site)
    files = whole_site_names([entry for _, entry in entries])
    for district_id in site.districts:
        rows = [_compact([e[field] for field in _NAME_FIELDS]) for areas, e in entries if district_id in areas]
        files[f"{NAMES_DIR}/{district_id}.json"] = ("[" + ",".join(rows) + "]\n").encode("utf-8")
    return files


def whole_site_names(entries: list[dict[str, str]], limit: int | None = None) -> dict[str, bytes]:
    """The whole list cut by key, so that the browser fetches little of it for any query.

    search.js matches a query `q` (lowered, without spaces and separators) against a name as
    `match_rank` states: a query of Latin letters and digits only (family `l`) matches the name,
    its pinyin initials or its full pinyin, any other (family `z`) the name alone. So every name
    `q` finds holds every piece of `q` in one of those strings, and the names holding a piece `g`
    (`g`'s names) include all that `q` finds. Keys, in each family: every character of the
    strings, and every piece one longer than two *common* keys (its beginning and its end) that
    some string holds. A key whose names weigh at most `limit` bytes (NAMES_FILE_BYTES) gets a
    file of them all (`search/names/<family>/<hex of its UTF-8>.json`: each name's fields as a
    list, in the whole list's order, which breaks ranking ties); a common key gets a file of its
    answer instead (`{"count": n, "names": [the first NAMES_SHOWN]}`).

    The table (`search/names.json`: `{"format": 2, "z": {key: n}, "l": {key: n}}`, n the key's
    names, 0 for a common key) tells the browser which file answers `q`: `q`'s own when `q` is a
    key; else that of the key with the fewest names among the pieces of `q` (walking from each
    start of `q` along common keys, the only ones a key grows from); and when there is none, no
    name holds `q` (the shortest piece of `q` that is not a common key would be a key with a file
    of names). Keys, files and table are functions of the list alone, in sorted order: the same
    names give the same bytes, and an edit of one name rewrites the table and the files of the
    keys that name holds or held, no other."""
    limit = NAMES_FILE_BYTES if limit is None else limit
    files: dict[str, bytes] = {}
    table: dict[str, dict[str, int]] = {}
    normalised = [normalise(entry["name"]) for entry in entries]
    lengths = [_js_length(entry["name"]) for entry in entries]
    for family in ("z", "l"):
        width = 4 if family == "z" else 6  # a `z` query never reads the pinyin: its files leave it out
        rows = [_compact([entry[field] for field in _NAME_FIELDS[:width]]) for entry in entries]
        alike: dict[tuple[str, ...], list[int]] = {}  # names matched and ranked alike: a group
        for position, entry in enumerate(entries):
            same = (normalised[position], str(lengths[position]))
            alike.setdefault(same if family == "z" else (*same, entry["initials"], entry["pinyin"]), []).append(
                position
            )
        # Groups numbered by (length, first name): matchNames' order within a rank
        members = sorted(alike.values(), key=lambda names: (lengths[names[0]], names[0]))
        groups = _Groups(family, members, [entries[names[0]] for names in members], normalised, lengths)
        weights = [sum(len(rows[i].encode("utf-8")) + 1 for i in names) for names in members]
        listed: dict[str, int] = {}
        for key, (held_by, common) in sorted(_keys(groups.strings, weights, limit).items()):
            path = f"{NAMES_DIR}/{family}/{key.encode('utf-8').hex()}.json"
            if not common:
                positions = sorted(i for group in held_by for i in members[group])
                listed[key] = len(positions)
                files[path] = ("[" + ",".join(rows[i] for i in positions) + "]\n").encode("utf-8")
                continue
            listed[key] = 0
            if family == "l" or not _LATIN.fullmatch(key):  # (a Latin query is never a `z` query)
                count, first = groups.answer(key, held_by)
                files[path] = f'{{"count":{count},"names":[{",".join(rows[i] for i in first)}]}}\n'.encode()
        table[family] = listed
    files[NAMES_TABLE] = _compact({"format": 2, "z": table["z"], "l": table["l"]}).encode("utf-8") + b"\n"
    return files


class _Groups:
    """One family's groups of names (numbered in matchNames' order within a rank), their
    strings, and what answers a common key's query."""

    def __init__(
        self,
        family: str,
        members: list[list[int]],
        firsts: list[dict[str, str]],
        normalised: list[str],
        lengths: list[int],
    ):
        self.family, self.members = family, members
        self.sizes = [len(names) for names in members]
        self.names = [normalised[names[0]] for names in members]
        self.lengths = [lengths[names[0]] for names in members]
        if family == "z":
            self.strings: list[tuple[str, ...]] = [(name,) if name else () for name in self.names]
        else:
            self.strings = [
                tuple(s for s in (*_LATIN.findall(name), entry["initials"], entry["pinyin"]) if s)
                for name, entry in zip(self.names, firsts)
            ]
        # Sorted strings with their group, to find those that start with a query (ranks 0 and 2)
        self.by_name = sorted((name, group) for group, name in enumerate(self.names))
        self.by_pinyin = sorted(
            (text, group) for group, entry in enumerate(firsts) for text in {entry["initials"], entry["pinyin"]}
        )
        self.latin_named = [group for group, name in enumerate(self.names) if _LATIN.search(name)]

    def answer(self, query: str, held_by: list[int]) -> tuple[int, list[int]]:
        """(how many names the query finds: those of `held_by`, the positions of the first
        NAMES_SHOWN in matchNames' order). The names of a group rank alike, so the first come from
        the first NAMES_SHOWN groups by (rank, group), which are among each rank's first."""
        first = NAMES_SHOWN
        start = set(_starting(self.by_name, query))  # rank 0
        if self.family == "z":
            contain: set[int] = set()  # rank 1: every other group holding it
            pinyin: set[int] = set()
        else:
            contain = {g for g in self.latin_named if self.names[g].find(query) > 0}
            pinyin = set(_starting(self.by_pinyin, query)) - start - contain
        known = start | contain | pinyin
        rest = []  # the last rank (1 in `z`, 3 in `l`): the first groups holding it that no other rank took
        for group in held_by:
            if group not in known:
                rest.append(group)
                if len(rest) == first:
                    break
        last = 1 if self.family == "z" else 3
        ranked = [(0, g) for g in heapq.nsmallest(first, start)]
        ranked += [(1, g) for g in heapq.nsmallest(first, contain)] + [(2, g) for g in heapq.nsmallest(first, pinyin)]
        ranked += [(last, g) for g in rest]
        shown = heapq.nsmallest(first, ranked)
        order = sorted((rank, self.lengths[group], i) for rank, group in shown for i in self.members[group])
        return sum(map(self.sizes.__getitem__, held_by)), [i for _rank, _length, i in order[:first]]


def _starting(ordered: list[tuple[str, int]], prefix: str) -> Iterable[int]:
    """The groups of the strings in `ordered` that start with `prefix`."""
    at = bisect.bisect_left(ordered, (prefix,))
    while at < len(ordered) and ordered[at][0].startswith(prefix):
        yield ordered[at][1]
        at += 1


def _keys(strings: list[tuple[str, ...]], weights: list[int], limit: int) -> dict[str, tuple[list[int], bool]]:
    """Every key of one family (see `whole_site_names`): key → (the groups holding it, in
    order; whether it is common). Every suffix of every string, sorted, puts the places of a key
    side by side, so its groups are a slice; keys are grown a character a round, from common ones."""
    ordered = sorted(
        (text[start:], group) for group, held in enumerate(strings) for text in held for start in range(len(text))
    )
    suffixes = [suffix for suffix, _group in ordered]
    owners = [group for _suffix, group in ordered]
    del ordered
    keys: dict[str, tuple[list[int], bool]] = {}
    level = [("", 0, len(suffixes))]  # the common keys of the last round with their slices; "" holds all
    common = {""}
    while level:
        grown, now_common = [], set()
        for key, low, high in level:
            length = len(key)
            at = bisect.bisect_right(suffixes, key, low, high)  # (the suffix that is the key itself comes first)
            while at < high:
                piece = suffixes[at][: length + 1]
                end = bisect.bisect_right(suffixes, piece, at, high, key=lambda suffix: suffix[: length + 1])
                if piece[1:] in common:
                    groups = sorted(set(owners[at:end]))
                    is_common = sum(map(weights.__getitem__, groups)) > limit
                    keys[piece] = (groups, is_common)
                    if is_common:
                        now_common.add(piece)
                        grown.append((piece, at, end))
                at = end
        level, common = grown, now_common
    return keys


def match_rank(query: str, name: str, initials: str, full: str) -> int | None:
    """How search.js's matchNames ranks a name (normalised) for a normalised query (None: no
    match): 0 the name starts with it, 1 holds it, and for a Latin query 2 the initials or pinyin
    start with it, 3 hold it; within a rank shorter names (by JavaScript's length) first, then
    the whole list's order."""
    at = name.find(query)
    if at == 0:
        return 0
    if at > 0:
        return 1
    if _LATIN.fullmatch(query):
        if initials.startswith(query) or full.startswith(query):
            return 2
        if query in initials or query in full:
            return 3
    return None


def _js_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2  # JavaScript's String.length


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _names_json(entries: list[dict[str, str]]) -> bytes:
    return (json.dumps(entries, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
