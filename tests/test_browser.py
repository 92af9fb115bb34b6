"""The sample site in a real browser: headless Chromium (Playwright) against a real HTTP server on
127.0.0.1 that sends the production Content Security Policy.

Every page kind passes axe-core's WCAG 2.2 AA rules at 1280 px and, in 长辈模式, at 375 px; pages
reflow at 320 px and at 200% zoom; text and touch targets are large enough; focus is visible and
the skip link works; the large-text mode survives a reload; everything reads without JavaScript;
search code loads only when a resident starts searching; real Chinese queries find the right
pages; every notice prints as a one-page A4 poster whose QR code (decoded from a rendered image)
opens its own page. No page logs a console error or asks any other host for anything.

Screenshots (375 px and 1280 px for each page kind) and the printed notice are written to
test-artifacts/. Select these tests with `-m browser`, or leave them out with `-m "not browser"`.
"""

from __future__ import annotations

import io
import re
from urllib.parse import urlsplit

import pytest

from generator.output.search import pinyin

from browserkit import (
    ARTIFACTS,
    Watch,
    all_result_urls,
    describe,
    one_page_per_kind,
    run_axe,
    sample_pages,
    sample_site,
    serve,
)
from conftest import SAMPLE
from sitecheck import indexed_pages

pytestmark = pytest.mark.browser
__all__ = ["sample_site"]  # a fixture, imported so that pytest finds it

PAGES = sample_pages()
KINDS = one_page_per_kind(PAGES)
NOTICES = [p for p in PAGES if p.context["page"]["kind"] == "notice"]


@pytest.fixture(scope="module")
def server(sample_site):
    running = serve(sample_site)
    yield running
    running.stop()


@pytest.fixture
def browse(chromium, server):
    """browse(width, **options) → a new page in a fresh context (no stored settings) whose console
    errors and off-host requests fail the test."""
    opened = []

    def new_page(width: int = 1280, height: int = 900, **options):
        context = chromium.new_context(viewport={"width": width, "height": height}, **options)
        watch = Watch()
        watch.attach(context)
        opened.append((context, watch))
        return context.new_page()

    new_page.url = server.url
    yield new_page
    for context, _ in opened:
        context.close()
    for _, watch in opened:
        watch.assert_clean()


def shot(page, name: str) -> None:
    (ARTIFACTS / "screens").mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "screens" / f"{name}.png"), full_page=True)


def turn_on_large_text(page) -> None:
    page.click("#elder-toggle")
    assert page.get_attribute("#elder-toggle", "aria-pressed") == "true"


# --- accessibility -----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_axe_wcag22_aa_finds_nothing_at_1280_and_at_375_in_large_text(browse, kind):
    wide = browse(1280)
    wide.goto(browse.url(KINDS[kind]))
    violations = run_axe(wide)
    shot(wide, f"{kind}-1280")

    narrow = browse(375, 812)
    narrow.goto(browse.url(KINDS[kind]))
    shot(narrow, f"{kind}-375")
    turn_on_large_text(narrow)
    violations += run_axe(narrow)
    shot(narrow, f"{kind}-375-elder")
    assert violations == [], describe(violations)


def test_the_axe_check_can_fail(browse):
    page = browse(1280)
    page.goto(browse.url("/"))
    page.evaluate("""() => {
        const main = document.querySelector('main');
        const img = document.createElement('img');
        img.src = document.querySelector('link[rel=icon]').href;  // an image without alt text
        main.append(img);
        for (const [text, colour] of [['很浅的字', '#999999'], ['较浅的字', '#767676']]) {
          const p = document.createElement('p');
          p.textContent = text;
          p.style.color = colour;  // #999 fails 4.5:1; #767676 passes 4.5:1 but not 7:1
          main.append(p);
        }
    }""")
    found = {v["id"]: [node["html"] for node in v["nodes"]] for v in run_axe(page)}
    assert set(found) == {"image-alt", "color-contrast", "color-contrast-enhanced"}, found
    assert any("较浅的字" in html for html in found["color-contrast-enhanced"]), found


REFLOW = """() => {
  const root = document.documentElement;
  const wide = [];
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('.table-wrap, .skip-link')) continue;  // tables scroll in their own region
    const r = el.getBoundingClientRect();
    if (r.width && (r.right > root.clientWidth + 1 || r.left < -1)) wide.push(el.tagName + '.' + el.className);
  }
  return {scroll: root.scrollWidth, width: root.clientWidth, wide: wide.slice(0, 5)};
}"""


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_pages_reflow_at_320px_and_at_200_percent_zoom(browse, kind):
    # 200% zoom of a 1280-px window leaves 640 CSS px; 长辈模式 at 320 px is the hardest case.
    for width, large in [(320, False), (320, True), (640, False), (640, True)]:
        page = browse(width, 640)
        page.goto(browse.url(KINDS[kind]))
        if large:
            turn_on_large_text(page)
        measured = page.evaluate(REFLOW)
        assert measured["scroll"] <= measured["width"] and not measured["wide"], (width, large, measured)


SIZES = """() => {
  const visible = (el) => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const body = getComputedStyle(document.body);
  const small = [], tight = [], targets = [];
  for (const el of document.querySelectorAll('main p, main li, main dd, main dt, main td, main th, main caption, main label, footer p')) {
    if (!visible(el) || !el.textContent.trim()) continue;
    const s = getComputedStyle(el);
    const size = parseFloat(s.fontSize);
    if (size < 18) small.push(el.tagName + ' ' + el.textContent.trim().slice(0, 20) + ' ' + size);
    const lh = s.lineHeight === 'normal' ? 1.2 * size : parseFloat(s.lineHeight);
    if (lh / size < 1.5) tight.push(el.tagName + ' ' + el.textContent.trim().slice(0, 20) + ' ' + (lh / size).toFixed(2));
  }
  for (const el of document.querySelectorAll('a[href], button, input, select, textarea')) {
    if (!visible(el) || el.closest('.skip-link')) continue;
    const r = el.getBoundingClientRect();
    const block = el.parentElement.closest('p, li, dd, td, th, caption, span, div');
    const inline = getComputedStyle(el).display === 'inline' && block &&
                   block.textContent.trim().length > el.textContent.trim().length;
    if (!inline && (r.width < 44 || r.height < 44))
      targets.push(el.tagName + ' "' + el.textContent.trim().slice(0, 20) + '" ' + Math.round(r.width) + 'x' + Math.round(r.height));
  }
  return {body: parseFloat(body.fontSize), small: small.slice(0, 8), tight: tight.slice(0, 8), targets: targets.slice(0, 8)};
}"""


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_text_is_large_and_targets_are_44px(browse, kind):
    page = browse(375, 812)
    page.goto(browse.url(KINDS[kind]))
    normal = page.evaluate(SIZES)
    assert normal["body"] >= 18 and normal["small"] == [] and normal["tight"] == [], normal
    assert normal["targets"] == [], normal  # links inside sentences are exempt (WCAG 2.5.5)
    turn_on_large_text(page)
    large = page.evaluate(SIZES)
    assert large["body"] >= 24 and large["targets"] == [], large


def test_skip_link_and_focus_are_visible(browse):
    page = browse(375, 812)
    page.goto(browse.url("/"))
    page.keyboard.press("Tab")
    focused = page.evaluate("""() => { const el = document.activeElement; const s = getComputedStyle(el);
        const r = el.getBoundingClientRect();
        return {cls: el.className, text: el.textContent, outline: s.outlineStyle, width: parseFloat(s.outlineWidth),
                inView: r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth}; }""")
    assert focused["cls"] == "skip-link" and focused["text"] == "跳到正文" and focused["inView"], focused
    assert focused["outline"] != "none" and focused["width"] >= 2, focused
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
    for _ in range(12):  # every stop along the way shows where the focus is
        page.keyboard.press("Tab")
        style = page.evaluate(
            "() => { const s = getComputedStyle(document.activeElement); "
            "return [document.activeElement.tagName, s.outlineStyle, parseFloat(s.outlineWidth)]; }"
        )
        assert style[1] != "none" and style[2] >= 2, style


def test_large_text_mode_is_one_tap_and_stays_on(browse):
    page = browse(375, 812)
    page.goto(browse.url("/"))
    toggle = page.locator("#elder-toggle")
    assert toggle.is_visible() and toggle.get_attribute("aria-pressed") == "false"
    assert toggle.evaluate("el => el.tagName") == "BUTTON"
    before = page.evaluate("() => parseFloat(getComputedStyle(document.body).fontSize)")
    toggle.click()
    after = page.evaluate("() => parseFloat(getComputedStyle(document.body).fontSize)")
    assert toggle.get_attribute("aria-pressed") == "true" and after >= 24 > before >= 18
    page.reload()
    assert page.evaluate("() => document.documentElement.classList.contains('elder')")
    assert page.get_attribute("#elder-toggle", "aria-pressed") == "true"
    page.goto(browse.url(KINDS["compound"]))  # and on every other page
    assert page.evaluate("() => parseFloat(getComputedStyle(document.body).fontSize)") == after
    page.click("#elder-toggle")
    page.reload()
    assert page.get_attribute("#elder-toggle", "aria-pressed") == "false"
    assert page.evaluate("() => parseFloat(getComputedStyle(document.body).fontSize)") == before


def test_everything_reads_without_javascript(browse):
    for kind, url in KINDS.items():
        page = browse(375, 812, java_script_enabled=False)
        page.goto(browse.url(url))
        assert len(page.inner_text("main")) > 20, kind
        assert not page.locator("#elder-toggle").is_visible(), kind  # no button that would do nothing
    page = browse(375, 812, java_script_enabled=False)
    page.goto(browse.url("/"))
    page.fill("#home-q", "福海")
    page.click(".finder-form button")
    page.wait_for_url("**/search/?q=*")
    assert page.locator("noscript").count() == 1
    assert page.locator("main a[href='/compounds/']").is_visible()  # the directories instead


# --- search ------------------------------------------------------------------------------------


def requested(page) -> list[str]:
    return page.evaluate("() => performance.getEntriesByType('resource').map(e => new URL(e.name).pathname)")


def test_search_code_loads_only_when_a_resident_starts_searching(browse):
    page = browse(375, 812)
    page.goto(browse.url("/"))
    first = requested(page)
    assert not [u for u in first if "search" in u or "pagefind" in u], first
    page.focus("#home-q")
    page.wait_for_function("() => performance.getEntriesByType('resource').some(e => e.name.includes('names.json'))")
    after_focus = requested(page)
    assert any(re.search(r"/static/search\.[0-9a-f]+\.js$", u) for u in after_focus), after_focus
    assert not [u for u in after_focus if "pagefind" in u]  # the home box matches names only

    page.goto(browse.url("/search/"))
    assert not [u for u in requested(page) if "pagefind" in u]
    page.fill("#q", "物业")
    page.wait_for_function(
        "() => document.querySelector('[data-fulltext-results] .finder-status').textContent.startsWith('共有')"
    )
    assert any(u.startswith("/pagefind/") for u in requested(page))


def full_text(page, query: str) -> tuple[str, list[str]]:
    """Type `query` into the search page; (status line, every result URL, after 显示更多 until all)."""
    page.fill("#q", query)
    status = page.locator("[data-fulltext-results] .finder-status")
    page.wait_for_function(
        "(q) => { const s = document.querySelector('[data-fulltext-results] .finder-status').textContent;"
        " return s.includes('“' + q + '”') && !s.startsWith('正在'); }",
        arg=query,
    )
    urls = all_result_urls(page)
    return status.inner_text(), urls


LIST_PAGES = sorted(p.url for p in PAGES if p.context["page"]["kind"] in ("lists", "list_year"))
COMPANY = next(p for p in PAGES if p.url == "/companies/anjia-wuye/").context["company"]
FUHAI = "/compounds/fuhai-huayuan/"


@pytest.mark.parametrize(
    "query, at_least, must_include, top, first_name",
    [
        ("红黑榜", 5, LIST_PAGES, ["/lists/"], None),
        ("红榜", 5, LIST_PAGES, [], None),
        ("物业", 20, ["/companies/", "/lists/"], [], None),
        ("福海花园", 1, [FUHAI], [], FUHAI),
        ("福海", 1, [FUHAI], [], FUHAI),
        ("安佳物业", 1, ["/companies/anjia-wuye/"], ["/companies/anjia-wuye/"], "/companies/anjia-wuye/"),
    ],
)
def test_full_text_search_finds_the_right_pages(browse, sample_site, query, at_least, must_include, top, first_name):
    page = browse(375, 812)
    page.goto(browse.url("/search/"))
    status, urls = full_text(page, query)
    shot(page, "search-" + pinyin(query)[1])
    assert len(urls) >= at_least and f"共有 {len(urls)} 个页面" in status, (status, urls)
    assert len(set(urls)) == len(urls) and "/search/" not in urls and "/404.html" not in urls
    assert set(must_include) <= set(urls), sorted(set(must_include) - set(urls))
    assert set(top) <= set(urls[:3]), urls[:3]
    indexed = indexed_pages(sample_site)
    containing = {url for url, text in indexed.items() if query in text}
    assert containing <= set(urls), sorted(containing - set(urls))  # every page that says it is found
    for url in urls:  # and nothing found lacks the query's characters
        assert all(char in indexed[url] for char in query), (query, url)
    if first_name:  # the instant name list above the results names the record itself first
        assert page.eval_on_selector(".finder-names li a", "a => a.getAttribute('href')") == first_name


def test_full_text_search_says_when_nothing_matches_and_keeps_the_query(browse):
    page = browse(375, 812)
    page.goto(browse.url("/search/"))
    status, urls = full_text(page, "量子计算机")
    assert urls == [] and "没有找到" in status
    assert page.url.endswith("/search/?q=%E9%87%8F%E5%AD%90%E8%AE%A1%E7%AE%97%E6%9C%BA")
    page.reload()  # the address keeps the query, so reload or back shows the same answer
    page.wait_for_function(
        "() => document.querySelector('[data-fulltext-results] .finder-status').textContent.includes('没有找到')"
    )


def test_a_query_in_the_address_runs_on_arrival(browse):
    page = browse(1280)
    page.goto(browse.url("/search/?q=" + COMPANY.name))
    page.wait_for_function("() => document.querySelectorAll('.result-list li').length > 0")
    assert page.input_value("#q") == COMPANY.name
    assert page.eval_on_selector(".result-list a", "a => a.getAttribute('href')") == "/companies/anjia-wuye/"
    assert page.eval_on_selector(".finder-names li a", "a => a.getAttribute('href')") == "/companies/anjia-wuye/"


def test_a_sharded_index_is_searched_as_one(browse, tmp_path, monkeypatch):
    """The sample indexed in parts (a district each) cut into shards of a few dozen pages (as a
    province site's big parts are): one query finds the pages of every part and shard, the same
    pages as the single index."""
    import json

    from generator.output.search import indexed_text_bytes, plan_shards

    from conftest import cli

    budget = 60  # MB a shard: the sample's parts need ~50-100 MB each in one index
    monkeypatch.setenv("BULLETIN_SEARCH_SHARD_MB", str(budget))
    out = tmp_path / "site"
    run = cli("build", "--content", str(SAMPLE), "--out", str(out), "--today", "2026-11-27")
    assert run.exit_code == 0 and "Pagefind" not in run.output, run.output
    shard_of = {}  # page URL → the folder of its part's shard, as the build cut them
    for part in ["", *(f"d/{area}/" for area in json.loads((out / "pagefind/shards.json").read_bytes())["areas"])]:
        pages = json.loads((out / "pagefind" / part / "part.json").read_bytes())["pages"]
        indexed = [rel for rel in pages if indexed_text_bytes((out / rel).read_bytes()) is not None]
        for n, shard in enumerate(plan_shards(out, budget, 1, pages=indexed)):
            shard_of.update({"/" + rel.removesuffix("index.html"): part + (f"s{n}/" if n else "") for rel in shard})
    assert len(set(shard_of.values())) >= 6
    indexed = indexed_pages(out)
    sharded = serve(out)
    pages = []
    try:
        for query in ("物业", "福海", "红黑榜", "福海 物业"):
            page = browse(375, 812)
            pages.append(page)
            fetched = []  # the worker's requests too, which the page's resource timing leaves out
            page.context.on("request", lambda request, fetched=fetched: fetched.append(urlsplit(request.url).path))
            page.goto(sharded.url("/search/"))
            _status, urls = full_text(page, query)
            words = query.split()  # a query of several words finds the pages holding each of them as typed
            containing = {url for url, text in indexed.items() if all(word in text for word in words)}
            assert containing and containing <= set(urls) and len(set(urls)) == len(urls), sorted(
                containing - set(urls)
            )
            assert all(all(word in indexed[url] for word in words) for url in urls), (
                query,
                [u for u in urls if not all(w in indexed[u] for w in words)],
            )
            if query == "物业":
                assert len({shard_of[url] for url in urls}) >= 3, {url: shard_of[url] for url in urls}
                entry = re.compile(r"^/pagefind/(.*)pagefind-entry\.json$")
                folders = {m.group(1) for m in map(entry.match, fetched) if m}
                assert folders == set(shard_of.values()), fetched
    finally:
        for page in pages:
            page.close()  # before their server goes (a late request would fail as a reset)
        sharded.stop()


@pytest.mark.parametrize("typed", ["福海", "fhhy", "fuhai", "FHHY"])
def test_instant_box_finds_a_compound_by_part_of_its_name_or_pinyin(browse, typed):
    page = browse(375, 812)
    page.goto(browse.url("/"))
    page.fill("#home-q", typed)
    link = page.locator(".finder-names a[href='/compounds/fuhai-huayuan/']")
    link.wait_for()
    assert link.inner_text() == "福海花园"
    assert "福海花园" in page.locator(".finder-names .entry-list").inner_text()
    shot(page, f"instant-{typed}-375")
    link.click()
    page.wait_for_url("**/compounds/fuhai-huayuan/")


def test_search_page_without_an_index_says_so_and_offers_directories(browse, tmp_path, monkeypatch):
    from conftest import cli

    monkeypatch.setenv("BULLETIN_PAGEFIND", str(tmp_path / "no-such-pagefind"))
    out = tmp_path / "site"
    run = cli("build", "--content", str(SAMPLE), "--out", str(out), "--today", "2026-11-27")
    assert run.exit_code == 0 and "警告：" in run.stderr and "全文搜索" in run.stderr, run.output
    assert not (out / "pagefind").exists()
    plain = serve(out)
    page = None
    try:
        page = browse(375, 812)
        page.goto(plain.url("/search/"))
        assert "全文搜索暂不可用" in page.inner_text("#fulltext-unavailable")
        assert page.locator("main a[href='/compounds/']").is_visible()
        page.fill("#q", "fhhy")  # the name finder still works
        page.locator(".finder-names a[href='/compounds/fuhai-huayuan/']").wait_for()
    finally:
        if page is not None:
            page.close()  # before its server goes: a late request (the icon) would fail as a reset
        plain.stop()


# --- print -------------------------------------------------------------------------------------

PRINT_CHECK = """() => {
  const shown = (sel) => { const el = document.querySelector(sel); return !!el && getComputedStyle(el).display !== 'none'; };
  const link = document.querySelector('main a[href^="/"]');
  return {nav: shown('.site-nav'), skip: shown('.skip-link'), toggle: shown('#elder-toggle'), footer: shown('.site-footer'),
          address: shown('.site-header .print-only'),
          linkTarget: link ? getComputedStyle(link, '::after').content : null, href: link ? link.getAttribute('href') : null};
}"""


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_page_prints_without_navigation_and_with_link_targets(browse, kind):
    page = browse(1280)
    page.goto(browse.url(KINDS[kind]))
    page.emulate_media(media="print")
    printed = page.evaluate(PRINT_CHECK)
    assert not printed["nav"] and not printed["skip"] and not printed["toggle"] and not printed["footer"], printed
    assert printed["address"], printed
    if printed["href"]:
        assert printed["href"] in printed["linkTarget"], printed


def test_a_notice_prints_as_a_one_page_a4_poster(browse):
    page = browse(1280)
    page.goto(browse.url(KINDS["notice"]))
    page.emulate_media(media="print")
    poster = page.evaluate("""() => ({
        title: parseFloat(getComputedStyle(document.querySelector('.notice h1')).fontSize),
        body: parseFloat(getComputedStyle(document.querySelector('.notice .prose')).fontSize),
        qr: getComputedStyle(document.querySelector('.poster-qr')).display,
        text: document.querySelector('main').innerText})""")
    assert poster["title"] >= 32 and poster["body"] >= 18 and poster["qr"] != "none", poster
    for words in ("公示期", "发布单位", "内容指纹", "发布日期"):
        assert words in poster["text"], words
    ARTIFACTS.mkdir(exist_ok=True)
    pdf = page.pdf(path=str(ARTIFACTS / "notice-print.pdf"), prefer_css_page_size=True, print_background=True)
    pages = re.findall(rb"/Type\s*/Page[^s]", pdf)
    media = re.search(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    assert len(pages) == 1, len(pages)
    assert media and abs(float(media.group(1)) - 595.3) < 2 and abs(float(media.group(2)) - 841.9) < 2, media


def test_every_notice_qr_code_opens_its_own_page(browse):
    import zxingcpp
    from PIL import Image

    page = browse(1280)
    page.emulate_media(media="print")
    decoded = {}
    for notice in NOTICES:
        page.goto(browse.url(notice.url))
        canonical = page.get_attribute("link[rel=canonical]", "href")
        png = page.locator(".poster-qr svg").screenshot()
        found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
        decoded[notice.url] = [r.text for r in found]
        assert decoded[notice.url] == [canonical], (notice.url, decoded[notice.url])
        assert canonical.endswith(notice.url) and canonical.startswith("https://")
        shown = page.locator("dl.facts .code").inner_text()
        printed = page.locator(".poster-qr strong.code").inner_text()
        assert re.fullmatch(r"[0-9A-F]{8}", shown) and shown == printed
    assert len(decoded) == len(NOTICES) >= 30
