"""Light on a weak phone: measured on the built sample, every page's HTML plus the CSS and script
it loads stays under 30 KB gzip-compressed; all pages share one small fingerprinted CSS file;
the only scripts a page loads are the small site.js and the deferred readaloud.js (朗读), search
code is never loaded up front, and no
page has inline code a strict Content Security Policy would block."""

from __future__ import annotations

import gzip
import re

from browserkit import sample_site
from sitecheck import inline_code, page_links

__all__ = ["sample_site"]  # a fixture, imported so that pytest finds it

BUDGET = 30 * 1024  # bytes, gzip-compressed, for one page's HTML + CSS + JS


def gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6))


def test_every_page_with_its_css_and_script_is_under_30_kb_compressed(sample_site):
    static = sample_site / "static"
    css = sorted(static.glob("style.*.css"))
    assert [p.name for p in static.glob("*.css")] == [p.name for p in css] and len(css) == 1
    assert re.fullmatch(r"style\.[0-9a-f]{10}\.css", css[0].name)
    css_url = "/static/" + css[0].name
    weights = {}
    for page in sorted(sample_site.rglob("*.html")):
        html = page.read_bytes()
        links, _ = page_links(html.decode("utf-8"))
        assert [u for u in links if u.endswith(".css")] == [css_url], page  # one shared stylesheet
        scripts = re.findall(rb'<script[^>]*src="([^"]+)"', html)
        assert len(scripts) == 2 and re.fullmatch(rb"/static/site\.[0-9a-f]{10}\.js", scripts[0]), page
        assert re.fullmatch(rb"/static/readaloud\.[0-9a-f]{10}\.js", scripts[1]), page
        code = sum(gz((sample_site / s.decode().lstrip("/")).read_bytes()) for s in scripts)
        weights[page.relative_to(sample_site).as_posix()] = gz(html) + gz(css[0].read_bytes()) + code
    heaviest = max(weights, key=weights.get)
    assert weights[heaviest] < BUDGET, (heaviest, weights[heaviest])
    assert len(weights) > 200  # the whole sample was measured


def test_search_code_and_data_stay_out_of_every_page(sample_site):
    for page in sample_site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert 'pagefind.js"></script>' not in html and "search." not in "".join(re.findall(r"<script[^>]*>", html))
    names = sample_site / "search" / "names.json"
    assert gz(names.read_bytes()) < BUDGET  # fetched once, when a resident starts typing
    site_js = next((sample_site / "static").glob("site.*.js"))
    assert gz(site_js.read_bytes()) < 2048
    read_aloud = next((sample_site / "static").glob("readaloud.*.js"))
    assert gz(read_aloud.read_bytes()) < 4096


def test_no_sample_page_has_inline_scripts_styles_or_handlers(sample_site):
    for page in sample_site.rglob("*.html"):
        assert inline_code(page.read_text(encoding="utf-8")) == [], page
