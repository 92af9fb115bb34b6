"""In a real browser: hostile content runs no script, and the strict CSP costs the site nothing.

Headless Chromium (Python Playwright, the system's /usr/bin/chromium) loads every page of two
sites served from 127.0.0.1:

- the hostile site (tests/hostile.py) served WITHOUT a Content Security Policy, so that only the
  sanitising and escaping stand between the attacks and the visitor: no dialog may open, the DOM
  as Chromium parsed it may hold no event-handler attribute, no script, no `javascript:`-like URL,
  no element that loads or embeds from elsewhere, and no request may leave 127.0.0.1;
- a normal site with every page kind, served with exactly the headers netlify.toml declares:
  Chromium must report zero CSP violations (securitypolicyviolation events and console errors),
  and the stylesheet must still apply.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.async_api import async_playwright

from browserkit import CHROMIUM_ARGS, chromium_path
from conftest import REPO, SAMPLE, write_tree
from hostile import hostile_files
from kinds import KIND_URLS_MINIMAL, build_every_kind, build_here
from sitecheck import headers_for, netlify_headers, page_urls, serve_in_subprocess

# any host but 127.0.0.1 fails at once (recorded by the request listener), no DNS wait
ISOLATED_ARGS = CHROMIUM_ARGS + ["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
WORKERS = 3

COLLECT = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', e =>
  window.__violations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));
"""

INSPECT = """() => {
  const bad = [];
  const safe = new Set(['http:', 'https:', 'mailto:', 'tel:']);
  const urlAttributes = ['href', 'src', 'action', 'formaction', 'data', 'xlink:href', 'background', 'poster',
                         'srcdoc', 'srcset', 'ping', 'cite', 'longdesc'];
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) {
      const name = a.name.toLowerCase();
      if (name.startsWith('on')) bad.push(`${el.tagName} ${name}`);
      if (name === 'style') bad.push(`${el.tagName} style`);
      if (urlAttributes.includes(name)) {
        let url;
        try { url = new URL(a.value, location.href); } catch (e) { continue; }
        if (!safe.has(url.protocol)) bad.push(`${el.tagName} ${name}=${a.value.slice(0, 80)}`);
        const loads = name !== 'href' || (el.tagName === 'LINK' && !['canonical', 'alternate'].includes(el.rel));
        if (loads && url.origin !== location.origin) bad.push(`${el.tagName} ${name} loads ${url.origin}`);
      }
    }
  }
  for (const s of document.querySelectorAll('script')) {
    if (!s.src || new URL(s.src).origin !== location.origin || s.textContent.trim()) bad.push('script ' + (s.src || 'inline'));
  }
  // The site's own components (the name finder, the 长辈模式 button, charts, QR codes, field
  // tables, the search page's no-JavaScript note) are made by templates, never by content: nh3
  // lets no class, role or form element through, and a body (.prose) holds none of them. Inside
  // a chart or QR code only shapes and text may appear (they are drawn from content labels).
  const ours = 'form.finder-form, form.area-search, button.elder-toggle, button.more-results, button.search-all, svg[role="img"], '
             + 'details.chart-data, details.fields, noscript.search-fallback';
  const templateMade = el => !el.closest('.prose') && (el.matches(ours)
    || (el.matches('input[type="search"][name="q"], button[type="submit"]') && el.closest('form.finder-form, form.area-search'))
    || (el.matches('input[type="hidden"][name="area"]') && el.closest('form.area-search')));
  const svgShapes = new Set(['svg', 'g', 'rect', 'line', 'polyline', 'polygon', 'path', 'circle', 'ellipse', 'text',
                             'tspan', 'title', 'desc']);
  for (const el of document.querySelectorAll('svg *')) {
    if (!svgShapes.has(el.tagName.toLowerCase())) bad.push('in a chart: ' + el.tagName);
  }
  const forbidden = ['iframe', 'frame', 'frameset', 'object', 'embed', 'form', 'input', 'button', 'textarea',
                     'select', 'base', 'svg', 'math', 'style', 'noscript', 'template', 'meta[http-equiv]',
                     'video', 'audio', 'source', 'details', 'dialog', 'marquee'];
  for (const selector of forbidden) {
    for (const el of document.querySelectorAll(selector)) {
      if (!templateMade(el)) { bad.push('element ' + selector); break; }
    }
  }
  return bad;
}"""

STYLED = """() => {
  const sheets = [...document.styleSheets];
  return sheets.length > 0 && sheets.every(s => s.href && new URL(s.href).origin === location.origin)
    && sheets.some(s => s.cssRules.length > 20);
}"""


def _build(root: Path, files: dict) -> Path:
    write_tree(root / "content", files)
    build_here(root)
    return root / "site"


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory) -> Path:
    files, _ = hostile_files()
    return _build(tmp_path_factory.mktemp("hostile-browser"), files)


@pytest.fixture(scope="module")
def normal_site(tmp_path_factory) -> Path:
    return build_every_kind(tmp_path_factory.mktemp("normal-browser"))


async def _visit_all(base: str, urls: list[str], visit) -> dict[str, list[str]]:
    """Open every URL (WORKERS tabs at a time); `visit(page, url)` returns the problems found."""
    found: dict[str, list[str]] = {}
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium_path(), args=ISOLATED_ARGS)
        context = await browser.new_context(service_workers="block")
        await context.add_init_script(COLLECT)
        outside: list[str] = []
        context.on("request", lambda r: outside.append(r.url) if urlsplit(r.url).hostname != "127.0.0.1" else None)
        queue = list(urls)

        async def worker():
            page = await context.new_page()
            dialogs: list[str] = []
            console: list[str] = []

            async def on_dialog(dialog):
                dialogs.append(f"{dialog.type}: {dialog.message}")
                await dialog.dismiss()

            page.on("dialog", on_dialog)
            page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: console.append(f"page error: {e}"))
            while queue:
                url = queue.pop()
                dialogs.clear()
                console.clear()
                problems = await visit(page, base + url)
                problems += [f"dialog {d}" for d in dialogs]
                problems += [
                    f"console {c}"
                    for c in console
                    if "Content Security Policy" in c or "page error" in c or "Refused" in c
                ]
                if problems:
                    found[url] = problems
            await page.close()

        await asyncio.gather(*(worker() for _ in range(WORKERS)))
        await browser.close()
        if outside:
            found["(requests leaving 127.0.0.1)"] = sorted(set(outside))
    return found


def test_hostile_content_runs_no_script_and_loads_nothing_from_elsewhere(hostile_site):
    urls = page_urls(hostile_site)
    assert len(urls) > 300

    async def visit(page, url):
        response = await page.goto(url, wait_until="load")
        assert response is not None and response.status == 200, url
        assert "Content-Security-Policy" not in response.headers  # the sanitiser alone is under test
        return await page.evaluate(INSPECT)

    with serve_in_subprocess(hostile_site, with_headers=False) as base:
        found = asyncio.run(_visit_all(base, urls, visit))
    assert found == {}


def test_every_page_kind_satisfies_the_strict_csp(normal_site):
    urls = page_urls(normal_site) + ["/no/such/page/"]
    if not SAMPLE.is_dir():
        assert set(KIND_URLS_MINIMAL) <= set(urls)
    policy = headers_for(netlify_headers(REPO), "/")["Content-Security-Policy"]

    async def visit(page, url):
        response = await page.goto(url, wait_until="load")
        expected = 404 if url.endswith("/no/such/page/") else 200
        problems = []
        if response is None or response.status != expected:
            problems.append(f"status {response and response.status}")
        elif response.headers.get("content-security-policy") != policy:
            problems.append("served without the policy")
        problems += await page.evaluate("window.__violations")
        problems += await page.evaluate(INSPECT)
        if not await page.evaluate(STYLED):
            problems.append("stylesheet missing or blocked")
        return problems

    with serve_in_subprocess(normal_site, with_headers=True) as base:
        found = asyncio.run(_visit_all(base, urls, visit))
    assert found == {}


def test_the_csp_would_report_an_inline_script(tmp_path):
    """The instrument works: a page with inline script and style under the same headers reports
    violations, and the script does not run."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text(
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>t</title></head>'
        '<body><p style="color:red">x</p><script>alert(1)</script><img src=x onerror="alert(2)"></body></html>',
        encoding="utf-8",
    )

    async def visit(page, url):
        await page.goto(url, wait_until="load")
        return await page.evaluate("window.__violations")

    with serve_in_subprocess(site, with_headers=True) as base:
        found = asyncio.run(_visit_all(base, ["/"], visit))
    problems = found.get("/", [])
    assert any(p.startswith("script-src") for p in problems), problems
    assert any(p.startswith("style-src") for p in problems), problems
    assert not any(p.startswith("dialog") for p in problems)


def test_the_instrument_sees_a_dialog(tmp_path):
    """Without a policy, an unsanitised handler would open a dialog, and the test would see it."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text('<!doctype html><title>t</title><img src=x onerror="alert(1)">', encoding="utf-8")

    async def visit(page, url):
        await page.goto(url, wait_until="load")
        await page.wait_for_function("document.querySelector('img').complete")
        return []

    with serve_in_subprocess(site, with_headers=False) as base:
        found = asyncio.run(_visit_all(base, ["/"], visit))
    assert found.get("/") == ["dialog alert: 1"]


def test_search_runs_under_the_strict_csp(normal_site):
    """The one page that runs real code (the name finder, and Pagefind's WebAssembly when the
    index was built) works under the production policy without a single violation."""
    if not (normal_site / "search/index.html").is_file():
        pytest.fail("the site has no search page")

    async def visit(page, url):
        await page.goto(url, wait_until="load")
        await page.fill('form.finder-form input[name="q"]', "物业")
        await page.wait_for_selector("[data-names-results] ul li", timeout=30_000)
        if await page.evaluate("!!document.querySelector('form.finder-form[data-pagefind]')"):
            await page.wait_for_selector("[data-fulltext-results] li", timeout=30_000)
        return await page.evaluate("window.__violations")

    with serve_in_subprocess(normal_site, with_headers=True) as base:
        found = asyncio.run(_visit_all(base, ["/search/"], visit))
    assert found == {}
