"""Markdown → safe HTML: the one path every Markdown body takes to a page.

Python-Markdown renders (tables, fenced code, sane lists), then nh3 (an allow-list sanitiser)
keeps only harmless elements and attributes: no script, no event handlers, no iframes, forms or
styles, and links only to http(s), mailto, tel or relative URLs. Images may only point inside the
site (the site loads nothing from third parties). External links get `rel="noopener noreferrer"`.
Headings in a body are shifted down one level so the page keeps a single h1.
"""

from __future__ import annotations

import re

import markdown
import nh3

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


_md = markdown.Markdown(extensions=["tables", "fenced_code", "sane_lists"], output_format="html")


def render_markdown(text: str) -> str:
    """Render an editor's Markdown body to sanitised HTML."""
    _md.reset()
    html = _md.convert(text)
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
