"""A resident's first search, measured in Chromium: bytes fetched and time to results.

    python benchmarks/search_first_query.py SITE [--area ID ...] [--query Q ...] [--runs N]
    python benchmarks/search_first_query.py SITE --names [--query Q ...] [--runs N]
    python benchmarks/search_first_query.py SITE --compare WHOLE.json [--sample N]
    python benchmarks/search_first_query.py SITE --rank ONE [--query Q ...]

Serves the built SITE from 127.0.0.1 (Python's http.server, no compression: the bytes are what
the files weigh) and, for each area (a district id; default: the first three districts the
index lists) and query (default: 物业, 维修资金, 红黑榜), opens the search page as a district
page's box opens it (`/search/?area=<id>`) in a fresh browser context (nothing cached), then
types the query into the box and waits until the results (or 没有找到) are shown. It prints, for
that district's scope and for the whole site (the same query after 搜索全部 in another fresh
context, i.e. `/search/` without an area), the requests made from the first keystroke on, their
bytes (bodies and headers, as Chromium's network log counts them), the largest requests, and
the milliseconds from the keystroke to the results, which include the box's 200 ms pause before
it searches. Chromium is the system's (`chromium`), or $BULLETIN_CHROMIUM.

With --names, the instant name finder instead (default queries: a common character, a name, a
long name, initials, full pinyin, one letter, nothing): the home page's box and the search page's
(the whole site's names), each query in a fresh context, from focusing the box (which fetches
search.js) to the names shown; the query is filled in at once, so one search runs. Requests and
bytes are the name finder's own (search.js and the names files; the search page fetches Pagefind
beside them).

With --compare, no timing: search.js's findNames (the table and the keyed files of SITE) against
its matchNames over WHOLE.json (the whole list of names, as `search.name_index` makes it or an
earlier build published it as search/names.json) for every query tests/test_names_finder.py
makes of N random names (default 150; seed 7): the count and the names shown must be the same.

With --rank, the full-text results of a search of the whole site (every result, 显示更多结果
pressed until it goes) on SITE and on ONE, the same content built as one index
(`search.PARTITIONED = False`): per query, the pages found, whether the sets and the orders are
the same, from which place on they differ, and the largest move of a page.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from browserkit import all_result_urls  # (the tests' own 显示更多结果 loop)

DONE = (  # the results (or 没有找到) for the whole query, not for what was typed of it so far
    "(q) => { const s = document.querySelector('[data-fulltext-results] .finder-status');"
    " return !!s && s.textContent.includes('“' + q + '”') && !s.textContent.startsWith('正在'); }"
)


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve(root: Path) -> tuple[ThreadingHTTPServer, str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(root)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}"


def first_query(browser, base: str, query: str, area: str | None) -> dict:
    """One fresh context: open the search page, type `query`, wait for the results."""
    context = browser.new_context(viewport={"width": 375, "height": 812})
    page = context.new_page()
    page.goto(base + "/search/" + (f"?area={area}" if area else ""))
    page.wait_for_load_state("networkidle")
    requests: list = []
    context.on("requestfinished", lambda request: requests.append(request))
    started = time.perf_counter()
    page.type("#q", query)
    page.wait_for_function(DONE, arg=query, timeout=120_000)
    elapsed = (time.perf_counter() - started) * 1000
    status = page.eval_on_selector("[data-fulltext-results] .finder-status", "s => s.textContent")
    page.wait_for_timeout(300)  # the last fragments of the first results may still arrive
    rows = []
    for request in requests:
        sizes = request.sizes()
        rows.append((urlsplit(request.url).path, sizes["responseBodySize"] + sizes["responseHeadersSize"]))
    context.close()
    return {"ms": elapsed, "bytes": sum(size for _, size in rows), "requests": rows, "status": status}


NAMES_DONE = (  # the names (or 没有名称包含…) shown for what was filled in
    "() => { const s = document.querySelector('[data-names-results] .finder-status');"
    " return !!s && s.textContent.length > 0; }"
)


def first_names_query(browser, base: str, path: str, query: str) -> dict:
    """One fresh context: open `path`, focus its name finder, fill in `query`, wait for the names."""
    context = browser.new_context(viewport={"width": 375, "height": 812})
    page = context.new_page()
    page.goto(base + path)
    page.wait_for_load_state("networkidle")
    requests: list = []
    context.on("requestfinished", lambda request: requests.append(request))
    box = "form[data-search-box] input[name=q]"
    started = time.perf_counter()
    page.focus(box)
    page.fill(box, query)
    page.wait_for_function(NAMES_DONE, timeout=120_000)
    elapsed = (time.perf_counter() - started) * 1000
    status = page.eval_on_selector("[data-names-results] .finder-status", "s => s.textContent")
    first = page.eval_on_selector_all("[data-names-results] li a", "links => links.map(a => a.textContent)")[:1]
    rows = []
    for request in requests:
        sizes = request.sizes()
        rows.append((urlsplit(request.url).path, sizes["responseBodySize"] + sizes["responseHeadersSize"]))
    context.close()
    # The name finder's own: search.js and the names files (the search page runs Pagefind beside it)
    rows = [(p, size) for p, size in rows if p.startswith(("/search/names", "/static/search."))]
    return {"ms": elapsed, "bytes": sum(size for _, size in rows), "requests": rows, "status": status, "first": first}


def names_table(browser, base: str, queries: list[str], runs: int) -> None:
    print("| page | query | requests | KB | ms to names | what it said | first |\n|---|---|---:|---:|---:|---|---|")
    for path in ("/", "/search/"):
        for query in queries:
            best, cells = _summary([first_names_query(browser, base, path, query) for _ in range(runs)], 24)
            print(f"| {path} | {query} | {cells} | {''.join(best['first'])} |")


def compare(browser, base: str, whole_file: Path, sample: int) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from test_names_finder import COMPARE, queries_of

    whole = json.loads(whole_file.read_text(encoding="utf-8"))
    queries = queries_of(random.Random(7).sample(whole, min(sample, len(whole))))
    page = browser.new_page()
    page.goto(base + "/search/")
    script = page.get_attribute("form[data-search-box]", "data-script")
    started = time.perf_counter()
    compared = page.evaluate(COMPARE, [script, whole, queries])
    wrong = [(query, old, new) for query, old, new in compared if old != new]
    print(f"{len(compared)} queries in {time.perf_counter() - started:.0f} s: {len(wrong)} differ")
    for query, old, new in wrong[:10]:
        print(f"  {query!r}: whole list {old[0]} {old[1][:2]}, files {new[0]} {new[1][:2]}")


RANK_QUERIES = [
    "红黑榜",
    "红榜",
    "物业",
    "公示",
    "福海花园",
    "福海",
    "安佳物业",
    "福海 物业",
    "维修资金",
    "电梯",
    "量子计算机",
]


def every_result(page, base: str, query: str) -> list[str]:
    page.goto(base + "/search/?q=" + query.replace(" ", "+"))
    page.wait_for_function(
        "() => { const s = document.querySelector('[data-fulltext-results] .finder-status').textContent;"
        " return (s.includes('共有') || s.includes('没有找到')) && !s.startsWith('正在'); }",
        timeout=120_000,
    )
    return all_result_urls(page)


def _summary(runs: list[dict], status_width: int) -> tuple[dict, str]:
    """The quickest of `runs` and the table cells of all (requests, KB, median ms, what it
    said); the quickest run's largest requests go to stderr."""
    best = min(runs, key=lambda run: run["ms"])
    ms = statistics.median(run["ms"] for run in runs)
    biggest = sorted(best["requests"], key=lambda row: -row[1])[:4]
    print("  largest: " + ", ".join(f"{path} {size / 1024:.0f} KB" for path, size in biggest), file=sys.stderr)
    cells = f"{len(best['requests'])} | {best['bytes'] / 1024:.0f} | {ms:.0f} | {best['status'][:status_width]}"
    return best, cells


def rank(browser, base: str, one: Path, queries: list[str]) -> None:
    httpd, other = serve(one)
    page = browser.new_page()
    print("| query | pages | same pages | same order | same first | same until | largest move |")
    print("|---|---:|---|---|---|---:|---:|")
    try:
        for query in queries:
            parts, single = every_result(page, base, query), every_result(page, other, query)
            same = sorted(parts) == sorted(single)
            until = next((i for i, (a, b) in enumerate(zip(single, parts)) if a != b), min(len(single), len(parts)))
            moved = max((abs(single.index(url) - i) for i, url in enumerate(parts)), default=0) if same else "—"
            print(
                f"| {query} | {len(single)} / {len(parts)} | {same} | {single == parts} |"
                f" {single[:1] == parts[:1]} | {until} | {moved} |"
            )
    finally:
        httpd.shutdown()
        httpd.server_close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path)
    parser.add_argument("--area", action="append", default=[])
    parser.add_argument("--query", action="append", default=[])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--names", action="store_true", help="the name finder instead of full-text search")
    parser.add_argument("--compare", type=Path, help="the whole list of names to hold the keyed files to")
    parser.add_argument("--sample", type=int, default=150)
    parser.add_argument("--rank", type=Path, help="the same content built as one index, to compare rankings with")
    options = parser.parse_args()
    site = options.site.resolve()
    listed = json.loads((site / "pagefind/shards.json").read_text(encoding="utf-8"))
    areas = options.area or list(listed.get("areas", {}))[:3]
    queries = options.query or ["物业", "维修资金", "红黑榜"]
    chromium = os.environ.get("BULLETIN_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        raise SystemExit("Chromium is missing: apt-get install -y chromium fonts-noto-cjk")
    from playwright.sync_api import sync_playwright

    httpd, base = serve(site)
    if options.rank:
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
                rank(browser, base, options.rank.resolve(), options.query or RANK_QUERIES)
                browser.close()
        finally:
            httpd.shutdown()
            httpd.server_close()
        return
    if options.compare:
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
                compare(browser, base, options.compare, options.sample)
                browser.close()
        finally:
            httpd.shutdown()
            httpd.server_close()
        return
    if options.names:
        queries = options.query or ["园", "福海", "安顺公寓三十九期", "asgy", "anshun", "q", "量子"]
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
                names_table(browser, base, queries, options.runs)
                browser.close()
        finally:
            httpd.shutdown()
            httpd.server_close()
        return
    print(f"{site}: {len(listed.get('areas', {}))} districts, {len(listed.get('merge', []))} folders to merge for all")
    print("| scope | query | requests | KB | ms to results | what it said |\n|---|---|---:|---:|---:|---|")
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
            for area in [*areas, None]:
                name = listed["areas"][area]["name"] if area else "全部"
                for query in queries:
                    _best, cells = _summary([first_query(browser, base, query, area) for _ in range(options.runs)], 30)
                    print(f"| {name} | {query} | {cells} |")
            browser.close()
    finally:
        httpd.shutdown()
        httpd.server_close()


if __name__ == "__main__":
    main()
