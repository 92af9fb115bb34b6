"""适老化 (docs/accessibility.md): what the browser tests in test_browser.py do not already hold.

- Every page of the sample site fits a 375-px phone without sideways scrolling, with default
  text and with the browser's large text (the default font size raised to 32 px through
  DevTools' `Page.setFontSizes`, which is what Chrome's own "font size" setting changes): tables
  become labelled blocks (generator/output/tables.py, style.css), so the year's list shows each
  company's annual score and list status on screen.
- Every body cell of every table with a header row carries its column's label, and the labelling
  keeps hostile Markdown as safe as the sanitiser left it.
- 朗读: the header button reads <main> aloud through speechSynthesis (a stub with a zh-CN voice,
  since headless Chromium has none), in order, in pieces, in zh-CN; it is shown only when a
  Chinese voice exists; 停止朗读 and leaving the page cancel; the strict CSP reports nothing.

One build (through the real command) and one Chromium for the module.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from generator.content.markup import render_markdown
from generator.output.tables import label_cells

from browserkit import Watch, serve
from kinds import build_every_kind

PHONE = {"width": 375, "height": 812}
LARGE_TEXT = {"standard": 32, "fixed": 26}  # twice the default 16/13 px


# --- labels, without a browser -------------------------------------------------------------------


def test_cells_are_labelled_with_their_column_header():
    html = (
        '<table><thead><tr><th scope="col">企业</th><th scope="col" class="num">总分<span class="sub">（满分 100）</span></th>'
        '<th colspan="2">上半年 &amp; 下半年</th></tr></thead>\n<tbody><tr><th scope="row"><a href="/a/">甲</a></th>'
        '<td class="num">90</td><td>1</td><td data-label="已有">2</td></tr>'
        '<tr><td colspan="4">暂无数据。</td></tr></tbody></table>'
    )
    labelled = label_cells(html)
    assert '<th scope="row" data-label="企业">' in labelled
    assert '<td class="num" data-label="总分（满分 100）">90</td>' in labelled
    assert '<td data-label="上半年 &amp; 下半年">1</td>' in labelled  # a header over two columns labels both
    assert '<td data-label="已有">2</td>' in labelled  # never a second label
    assert '<td colspan="4">暂无数据。</td>' in labelled  # a cell across columns gets none
    assert labelled.count("data-label") == 4
    assert label_cells(labelled) == labelled
    no_header = "<table><tr><td>1</td></tr></table>"
    assert label_cells(no_header) == no_header
    assert label_cells("<p>没有表格</p>") == "<p>没有表格</p>"


def test_nested_tables_use_their_own_headers():
    html = (
        "<table><thead><tr><th>外</th></tr></thead><tbody><tr><td>"
        "<table><thead><tr><th>内</th></tr></thead><tbody><tr><td>x</td></tr></tbody></table>"
        "</td></tr></tbody></table>"
    )
    assert re.findall(r'data-label="([^"]*)"', label_cells(html)) == ["外", "内"]


HOSTILE_TABLE = """
| <img src=x onerror=alert(1)>名"称' | a&quot;b<script>alert(2)</script> | `<b>"x"</b>` | [链接](javascript:alert(3)) |
|---|---|---|---|
| 1 | 2 | 3 | 4 |
| <td onclick=alert(4)>5</td> | 6 |

<table><thead><tr><th scope='x"><img src=x onerror=alert(5)>'>h</th></tr></thead><tbody><tr><td>v</td></tr></tbody></table>
"""


def test_a_cell_tag_written_inside_an_attribute_value_is_not_a_cell():
    """A theme's own HTML may hold `<` unescaped inside a quoted attribute value (the HTML
    serialisers allow it): a `<td` there must not be taken for a cell, or the label inserted into
    it would close the quoted value and turn the header text into attributes."""
    page = (
        "<table><thead><tr><th>onmouseover=alert(1) x</th></tr></thead>"
        '<tbody><tr><td><img alt="<td x>" src=a.png></td></tr></tbody></table>'
    )
    labelled = label_cells(page)
    assert labelled.count("data-label") == 1
    assert '<img alt="<td x>" src=a.png>' in labelled
    assert labelled.startswith(
        "<table><thead><tr><th>onmouseover=alert(1) x</th></tr></thead><tbody><tr><td data-label="
    )


def test_labelling_keeps_hostile_markdown_safe():
    body = render_markdown(HOSTILE_TABLE)
    labelled = label_cells(body)
    labels = re.findall(r' data-label="([^"]*)"', labelled)
    assert labels, labelled
    # Only attributes were added: removing them gives back what the sanitiser produced.
    assert re.sub(r' data-label="[^"]*"', "", labelled) == body
    for label in labels:
        assert "<" not in label and ">" not in label and '"' not in label, label

    class Tags(HTMLParser):
        def __init__(self):
            super().__init__()
            self.found: list[tuple[str, tuple]] = []

        def handle_starttag(self, tag, attrs):
            self.found.append((tag, tuple(a for a in attrs if a[0] != "data-label")))

    before, after = Tags(), Tags()
    before.feed(body)
    after.feed(labelled)
    assert before.found == after.found  # the same elements and attributes, in the same order
    assert not any(name.startswith("on") or tag == "script" for tag, attrs in after.found for name, _ in attrs)


# --- the built sample in Chromium ----------------------------------------------------------------


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    return build_every_kind(tmp_path_factory.mktemp("a11y"))


def every_page(site: Path) -> list[str]:
    urls = []
    for path in sorted(site.rglob("*.html")):
        rel = path.relative_to(site).as_posix()
        if rel.split("/")[0] in ("pagefind", "admin", "static"):
            continue
        urls.append("/" + rel.removesuffix("index.html"))
    return urls


class _Cells(HTMLParser):
    """Body cells that lack a label in tables that have a header row."""

    def __init__(self):
        super().__init__()
        self.stack: list[dict] = []
        self.unlabelled: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self.stack.append({"head": False, "in_head": False})
        elif self.stack and tag == "thead":
            self.stack[-1].update(head=True, in_head=True)
        elif self.stack and tag in ("tbody", "tfoot"):
            self.stack[-1]["in_head"] = False
        elif self.stack and tag in ("td", "th"):
            t = self.stack[-1]
            if t["head"] and not t["in_head"] and a.get("colspan", "1") == "1" and not a.get("data-label"):
                self.unlabelled.append(f"{tag} {self.getpos()}")

    def handle_endtag(self, tag):
        if tag == "table" and self.stack:
            self.stack.pop()


@pytest.mark.browser
def test_every_body_cell_of_every_page_has_its_column_label(site):
    unlabelled = {}
    tables = 0
    for url in every_page(site):
        html = (site / url.lstrip("/")).joinpath("index.html") if url.endswith("/") else site / url.lstrip("/")
        text = html.read_text(encoding="utf-8")
        tables += text.count("<table")
        check = _Cells()
        check.feed(text)
        if check.unlabelled:
            unlabelled[url] = check.unlabelled[:3]
    assert tables >= 50 and unlabelled == {}, unlabelled


@pytest.fixture(scope="module")
def server(site):
    running = serve(site)
    yield running
    running.stop()


@pytest.fixture
def phone(chromium, server):
    """phone(large_text=False, init=None) → a page at 375 px in a fresh context; console errors,
    CSP violations and requests to other hosts fail the test."""
    opened = []

    def new_page(large_text: bool = False, init: str | None = None):
        context = chromium.new_context(viewport=PHONE)
        watch = Watch()
        watch.attach(context)
        context.add_init_script(CSP_WATCH)
        if init:
            context.add_init_script(init)
        page = context.new_page()
        if large_text:
            context.new_cdp_session(page).send("Page.setFontSizes", {"fontSizes": LARGE_TEXT})
        opened.append((context, watch, page))
        return page

    new_page.url = server.url
    yield new_page
    for context, watch, page in opened:
        violations = page.evaluate("() => window.__violations || []") if not page.is_closed() else []
        context.close()
        assert violations == [], violations
        watch.assert_clean()


CSP_WATCH = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', e =>
  window.__violations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));
"""

WIDTHS = """() => ({
  scroll: document.documentElement.scrollWidth,
  body: parseFloat(getComputedStyle(document.body).fontSize),
})"""


@pytest.mark.browser
@pytest.mark.parametrize("large_text", [False, True], ids=["default-text", "large-text"])
def test_every_page_fits_a_375px_phone(phone, site, large_text):
    page = phone(large_text)
    too_wide = {}
    sizes = set()
    for url in every_page(site):
        page.goto(phone.url(url))
        measured = page.evaluate(WIDTHS)
        sizes.add(measured["body"])
        if measured["scroll"] > PHONE["width"]:
            too_wide[url] = measured["scroll"]
    assert too_wide == {}, too_wide
    assert sizes == ({36.0} if large_text else {18.0}), sizes  # the large text did apply


LIST_CELLS = """() => {
  const table = document.querySelector('#h-table').parentElement.querySelector('table');
  const out = [];
  for (const row of table.tBodies[0].rows) {
    for (const cell of row.cells) {
      const label = cell.getAttribute('data-label');
      if (label !== '年度综合评价' && label !== '榜单') continue;
      const r = cell.getBoundingClientRect();
      const shown = getComputedStyle(cell, '::before').content;
      out.push({label, left: r.left, right: r.right, text: cell.innerText, shown});
    }
  }
  return {cells: out, viewport: document.documentElement.clientWidth};
}"""


@pytest.mark.browser
@pytest.mark.parametrize("large_text", [False, True], ids=["default-text", "large-text"])
def test_the_year_list_shows_score_and_status_on_screen(phone, site, large_text):
    page = phone(large_text)
    year_lists = sorted(u for u in every_page(site) if re.fullmatch(r"/lists/[^/]+/\d{4}/", u))
    assert year_lists
    for url in year_lists:
        page.goto(phone.url(url))
        found = page.evaluate(LIST_CELLS)
        assert found["cells"], url
        for cell in found["cells"]:
            assert cell["left"] >= 0 and cell["right"] <= found["viewport"], (url, cell)
            assert cell["label"] in cell["shown"], (url, cell)  # the label is shown in front


# --- 朗读 ----------------------------------------------------------------------------------------

ZH_CN = {"name": "Mandarin (China)", "lang": "zh-CN", "voiceURI": "zh-CN", "localService": True, "default": False}
EN_US = {"name": "English (US)", "lang": "en-US", "voiceURI": "en-US", "localService": True, "default": True}


def speech_stub(voices: list[dict]) -> str:
    """An init script: a speechSynthesis that records every call (window.__speech) and, while
    `auto` is on, ends each utterance at once; its voices can change later (setVoices)."""
    return """
(() => {
  const log = {spoken: [], cancels: 0, auto: true, pending: null, voices: VOICES};
  const listeners = [];
  const synth = {
    speaking: false, pending: false, paused: false,
    getVoices: () => log.voices.slice(),
    speak(u) {
      log.spoken.push({text: u.text, lang: u.lang, voice: u.voice ? u.voice.lang : null, rate: u.rate});
      log.pending = u;
      if (log.auto) setTimeout(() => { if (log.pending === u) { log.pending = null; if (u.onend) u.onend({type: 'end'}); } }, 0);
    },
    cancel() {
      log.cancels += 1;
      const u = log.pending;
      log.pending = null;
      if (u && u.onerror) setTimeout(() => u.onerror({type: 'error', error: 'interrupted'}), 0);
    },
    resume() {}, pause() {},
    addEventListener(type, fn) { if (type === 'voiceschanged') listeners.push(fn); },
  };
  log.setVoices = (voices) => { log.voices = voices; listeners.forEach((fn) => fn({type: 'voiceschanged'})); };
  log.finish = () => { const u = log.pending; log.pending = null; if (u && u.onend) u.onend({type: 'end'}); };
  window.__speech = log;
  Object.defineProperty(window, 'speechSynthesis', {value: synth, configurable: true});
  window.SpeechSynthesisUtterance = function (text) {
    this.text = text; this.lang = ''; this.voice = null; this.rate = 1; this.onend = null; this.onerror = null;
  };
})();
""".replace("VOICES", json.dumps(voices))


def notice_with_table(site: Path) -> str:
    """A notice whose body has a table (the sample's 红黑榜 notices)."""
    for url in every_page(site):
        page = site / url.strip("/") / "index.html"
        if url.startswith("/notices/") and url.count("/") == 3 and "<table" in page.read_text(encoding="utf-8"):
            return url
    raise AssertionError("no notice with a table")


@pytest.mark.browser
def test_read_aloud_is_offered_only_with_a_chinese_voice(phone):
    plain = phone()  # headless Chromium's own speechSynthesis: no voices
    plain.goto(phone.url("/"))
    assert plain.locator("#read-aloud").count() == 1 and not plain.locator("#read-aloud").is_visible()

    english = phone(init=speech_stub([EN_US]))
    english.goto(phone.url("/"))
    assert not english.locator("#read-aloud").is_visible()
    english.evaluate("(v) => window.__speech.setVoices(v)", [EN_US, ZH_CN])  # voices arrive late
    assert english.locator("#read-aloud").is_visible()
    assert english.locator("#read-aloud").inner_text() == "朗读"

    chinese = phone(init=speech_stub([EN_US, ZH_CN]))
    chinese.goto(phone.url("/"))
    assert chinese.locator("#read-aloud").is_visible()
    size = chinese.locator("#read-aloud").bounding_box()
    assert size and size["width"] >= 44 and size["height"] >= 44


def spoken_text(page) -> str:
    return "".join(s["text"] for s in page.evaluate("() => window.__speech.spoken"))


@pytest.mark.browser
def test_read_aloud_speaks_the_main_text_in_order_in_mandarin(phone, site):
    url = notice_with_table(site)
    page = phone(init=speech_stub([EN_US, ZH_CN]))
    page.goto(phone.url(url))
    button = page.locator("#read-aloud")
    button.click()
    page.wait_for_function("() => document.getElementById('read-aloud').textContent === '朗读'")  # read to the end
    spoken = page.evaluate("() => window.__speech.spoken")
    assert len(spoken) > 3
    assert {s["lang"] for s in spoken} == {"zh-CN"} and {s["voice"] for s in spoken} == {"zh-CN"}
    assert max(len(s["text"]) for s in spoken) <= 60  # short pieces: Chrome stops long ones
    text = spoken_text(page)
    blocks = page.evaluate("""() => [...document.querySelectorAll('main h1, main h2, main .prose p')]
        .map((el) => el.innerText.replace(/\\s+/g, ' ').trim()).filter(Boolean)""")
    assert text.startswith(blocks[0]), (blocks[0], text[:80])  # the title first, no navigation
    at = 0
    for block in blocks:  # every heading and paragraph, in the page's order
        found = text.find(block, at)
        assert found >= 0, (block, text[at : at + 120])
        at = found + len(block)
    first_row = page.evaluate("""() => [...document.querySelector('main .prose tbody tr').cells]
        .map((c) => c.getAttribute('data-label') + '：' + c.textContent.replace(/\\s+/g, ' ').trim()).join('；')""")
    assert first_row in text  # a table row is read cell by cell, each with its column
    for noise in ("跳到正文", "长辈模式", "内容指纹", "返回公示公告列表", "联系方式：", "本站生成于"):
        assert noise not in text, noise


@pytest.mark.browser
def test_read_aloud_reads_the_countdown_the_search_index_leaves_out(phone, site):
    """A notice's 公示中（还剩 N 天） is marked data-pagefind-ignore="index" (it changes every day:
    out of the full-text index) and is still read aloud; the lists marked data-pagefind-ignore
    are not."""
    url = next(
        u
        for u in every_page(site)
        if u.startswith("/notices/")
        and "公示中（还剩" in (site / u.strip("/") / "index.html").read_text(encoding="utf-8")
    )
    html = (site / url.strip("/") / "index.html").read_text(encoding="utf-8")
    assert re.search(
        r'<p class="period-state" data-pagefind-ignore="index">\s*<span class="badge badge-open">公示中', html
    )
    page = phone(init=speech_stub([ZH_CN]))
    page.goto(phone.url(url))
    page.locator("#read-aloud").click()
    page.wait_for_function("() => document.getElementById('read-aloud').textContent === '朗读'")
    text = spoken_text(page)
    assert "公示中（还剩" in text and "内容指纹" not in text and "返回公示公告列表" not in text


@pytest.mark.browser
def test_read_aloud_stops_on_request_and_on_leaving(phone):
    page = phone(init=speech_stub([ZH_CN]))
    page.goto(phone.url("/"))
    page.evaluate("() => { window.__speech.auto = false; }")
    button = page.locator("#read-aloud")
    button.click()
    assert button.inner_text() == "停止朗读"
    assert page.evaluate("() => window.__speech.spoken.length") == 1
    button.click()
    assert button.inner_text() == "朗读"
    assert page.evaluate("() => window.__speech.cancels") >= 1
    page.evaluate("() => window.__speech.finish()")  # a late 'end' from the cancelled piece
    page.wait_for_timeout(50)
    assert page.evaluate("() => window.__speech.spoken.length") == 1  # nothing more is said

    button.click()  # again, then leave the page
    assert page.evaluate("() => window.__speech.spoken.length") == 2
    cancels = page.evaluate("() => window.__speech.cancels")
    page.evaluate("() => window.dispatchEvent(new PageTransitionEvent('pagehide', {persisted: false}))")
    assert page.evaluate("() => window.__speech.cancels") == cancels + 1
    assert button.inner_text() == "朗读"


SPACING = """() => {
  const out = [];
  // running text: a notice's body and paragraphs of the page itself (not the date line under a
  // title in a list, which belongs to its entry)
  for (const p of document.querySelectorAll('main .prose p, main > p, main article > p, main section > p')) {
    const next = p.nextElementSibling;
    if (!next || next.tagName !== 'P' || !p.offsetHeight || !next.offsetHeight) continue;
    const s = getComputedStyle(p);
    const size = parseFloat(s.fontSize), line = parseFloat(s.lineHeight);
    const gap = next.getBoundingClientRect().top - p.getBoundingClientRect().bottom;
    out.push({text: p.textContent.trim().slice(0, 12), ratio: line / size, paragraph: (gap + line) / line});
  }
  return out;
}"""


@pytest.mark.browser
@pytest.mark.parametrize("large_text", [False, True], ids=["default-text", "large-text"])
def test_line_and_paragraph_spacing(phone, site, large_text):
    # 行距至少 1.3 倍，段落间距至少为行距的 1.3 倍 (from one baseline to the next across paragraphs)
    page = phone(large_text)
    measured = []
    for url in ("/", notice_with_table(site), sorted(u for u in every_page(site) if u.startswith("/projects/"))[-1]):
        page.goto(phone.url(url))
        measured += page.evaluate(SPACING)
    assert len(measured) >= 3, measured
    bad = [m for m in measured if m["ratio"] < 1.3 or m["paragraph"] < 1.3]
    assert bad == [], bad


# --- 无障碍声明 and 特大鼠标 -----------------------------------------------------------------------


def _page_text(site: Path, url: str) -> str:
    path = site / url.lstrip("/")
    return (path / "index.html" if url.endswith("/") else path).read_text(encoding="utf-8")


def test_the_accessibility_statement_is_linked_from_every_page_and_says_whom_to_tell(site):
    pages = every_page(site)
    assert "/accessibility/" in pages and "/404.html" in pages
    footer_link = '<a href="/accessibility/">无障碍声明</a>'
    assert [u for u in pages if footer_link not in _page_text(site, u).split('<footer class="site-footer">')[1]] == []
    statement = _page_text(site, "/accessibility/")
    main = statement.split('<main id="main"')[1].split("</main>")[0]
    assert "<h1>无障碍声明</h1>" in main
    for heading in ("本站支持的功能", "已知的不足", "遇到问题怎么办"):
        assert f">{heading}</h2>" in main, heading
    # what it promises, each held by a test here or in test_browser.py (docs/accessibility.md)
    for promise in ("长辈模式", "特大箭头", "朗读", "375 像素", "Tab 键", "跳到正文", "读屏软件", "7:1", "没有广告"):
        assert promise in main, promise
    # how to report a problem: the site's own publisher and contact, as in the footer
    contact = re.search(r"<p>联系方式：(.+?)</p>", statement)[1]
    publisher = re.search(r"<p>发布单位：(.+?)</p>", statement)[1]
    report = main.split(">遇到问题怎么办</h2>")[1]
    assert f"请联系{publisher}：{contact}" in report


@pytest.mark.browser
def test_large_text_mode_gives_an_extra_large_pointer(phone):
    page = phone()
    page.goto(phone.url("/"))
    assert page.evaluate("() => getComputedStyle(document.querySelector('main a')).cursor") in ("auto", "pointer")
    page.click("#elder-toggle")
    cursor = page.evaluate("() => getComputedStyle(document.querySelector('main a')).cursor")
    found = re.fullmatch(r'url\("(http://127\.0\.0\.1:\d+/static/cursor\.[0-9a-f]{10}\.svg)"\) 4 2, auto', cursor)
    assert found, cursor
    assert page.evaluate("() => getComputedStyle(document.body).cursor") == cursor
    assert page.evaluate("() => getComputedStyle(document.querySelector('input')).cursor") == "text"
    svg = page.request.get(found[1])
    assert svg.status == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert 'width="48" height="48"' in svg.text()
    page.goto(phone.url("/accessibility/"))  # remembered on the next page; the CSP allows the image
    assert page.evaluate("() => getComputedStyle(document.body).cursor") == cursor


def test_the_clause_table_cites_tests_that_exist():
    """docs/accessibility.md names, for each clause, the test that shows it: each must exist."""
    root = Path(__file__).resolve().parent
    doc = (root.parent / "docs" / "accessibility.md").read_text(encoding="utf-8")
    defined = set()
    for source in root.glob("*.py"):
        defined |= set(re.findall(r"^def (test_\w+)", source.read_text(encoding="utf-8"), re.M))
    files = {p.stem for p in root.glob("test_*.py")}
    cited = set(re.findall(r"`(test_\w+)(\*?)(?:\[[^\]]*\])?`", doc))  # `test_read_aloud_*`: a prefix
    assert len(cited) > 20
    missing = [
        name + star
        for name, star in cited
        if name not in files and not (any(d.startswith(name) for d in defined) if star else name in defined)
    ]
    assert missing == []
