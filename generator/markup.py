"""Markdown → safe HTML: the one path every Markdown body takes to a page.

markdown-it-py renders CommonMark (plus GitHub-style tables and strikethrough), then nh3 (an allow-list sanitiser)
keeps only harmless elements and attributes: no script, no event handlers, no iframes, forms or
styles, and links only to http(s), mailto, tel or relative URLs. Images may only point inside the
site (the site loads nothing from third parties). External links get `rel="noopener noreferrer"`.
Headings in a body are shifted down one level so the page keeps a single h1.
"""

from __future__ import annotations

import multiprocessing
import re

import nh3
from markdown_it import MarkdownIt

_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "dl", "dt", "em", "h2", "h3", "h4", "h5",
    "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "small", "strong",
    "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul", "caption",
}
_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align", "scope"},
    "ol": {"start"},
    "abbr": {"title"},
}
_SCHEMES = {"http", "https", "mailto", "tel"}
_HEADING = re.compile(r"<(/?)h([1-6])(\s|>)")


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    if tag == "img" and attr == "src":
        lowered = value.strip().lower()
        if lowered.startswith(("http:", "https:", "//")) or ":" in lowered.split("/", 1)[0]:
            return None  # no third-party (or scheme-smuggled) images
    if tag in ("td", "th") and attr == "align" and value not in ("left", "right", "center"):
        return None
    return value


def _shift_headings(html: str) -> str:
    return _HEADING.sub(lambda m: f"<{m.group(1)}h{min(int(m.group(2)) + 1, 6)}{m.group(3)}", html)


# CommonMark is the standard most editors' tools follow; markdown-it-py renders it about 1.7 times
# as fast as Python-Markdown on our notices (benchmarks/README.md). Raw HTML is let through here
# and made harmless by nh3 below, exactly as before.
_md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
_md.validateLink = lambda url: True  # every URL becomes a link; nh3 drops the dangerous ones


def _image(renderer, tokens, idx, options, env):
    # alt first, as before the switch, so pages keep their bytes: <img alt="…" src="…">
    token = tokens[idx]
    alt = renderer.renderInlineAsText(token.children or [], options, env)
    token.attrs = {"alt": alt, **{k: v for k, v in token.attrs.items() if k != "alt"}}
    return renderer.renderToken(tokens, idx, options, env)


_md.add_render_rule("image", _image)


_memo: dict[str, str] = {}  # body text -> HTML: the function is pure, so a rebuild reuses it
MEMO_LIMIT = 200_000


def render_markdown(text: str) -> str:
    """Render an editor's Markdown body to sanitised HTML."""
    html = _memo.get(text)
    if html is None:
        if len(_memo) >= MEMO_LIMIT:
            _memo.clear()
        html = _memo[text] = _render(text)
    return html


def keep_only(texts) -> None:
    """Forget every memoised body not in `texts` (the bodies of the current build)."""
    keep = {t: _memo[t] for t in texts if t in _memo}
    _memo.clear()
    _memo.update(keep)


def prerender(texts: list[str], workers: int) -> None:
    """Fill the memo for `texts`, in forked worker processes when there are many (same output)."""
    todo = list(dict.fromkeys(t for t in texts if t not in _memo))
    if workers <= 1 or len(todo) < 200 or "fork" not in multiprocessing.get_all_start_methods():
        for text in todo:
            render_markdown(text)
        return
    chunk = max(16, len(todo) // (workers * 8))
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        for texts_, htmls in pool.imap_unordered(_render_chunk, [todo[i:i + chunk] for i in range(0, len(todo), chunk)]):
            _memo.update(zip(texts_, htmls))


def _render_chunk(texts: list[str]) -> tuple[list[str], list[str]]:
    return texts, [_render(t) for t in texts]


def _render(text: str) -> str:
    html = _md.render(text)
    html = _shift_headings(html)
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes=_SCHEMES,
        attribute_filter=_attribute_filter,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
