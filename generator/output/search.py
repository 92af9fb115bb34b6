"""Search: the full-text index (Pagefind) and the instant name finder's index.

Full text: `locate_pagefind(content_dir)` finds the Pagefind command before anything is rendered
(the search page says whether full-text search exists), and `index_site(site_dir, pagefind)` runs
it over the finished output folder — the temporary one, before it replaces the published site —
writing `pagefind/` inside it; in shards (`pagefind/s1/`, …, merged by the search page) when one
index of the whole site would need more memory than a bounded budget. Pagefind must be the npm
release 1.6 or later: the PyPI 1.5.2 build splits a Chinese query into single characters in the
browser (红黑榜 finds one page of five). Where Pagefind is missing or too old the build still
succeeds: `Pagefind.problem` says why in Chinese and the search page offers the directories
instead. Which parts of a page are indexed
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
import tempfile
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ..domain.models import Site
from . import urls

MINIMUM_VERSION = (1, 6, 0)
OUTPUT_SUBDIR = "pagefind"
SHARDS_FILE = "shards.json"  # in OUTPUT_SUBDIR: the shards the search page merges
# The estimated Pagefind peak of the runs at a time (see _estimate_mb) is what the generator's
# own memory leaves of TOTAL_MB (the whole build's target peak), never below SHARD_BUDGET_MB:
# one index of a province-size site would need many times that (benchmarks/search-index.md).
TOTAL_MB = 2048
MARGIN_MB = 192  # what the estimate may miss, and the generator's own growth meanwhile
SHARD_BUDGET_MB = 512
JOBS = min(2, os.cpu_count() or 1)  # Pagefind runs at a time when sharding: it mostly uses one core
# From this many indexed pages on, the index is built as (at least) JOBS shards side by side even
# when one would fit: Pagefind mostly uses one core, so two runs side by side take about half the
# time, at the cost of a few more requests for the first search (benchmarks/search-index.md).
PARALLEL_MIN_PAGES = 2000
REPO = Path(__file__).resolve().parent.parent.parent
INSTALL_HINT = (
    "请在项目目录运行 npm ci --omit=dev 安装 Pagefind 1.6 或更新版本，或用环境变量 BULLETIN_PAGEFIND 指定它的位置"
)


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
        return Pagefind(None, f"无法运行 Pagefind（{path}）：{exc}；本次构建没有全文搜索")
    except subprocess.TimeoutExpired:
        return Pagefind(None, f"Pagefind（{path}）没有响应；本次构建没有全文搜索")
    found = re.search(r"(\d+)\.(\d+)\.(\d+)", done.stdout)
    if done.returncode != 0 or not found:
        return Pagefind(None, f"无法运行 Pagefind（{path}）；本次构建没有全文搜索；{INSTALL_HINT}")
    version = tuple(int(part) for part in found.groups())
    if version < MINIMUM_VERSION:
        return Pagefind(
            None,
            f"Pagefind {found.group(0)}（{path}）版本过旧，中文搜索词会被拆成单字，"
            f"本次构建没有全文搜索；{INSTALL_HINT}",
        )
    return Pagefind(path)


def index_site(
    site_dir: Path,
    pagefind: Pagefind,
    budget_mb: float | None = None,
    jobs: int | None = None,
    pages: Iterable[str] | None = None,
    weights: Mapping[str, int | None] | None = None,
) -> list[str]:
    """Write the full-text index into `site_dir/pagefind/`. Returns warnings (Chinese), if any;
    a failed run leaves no partial index behind.

    Pagefind holds a whole index in memory until it writes it, so a site whose pages would need
    more than `budget_mb` (default $BULLETIN_SEARCH_SHARD_MB or SHARD_BUDGET_MB) is indexed in
    shards, `jobs` Pagefind runs at a time (default JOBS), each within its share of the budget:
    the first shard into `pagefind/`, the others into `pagefind/s1/`, `pagefind/s2/`, … (see
    `plan_shards`). `pagefind/shards.json` lists the others (`{"merge": ["s1/", …]}`, empty for
    a single index); the search page merges them into the first with Pagefind's mergeIndex, so
    one query searches every published page. `pages` and `weights`: see `plan_shards`."""
    if not pagefind.ready:
        return []
    output = site_dir / OUTPUT_SUBDIR
    budget = shard_budget_mb() if budget_mb is None else budget_mb
    jobs = jobs or JOBS
    shards = plan_shards(site_dir, budget, jobs, min_pages_parallel=PARALLEL_MIN_PAGES, pages=pages, weights=weights)
    try:
        if len(shards) <= 1:
            failures = [_run_pagefind(pagefind, site_dir, output)]
        else:
            with ThreadPoolExecutor(max_workers=jobs) as pool:
                failures = list(
                    pool.map(
                        lambda numbered: _index_shard(
                            pagefind, site_dir, numbered[1], output / _shard_folder(numbered[0])
                        ),
                        enumerate(shards),
                    )
                )
        failure = next((f for f in failures if f is not None), None)
        if failure is None and not (output / "pagefind.js").is_file():
            failure = ["没有生成索引"]
        if failure is None:
            merge = [_shard_folder(number) for number in range(1, len(shards))]
            (output / SHARDS_FILE).write_text(json.dumps({"merge": merge}) + "\n", encoding="utf-8")
            return []
    except OSError as exc:
        failure = [str(exc)]
    shutil.rmtree(output, ignore_errors=True)
    return [f"Pagefind 建立全文搜索索引失败（{'；'.join(failure)}），本次构建没有全文搜索"]


def shard_budget_mb(env: Mapping[str, str] | None = None, own_mb: float | None = None) -> float:
    """$BULLETIN_SEARCH_SHARD_MB if it is a positive number; else what this process's resident
    memory (`own_mb`, read from /proc when not given) leaves of TOTAL_MB less MARGIN_MB, but at
    least SHARD_BUDGET_MB."""
    value = (os.environ if env is None else env).get("BULLETIN_SEARCH_SHARD_MB", "")
    try:
        number = float(value)
    except ValueError:
        number = 0
    if number > 0:
        return number
    own = _own_rss_mb() if own_mb is None else own_mb
    return max(SHARD_BUDGET_MB, TOTAL_MB - own - MARGIN_MB)


def _own_rss_mb() -> float:
    """Resident memory of this process in MB (Linux /proc; elsewhere assume a big one)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return TOTAL_MB


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
_IGNORED = re.compile(rb"<([a-z][a-z0-9]*)\b[^>]*\sdata-pagefind-ignore[\s=>].*?</\1>", re.S)
_TAG = re.compile(rb"<[^>]*>")


def indexed_text_bytes(html: bytes) -> int | None:
    """Bytes of text (tags and ignored parts dropped) in the indexed `<main>`, or None for a page
    not indexed. Text never holds a literal `<main`, so a page quoting the attribute is not
    mistaken."""
    found = _INDEXED_MAIN.search(html)
    if found is None:
        return None
    end = html.rfind(b"</main>")
    main = html[found.end() : end if end > found.start() else len(html)]
    return len(_TAG.sub(b"", _IGNORED.sub(b"", main)))


def _shard_folder(number: int) -> str:
    return f"s{number}/" if number else ""


def _index_shard(pagefind: Pagefind, site_dir: Path, pages: list[str], output: Path) -> list[str] | None:
    """Index `pages` alone: Pagefind reads a folder, so it gets a temporary one beside the site
    holding hard links to them (copies where links are refused) at the same relative paths, which
    keeps every result's URL."""
    tree = Path(tempfile.mkdtemp(prefix=f".{site_dir.name}-index-", dir=site_dir.parent))
    try:
        for rel in pages:
            target = tree / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(site_dir / rel, target)
            except OSError:
                shutil.copyfile(site_dir / rel, target)
        return _run_pagefind(pagefind, tree, output)
    finally:
        shutil.rmtree(tree, ignore_errors=True)


def _run_pagefind(pagefind: Pagefind, site: Path, output: Path) -> list[str] | None:
    """Run Pagefind over `site` writing into `output`; None, or why it failed."""
    command = [str(pagefind.path), "--site", str(site), "--output-path", str(output), "--quiet"]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return [str(exc)]
    if done.returncode != 0:
        return (done.stderr or done.stdout).strip().splitlines()[-1:] or [f"退出码 {done.returncode}"]
    return None


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


def name_index(site: Site) -> bytes:
    """The instant finder's JSON: a list of {name, kind, url, where, initials, pinyin}."""
    entries = []

    def add(name: str, kind: str, url: str, where: str) -> None:
        initials, full = pinyin(name)
        entries.append({"name": name, "kind": kind, "url": url, "where": where, "initials": initials, "pinyin": full})

    for c in site.compounds.values():
        community = site.communities[c.community]
        add(c.name, "小区", urls.url_compound(c.id), f"{site.streets[community.street].name}{community.name}")
    for community in site.communities.values():
        street = site.streets[community.street]
        add(
            community.name,
            "社区",
            urls.url_community(community.id),
            f"{site.districts[street.district].name}{street.name}",
        )
    for company in site.companies.values():
        add(company.name, "物业企业", urls.url_company(company.id), "")
    for district in site.districts.values():
        add(district.name, "区（市）", urls.url_district(district.id), "")
        for street in district.streets:
            add(street.name, "街道", urls.url_street(district.id, street.id), district.name)
    return (json.dumps(entries, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
