"""Search: the full-text index (Pagefind) and the instant name finder's index.

Full text: `locate_pagefind(content_dir)` finds the Pagefind command before anything is rendered
(the search page says whether full-text search exists), and `index_site(site_dir, pagefind)` runs
it over the finished output folder — the temporary one, before it replaces the published site —
writing `pagefind/` inside it. Pagefind must be the npm release 1.6 or later: the PyPI 1.5.2
build splits a Chinese query into single characters in the browser (红黑榜 finds one page of
five). Where Pagefind is missing or too old the build still succeeds: `Pagefind.problem` says why
in Chinese and the search page offers the directories instead. Which parts of a page are indexed
is decided by the templates (`data-pagefind-body` on `<main>`, `data-pagefind-ignore` on noise).

Names: `name_index(site)` is the small JSON the instant box on the home and search pages
matches in the browser: every district, street, community, compound and company with its kind,
URL, the area it belongs to, and its pinyin (initials and full, computed here with pypinyin), so
that 福海, fhhy and fuhai all find 福海花园.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from pypinyin import Style, lazy_pinyin

from . import urls
from .models import Site

MINIMUM_VERSION = (1, 6, 0)
OUTPUT_SUBDIR = "pagefind"
REPO = Path(__file__).resolve().parent.parent
INSTALL_HINT = "请在项目目录运行 npm ci --omit=dev 安装 Pagefind 1.6 或更新版本，或用环境变量 BULLETIN_PAGEFIND 指定它的位置"


@dataclass(frozen=True)
class Pagefind:
    """The Pagefind command to run (`path`), or why full-text search is unavailable (`problem`)."""

    path: Path | None
    problem: str | None = None

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
            return _checked(candidate)
    on_path = shutil.which("pagefind", path=env.get("PATH"))
    if on_path:
        return _checked(Path(on_path))
    return Pagefind(None, f"未找到 Pagefind，本次构建没有全文搜索（搜索页只提供目录链接）；{INSTALL_HINT}")


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
        return Pagefind(None, f"无法运行 Pagefind（{path}）：{exc}；本次构建没有全文搜索")
    except subprocess.TimeoutExpired:
        return Pagefind(None, f"Pagefind（{path}）没有响应；本次构建没有全文搜索")
    found = re.search(r"(\d+)\.(\d+)\.(\d+)", done.stdout)
    if done.returncode != 0 or not found:
        return Pagefind(None, f"无法运行 Pagefind（{path}）；本次构建没有全文搜索；{INSTALL_HINT}")
    version = tuple(int(part) for part in found.groups())
    if version < MINIMUM_VERSION:
        return Pagefind(None, f"Pagefind {found.group(0)}（{path}）版本过旧，中文搜索词会被拆成单字，"
                              f"本次构建没有全文搜索；{INSTALL_HINT}")
    return Pagefind(path)


def index_site(site_dir: Path, pagefind: Pagefind) -> list[str]:
    """Write the full-text index into `site_dir/pagefind/`. Returns warnings (Chinese), if any;
    a failed run leaves no partial index behind."""
    if not pagefind.ready:
        return []
    command = [str(pagefind.path), "--site", str(site_dir), "--output-subdir", OUTPUT_SUBDIR, "--quiet"]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=600)
        failure = None if done.returncode == 0 else (done.stderr or done.stdout).strip().splitlines()[-1:]
    except (OSError, subprocess.TimeoutExpired) as exc:
        failure = [str(exc)]
    if failure is None and (site_dir / OUTPUT_SUBDIR / "pagefind.js").is_file():
        return []
    shutil.rmtree(site_dir / OUTPUT_SUBDIR, ignore_errors=True)
    detail = "；".join(failure or ["没有生成索引"])
    return [f"Pagefind 建立全文搜索索引失败（{detail}），本次构建没有全文搜索"]


# --- the instant name finder ------------------------------------------------------------------

@functools.lru_cache(maxsize=65536)  # names repeat across rebuilds in one process (the edit loop)
def pinyin(name: str) -> tuple[str, str]:
    """(initials, full pinyin) of a name, lowercase, without separators: 福海花园 → (fhhy, fuhaihuayuan)."""
    full = lazy_pinyin(name, style=Style.NORMAL, errors="default")
    initials = lazy_pinyin(name, style=Style.FIRST_LETTER, errors="default")
    squash = lambda parts: re.sub(r"[^0-9a-z]", "", "".join(parts).lower())  # noqa: E731
    return squash(initials), squash(full)


def name_index(site: Site) -> bytes:
    """The instant finder's JSON: a list of {name, kind, url, where, initials, pinyin}."""
    entries = []

    def add(name: str, kind: str, url: str, where: str) -> None:
        initials, full = pinyin(name)
        entries.append({"name": name, "kind": kind, "url": url, "where": where,
                        "initials": initials, "pinyin": full})

    for c in site.compounds.values():
        community = site.communities[c.community]
        add(c.name, "小区", urls.url_compound(c.id), f"{site.streets[community.street].name}{community.name}")
    for c in site.communities.values():
        street = site.streets[c.street]
        add(c.name, "社区", urls.url_community(c.id), f"{site.districts[street.district].name}{street.name}")
    for c in site.companies.values():
        add(c.name, "物业企业", urls.url_company(c.id), "")
    for district in site.districts.values():
        add(district.name, "区（市）", urls.url_district(district.id), "")
        for street in district.streets:
            add(street.name, "街道", urls.url_street(district.id, street.id), district.name)
    return (json.dumps(entries, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
