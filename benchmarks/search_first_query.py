"""A resident's first search, measured in Chromium: bytes fetched and time to results.

    python benchmarks/search_first_query.py SITE [--area ID ...] [--query Q ...] [--runs N]

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
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path)
    parser.add_argument("--area", action="append", default=[])
    parser.add_argument("--query", action="append", default=[])
    parser.add_argument("--runs", type=int, default=1)
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
    print(f"{site}: {len(listed.get('areas', {}))} districts, {len(listed.get('merge', []))} folders to merge for all")
    print("| scope | query | requests | KB | ms to results | what it said |\n|---|---|---:|---:|---:|---|")
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
            for area in [*areas, None]:
                name = listed["areas"][area]["name"] if area else "全部"
                for query in queries:
                    runs = [first_query(browser, base, query, area) for _ in range(options.runs)]
                    best = min(runs, key=lambda run: run["ms"])
                    ms = statistics.median(run["ms"] for run in runs)
                    print(
                        f"| {name} | {query} | {len(best['requests'])} | {best['bytes'] / 1024:.0f} | {ms:.0f} |"
                        f" {best['status'][:30]} |"
                    )
                    biggest = sorted(best["requests"], key=lambda row: -row[1])[:4]
                    print(
                        "  largest: " + ", ".join(f"{path} {size / 1024:.0f} KB" for path, size in biggest),
                        file=sys.stderr,
                    )
            browser.close()
    finally:
        httpd.shutdown()
        httpd.server_close()


if __name__ == "__main__":
    main()
